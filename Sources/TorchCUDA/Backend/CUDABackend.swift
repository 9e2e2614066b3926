import Synchronization
import TorchCore

// MARK: - The CUDA device backend

/// TorchCore's ``DeviceBackend`` for `.cuda(i)`: device memory from each device's caching allocator, copies and
/// casts by generated kernels, the registry's elementwise primitives by their generated kernels, matrix products
/// by cuBLAS, sums, max/min, softmax/logSoftmax and layerNorm by the row kernels, gather/scatter (which
/// serve indexSelect, indexAdd, embedding lookups and their gradients) by the index kernels, and im2col/col2im
/// (convolutions are cuBLAS products over their columns) and max pooling by the conv kernels. Everything is queued on the default stream in order; copies to the host wait for it.
/// Device errors stop with the driver's message (PyTorch raises them as `RuntimeError`).
///
/// Registered for `cuda` the first time ``CUDA/isAvailable``, ``CUDA/deviceCount`` or ``CUDA/device(_:)``
/// finds a device.
final class CUDABackend: DeviceBackend {
    static let shared = CUDABackend()

    /// Each registry op's element function, by name, and the backend's own ones (``CUDABackend/internalExpressions``).
    private let expressions: [String: ElementwiseExpression] = {
        var table = CUDABackend.internalExpressions
        for op in OpRegistry.all { if let e = op.elementwise { table[op.name] = e } }
        return table
    }()

    /// Whether `op` (a registry primitive, an internal function or an in-place variant) has generated kernels.
    /// - Parameter op: the name TorchCore passes.
    static func servesElementwise(_ op: String) -> Bool {
        shared.expressions[op] != nil || (op.hasSuffix("_") && shared.expressions[String(op.dropLast())] != nil)
    }

    /// Elementwise functions TorchCore asks for by name that are not registry primitives of their own: the logical
    /// ops on truth values, the float predicates, `where` with its condition in the values' dtype (0 or 1), the
    /// comparisons, relu's gradient and truncating division. In-place variants (`add_`) use their op's function.
    static let internalExpressions: [String: ElementwiseExpression] = [
        "logicalAnd": ElementwiseExpression("(a != 0 && b != 0)", integer: "(a != 0 && b != 0)", boolean: "(a != 0 && b != 0)", arity: 2, producesBool: true),
        "logicalOr": ElementwiseExpression("(a != 0 || b != 0)", integer: "(a != 0 || b != 0)", boolean: "(a != 0 || b != 0)", arity: 2, producesBool: true),
        "logicalXor": ElementwiseExpression("((a != 0) != (b != 0))", integer: "((a != 0) != (b != 0))", boolean: "((a != 0) != (b != 0))", arity: 2, producesBool: true),
        "logicalNot": ElementwiseExpression("(x == 0)", integer: "(x == 0)", boolean: "(x == 0)", arity: 1, producesBool: true),
        "isnan": ElementwiseExpression("(x != x)", arity: 1, producesBool: true),
        "isinf": ElementwiseExpression("(isinf(x) != 0)", arity: 1, producesBool: true),
        "isfinite": ElementwiseExpression("(isfinite(x) != 0)", arity: 1, producesBool: true),
        "where": ElementwiseExpression("(a != 0 ? b : c)", integer: "(a != 0 ? b : c)", boolean: "(a != 0 ? b : c)", arity: 3),
        "thresholdBackward": ElementwiseExpression("(b > 0 ? a : (C)0)", integer: "(b > 0 ? a : (C)0)", arity: 2),
        "div(trunc)": ElementwiseExpression("trunc(a / b)", integer: "(a / b)", arity: 2),
        "eq": ElementwiseExpression("(a == b)", integer: "(a == b)", boolean: "(a == b)", arity: 2, producesBool: true),
        "ne": ElementwiseExpression("(a != b)", integer: "(a != b)", boolean: "(a != b)", arity: 2, producesBool: true),
        "lt": ElementwiseExpression("(a < b)", integer: "(a < b)", boolean: "(a < b)", arity: 2, producesBool: true),
        "le": ElementwiseExpression("(a <= b)", integer: "(a <= b)", boolean: "(a <= b)", arity: 2, producesBool: true),
        "gt": ElementwiseExpression("(a > b)", integer: "(a > b)", boolean: "(a > b)", arity: 2, producesBool: true),
        "ge": ElementwiseExpression("(a >= b)", integer: "(a >= b)", boolean: "(a >= b)", arity: 2, producesBool: true),
    ]

