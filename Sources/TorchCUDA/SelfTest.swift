import TorchCore

// MARK: - GPU self-test

/// The comparison of one generated kernel (or cuBLAS product) on the GPU with the CPU implementation.
public struct GPUCheck: Sendable, CustomStringConvertible {
    /// What was run (`relu(float32) -> float32`).
    public let name: String
    /// `contiguous`, `strided` (a transposed input, broadcast inputs) or a matmul variant.
    public let layout: String
    /// The largest |gpu − cpu| / (atol + rtol·|cpu|) seen; ≤ 1 passes.
    public let worst: Double
    /// Why it failed, when it did (dtype mismatch, a CUDA error, the worst element).
    public let problem: String?

    /// Describes one comparison.
    /// - Parameters:
    ///   - name: what was run.
    ///   - layout: the variant.
    ///   - worst: the worst error as a fraction of the tolerance.
    ///   - problem: why it failed, if it did.
    package init(name: String, layout: String, worst: Double, problem: String?) {
        self.name = name
        self.layout = layout
        self.worst = worst
        self.problem = problem
    }

    /// Whether the GPU agreed with the CPU.
    public var passed: Bool { problem == nil && worst <= 1 }

    /// One line: ok/FAIL, what ran, the worst error in ‰ of the tolerance, and the problem.
    public var description: String {
        let w: String
        if !worst.isFinite || worst.isNaN {
            w = "inf"
        } else if worst * 1000 < 1e15 {
            w = String(Int((worst * 1000).rounded()))
        } else {
            w = "\(worst * 1000)"  // garbage from a kernel that did not run: far beyond any integer format
        }
        return "\(passed ? "ok  " : "FAIL") \(name) [\(layout)] worst \(w)‰ of tolerance" + (problem.map { ": \($0)" } ?? "")
    }
}

/// Runs every generated kernel and cuBLAS on the GPU against the CPU (the `swifttorch cuda-selftest` command and
/// the GPU-only tests use it).
public enum CUDASelfTest {
    /// Relative tolerance per output dtype (GPU and CPU math libraries differ by a few ulps; half types round).
    static func tolerance(_ dtype: DType) -> Double {
        switch dtype {
        case .float64: return 1e-12
        case .float32: return 4e-6
        case .float16: return 2e-3
        case .bfloat16: return 1.6e-2
        default: return 0
        }
    }

    /// Every registry op's generated kernels, each dtype, contiguous and strided.
    /// - Parameters:
    ///   - device: the GPU.
    ///   - seed: the random seed for inputs.
    ///   - rows: the leading dimension of the inputs (registry sample shapes are scaled up to it).
    ///   - ops: only these registry ops (all when nil).
    public static func elementwise(device: CUDADevice, seed: UInt64 = 0, rows: Int = 300, ops: Set<String>? = nil) -> [GPUCheck] {
        let g = Generator(seed: seed)
        var out: [GPUCheck] = []
        for (op, specs) in KernelSource.registryPrograms where ops.map({ $0.contains(op.name) }) ?? true {
            // One NVRTC program per op (all its dtypes); a failure here shows again, per kernel, below.
            try? device.prepare(specs)
            for spec in specs {
                out.append(check(op, spec, device: device, generator: g, rows: rows, strided: false))
                out.append(check(op, spec, device: device, generator: g, rows: rows, strided: true))
            }
        }
        return out
    }

    /// Random inputs of the spec's dtypes in the op's domains; integers are small (1…4 where a divisor or base
    /// must be positive or nonzero) so the CPU reference never divides by zero.
    static func sample(_ input: OpInfo.Input, shape: [Int], dtype: DType, op: String, generator: Generator) -> Tensor {
        if dtype.isFloatingPoint || dtype == .bool {
            let t = OpInfo.sample(OpInfo.Input(shape, input.domain), dtype: .float64, generator: generator)
            return dtype == .bool ? t.gt(0) : t.to(dtype)
        }
        let u = Tensor.rand(shape, dtype: .float64, generator: generator)
        switch input.domain {
        case .positive, .aboveOne: return (u * 4 + 1).floor().to(dtype)
        case .nonzero:
            let sign = Tensor.rand(shape, dtype: .float64, generator: generator).gt(0.5).to(.float64) * 2 - 1
            return ((u * 4 + 1).floor() * sign).to(dtype)
        default:
            let v = (u * 9 - 4).floor()
            return (op == "pow" ? v.abs() : v).to(dtype)
        }
    }

