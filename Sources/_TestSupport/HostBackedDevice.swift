#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization
import TorchCore

/// A stand-in device backend for tests on machines without a GPU: "device" memory is separate host memory that
/// TorchCore's CPU kernels refuse to touch (as they would refuse GPU memory), copies are `memcpy` and strided
/// copies run TorchCore's CPU copy on views of that memory. Elementwise and matmul requests are recorded and
/// declined, so those ops take TorchCore's CPU fallback path — the path that a real backend takes for ops it
/// lacks; the row kernels (reductions, softmax, layerNorm) are served on views of the rows, which checks the layout
/// TorchCore hands a backend. Tests check device placement, transfers, fallbacks and autograd across devices with it, and that the
/// elementwise requests name registry ops with their parameters.
public final class HostBackedDeviceBackend: DeviceBackend, @unchecked Sendable {
    /// One allocation; freed with its last storage.
    final class Block {
        let pointer: UnsafeMutableRawPointer
        let size: Int
        init(_ size: Int) {
            self.size = size
            pointer = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 64)
            // Poison: a kernel that reads memory it never wrote shows up as NaNs or garbage.
            memset(pointer, 0xA5, size)
            HostBackedDeviceBackend.live.add(1, ordering: .relaxed)
        }
        deinit {
            pointer.deallocate()
            HostBackedDeviceBackend.live.subtract(1, ordering: .relaxed)
        }
    }

    /// One declined request.
    public struct Request: Sendable, Equatable {
        /// `elementwise` or `matmul`.
        public let kind: String
        /// The op name (elementwise) or "matmul".
        public let op: String
        /// The scalar parameters.
        public let parameters: [Double]
        /// The input dtypes.
        public let inputs: [DType]
        /// The output dtype.
        public let output: DType
    }

    static let live = Atomic<Int>(0)

    /// The shared instance, registered for `cuda` by ``install()``.
    public static let shared = HostBackedDeviceBackend()

    /// Registers the shared instance as the `cuda` backend (once per process).
    @discardableResult
    public static func install() -> HostBackedDeviceBackend {
        DeviceBackends.register(shared, for: "cuda")
        return shared
    }

    final class Recorder: Sendable {
        let requests = Mutex<[Request]>([])
    }

    @TaskLocal static var recorder: Recorder?

    /// Runs `body` and returns the requests made inside it by this task only (concurrent tests do not mix in).
    /// - Parameter body: the work.
    public func recording(_ body: () -> Void) -> [Request] {
        let r = Recorder()
        Self.$recorder.withValue(r) { body() }
        return r.requests.withLock { $0 }
    }

    private func record(_ request: Request) {
        if let r = Self.recorder { r.requests.withLock { $0.append(request) } }
    }

    /// The number of device blocks alive now.
    public var liveBlocks: Int { Self.live.load(ordering: .relaxed) }

    /// Allocates poisoned host memory standing for device memory.
    public func allocate(byteCount: Int, device: Device) -> DeviceAllocation {
        guard case .cuda = device else { preconditionFailure("HostBackedDeviceBackend: asked for \(device)") }
        let block = Block(byteCount)
        return DeviceAllocation(address: UInt64(UInt(bitPattern: block.pointer)), owner: block)
    }

    /// Copies bytes out of the stand-in memory (`memcpy`).
    public func copyToHost(from source: Storage, byteOffset: Int, to destination: UnsafeMutableRawPointer, byteCount: Int) {
        precondition(source.device != .cpu, "copyToHost from host storage")
        precondition(byteOffset + byteCount <= source.byteCount, "copyToHost: \(byteOffset)+\(byteCount) beyond \(source.byteCount) bytes")
        memcpy(destination, source.data + byteOffset, byteCount)
    }

    /// Copies bytes into the stand-in memory (`memcpy`).
    public func copyFromHost(_ source: UnsafeRawPointer, to destination: Storage, byteOffset: Int, byteCount: Int) {
        precondition(destination.device != .cpu, "copyFromHost to host storage")
        precondition(byteOffset + byteCount <= destination.byteCount, "copyFromHost: beyond the storage")
        memcpy(destination.data + byteOffset, source, byteCount)
    }

    /// Strided copy with conversion, by TorchCore's CPU copy on views of the stand-in memory.
    public func copy(from source: Tensor, to destination: Tensor) {
        precondition(source.device == destination.device && source.device != .cpu, "copy: \(source.device) -> \(destination.device)")
        let src = hostView(source), dst = hostView(destination)
        noGrad { _ = dst.copy_(src) }
    }

    /// Records the request and declines it, so TorchCore takes its CPU fallback.
    public func elementwise(_ op: String, parameters: [Double], inputs: [Tensor], output: Tensor) -> Bool {
        precondition(inputs.allSatisfy { $0.device == output.device || ($0.device == .cpu && $0.rank == 0) },
                     "elementwise \(op): operands on \(inputs.map(\.device)), output on \(output.device)")
        record(Request(kind: "elementwise", op: op, parameters: parameters, inputs: inputs.map(\.dtype), output: output.dtype))
        return false
    }

    /// Records the request and declines it.
    public func matmul(_ a: Tensor, _ b: Tensor, output: Tensor) -> Bool {
        record(Request(kind: "matmul", op: "matmul", parameters: [], inputs: [a.dtype, b.dtype], output: output.dtype))
        return false
    }

    /// Row reductions on views of the rows (checks the layout TorchCore hands over: dense rows of `length`).
    public func reduceRows(_ kind: RowReduction, _ source: Tensor, rows: Int, length: Int, output: Tensor) -> Bool {
        precondition(source.isContiguous && source.count == rows * length && output.isContiguous && output.count == rows,
                     "reduceRows: source \(source.shape) (contiguous \(source.isContiguous)), output \(output.shape), rows \(rows) × \(length)")
        record(Request(kind: "reduceRows", op: kind.rawValue, parameters: [], inputs: [source.dtype], output: output.dtype))
        let x = hostView(source).reshape([rows, length])
        let r: Tensor
        switch kind {
        case .sum: r = x.sum([1])
        case .amax: r = x.amax([1])
        case .amin: r = x.amin([1])
        case .prod: r = x.prod([1])
        }
        noGrad { _ = hostView(output).reshape([rows]).copy_(r) }
        return true
    }

    /// argmax/argmin of dense rows, on views.
    public func argExtremeRows(_ source: Tensor, rows: Int, length: Int, largest: Bool, indices: Tensor) -> Bool {
        precondition(source.isContiguous && source.count == rows * length && indices.isContiguous && indices.count == rows && indices.dtype == .int64,
                     "argExtremeRows: source \(source.shape), indices \(indices.shape) \(indices.dtype), rows \(rows) × \(length)")
        record(Request(kind: "argExtremeRows", op: largest ? "argmax" : "argmin", parameters: [], inputs: [source.dtype], output: .int64))
        let x = hostView(source).reshape([rows, length])
        noGrad { _ = hostView(indices).reshape([rows]).copy_(largest ? x.argmax(dim: 1) : x.argmin(dim: 1)) }
        return true
    }

    /// Running sums or products of dense rows, on views.
    public func scanRows(_ source: Tensor, rows: Int, length: Int, product: Bool, output: Tensor) -> Bool {
        precondition(source.isContiguous && output.isContiguous && source.count == rows * length && output.count == rows * length,
                     "scanRows: source \(source.shape), output \(output.shape), rows \(rows) × \(length)")
        record(Request(kind: "scanRows", op: product ? "cumprod" : "cumsum", parameters: [], inputs: [source.dtype], output: output.dtype))
        let x = hostView(source).reshape([rows, length])
        noGrad { _ = hostView(output).reshape([rows, length]).copy_(product ? x.cumprod(dim: 1) : x.cumsum(dim: 1)) }
        return true
    }

    /// Random fills with TorchCore's host Philox (the numbers the CUDA kernel draws).
    public func random(_ output: Tensor, _ distribution: RandomDistribution, key: UInt64) -> Bool {
        precondition(output.isContiguous && (output.dtype == .float32 || output.dtype == .float64), "random: output \(output.dtype) \(output.shape)")
        record(Request(kind: "random", op: "random", parameters: [], inputs: [], output: output.dtype))
        let values = (0..<output.count).map { Philox.sample($0, key: key, distribution) }
        noGrad { _ = hostView(output).copy_(Tensor(values, shape: output.shape)) }
        return true
    }

    /// The stable sorting permutation of dense float64 rows, on views.
    public func sortRows(_ source: Tensor, rows: Int, length: Int, descending: Bool, indices: Tensor) -> Bool {
        precondition(source.isContiguous && indices.isContiguous && source.dtype == .float64 && indices.dtype == .int64
                     && source.count == rows * length && indices.count == rows * length, "sortRows: source \(source.shape), indices \(indices.shape)")
        record(Request(kind: "sortRows", op: "sort", parameters: [], inputs: [source.dtype], output: .int64))
        let x = hostView(source).reshape([rows, length])
        noGrad { _ = hostView(indices).reshape([rows, length]).copy_(x.sort(dim: 1, descending: descending).indices) }
        return true
    }

    /// Softmax or logSoftmax of dense rows, on views.
    public func softmaxRows(_ source: Tensor, rows: Int, length: Int, log logarithm: Bool, output: Tensor) -> Bool {
        precondition(source.isContiguous && source.count == rows * length && output.isContiguous && output.count == rows * length,
                     "softmaxRows: source \(source.shape), output \(output.shape), rows \(rows) × \(length)")
        record(Request(kind: "softmaxRows", op: logarithm ? "logSoftmax" : "softmax", parameters: [], inputs: [source.dtype], output: output.dtype))
        let x = hostView(source).reshape([rows, length])
        noGrad { _ = hostView(output).reshape([rows, length]).copy_(logarithm ? x.logSoftmax(dim: 1) : x.softmax(dim: 1)) }
        return true
    }

    /// Layer normalisation of dense rows, on views.
    public func layerNormRows(_ source: Tensor, weight: Tensor?, bias: Tensor?, rows: Int, length: Int, eps: Double, output: Tensor) -> Bool {
        precondition(source.isContiguous && source.count == rows * length && output.isContiguous && output.count == rows * length
                     && (weight.map { $0.isContiguous && $0.count == length } ?? true) && (bias.map { $0.isContiguous && $0.count == length } ?? true),
                     "layerNormRows: source \(source.shape), output \(output.shape), rows \(rows) × \(length)")
        record(Request(kind: "layerNormRows", op: "layerNorm", parameters: [eps], inputs: [source.dtype], output: output.dtype))
        let x = hostView(source).reshape([rows, length])
        let y = noGrad { x.layerNorm([length], weight: weight.map { hostView($0).reshape([length]) }, bias: bias.map { hostView($0).reshape([length]) }, eps: eps) }
        noGrad { _ = hostView(output).reshape([rows, length]).copy_(y) }
        return true
    }

    /// Gather on views (checks that TorchCore passes a non-negative int64 index shaped like the output).
    public func gather(_ source: Tensor, dim: Int, index: Tensor, output: Tensor) -> Bool {
        precondition(index.dtype == .int64 && index.shape == output.shape && index.device == output.device,
                     "gather: index \(index.dtype) \(index.shape) on \(index.device), output \(output.shape)")
        record(Request(kind: "gather", op: "gather", parameters: [], inputs: [source.dtype, index.dtype], output: output.dtype))
        let positions = hostView(index)
        precondition(positions.toArray(of: Int64.self).allSatisfy { $0 >= 0 && $0 < Int64(source.shape[dim]) }, "gather: index not normalised")
        noGrad { _ = hostView(output).copy_(hostView(source).gather(dim, positions)) }
        return true
    }

    /// Scatter on views.
    public func scatter(into destination: Tensor, dim: Int, index: Tensor, source: Tensor, accumulate: Bool) -> Bool {
        precondition(index.dtype == .int64 && destination.isContiguous, "scatter: index \(index.dtype), destination contiguous \(destination.isContiguous)")
        record(Request(kind: "scatter", op: accumulate ? "scatterAdd" : "scatter", parameters: [], inputs: [source.dtype, index.dtype], output: destination.dtype))
        let d = hostView(destination), i = hostView(index), v = hostView(source)
        noGrad { _ = d.copy_(accumulate ? d.scatterAdd(dim, i, v) : d.scatter(dim, i, v)) }
        return true
    }

    /// Sliding-window columns, on views.
    public func im2col(_ source: Tensor, window: Window2d, output: Tensor) -> Bool {
        precondition(source.isContiguous && output.isContiguous && source.rank == 4, "im2col: source \(source.shape), output \(output.shape)")
        record(Request(kind: "im2col", op: "im2col", parameters: [], inputs: [source.dtype], output: output.dtype))
        noGrad { _ = hostView(output).copy_(hostView(source).im2col(window)) }
        return true
    }

    /// The adjoint of `im2col`, on views.
    public func col2im(_ columns: Tensor, window: Window2d, output: Tensor) -> Bool {
        precondition(columns.isContiguous && output.isContiguous && output.rank == 4, "col2im: columns \(columns.shape), output \(output.shape)")
        record(Request(kind: "col2im", op: "col2im", parameters: [], inputs: [columns.dtype], output: output.dtype))
        noGrad { _ = hostView(output).copy_(hostView(columns).col2im(output.shape, window)) }
        return true
    }

    /// Max pooling with indices, on views (ceil mode read from the output size).
    public func maxPool2d(_ source: Tensor, window: Window2d, output: Tensor, indices: Tensor?) -> Bool {
        precondition(source.isContiguous && output.isContiguous && source.rank == 4 && (indices.map { $0.shape == output.shape && $0.dtype == .int64 } ?? true),
                     "maxPool2d: source \(source.shape), output \(output.shape)")
        record(Request(kind: "maxPool2d", op: "maxPool2d", parameters: [], inputs: [source.dtype], output: output.dtype))
        let floorH = pooledSize(source.shape[2], window.kernel.0, window.stride.0, window.padding.0, window.dilation.0, false)
        let floorW = pooledSize(source.shape[3], window.kernel.1, window.stride.1, window.padding.1, window.dilation.1, false)
        let ceil = output.shape[2] != floorH || output.shape[3] != floorW
        let r = noGrad { hostView(source).maxPool2dWithIndices(window.kernel, stride: window.stride, padding: window.padding,
                                                               dilation: window.dilation, ceilMode: ceil) }
        noGrad {
            _ = hostView(output).copy_(r.values)
            if let indices { _ = hostView(indices).copy_(r.indices) }
        }
        return true
    }

    /// Nothing is queued on the stand-in.
    public func synchronize(_ device: Device) {}

    /// A CPU tensor over the same memory and layout (for the stand-in's own copies).
    private func hostView(_ t: Tensor) -> Tensor {
        let s = t.storage
        let storage = Storage(external: s.data, byteCount: s.byteCount) { withExtendedLifetime(s) {} }
        return Tensor(storage: storage, shape: t.shape, strides: t.strides, offset: t.storageOffset, dtype: t.dtype)
    }
}

