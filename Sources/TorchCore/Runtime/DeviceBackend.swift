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
/// this backend's device only (0-d CPU operands are moved there first); device failures (out of memory, a
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
    /// `parameters` over `inputs` (broadcast to the output's shape, all of one dtype) into `output`. Returns false
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
    /// Waits for all queued work on `device`.
    /// - Parameter device: the device.
    func synchronize(_ device: Device)
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

    /// Removes the backend of `kind` (tests).
    /// - Parameter kind: the device kind.
    public static func unregister(_ kind: String) { registered.withLock { $0[kind] = nil } }

    /// The backend serving `device`, or nil for the CPU and for kinds nobody registered.
    /// - Parameter device: the device.
    public static func backend(for device: Device) -> (any DeviceBackend)? {
        guard device != .cpu else { return nil }
        return registered.withLock { $0[device.kind] }
    }

    /// The backend serving `device`, stopping with a message that says how to get one when there is none.
    static func require(_ device: Device, op: String) -> any DeviceBackend {
        guard let b = backend(for: device) else {
            preconditionFailure("\(op): no backend for \(device) is loaded. Check `Torch.cuda.isAvailable` (TorchCUDA) first: "
                                + "it loads the CUDA libraries and registers the device, or says why it cannot")
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