    /// The CPU inputs of one check: full-size contiguous tensors, or (strided) a transposed first input and later
    /// inputs in their registry shapes, broadcast against it.
    static func inputs(_ op: OpInfo, _ spec: ElementwiseKernelSpec, generator: Generator, rows: Int, strided: Bool) -> [Tensor] {
        let base = op.inputs[0].shape
        let full = [rows] + Array(base.dropFirst())
        var cpuInputs: [Tensor] = []
        for (k, input) in op.inputs.prefix(spec.inputs.count).enumerated() {
            if strided && k == 0 && full.count == 2 {
                cpuInputs.append(sample(input, shape: [full[1], full[0]], dtype: spec.inputs[k], op: op.name, generator: generator).t())
            } else if strided && k > 0 {
                cpuInputs.append(sample(input, shape: input.shape, dtype: spec.inputs[k], op: op.name, generator: generator))
            } else {
                cpuInputs.append(sample(input, shape: full, dtype: spec.inputs[k], op: op.name, generator: generator))
            }
        }
        return cpuInputs
    }

    static func check(_ op: OpInfo, _ spec: ElementwiseKernelSpec, device: CUDADevice, generator: Generator,
                      rows: Int, strided: Bool) -> GPUCheck {
        let layout = strided ? "strided" : "contiguous"
        let cpuInputs = inputs(op, spec, generator: generator, rows: rows, strided: strided)
        let expected = noGrad { op.call(cpuInputs) }
        guard expected.dtype == spec.output else {
            return GPUCheck(name: spec.description, layout: layout, worst: .infinity,
                            problem: "the CPU op returns \(expected.dtype), the kernel \(spec.output)")
        }
        do throws(CUDAError) {
            let outBuffer = try device.allocator.allocate(expected.count * spec.output.itemSize)
            var inputs: [(buffer: DeviceBuffer, offset: Int)] = []
            for t in cpuInputs { inputs.append((try device.upload(t), t.storageOffset)) }
            let geometry: ElementwiseGeometry? = strided
                ? ElementwiseGeometry(shape: expected.shape,
                                      strides: [contiguousStrides(expected.shape)] + cpuInputs.map { $0.expand(expected.shape).strides })
                : nil
            try device.launch(spec, output: outBuffer, inputs: inputs, count: expected.count, geometry: geometry,
                              parameters: op.elementwise?.sampleParameters ?? [])
            let got = try device.download(outBuffer, shape: expected.shape, dtype: spec.output)
            return compare(spec.description, layout, got, expected, rtol: tolerance(spec.output))
        } catch {
            return GPUCheck(name: spec.description, layout: layout, worst: .infinity, problem: error.description)
        }
    }

    /// Elementwise comparison in float64: |got − expected| ≤ atol + rtol·|expected| (atol defaults to rtol);
    /// NaN matches NaN, infinities must match exactly.
    package static func compare(_ name: String, _ layout: String, _ got: Tensor, _ expected: Tensor, rtol: Double,
                        atol: Double? = nil) -> GPUCheck {
        let atol = atol ?? rtol
        let a = got.to(.float64).toArray(of: Double.self), e = expected.to(.float64).toArray(of: Double.self)
        var worst = 0.0, worstAt = 0
        for i in 0..<e.count {
            let x = a[i], y = e[i]
            if x.isNaN && y.isNaN { continue }
            if x == y { continue }
            let r = (x.isNaN || y.isNaN || x.isInfinite || y.isInfinite) ? Double.infinity : Swift.abs(x - y) / (atol + rtol * Swift.abs(y))
            if r > worst { worst = r; worstAt = i }
        }
        let problem = worst > 1 ? "element \(worstAt): GPU \(a[worstAt]), CPU \(e[worstAt])" : nil
        return GPUCheck(name: name, layout: layout, worst: worst, problem: problem)
    }

