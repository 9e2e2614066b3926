import CTorchKernels
import Synchronization

// MARK: - Device backends

/// Memory a backend allocated on its device: the device address and the object that owns (and frees) it.
public struct DeviceAllocation: @unchecked Sendable {
    /// The device address of the first byte (never 0).
    public let address: UInt64
    /// The backend's handle; the memory is freed when the last reference to it goes.
    public let owner: AnyObject

    /// Describes an allocation.
    /// - Parameters:
    ///   - address: the device address.
    ///   - owner: the object whose lifetime is the memory's.
    public init(address: UInt64, owner: AnyObject) {
        precondition(address != 0, "DeviceAllocation: a device address of 0 is not valid")
        self.address = address
        self.owner = owner
    }
}

/// The interface TorchCore calls for tensors that live on a device other than the CPU. `TorchCUDA` implements it
/// for `.cuda(i)`; tests use a host-memory stand-in.
///
/// Note (device dispatch): TorchCore's shared kernels — copies, casts and fills, the elementwise maps
/// (`floatingMap`, `numericMap`, `binaryMap`, `compareMap`) and matrix products — ask the backend first. A backend
/// returns `false` for what it does not implement (except copies, which it must); TorchCore then runs the CPU kernel on host copies and copies
/// the result back, printing a one-time warning naming the op. Primitives that have no device path at all
/// (sorting, convolution, …) move their inputs to the CPU with the differentiable ``Tensor/to(_:)-(Device)`` and
/// their results back, so autograd sees two copies and the CPU op. Every method is called with tensors on
/// this backend's device only (except the 0-d CPU scalars of `elementwise`); device failures (out of memory, a
/// failed launch) stop with the backend's message.
public protocol DeviceBackend: AnyObject, Sendable {
    /// Allocates `byteCount` bytes (at least 1) on `device`.
    /// - Parameters:
    ///   - byteCount: bytes needed.
    ///   - device: the device.
    func allocate(byteCount: Int, device: Device) -> DeviceAllocation
    /// Copies bytes from device memory to the host, waiting until they have arrived.
    /// - Parameters:
    ///   - source: the device storage.
    ///   - byteOffset: the first byte to copy.
    ///   - destination: host memory of at least `byteCount` bytes.
    ///   - byteCount: bytes to copy.
    func copyToHost(from source: Storage, byteOffset: Int, to destination: UnsafeMutableRawPointer, byteCount: Int)
    /// Copies bytes from the host into device memory.
    /// - Parameters:
    ///   - source: host memory.
    ///   - destination: the device storage.
    ///   - byteOffset: the first byte written.
    ///   - byteCount: bytes to copy.
    func copyFromHost(_ source: UnsafeRawPointer, to destination: Storage, byteOffset: Int, byteCount: Int)
    /// `destination = source` elementwise, converting the dtype as TorchCore's CPU copy does; `source` is
    /// broadcast to the destination's shape and both may have any strides. Every dtype pair must be supported:
    /// fills, casts, `contiguous()` and transfers of strided tensors all come here.
    /// - Parameters:
    ///   - source: the values.
    ///   - destination: where they go.
    func copy(from source: Tensor, to destination: Tensor)
    /// Computes the registry's elementwise primitive `op` (its ``ElementwiseExpression``) with scalar parameters
    /// `parameters` over `inputs` (broadcast to the output's shape, all of one dtype) into `output`. An input may be
    /// a 0-d CPU tensor (a Swift scalar), whose value the backend passes to its kernel or copies over. Returns false
    /// when the op or dtype has no device kernel.
    /// - Parameters:
    ///   - op: the registry name (`exp`, `leakyRelu`, `gelu(tanh)`).
    ///   - parameters: the values of `p0`, `p1`.
    ///   - inputs: the operands.
    ///   - output: the result, dense.
    func elementwise(_ op: String, parameters: [Double], inputs: [Tensor], output: Tensor) -> Bool
    /// `output = a @ b` for 2-D (`[m,k] @ [k,n]`) or 3-D batched (`[B,m,k] @ [B,k,n]`) operands of one dtype, any
    /// strides; `output` is dense. Returns false when not supported.
    /// - Parameters:
    ///   - a: the left operand.
    ///   - b: the right operand.
    ///   - output: the product.
    func matmul(_ a: Tensor, _ b: Tensor, output: Tensor) -> Bool
    /// Reduces each row of a dense `[rows, length]` tensor into one element of the dense `output` (`rows`
    /// elements of the same dtype). Returns false when not supported.
    /// - Parameters:
    ///   - kind: the reduction.
    ///   - source: the rows, dense.
    ///   - rows: the number of rows.
    ///   - length: elements per row (at least 1 for `amax`/`amin`).
    ///   - output: the results, dense.
    func reduceRows(_ kind: RowReduction, _ source: Tensor, rows: Int, length: Int, output: Tensor) -> Bool
    /// The int64 index of each row's largest (or smallest) element of a dense float32/float64 `[rows, length]`
    /// tensor into the dense `indices`: the first among ties, and the first NaN when there is one (`argmax`).
    /// Returns false when not supported.
    /// - Parameters:
    ///   - source: the rows, dense (`length` ≥ 1).
    ///   - rows: the number of rows.
    ///   - length: elements per row.
    ///   - largest: argmax rather than argmin.
    ///   - indices: the results.
    func argExtremeRows(_ source: Tensor, rows: Int, length: Int, largest: Bool, indices: Tensor) -> Bool
    /// Running sums (or products) along each row of a dense float64/int64 `[rows, length]` tensor into the dense
    /// `output` of the same shape (`cumsum`, `cumprod`). Returns false when not supported.
    /// - Parameters:
    ///   - source: the rows, dense.
    ///   - rows: the number of rows.
    ///   - length: elements per row.
    ///   - product: running products instead of sums.
    ///   - output: the results.
    func scanRows(_ source: Tensor, rows: Int, length: Int, product: Bool, output: Tensor) -> Bool
    /// Fills the dense float32/float64 `output` with Philox4x32-10 draws: element `i` from the four words of counter
    /// `i` under `key`, as ``Philox`` computes them on the host (see "Note (device random numbers)"). Returns false
    /// when not supported.
    /// - Parameters:
    ///   - output: the tensor to fill.
    ///   - distribution: what to draw.
    ///   - key: the key.
    func random(_ output: Tensor, _ distribution: RandomDistribution, key: UInt64) -> Bool
    /// The int64 positions that sort each row of a dense float64 `[rows, length]` tensor (NaN largest, ties in
    /// their original order: a stable sort) into the dense `indices` of the same shape. Returns false when not
    /// supported (the CUDA backend sorts rows of up to 2048 elements).
    /// - Parameters:
    ///   - source: the rows, dense.
    ///   - rows: the number of rows.
    ///   - length: elements per row.
    ///   - descending: largest first (NaN first).
    ///   - indices: the sorting permutation of each row.
    func sortRows(_ source: Tensor, rows: Int, length: Int, descending: Bool, indices: Tensor) -> Bool
    /// One Adam/AdamW update of a parameter in a single pass (PyTorch's fused Adam): `param`, `expAvg` and
    /// `expAvgSq` are updated in place from `grad`, all dense float32 or float64 of one shape (see
    /// ``AdamStep`` for the rule). Returns false when not supported; the optimizer then runs its tensor ops.
    /// - Parameters:
    ///   - param: the parameter.
    ///   - grad: its gradient.
    ///   - expAvg: the first moment.
    ///   - expAvgSq: the second moment.
    ///   - step: the hyper-parameters and bias corrections of this step.
    func adamStep(param: Tensor, grad: Tensor, expAvg: Tensor, expAvgSq: Tensor, _ step: AdamStep) -> Bool
    /// Softmax (or logSoftmax) of each row of a dense `[rows, length]` float32/float64 tensor into the dense
    /// `output` of the same shape. Returns false when not supported.
    /// - Parameters:
    ///   - source: the rows, dense.
    ///   - rows: the number of rows.
    ///   - length: elements per row.
    ///   - log: logSoftmax instead of softmax.
    ///   - output: the results, dense.
    func softmaxRows(_ source: Tensor, rows: Int, length: Int, log: Bool, output: Tensor) -> Bool
    /// Layer normalisation of each row of a dense `[rows, length]` float32/float64 tensor (biased variance), then
    /// `· weight + bias` (dense `[length]`, either optional), into the dense `output`. Returns false when not
    /// supported.
    /// - Parameters:
    ///   - source: the rows, dense.
    ///   - weight: the scale, or nil.
    ///   - bias: the shift, or nil.
    ///   - rows: the number of rows.
    ///   - length: elements per row.
    ///   - eps: added to the variance.
    ///   - output: the results, dense.
    func layerNormRows(_ source: Tensor, weight: Tensor?, bias: Tensor?, rows: Int, length: Int, eps: Double, output: Tensor) -> Bool
    /// `output[p] = source[p with p[dim] = index[p]]` for every position `p` of `output` (shaped like `index`);
    /// `index` is int64 with values already checked to lie in `0..<source.shape[dim]`; any strides, the index may be
    /// broadcast (stride 0). Returns false when not supported.
    /// - Parameters:
    ///   - source: the values.
    ///   - dim: the indexed dimension.
    ///   - index: the positions along `dim`.
    ///   - output: the result.
    func gather(_ source: Tensor, dim: Int, index: Tensor, output: Tensor) -> Bool
    /// `destination[p with p[dim] = index[p]] (+)= source[p]` for every position `p` of `index` (accumulating
    /// atomically when `accumulate`); `index` is int64, checked to lie in `0..<destination.shape[dim]`. Returns false
    /// when not supported.
    /// - Parameters:
    ///   - destination: the tensor written into, dense.
    ///   - dim: the indexed dimension.
    ///   - index: the positions along `dim`.
    ///   - source: the values, at least as large as `index` in every dimension.
    ///   - accumulate: add instead of overwrite.
    func scatter(into destination: Tensor, dim: Int, index: Tensor, source: Tensor, accumulate: Bool) -> Bool
    /// Sliding-window columns of a dense float32/float64 `[N, C, H, W]` image into the dense
    /// `[N, C·kh·kw, L]` `output` (zero padding), as ``Tensor/im2col(_:)``. Returns false when not supported.
    /// - Parameters:
    ///   - source: the images.
    ///   - window: the window geometry.
    ///   - output: the columns.
    func im2col(_ source: Tensor, window: Window2d, output: Tensor) -> Bool
    /// The adjoint of `im2col`: sums dense `[N, C·kh·kw, L]` columns into the dense `[N, C, H, W]` `output`
    /// (overwritten). Returns false when not supported.
    /// - Parameters:
    ///   - columns: the columns.
    ///   - window: the window geometry.
    ///   - output: the images.
    func col2im(_ columns: Tensor, window: Window2d, output: Tensor) -> Bool
    /// 2-D max pooling of a dense float32/float64 `[N, C, H, W]` tensor into the dense `[N, C, oh, ow]` `output`
    /// (`oh`, `ow` given by its shape, so ceil mode is the caller's), with the argmax of each window as an
    /// int64 position within its `H × W` plane when `indices` is given; a larger value or a NaN takes over.
    /// Returns false when not supported.
    /// - Parameters:
    ///   - source: the input.
    ///   - window: kernel, stride, padding and dilation.
    ///   - output: the maxima.
    ///   - indices: where they came from, or nil.
    func maxPool2d(_ source: Tensor, window: Window2d, output: Tensor, indices: Tensor?) -> Bool
    /// Waits for all queued work on `device`.
    /// - Parameter device: the device.
    func synchronize(_ device: Device)
}

