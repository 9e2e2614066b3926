import Testing
@testable import TorchCUDA
import TorchCore

/// NVRTC, when this machine has it (CI installs the `nvidia-cuda-nvrtc-cu12` wheel and points
/// `SWIFTTORCH_CUDA_LIBS` at it); the compile tests report themselves skipped otherwise.
private let compiler: NVRTC? = try? CUDA.nvrtc()
private let skipReason: Comment = "NVRTC not found (set SWIFTTORCH_CUDA_LIBS to a folder with libnvrtc.so.12)"

/// Kernel generation from the registry's elementwise expressions, and NVRTC compiling all of it.
@Suite struct CUDAKernelTests {
    @Test func dtypeRulesFollowTheCPUKernels() throws {
        let exp = try #require(OpRegistry.all.first { $0.name == "exp" }?.elementwise)
        let relu = try #require(OpRegistry.all.first { $0.name == "relu" }?.elementwise)
        let clone = try #require(OpRegistry.all.first { $0.name == "clone" }?.elementwise)
        // exp promotes integers to float32 and computes half types in float.
        let expInt = try #require(ElementwiseKernelSpec(op: "exp", expression: exp, dtype: .int32))
        #expect(expInt.output == .float32 && expInt.computeType == "float" && expInt.inputs == [.int32])
        #expect(ElementwiseKernelSpec(op: "exp", expression: exp, dtype: .bfloat16)?.computeType == "float")
        #expect(ElementwiseKernelSpec(op: "exp", expression: exp, dtype: .float64)?.computeType == "double")
        #expect(ElementwiseKernelSpec(op: "exp", expression: exp, dtype: .bool) == nil)
        // relu keeps integer dtypes and computes in them.
        let reluI64 = try #require(ElementwiseKernelSpec(op: "relu", expression: relu, dtype: .int64))
        #expect(reluI64.output == .int64 && reluI64.computeType == "long long")
        #expect(ElementwiseKernelSpec(op: "clone", expression: clone, dtype: .bool)?.output == .bool)
        // One spec per accepted dtype; `.numeric` ops get nine.
        let reluOp = try #require(OpRegistry.all.first { $0.name == "relu" })
        #expect(KernelSource.specs(for: reluOp).count == 9)
    }

    @Test func symbolsAreCIdentifiers() throws {
        let op = try #require(OpRegistry.all.first { $0.name == "gelu(tanh)" })
        let spec = try #require(KernelSource.specs(for: op).first { $0.inputs == [.float16] })
        #expect(spec.contiguousEntry == "st_gelu_tanh___f16_to_f16_contig")
        #expect(spec.source.contains("st_f2h((float)(x * ((C)1 + tanh("))
        let names = KernelSource.registryPrograms.flatMap { $0.specs.map(\.stridedEntry) }
        #expect(Set(names).count == names.count, "kernel names are unique")
        #expect(names.allSatisfy { $0.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" } })
    }

    @Test func geometryPacksLikeTheCStruct() {
        let g = ElementwiseGeometry(shape: [2, 3], strides: [[3, 1], [1, 2], [0, 1]])
        let w = g.packed
        #expect(w.count == 41)  // sizeof(st_geometry) = 8·8 + 4·8·8 + 4, padded to 8: 328 bytes
        #expect(Array(w[0..<2]) == [2, 3] && Array(w[8..<10]) == [3, 1] && Array(w[16..<18]) == [1, 2])
        #expect(Array(w[24..<26]) == [0, 1] && w[40] == 2)
    }

    @Test func everyElementwiseOpHasKernels() {
        let elementwise = OpRegistry.all.filter { $0.kind == .unary || ($0.kind == .binary && $0.name != "where") }
        let missing = elementwise.filter { $0.elementwise == nil }.map(\.name)
        #expect(missing.isEmpty, "unary/binary primitives without an expression: \(missing)")
        #expect(KernelSource.registryPrograms.count == 64)
    }