    private func cudaDevice(_ device: Device, _ op: String) -> CUDADevice {
        guard case .cuda(let index) = device else { preconditionFailure("\(op): the CUDA backend was asked for \(device)") }
        do { return try CUDA.device(index) } catch { preconditionFailure("\(op): \(error)") }
    }

    private func buffer(_ storage: Storage, _ op: String) -> DeviceBuffer {
        guard let b = storage.deviceOwner as? DeviceBuffer else {
            preconditionFailure("\(op): storage on \(storage.device) was not allocated by the CUDA backend")
        }
        return b
    }

    func allocate(byteCount: Int, device: Device) -> DeviceAllocation {
        let dev = cudaDevice(device, "allocate")
        do {
            let b = try dev.allocator.allocate(byteCount)
            return DeviceAllocation(address: b.address, owner: b)
        } catch {
            preconditionFailure("CUDA: \(error)")
        }
    }

    func copyToHost(from source: Storage, byteOffset: Int, to destination: UnsafeMutableRawPointer, byteCount: Int) {
        let dev = cudaDevice(source.device, "cpu()")
        do { try dev.copy(to: destination, from: buffer(source, "cpu()"), offset: byteOffset, count: byteCount) } catch { preconditionFailure("cpu(): \(error)") }
    }

    func copyFromHost(_ source: UnsafeRawPointer, to destination: Storage, byteOffset: Int, byteCount: Int) {
        let dev = cudaDevice(destination.device, "to(cuda)")
        do { try dev.copy(to: buffer(destination, "to(cuda)"), offset: byteOffset, from: source, count: byteCount) } catch { preconditionFailure("to(cuda): \(error)") }
    }

    func copy(from source: Tensor, to destination: Tensor) {
        guard destination.count > 0 else { return }
        let spec = ElementwiseKernelSpec(castFrom: source.dtype, to: destination.dtype)
        run(spec, "copy_", inputs: [source], output: destination, parameters: [])
    }

    func elementwise(_ op: String, parameters: [Double], inputs: [Tensor], output: Tensor) -> Bool {
        let name = expressions[op] != nil || !op.hasSuffix("_") ? op : String(op.dropLast())
        guard let e = expressions[name], e.arity == inputs.count, let first = inputs.first,
              inputs.allSatisfy({ $0.dtype == first.dtype }),
              let spec = ElementwiseKernelSpec(op: name, expression: e, dtype: first.dtype), spec.output == output.dtype,
              output.rank <= 8 else { return false }
        guard output.count > 0 else { return true }
        let scalars = inputs.indices.filter { inputs[$0].device == .cpu }
        if scalars.isEmpty {
            run(spec, op, inputs: inputs, output: output, parameters: parameters)
            return true
        }
        // A Swift scalar operand of a binary op goes to the kernel by value (no copy to the device), when the value
        // survives the trip through a double.
        if inputs.count == 2 && scalars.count == 1, let bound = ElementwiseKernelSpec(binding: spec, scalarAt: scalars[0]) {
            let scalar = inputs[scalars[0]]
            let value = scalar.item(Double.self)
            if scalar.dtype.isFloatingPoint || Swift.abs(scalar.item(Int64.self)) < (1 << 53) {
                run(bound, op, inputs: [inputs[1 - scalars[0]]], output: output, parameters: [parameters.first ?? 0, value])
                return true
            }
        }
        run(spec, op, inputs: inputs.map { $0.to(output.device) }, output: output, parameters: parameters)
        return true
    }