/// The row reductions a device backend may implement (``DeviceBackend/reduceRows(_:_:rows:length:output:)``).
public enum RowReduction: String, Sendable {
    /// The sum (float32/float64/int64 rows; an empty row sums to 0).
    case sum
    /// The largest element, NaN propagating (float32/float64).
    case amax
    /// The smallest element, NaN propagating (float32/float64).
    case amin
    /// The product (float32/float64/int64 wrapping; an empty row gives 1).
    case prod
}

extension DeviceBackend {
    /// Not supported unless the backend says otherwise.
    public func reduceRows(_ kind: RowReduction, _ source: Tensor, rows: Int, length: Int, output: Tensor) -> Bool { false }
    /// Not supported unless the backend says otherwise.
    public func argExtremeRows(_ source: Tensor, rows: Int, length: Int, largest: Bool, indices: Tensor) -> Bool { false }
    /// Not supported unless the backend says otherwise.
    public func scanRows(_ source: Tensor, rows: Int, length: Int, product: Bool, output: Tensor) -> Bool { false }
    /// Not supported unless the backend says otherwise.
    public func random(_ output: Tensor, _ distribution: RandomDistribution, key: UInt64) -> Bool { false }
    /// Not supported unless the backend says otherwise.
    public func sortRows(_ source: Tensor, rows: Int, length: Int, descending: Bool, indices: Tensor) -> Bool { false }
    /// Not supported unless the backend says otherwise.
    public func adamStep(param: Tensor, grad: Tensor, expAvg: Tensor, expAvgSq: Tensor, _ step: AdamStep) -> Bool { false }
    /// Not supported unless the backend says otherwise.
    public func softmaxRows(_ source: Tensor, rows: Int, length: Int, log: Bool, output: Tensor) -> Bool { false }
    /// Not supported unless the backend says otherwise.
    public func gather(_ source: Tensor, dim: Int, index: Tensor, output: Tensor) -> Bool { false }
    /// Not supported unless the backend says otherwise.
    public func scatter(into destination: Tensor, dim: Int, index: Tensor, source: Tensor, accumulate: Bool) -> Bool { false }
    /// Not supported unless the backend says otherwise.
    public func im2col(_ source: Tensor, window: Window2d, output: Tensor) -> Bool { false }
    /// Not supported unless the backend says otherwise.
    public func col2im(_ columns: Tensor, window: Window2d, output: Tensor) -> Bool { false }
    /// Not supported unless the backend says otherwise.
    public func maxPool2d(_ source: Tensor, window: Window2d, output: Tensor, indices: Tensor?) -> Bool { false }
    /// Not supported unless the backend says otherwise.
    public func layerNormRows(_ source: Tensor, weight: Tensor?, bias: Tensor?, rows: Int, length: Int, eps: Double, output: Tensor) -> Bool { false }
}

