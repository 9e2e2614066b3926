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
/// declined, so every op takes TorchCore's CPU fallback path — the path that a real backend takes for ops it
/// lacks. Tests check device placement, transfers, fallbacks and autograd across devices with it, and that the
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

    private let log = Mutex<[Request]>([])
    static let live = Atomic<Int>(0)

    /// The shared instance, registered for `cuda` by ``install()``.
    public static let shared = HostBackedDeviceBackend()

    /// Registers the shared instance as the `cuda` backend (once per process).
    @discardableResult
    public static func install() -> HostBackedDeviceBackend {
        DeviceBackends.register(shared, for: "cuda")
        return shared
    }

    /// The requests received so far.
    public var requests: [Request] { log.withLock { $0 } }

    /// Forgets the recorded requests.
    public func clearRequests() { log.withLock { $0.removeAll() } }

    /// The number of device blocks alive now.
    public var liveBlocks: Int { Self.live.load(ordering: .relaxed) }

    public func allocate(byteCount: Int, device: Device) -> DeviceAllocation {
        guard case .cuda = device else { preconditionFailure("HostBackedDeviceBackend: asked for \(device)") }
        let block = Block(byteCount)
        return DeviceAllocation(address: UInt64(UInt(bitPattern: block.pointer)), owner: block)
    }

    public func copyToHost(from source: Storage, byteOffset: Int, to destination: UnsafeMutableRawPointer, byteCount: Int) {
        precondition(source.device != .cpu, "copyToHost from host storage")
        precondition(byteOffset + byteCount <= source.byteCount, "copyToHost: \(byteOffset)+\(byteCount) beyond \(source.byteCount) bytes")
        memcpy(destination, source.data + byteOffset, byteCount)
    }

    public func copyFromHost(_ source: UnsafeRawPointer, to destination: Storage, byteOffset: Int, byteCount: Int) {
        precondition(destination.device != .cpu, "copyFromHost to host storage")
        precondition(byteOffset + byteCount <= destination.byteCount, "copyFromHost: beyond the storage")
        memcpy(destination.data + byteOffset, source, byteCount)
    }

    public func copy(from source: Tensor, to destination: Tensor) {
        precondition(source.device == destination.device && source.device != .cpu, "copy: \(source.device) -> \(destination.device)")
        let src = hostView(source), dst = hostView(destination)
        noGrad { _ = dst.copy_(src) }
    }

    public func elementwise(_ op: String, parameters: [Double], inputs: [Tensor], output: Tensor) -> Bool {
        precondition(inputs.allSatisfy { $0.device == output.device }, "elementwise \(op): operands on \(inputs.map(\.device)), output on \(output.device)")
        log.withLock { $0.append(Request(kind: "elementwise", op: op, parameters: parameters, inputs: inputs.map(\.dtype), output: output.dtype)) }
        return false
    }

    public func matmul(_ a: Tensor, _ b: Tensor, output: Tensor) -> Bool {
        log.withLock { $0.append(Request(kind: "matmul", op: "matmul", parameters: [], inputs: [a.dtype, b.dtype], output: output.dtype)) }
        return false
    }

    public func synchronize(_ device: Device) {}

    /// A CPU tensor over the same memory and layout (for the stand-in's own copies).
    private func hostView(_ t: Tensor) -> Tensor {
        let s = t.storage
        let storage = Storage(external: s.data, byteCount: s.byteCount) { withExtendedLifetime(s) {} }
        return Tensor(storage: storage, shape: t.shape, strides: t.strides, offset: t.storageOffset, dtype: t.dtype)
    }
}