    /// Launches `spec` over `output`'s elements: the contiguous kernel when every operand is dense with the
    /// output's shape, else the strided one with broadcast strides.
    private func run(_ spec: ElementwiseKernelSpec, _ op: String, inputs: [Tensor], output: Tensor, parameters: [Double]) {
        precondition(output.rank <= 8, "\(op) (CUDA): \(output.rank) dimensions; at most 8 are supported")
        let dev = cudaDevice(output.device, op)
        let dense = output.isContiguous && inputs.allSatisfy { $0.isContiguous && $0.shape == output.shape }
        let geometry = dense ? nil : ElementwiseGeometry(
            shape: output.shape,
            strides: [output.strides] + inputs.map { broadcastStrides(output.shape, $0.shape, $0.strides) })
        do {
            try dev.launch(spec, output: buffer(output.storage, op), outputOffset: output.storageOffset,
                           inputs: inputs.map { (buffer($0.storage, op), $0.storageOffset) }, count: output.count,
                           geometry: geometry, parameters: parameters)
        } catch {
            preconditionFailure("\(op) (CUDA): \(error)")
        }
    }

    func matmul(_ a: Tensor, _ b: Tensor, output: Tensor) -> Bool {
        let dtype = output.dtype
        guard [DType.float32, .float64, .float16, .bfloat16].contains(dtype), a.dtype == dtype, b.dtype == dtype,
              output.isContiguous, (a.rank == 2 && b.rank == 2) || (a.rank == 3 && b.rank == 3) else { return false }
        let batched = a.rank == 3
        let m = a.shape[a.rank - 2], k = a.shape[a.rank - 1], n = b.shape[b.rank - 1]
        let batch = batched ? a.shape[0] : 1
        // cuBLAS reads row-major and transposed operands in place (a Linear layer's `w.t()`, `x.t()` in its
        // backward, broadcast batches with stride 0); anything else is made dense on the device first.
        func operand(_ t: Tensor, rows: Int, cols: Int) -> (Tensor, BLASLayout) {
            let r = t.rank
            if let layout = BLASLayout(rows: rows, cols: cols, rowStride: t.strides[r - 2], colStride: t.strides[r - 1]) { return (t, layout) }
            let dense = t.contiguous()
            return (dense, BLASLayout(rows: rows, cols: cols, rowStride: dense.strides[r - 2], colStride: dense.strides[r - 1])!)
        }
        let dev = cudaDevice(output.device, "mm")
        // Without cuBLAS the products run on the CPU (TorchCore's fallback), after one warning that says why.
        let blas: CUBLAS
        do { blas = try dev.blas() } catch {
            warnOnce("cuBLAS", "SwiftTorch warning: \(error); matrix products run on the CPU")
            return false
        }
        let (x, la) = operand(a, rows: m, cols: k), (y, lb) = operand(b, rows: k, cols: n)
        let strideA = batched && batch > 1 ? x.strides[0] : m * k, strideB = batched && batch > 1 ? y.strides[0] : k * n
        do {
            try blas.matmul(dtype: dtype, m: m, n: n, k: k, a: x.deviceAddress, b: y.deviceAddress, c: output.deviceAddress,
                            batch: batch, strideA: strideA, strideB: strideB, strideC: m * n,
                            transA: la.transposed, lda: la.leadingDimension, transB: lb.transposed, ldb: lb.leadingDimension)
        } catch {
            preconditionFailure("mm (CUDA): \(error)")
        }
        return true
    }

    /// Launches `entry` of `program` in 256-thread blocks on `device`, stopping with the driver's message when it
    /// fails (PyTorch raises device errors as `RuntimeError`).
    private func launch<P: KernelProgram>(_ entry: String, in program: P.Type, on device: Device, op: String, blocks: Int,
                                          _ arguments: [KernelArgument]) {
        let dev = cudaDevice(device, op)
        do {
            try dev.launch(try dev.kernel(entry, in: program), name: entry, blocks: blocks, threads: 256, arguments: arguments)
        } catch {
            preconditionFailure("\(op) (CUDA): \(error)")
        }
    }

    /// Blocks of a grid-stride loop over `count` elements on `device` (at most 32 per multiprocessor).
    private func gridBlocks(_ count: Int, _ device: Device) -> Int {
        Swift.min((count + 255) / 256, cudaDevice(device, "launch").multiprocessorCount * 32)
    }

    /// The dtype tag of the row, conv, random and optimizer kernels, or nil when they do not take `dtype`.
    private func rowTag(_ dtype: DType, integers: Bool = false) -> String? {
        switch dtype {
        case .float32: return "f32"
        case .float64: return "f64"
        case .int64 where integers: return "i64"
        default: return nil
        }
    }