/// The registered device backends, one per device kind.
public enum DeviceBackends {
    private static let registered = Mutex<[String: any DeviceBackend]>([:])

    /// Makes `backend` serve every device of `kind` (`"cuda"`), replacing any earlier one.
    /// - Parameters:
    ///   - backend: the backend.
    ///   - kind: the device kind.
    public static func register(_ backend: any DeviceBackend, for kind: String) {
        registered.withLock { $0[kind] = backend }
    }

    /// Whether a backend's registrar was installed when the program loaded (TorchCUDA's, when it is linked): it
    /// registers the CUDA backend the first time a tensor goes to a CUDA device.
    public static var hasLoadTimeRegistrar: Bool { st_has_device_registrar() != 0 }

    /// Removes the backend of `kind` (tests).
    /// - Parameter kind: the device kind.
    public static func unregister(_ kind: String) { registered.withLock { $0[kind] = nil } }

    /// The backend serving `device`, or nil for the CPU and for kinds nobody registered.
    /// - Parameter device: the device.
    public static func backend(for device: Device) -> (any DeviceBackend)? {
        guard device != .cpu else { return nil }
        return registered.withLock { $0[device.kind] }
    }

    /// The backend serving `device`, stopping with a message that says how to get one when there is none. The
    /// first time a CUDA device has no backend, TorchCUDA's registrar (installed at load time) is asked to find one.
    static func require(_ device: Device, op: String) -> any DeviceBackend {
        if backend(for: device) == nil, device.kind == "cuda" { _ = st_call_device_registrar() }
        guard let b = backend(for: device) else {
            preconditionFailure("\(op): no backend for \(device) is loaded: `Torch.cuda.unavailableReason` (TorchCUDA) says why "
                                + "(no driver, no device, or TorchCUDA not linked)")
        }
        return b
    }
}

