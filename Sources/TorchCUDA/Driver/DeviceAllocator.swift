import Synchronization

// MARK: - Device memory

/// A block of device memory from a ``DeviceAllocator``; it goes back to the allocator's cache when released.
public final class DeviceBuffer: @unchecked Sendable {
    /// The device address.
    public let address: UInt64
    /// Usable bytes.
    public let byteCount: Int
    let blockSize: Int
    let allocator: DeviceAllocator
    /// The stream it was allocated on (0: the default stream); it goes back to that stream's free list.
    let stream: UInt

    init(address: UInt64, byteCount: Int, blockSize: Int, allocator: DeviceAllocator, stream: UInt) {
        self.address = address
        self.byteCount = byteCount
        self.blockSize = blockSize
        self.allocator = allocator
        self.stream = stream
    }

    deinit { allocator.release(address: address, blockSize: blockSize, stream: stream) }
}

/// A caching allocator for one device, like PyTorch's: freed blocks are kept by size and reused, so steady-state
/// training makes no `cuMemAlloc` calls. Requests are rounded to 512 bytes (small) or 2 MiB (large).
///
/// Statistics follow `torch.cuda`: ``memoryAllocated`` (bytes in live buffers, by block size),
/// ``maxMemoryAllocated`` (its peak), ``memoryReserved`` (allocated plus cached).
public final class DeviceAllocator: @unchecked Sendable {
    /// A free list: blocks of one size last used on one stream.
    struct CacheKey: Hashable {
        let size: Int
        let stream: UInt
    }

    struct State {
        var cache: [CacheKey: [UInt64]] = [:]
        var allocated = 0
        var peak = 0
        var reserved = 0
    }

    let api: DriverAPI
    let context: DriverAPI.Handle?
    private let state = Mutex(State())

    init(api: DriverAPI, context: DriverAPI.Handle?) {
        self.api = api
        self.context = context
    }

    /// The rounded block size for a request.
    /// - Parameter bytes: the request.
    public static func blockSize(for bytes: Int) -> Int {
        let n = max(bytes, 1)
        if n <= 1 << 20 { return (n + 511) & ~511 }
        return (n + (2 << 20) - 1) & ~((2 << 20) - 1)
    }

    /// A block of at least `bytes`, from the cache when one of that size is free; on a driver out-of-memory
    /// error the cache is emptied and the allocation retried once before ``CUDAError/outOfMemory`` is thrown.
    /// - Parameter bytes: the size needed.
    public func allocate(_ bytes: Int) throws(CUDAError) -> DeviceBuffer {
        let size = DeviceAllocator.blockSize(for: bytes)
        let stream = CUDA.currentStreamKey
        let key = CacheKey(size: size, stream: stream)
        let cached: UInt64? = state.withLock { s in
            guard var list = s.cache[key], let p = list.popLast() else { return nil }
            s.cache[key] = list
            s.allocated += size
            s.peak = max(s.peak, s.allocated)
            return p
        }
        if let p = cached { return DeviceBuffer(address: p, byteCount: bytes, blockSize: size, allocator: self, stream: stream) }
        try api.check(api.cuCtxSetCurrent(context), "cuCtxSetCurrent")
        var p: UInt64 = 0
        var code = api.cuMemAlloc(&p, size)
        if code == 2 {  // CUDA_ERROR_OUT_OF_MEMORY: give the cache back and try once more
            try emptyCache()
            code = api.cuMemAlloc(&p, size)
        }
        if code == 2 {
            var free = 0, total = 0
            _ = api.cuMemGetInfo(&free, &total)
            let s = state.withLock { $0 }
            throw .outOfMemory(requested: bytes, allocated: s.allocated, reserved: s.reserved, free: free, total: total)
        }
        try api.check(code, "cuMemAlloc(\(size) bytes)")
        state.withLock { s in
            s.allocated += size
            s.reserved += size
            s.peak = max(s.peak, s.allocated)
        }
        return DeviceBuffer(address: p, byteCount: bytes, blockSize: size, allocator: self, stream: stream)
    }

    func release(address: UInt64, blockSize: Int, stream: UInt) {
        state.withLock { s in
            s.cache[CacheKey(size: blockSize, stream: stream), default: []].append(address)
            s.allocated -= blockSize
        }
    }

    /// Returns every cached (unused) block to the driver (`torch.cuda.empty_cache`).
    public func emptyCache() throws(CUDAError) {
        let blocks: [(Int, UInt64)] = state.withLock { s in
            let all = s.cache.flatMap { key, list in list.map { (key.size, $0) } }
            s.cache = [:]
            s.reserved -= all.reduce(0) { $0 + $1.0 }
            return all
        }
        guard !blocks.isEmpty else { return }
        try api.check(api.cuCtxSetCurrent(context), "cuCtxSetCurrent")
        try api.check(api.cuCtxSynchronize(), "cuCtxSynchronize")
        for (_, p) in blocks { try api.check(api.cuMemFree(p), "cuMemFree") }
    }

    /// Bytes in live buffers (`torch.cuda.memory_allocated`).
    public var memoryAllocated: Int { state.withLock { $0.allocated } }
    /// The peak of ``memoryAllocated`` (`torch.cuda.max_memory_allocated`).
    public var maxMemoryAllocated: Int { state.withLock { $0.peak } }
    /// Bytes held from the driver, live or cached (`torch.cuda.memory_reserved`).
    public var memoryReserved: Int { state.withLock { $0.reserved } }
    /// Starts the peak over from the current allocation (`torch.cuda.reset_peak_memory_stats`).
    public func resetPeakMemoryStats() { state.withLock { $0.peak = $0.allocated } }
}