    /// One block per row (the driver's grid limit in x is far above this).
    private func rowBlocks(_ rows: Int) -> Int { Swift.min(Swift.max(rows, 1), 65_535) }

    func reduceRows(_ kind: RowReduction, _ source: Tensor, rows: Int, length: Int, output: Tensor) -> Bool {
        guard let tag = rowTag(source.dtype, integers: kind == .sum || kind == .prod), output.dtype == source.dtype,
              source.isContiguous, output.isContiguous else { return false }
        if rows == 0 { return true }
        let name: String
        switch kind {
        case .sum: name = "rowsum"
        case .amax: name = "rowmax"
        case .amin: name = "rowmin"
        case .prod: name = "rowprod"
        }
        launch("st_\(name)_\(tag)", in: RowKernelSource.self, on: output.device, op: kind.rawValue, blocks: rowBlocks(rows),
               [.address(source.deviceAddress), .address(output.deviceAddress), .int64(Int64(rows)), .int64(Int64(length))])
        return true
    }

    func argExtremeRows(_ source: Tensor, rows: Int, length: Int, largest: Bool, indices: Tensor) -> Bool {
        guard let tag = rowTag(source.dtype), indices.dtype == .int64, source.isContiguous, indices.isContiguous, length > 0 else { return false }
        if rows == 0 { return true }
        launch(largest ? "st_rowargmax_\(tag)" : "st_rowargmin_\(tag)", in: RowKernelSource.self, on: indices.device,
               op: largest ? "argmax" : "argmin", blocks: rowBlocks(rows),
               [.address(source.deviceAddress), .address(indices.deviceAddress), .int64(Int64(rows)), .int64(Int64(length))])
        return true
    }

    func scanRows(_ source: Tensor, rows: Int, length: Int, product: Bool, output: Tensor) -> Bool {
        guard source.dtype == .float64 || source.dtype == .int64, let tag = rowTag(source.dtype, integers: true),
              output.dtype == source.dtype, source.isContiguous, output.isContiguous else { return false }
        if rows == 0 || length == 0 { return true }
        // One thread per row.
        launch("st_scan_\(tag)", in: RowKernelSource.self, on: output.device, op: product ? "cumprod" : "cumsum", blocks: (rows + 255) / 256,
               [.address(source.deviceAddress), .address(output.deviceAddress), .int64(Int64(rows)), .int64(Int64(length)),
                .int32(product ? 1 : 0)])
        return true
    }

    func random(_ output: Tensor, _ distribution: RandomDistribution, key: UInt64) -> Bool {
        guard let tag = rowTag(output.dtype), output.isContiguous else { return false }
        if output.count == 0 { return true }
        let (normal, p0, p1): (Int32, Double, Double)
        switch distribution {
        case .uniform(let low, let high): (normal, p0, p1) = (0, low, high)
        case .normal(let mean, let std): (normal, p0, p1) = (1, mean, std)
        }
        launch("st_random_\(tag)", in: RandomKernelSource.self, on: output.device, op: "random", blocks: gridBlocks(output.count, output.device),
               [.address(output.deviceAddress), .int64(Int64(output.count)), .address(key), .int32(normal), .double(p0), .double(p1)])
        return true
    }

    func sortRows(_ source: Tensor, rows: Int, length: Int, descending: Bool, indices: Tensor) -> Bool {
        guard source.dtype == .float64, indices.dtype == .int64, source.isContiguous, indices.isContiguous,
              length <= RowKernelSource.maxSortLength else { return false }
        if rows == 0 || length == 0 { return true }
        launch("st_argsort_f64", in: RowKernelSource.self, on: indices.device, op: "sort", blocks: rowBlocks(rows),
               [.address(source.deviceAddress), .address(indices.deviceAddress), .int64(Int64(rows)), .int64(Int64(length)),
                .int32(descending ? 1 : 0)])
        return true
    }