    /// Every generated kernel of every op and dtype compiles to PTX; the entry points are in it.
    @Test(.enabled(if: compiler != nil, skipReason)) func everyGeneratedKernelCompilesToPTX() throws {
        let nvrtc = try #require(compiler)
        let arch = nvrtc.supportedArchitectures.contains(90) ? 90 : nvrtc.supportedArchitectures.max() ?? 90
        var compiled = 0
        for (op, specs) in KernelSource.registryPrograms {
            let source = KernelSource.program(specs)
            do {
                let ptx = try nvrtc.compile(source, name: "\(op.name).cu", target: .ptx(architecture: arch))
                let text = String(decoding: ptx.prefix { $0 != 0 }, as: UTF8.self)
                for s in specs {
                    #expect(text.contains(".entry \(s.contiguousEntry)("), "\(s.contiguousEntry) missing from the PTX")
                    #expect(text.contains(".entry \(s.stridedEntry)("), "\(s.stridedEntry) missing from the PTX")
                }
                compiled += specs.count
            } catch {
                Issue.record("\(op.name): \(error)")
            }
        }
        #expect(compiled == KernelSource.registryPrograms.reduce(0) { $0 + $1.specs.count })
    }

    /// The copy/cast kernels of the device backend: one per dtype pair, all compiled, with the computation types
    /// of the CPU copy (double with float64, wrapping 64-bit integers between integer types, float otherwise).
    @Test(.enabled(if: compiler != nil, skipReason)) func everyCastKernelCompilesToPTX() throws {
        let nvrtc = try #require(compiler)
        let all: [DType] = [.float32, .float64, .float16, .bfloat16, .int64, .int32, .int16, .int8, .uint8, .bool]
        let specs = all.flatMap { s in all.map { ElementwiseKernelSpec(castFrom: s, to: $0) } }
        #expect(Set(specs.map(\.contiguousEntry)).count == 100)
        #expect(ElementwiseKernelSpec(castFrom: .int64, to: .int8).computeType == "long long")
        #expect(ElementwiseKernelSpec(castFrom: .float16, to: .float64).computeType == "double")
        #expect(ElementwiseKernelSpec(castFrom: .bfloat16, to: .int32).computeType == "float")
        #expect(ElementwiseKernelSpec(castFrom: .float32, to: .bool).source.contains("(unsigned char)((x) != 0)"))
        let ptx = try nvrtc.compile(KernelSource.program(specs), name: "copy.cu", target: .ptx(architecture: 80))
        let text = String(decoding: ptx.prefix { $0 != 0 }, as: UTF8.self)
        for s in specs { #expect(text.contains(".entry \(s.stridedEntry)("), "\(s) missing from the PTX") }
    }

    /// The row kernels (sums, max/min, softmax, layerNorm) compile, for a real architecture too, and export every
    /// entry point the backend looks up.
    @Test(.enabled(if: compiler != nil, skipReason)) func rowKernelsCompile() throws {
        let nvrtc = try #require(compiler)
        let ptx = try nvrtc.compile(RowKernelSource.text, name: "rows.cu", target: .ptx(architecture: 80))
        let text = String(decoding: ptx.prefix { $0 != 0 }, as: UTF8.self)
        for e in RowKernelSource.entries { #expect(text.contains(".entry \(e)("), "\(e) missing from the PTX") }
        #expect(RowKernelSource.entries.count == 21)
        let arch = nvrtc.supportedArchitectures.contains(90) ? 90 : try #require(nvrtc.supportedArchitectures.max())
        let cubin = try nvrtc.compile(RowKernelSource.text, name: "rows.cu", target: .cubin(architecture: arch))
        #expect(cubin.count > 1000)
    }

    /// The backend's own elementwise functions (logical ops, float predicates, `where`) compile for every dtype
    /// TorchCore sends them.
    @Test(.enabled(if: compiler != nil, skipReason)) func internalExpressionsCompile() throws {
        let nvrtc = try #require(compiler)
        var specs: [ElementwiseKernelSpec] = []
        for (name, e) in CUDABackend.internalExpressions.sorted(by: { $0.key < $1.key }) {
            let dtypes: [DType] = name.hasPrefix("logical") ? [.bool] : name.hasPrefix("is") ? [.float16, .bfloat16, .float32, .float64]
                : name == "where" ? DType.allCases : DType.allCases.filter { $0 != .bool }
            for d in dtypes { specs.append(try #require(ElementwiseKernelSpec(op: name, expression: e, dtype: d), "\(name) \(d)")) }
        }
        #expect(specs.filter { $0.op.hasPrefix("is") }.allSatisfy { $0.output == .bool })
        #expect(specs.first { $0.op == "where" && $0.inputs[0] == .float16 }?.output == .float16)
        let ptx = try nvrtc.compile(KernelSource.program(specs), name: "internal.cu", target: .ptx(architecture: 80))
        let text = String(decoding: ptx.prefix { $0 != 0 }, as: UTF8.self)
        for s in specs { #expect(text.contains(".entry \(s.stridedEntry)("), "\(s) missing from the PTX") }
    }

    /// Binary kernels with one operand bound to `p1` (Swift scalars passed by value): the expression is renamed
    /// identifier by identifier, and every binary registry kernel has a bound form on either side that compiles.
    @Test func boundScalarSpecsRenameWholeIdentifiers() throws {
        #expect(ElementwiseKernelSpec.rename("st_max(a, b) + abs(b) * a_b", ["a": "x", "b": "p1"]) == "st_max(x, p1) + abs(p1) * a_b")
        #expect(ElementwiseKernelSpec.identifiers(in: "st_pow(a, (C)2.5e-3) + b1 * 0x1f") == ["st_pow", "a", "C", "b1"])
        let sub = try #require(OpRegistry.all.first { $0.name == "sub" }?.elementwise)
        let spec = try #require(ElementwiseKernelSpec(op: "sub", expression: sub, dtype: .float32))
        let left = try #require(ElementwiseKernelSpec(binding: spec, scalarAt: 0))
        #expect(left.expression == "p1 - x" && left.inputs == [.float32] && left.symbolStem.hasSuffix("scalar_a__f32_to_f32"))
        #expect(ElementwiseKernelSpec(binding: spec, scalarAt: 1)?.expression == "x - p1")
    }

    @Test(.enabled(if: compiler != nil, skipReason)) func boundScalarKernelsCompile() throws {
        let nvrtc = try #require(compiler)
        var specs: [ElementwiseKernelSpec] = []
        for (op, list) in KernelSource.registryPrograms where op.elementwise?.arity == 2 {
            for s in list { for side in 0...1 { if let b = ElementwiseKernelSpec(binding: s, scalarAt: side) { specs.append(b) } } }
        }
        #expect(specs.count > 200)
        let ptx = try nvrtc.compile(KernelSource.program(specs), name: "bound.cu", target: .ptx(architecture: 80))
        let text = String(decoding: ptx.prefix { $0 != 0 }, as: UTF8.self)
        for s in specs { #expect(text.contains(".entry \(s.contiguousEntry)("), "\(s) missing from the PTX") }
    }

    /// The fused Adam kernels compile.
    @Test(.enabled(if: compiler != nil, skipReason)) func optimKernelsCompile() throws {
        let nvrtc = try #require(compiler)
        let ptx = try nvrtc.compile(OptimKernelSource.text, name: "optim.cu", target: .ptx(architecture: 80))
        let text = String(decoding: ptx.prefix { $0 != 0 }, as: UTF8.self)
        for e in OptimKernelSource.entries { #expect(text.contains(".entry \(e)("), "\(e) missing from the PTX") }
    }

    /// The Philox random kernels compile.
    @Test(.enabled(if: compiler != nil, skipReason)) func randomKernelsCompile() throws {
        let nvrtc = try #require(compiler)
        let ptx = try nvrtc.compile(RandomKernelSource.text, name: "random.cu", target: .ptx(architecture: 80))
        let text = String(decoding: ptx.prefix { $0 != 0 }, as: UTF8.self)
        for e in RandomKernelSource.entries { #expect(text.contains(".entry \(e)("), "\(e) missing from the PTX") }
    }

    /// The gather/scatter kernels compile and export every entry point the backend looks up.
    @Test(.enabled(if: compiler != nil, skipReason)) func indexKernelsCompile() throws {
        let nvrtc = try #require(compiler)
        let ptx = try nvrtc.compile(IndexKernelSource.text, name: "index.cu", target: .ptx(architecture: 80))
        let text = String(decoding: ptx.prefix { $0 != 0 }, as: UTF8.self)
        for e in IndexKernelSource.entries { #expect(text.contains(".entry \(e)("), "\(e) missing from the PTX") }
        #expect(IndexKernelSource.entries.count == 12)
        #expect(text.contains("atom.global.add.f64"), "float64 scatter-add uses the native atomic")
    }

    /// The im2col/col2im/max-pooling kernels compile and export every entry point the backend looks up.
    @Test(.enabled(if: compiler != nil, skipReason)) func convKernelsCompile() throws {
        let nvrtc = try #require(compiler)
        let ptx = try nvrtc.compile(ConvKernelSource.text, name: "conv.cu", target: .ptx(architecture: 80))
        let text = String(decoding: ptx.prefix { $0 != 0 }, as: UTF8.self)
        for e in ConvKernelSource.entries { #expect(text.contains(".entry \(e)("), "\(e) missing from the PTX") }
        #expect(ConvKernelSource.entries.count == 6)
    }

    /// How cuBLAS is told to read strided operands: row-major with a row stride, transposed with a column stride,
    /// size-1 dimensions with any stride, and neither (a copy) for anything else.
    @Test func blasLayoutsOfStridedOperands() {
        #expect(BLASLayout(rows: 4, cols: 3, rowStride: 3, colStride: 1) == BLASLayout(rows: 1, cols: 3, rowStride: 99, colStride: 1))
        #expect(BLASLayout(rows: 4, cols: 3, rowStride: 3, colStride: 1).map { ($0.transposed, $0.leadingDimension) } ?? (true, 0) == (false, 3))
        #expect(BLASLayout(rows: 4, cols: 3, rowStride: 8, colStride: 1).map { ($0.transposed, $0.leadingDimension) } ?? (true, 0) == (false, 8))
        #expect(BLASLayout(rows: 4, cols: 3, rowStride: 1, colStride: 4).map { ($0.transposed, $0.leadingDimension) } ?? (false, 0) == (true, 4))
        #expect(BLASLayout(rows: 4, cols: 1, rowStride: 1, colStride: 7).map { ($0.transposed, $0.leadingDimension) } ?? (true, 0) == (false, 1))
        #expect(BLASLayout(rows: 4, cols: 3, rowStride: 0, colStride: 1) == nil, "broadcast rows need a copy")
        #expect(BLASLayout(rows: 4, cols: 3, rowStride: 6, colStride: 2) == nil, "every other column needs a copy")
        #expect(BLASLayout(rows: 4, cols: 3, rowStride: 2, colStride: 1) == nil, "overlapping rows need a copy")
    }

    /// A device binary for a real architecture (what a GPU whose driver is older than NVRTC loads).
    @Test(.enabled(if: compiler != nil, skipReason)) func kernelsCompileToCUBIN() throws {
        let nvrtc = try #require(compiler)
        let ops = OpRegistry.all.filter { ["add", "gelu", "relu"].contains($0.name) }
        let specs = ops.flatMap { KernelSource.specs(for: $0) }
        for arch in [80, 90] where nvrtc.supportedArchitectures.contains(arch) {
            let cubin = try nvrtc.compile(KernelSource.program(specs), name: "cubin.cu", target: .cubin(architecture: arch))
            #expect(cubin.count > 1000 && Array(cubin.prefix(4)) == [0x7f, 0x45, 0x4c, 0x46], "a CUBIN is an ELF file")
        }
        #expect(nvrtc.target(forDevice: 90) == .cubin(architecture: 90))
        #expect(nvrtc.target(forDevice: 999) == .ptx(architecture: nvrtc.supportedArchitectures.max() ?? 999))
    }

    /// A compile error comes back with NVRTC's log, which names the problem.
    @Test(.enabled(if: compiler != nil, skipReason)) func compileErrorsCarryTheLog() throws {
        let nvrtc = try #require(compiler)
        let bad = ElementwiseKernelSpec(op: "bad", expression: .unary("no_such_function(x)"), dtype: .float32)!
        do {
            _ = try nvrtc.compile(KernelSource.program([bad]), name: "bad.cu", target: .ptx(architecture: 80))
            Issue.record("an undefined function compiled")
        } catch {
            guard case .nvrtc(let call, _, _, let log) = error else { Issue.record("\(error)"); return }
            #expect(call.hasPrefix("nvrtcCompileProgram(bad.cu"))
            #expect(log.contains("no_such_function"), "\(log)")
        }
    }

    /// On a GPU: every generated kernel and cuBLAS product against the CPU (also `swifttorch cuda-selftest`).
    @Test(.enabled(if: CUDA.isAvailable, "no CUDA device: \(CUDA.unavailableReason ?? "")")) func kernelsMatchTheCPUOnTheGPU() throws {
        let device = try CUDA.device(0)
        let failures = (CUDASelfTest.elementwise(device: device) + CUDASelfTest.matmul(device: device)).filter { !$0.passed }
        #expect(failures.isEmpty, "\(failures.map(\.description).joined(separator: "\n"))")
    }
}

/// The CPU half of the GPU self-test, which runs here: its inputs are valid for every op and dtype (no integer
/// division by zero, no negative integer powers), the CPU ops return the dtype each kernel writes, and the
/// comparison catches a wrong element.
@Suite struct CUDASelfTestCPUTests {
    @Test func referenceOutputsHaveTheKernelsDtypes() {
        let g = Generator(seed: 3)
        var checked = 0
        for (op, specs) in KernelSource.registryPrograms {
            for spec in specs {
                for strided in [false, true] {
                    let inputs = CUDASelfTest.inputs(op, spec, generator: g, rows: 20, strided: strided)
                    #expect(inputs.map(\.dtype) == spec.inputs, "\(spec)")
                    if strided { #expect(!inputs[0].isContiguous, "\(spec): the strided check transposes its first input") }
                    let out = noGrad { op.call(inputs) }
                    #expect(out.dtype == spec.output, "\(spec): the CPU op returns \(out.dtype)")
                    #expect(out.shape == [20, 4], "\(spec)")
                    checked += 1
                }
            }
        }
        #expect(checked == 2 * 392, "392 kernels (64 ops × their dtypes), each contiguous and strided")
    }

    /// A report line for any error size, including the garbage of a kernel that never ran.
    @Test func checkLinesFormatAnyError() {
        #expect(GPUCheck(name: "x", layout: "l", worst: 0.5, problem: nil).description == "ok   x [l] worst 500‰ of tolerance")
        #expect(GPUCheck(name: "x", layout: "l", worst: 3e300, problem: "bad").description.hasPrefix("FAIL x [l] worst 3.0000000000000003e+303‰"))
        #expect(GPUCheck(name: "x", layout: "l", worst: .infinity, problem: nil).description.contains("worst inf‰"))
    }

    @Test func comparisonCatchesAWrongElement() {
        let e = Tensor([1.0, -2.0, .nan, 4.0])
        #expect(CUDASelfTest.compare("x", "c", Tensor([1.0, -2.0, .nan, 4.0]), e, rtol: 1e-6).passed)
        #expect(CUDASelfTest.compare("x", "c", Tensor([1.0, -2.0, .nan, 4.000001]), e, rtol: 1e-6).passed)
        let bad = CUDASelfTest.compare("x", "c", Tensor([1.0, -2.0, .nan, 4.01]), e, rtol: 1e-6)
        #expect(!bad.passed && bad.problem?.hasPrefix("element 3:") == true)
        #expect(!CUDASelfTest.compare("x", "c", Tensor([1.0, -2.0, 0, 4.0]), e, rtol: 1e-6).passed, "a lost NaN fails")
        #expect(!CUDASelfTest.compare("x", "c", Tensor([1.0, 2.0, .nan, 4.0]), e, rtol: 1e-6, atol: 1e-3).passed)
    }
}
