// MARK: - Storage

/// A reference-counted block of memory shared by a tensor and all of its views.
///
/// Note (storage sendability): `Storage` is the one `@unchecked Sendable` type of the tensor model. Its memory is
/// written only by ops, and Swift code that shares tensors across threads must synchronise in-place writes
/// exactly as with PyTorch tensors; the only mutable field is the version counter, bumped by in-place ops.
public final class Storage: @unchecked Sendable {
    /// The first byte (64-byte aligned when allocated here; page-aligned for a memory-mapped file). For device
    /// storage this is the device address, which the host must not dereference.
    public let data: UnsafeMutableRawPointer
    /// Where the memory lives.
    public let device: Device
    /// The device backend's handle of device memory (nil on the CPU).
    public let deviceOwner: AnyObject?
    /// Usable size in bytes.
    public let byteCount: Int
    let blockSize: Int
    let owned: Bool
    let release: (@Sendable () -> Void)?
    /// Bumped by every in-place write; autograd compares it with the value seen when a tensor was saved.
    public internal(set) var version: Int = 0

    /// Allocates uninitialised storage from the caching allocator.
    /// - Parameter byteCount: bytes needed.
    init(byteCount: Int) {
        let (p, size) = CachingAllocator.shared.allocate(byteCount)
        data = p
        self.byteCount = byteCount
        blockSize = size
        owned = true
        release = nil
        device = .cpu
        deviceOwner = nil
    }

    /// Allocates uninitialised storage on `device` from its backend (the CPU's caching allocator for `.cpu`).
    /// - Parameters:
    ///   - byteCount: bytes needed.
    ///   - device: where.
    convenience init(byteCount: Int, device: Device) {
        if device == .cpu {
            self.init(byteCount: byteCount)
        } else {
            let a = DeviceBackends.require(device, op: "allocate").allocate(byteCount: Swift.max(byteCount, 1), device: device)
            self.init(deviceAllocation: a, byteCount: byteCount, device: device)
        }
    }

    /// Wraps memory a device backend allocated.
    /// - Parameters:
    ///   - allocation: the address and its owner.
    ///   - byteCount: the usable size.
    ///   - device: the device.
    package init(deviceAllocation allocation: DeviceAllocation, byteCount: Int, device: Device) {
        data = UnsafeMutableRawPointer(bitPattern: UInt(allocation.address))!
        self.byteCount = byteCount
        blockSize = byteCount
        owned = false
        release = nil
        self.device = device
        deviceOwner = allocation.owner
    }

    /// Wraps memory owned elsewhere (a memory-mapped file); `release` runs when the last tensor using it goes.
    /// - Parameters:
    ///   - data: the first byte.
    ///   - byteCount: the size.
    ///   - release: frees the memory.
    package init(external data: UnsafeMutableRawPointer, byteCount: Int, release: @escaping @Sendable () -> Void) {
        self.data = data
        self.byteCount = byteCount
        blockSize = byteCount
        owned = false
        self.release = release
        device = .cpu
        deviceOwner = nil
    }

    deinit {
        if owned { CachingAllocator.shared.deallocate(data, size: blockSize) }
        release?()
    }

    func bumpVersion() { version &+= 1 }
}