    func adamStep(param: Tensor, grad: Tensor, expAvg: Tensor, expAvgSq: Tensor, _ step: AdamStep) -> Bool {
        guard let tag = rowTag(param.dtype) else { return false }
        if param.count == 0 { return true }
        launch("st_adam_\(tag)", in: OptimKernelSource.self, on: param.device, op: "adam", blocks: gridBlocks(param.count, param.device),
               [.address(param.deviceAddress), .address(grad.deviceAddress), .address(expAvg.deviceAddress),
                .address(expAvgSq.deviceAddress), .int64(Int64(param.count)), .double(step.lr), .double(step.beta1),
                .double(step.beta2), .double(step.eps), .double(step.weightDecay), .int32(step.decoupled ? 1 : 0),
                .int32(step.maximize ? 1 : 0), .double(step.bias1), .double(step.bias2)])
        return true
    }

    func softmaxRows(_ source: Tensor, rows: Int, length: Int, log: Bool, output: Tensor) -> Bool {
        guard let tag = rowTag(source.dtype), output.dtype == source.dtype, source.isContiguous, output.isContiguous else { return false }
        if rows == 0 || length == 0 { return true }
        launch("st_softmax_\(tag)", in: RowKernelSource.self, on: output.device, op: "softmax", blocks: rowBlocks(rows),
               [.address(source.deviceAddress), .address(output.deviceAddress), .int64(Int64(rows)), .int64(Int64(length)),
                .int32(log ? 1 : 0)])
        return true
    }

    func layerNormRows(_ source: Tensor, weight: Tensor?, bias: Tensor?, rows: Int, length: Int, eps: Double, output: Tensor) -> Bool {
        guard let tag = rowTag(source.dtype), output.dtype == source.dtype, source.isContiguous, output.isContiguous,
              [weight, bias].allSatisfy({ $0.map { $0.dtype == source.dtype && $0.isContiguous } ?? true }) else { return false }
        if rows == 0 || length == 0 { return true }
        launch("st_layernorm_\(tag)", in: RowKernelSource.self, on: output.device, op: "layerNorm", blocks: rowBlocks(rows),
               [.address(source.deviceAddress), .address(weight?.deviceAddress ?? 0), .address(bias?.deviceAddress ?? 0),
                .address(output.deviceAddress), .int64(Int64(rows)), .int64(Int64(length)), .double(eps)])
        return true
    }

    func gather(_ source: Tensor, dim: Int, index: Tensor, output: Tensor) -> Bool {
        guard index.dtype == .int64, output.rank <= 8, output.shape == index.shape, source.dtype == output.dtype else { return false }
        if output.count == 0 { return true }
        let geometry = ElementwiseGeometry(shape: output.shape, strides: [output.strides, source.strides, index.strides])
        launch("st_gather_b\(source.dtype.itemSize)", in: IndexKernelSource.self, on: output.device, op: "gather",
               blocks: gridBlocks(output.count, output.device),
               [.address(output.deviceAddress), .address(source.deviceAddress), .address(index.deviceAddress), .int64(Int64(output.count)),
                .words(geometry.packed), .int32(Int32(dim)), .int64(Int64(source.strides[dim]))])
        return true
    }

    func scatter(into destination: Tensor, dim: Int, index: Tensor, source: Tensor, accumulate: Bool) -> Bool {
        guard index.dtype == .int64, index.rank <= 8, index.rank == source.rank, index.rank == destination.rank,
              source.dtype == destination.dtype else { return false }
        let entry: String
        if accumulate {
            switch destination.dtype {
            case .float32: entry = "st_scatter_add_f32"
            case .float64: entry = "st_scatter_add_f64"
            case .int32: entry = "st_scatter_add_i32"
            case .int64: entry = "st_scatter_add_i64"
            default: return false
            }
        } else {
            entry = "st_scatter_b\(destination.dtype.itemSize)"
        }
        if index.count == 0 { return true }
        let geometry = ElementwiseGeometry(shape: index.shape, strides: [destination.strides, source.strides, index.strides])
        launch(entry, in: IndexKernelSource.self, on: destination.device, op: accumulate ? "scatterAdd" : "scatter",
               blocks: gridBlocks(index.count, destination.device),
               [.address(destination.deviceAddress), .address(source.deviceAddress), .address(index.deviceAddress),
                .int64(Int64(index.count)), .words(geometry.packed), .int32(Int32(dim)), .int64(Int64(destination.strides[dim]))])
        return true
    }