    /// cuBLAS products against the CPU's `matmul`: float32 (exact FP32 and TF32), float64, float16 and bfloat16,
    /// single and batched.
    /// - Parameters:
    ///   - device: the GPU.
    ///   - seed: the random seed.
    public static func matmul(device: CUDADevice, seed: UInt64 = 1) -> [GPUCheck] {
        let g = Generator(seed: seed)
        var out: [GPUCheck] = []
        // Relative tolerances: float32 accumulation (1e-5), TF32's 10-bit input mantissas (2e-3), float64, and the
        // output rounding of float16 (2^-11) and bfloat16 (2^-8) with margin. Entries are unit normal, so products
        // are of size √k: the absolute tolerance is the relative one times √k.
        let cases: [(DType, Bool, Double)] = [(.float32, false, 1e-5), (.float32, true, 2e-3), (.float64, false, 1e-12),
                                              (.float16, false, 2e-3), (.bfloat16, false, 1e-2)]
        for (dtype, tf32, rtol) in cases {
            for batch in [1, 3] {
                let (m, k, n) = (67, 129, 45)
                let a = Tensor.randn(batch == 1 ? [m, k] : [batch, m, k], generator: g).to(dtype)
                let b = Tensor.randn(batch == 1 ? [k, n] : [batch, k, n], generator: g).to(dtype)
                let expected = a.to(.float64).matmul(b.to(.float64))
                let name = "matmul(\(dtype)\(tf32 ? ", TF32" : ""))"
                let layout = batch == 1 ? "\(m)×\(k)·\(k)×\(n)" : "\(batch)×[\(m)×\(k)·\(k)×\(n)]"
                do throws(CUDAError) {
                    let blas = try device.blas()
                    let da = try device.upload(a), db = try device.upload(b)
                    let dc = try device.allocator.allocate(expected.count * dtype.itemSize)
                    let saved = CUDA.allowTF32
                    CUDA.allowTF32 = tf32
                    defer { CUDA.allowTF32 = saved }
                    try blas.matmul(dtype: dtype, m: m, n: n, k: k, a: da.address, b: db.address, c: dc.address,
                                    batch: batch, strideA: m * k, strideB: k * n, strideC: m * n)
                    let got = try device.download(dc, shape: expected.shape, dtype: dtype)
                    out.append(compare(name, layout, got, expected, rtol: rtol, atol: rtol * Double(k).squareRoot()))
                } catch {
                    out.append(GPUCheck(name: name, layout: layout, worst: .infinity, problem: error.description))
                }
            }
        }
        return out
    }
}

// MARK: - Host transfers of whole tensors

extension CUDADevice {
    /// Copies a CPU tensor's whole storage to a new device block (views keep their strides and offset there).
    /// - Parameter tensor: the CPU tensor.
    public func upload(_ tensor: Tensor) throws(CUDAError) -> DeviceBuffer {
        let bytes = tensor.storage.byteCount
        let buffer = try allocator.allocate(bytes)
        if bytes > 0 { try copy(to: buffer, from: tensor.storage.data, count: bytes) }
        return buffer
    }

    /// Copies a dense device block into a new contiguous CPU tensor.
    /// - Parameters:
    ///   - buffer: the device block.
    ///   - shape: the tensor's shape.
    ///   - dtype: the element type.
    public func download(_ buffer: DeviceBuffer, shape: [Int], dtype: DType) throws(CUDAError) -> Tensor {
        let t = Tensor.empty(shape, dtype: dtype)
        let bytes = t.count * dtype.itemSize
        if bytes > 0 { try copy(to: t.storage.data + t.storageOffset * dtype.itemSize, from: buffer, count: bytes) }
        return t
    }

    /// This device's cuBLAS handle, created on first use.
    public func blas() throws(CUDAError) -> CUBLAS {
        if let b = blasHandle.withLock({ $0 }) { return b }
        let b = try CUBLAS(device: self)
        blasHandle.withLock { $0 = b }
        return b
    }
}