extension Device {
    /// The device kind: `cpu` or `cuda`.
    public var kind: String {
        switch self {
        case .cpu: return "cpu"
        case .cuda: return "cuda"
        }
    }
}

/// The scalars of one Adam/AdamW update, element by element (PyTorch's rule, without AMSGrad):
/// `g ← maximize ? −g : g`; with L2 decay `g ← g + wd·p`, with decoupled decay `p ← p·(1 − lr·wd)`;
/// `m ← m + (1 − β1)(g − m)`; `v ← β2·v + (1 − β2)·g²`; `p ← p − (lr / bias1)·m / (√v / √bias2 + eps)`.
public struct AdamStep: Sendable {
    /// The learning rate.
    public var lr: Double
    /// β1.
    public var beta1: Double
    /// β2.
    public var beta2: Double
    /// Added to the denominator.
    public var eps: Double
    /// The weight decay (0: none).
    public var weightDecay: Double
    /// Decoupled (AdamW) rather than L2 decay.
    public var decoupled: Bool
    /// Ascend instead of descend.
    public var maximize: Bool
    /// `1 − β1^step`.
    public var bias1: Double
    /// `1 − β2^step`.
    public var bias2: Double

    /// Describes a step.
    /// - Parameters:
    ///   - lr: the learning rate.
    ///   - beta1: β1.
    ///   - beta2: β2.
    ///   - eps: the denominator's epsilon.
    ///   - weightDecay: the decay.
    ///   - decoupled: AdamW's decay.
    ///   - maximize: ascend.
    ///   - bias1: `1 − β1^step`.
    ///   - bias2: `1 − β2^step`.
    public init(lr: Double, beta1: Double, beta2: Double, eps: Double, weightDecay: Double, decoupled: Bool, maximize: Bool,
                bias1: Double, bias2: Double) {
        self.lr = lr
        self.beta1 = beta1
        self.beta2 = beta2
        self.eps = eps
        self.weightDecay = weightDecay
        self.decoupled = decoupled
        self.maximize = maximize
        self.bias1 = bias1
        self.bias2 = bias2
    }
}

extension Tensor {
    /// Runs one fused Adam update on a device when its backend has one: true when done (the optimizer then skips
    /// its tensor ops for this parameter). Always false on the CPU, where the tensor ops are the fast path.
    /// - Parameters:
    ///   - grad: the gradient.
    ///   - expAvg: the first moment.
    ///   - expAvgSq: the second moment.
    ///   - step: the scalars of the step.
    public func fusedAdamStep_(grad: Tensor, expAvg: Tensor, expAvgSq: Tensor, _ step: AdamStep) -> Bool {
        guard device != .cpu, grad.device == device, expAvg.device == device, expAvgSq.device == device,
              let backend = DeviceBackends.backend(for: device) else { return false }
        let all = [self, grad, expAvg, expAvgSq]
        guard all.allSatisfy({ $0.isContiguous && $0.shape == shape && $0.dtype == dtype }), dtype == .float32 || dtype == .float64 else { return false }
        guard backend.adamStep(param: self, grad: grad, expAvg: expAvg, expAvgSq: expAvgSq, step) else { return false }
        for t in [self, expAvg, expAvgSq] { t.storage.bumpVersion() }
        return true
    }
}