    /// The `st_window` struct (14 int64 fields) for an `[N, C, H, W]` input and an `oh × ow` output.
    private func window(_ shape: [Int], _ w: Window2d, oh: Int, ow: Int) -> KernelArgument {
        .words([shape[0], shape[1], shape[2], shape[3], w.kernel.0, w.kernel.1, w.stride.0, w.stride.1, w.padding.0, w.padding.1,
                w.dilation.0, w.dilation.1, oh, ow].map { Int64($0) })
    }

    func im2col(_ source: Tensor, window w: Window2d, output: Tensor) -> Bool {
        guard let tag = rowTag(source.dtype), output.dtype == source.dtype, source.isContiguous, output.isContiguous, source.rank == 4 else { return false }
        if output.count == 0 { return true }
        let (oh, ow) = w.outputSize(source.shape[2], source.shape[3])
        launch("st_im2col_\(tag)", in: ConvKernelSource.self, on: output.device, op: "im2col", blocks: gridBlocks(output.count, output.device),
               [.address(source.deviceAddress), .address(output.deviceAddress), window(source.shape, w, oh: oh, ow: ow)])
        return true
    }

    func col2im(_ columns: Tensor, window w: Window2d, output: Tensor) -> Bool {
        guard let tag = rowTag(columns.dtype), output.dtype == columns.dtype, columns.isContiguous, output.isContiguous, output.rank == 4 else { return false }
        if output.count == 0 { return true }
        let (oh, ow) = w.outputSize(output.shape[2], output.shape[3])
        launch("st_col2im_\(tag)", in: ConvKernelSource.self, on: output.device, op: "col2im", blocks: gridBlocks(output.count, output.device),
               [.address(columns.deviceAddress), .address(output.deviceAddress), window(output.shape, w, oh: oh, ow: ow)])
        return true
    }

    func maxPool2d(_ source: Tensor, window w: Window2d, output: Tensor, indices: Tensor?) -> Bool {
        guard let tag = rowTag(source.dtype), output.dtype == source.dtype, source.isContiguous, output.isContiguous,
              source.rank == 4, output.rank == 4, indices.map({ $0.isContiguous && $0.dtype == .int64 }) ?? true else { return false }
        if output.count == 0 { return true }
        launch("st_maxpool2d_\(tag)", in: ConvKernelSource.self, on: output.device, op: "maxPool2d", blocks: gridBlocks(output.count, output.device),
               [.address(source.deviceAddress), .address(output.deviceAddress), .address(indices?.deviceAddress ?? 0),
                window(source.shape, w, oh: output.shape[2], ow: output.shape[3])])
        return true
    }

    private let warned = Mutex<Set<String>>([])

    /// Prints `message` to standard error the first time `key` is seen.
    private func warnOnce(_ key: String, _ message: @autoclosure () -> String) {
        guard warned.withLock({ $0.insert(key).inserted }) else { return }
        printToStandardError(message())
    }

    func synchronize(_ device: Device) {
        do { try cudaDevice(device, "synchronize").synchronize() } catch { preconditionFailure("synchronize: \(error)") }
    }
}

/// How cuBLAS reads a `rows × cols` operand stored with the given element strides: row-major with `leadingDimension`
/// elements between rows, or transposed (column-major) with `leadingDimension` elements between columns. Size-1
/// dimensions take any stride.
struct BLASLayout: Equatable {
    /// Read with `CUBLAS_OP_T` (from the row-major point of view: stored column by column).
    let transposed: Bool
    /// Elements between consecutive rows (row-major) or columns (transposed); at least the other extent.
    let leadingDimension: Int

    /// The layout of a strided operand, or nil when neither dimension is dense.
    init?(rows: Int, cols: Int, rowStride: Int, colStride: Int) {
        if cols == 1 || colStride == 1 {
            let ld = rows == 1 ? Swift.max(cols, 1) : rowStride
            if ld >= Swift.max(cols, 1) {
                transposed = false
                leadingDimension = ld
                return
            }
        }
        if rows == 1 || rowStride == 1 {
            let ld = cols == 1 ? Swift.max(rows, 1) : colStride
            if ld >= Swift.max(rows, 1) {
                transposed = true
                leadingDimension = ld
                return
            }
        }
        return nil
    }
}
