import Synchronization

// MARK: - A CUDA device

/// One GPU with its primary context, caching allocator and compiled-kernel cache.
///
/// Work is queued on the device's default (legacy) stream unless a ``CUDAStream`` is given; copies to the host
/// wait for it. Every call makes the device's context current on the calling thread first.
public final class CUDADevice: @unchecked Sendable, CustomStringConvertible {
    /// The ordinal (`cuda:N`).
    public let ordinal: Int
    /// The marketing name (`NVIDIA H200`).
    public let name: String
    /// Compute capability as `10 * major + minor` (90 for Hopper).
    public let computeCapability: Int
    /// Streaming multiprocessors.
    public let multiprocessorCount: Int
    /// Device memory in bytes.
    public let totalMemory: Int
    /// The caching allocator.
    public let allocator: DeviceAllocator

    let api: DriverAPI
    let handle: Int32
    let context: DriverAPI.Handle?
    let modules = Mutex<[ElementwiseKernelSpec: LoadedKernels]>([:])
    let blasHandle = Mutex<CUBLAS?>(nil)
    let namedKernels = Mutex<[String: NamedKernels]>([:])

    init(api: DriverAPI, ordinal: Int) throws(CUDAError) {
        self.api = api
        self.ordinal = ordinal
        var h: Int32 = 0
        try api.check(api.cuDeviceGet(&h, Int32(ordinal)), "cuDeviceGet(\(ordinal))")
        handle = h
        var buf = [CChar](repeating: 0, count: 256)
        try api.check(api.cuDeviceGetName(&buf, 256, h), "cuDeviceGetName")
        name = String(decoding: buf.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        func attribute(_ a: DeviceAttribute) throws(CUDAError) -> Int {
            var v: Int32 = 0
            try api.check(api.cuDeviceGetAttribute(&v, a.rawValue, h), "cuDeviceGetAttribute(\(a))")
            return Int(v)
        }
        computeCapability = try 10 * attribute(.computeCapabilityMajor) + attribute(.computeCapabilityMinor)
        multiprocessorCount = try attribute(.multiprocessorCount)
        var total = 0
        try api.check(api.cuDeviceTotalMem(&total, h), "cuDeviceTotalMem")
        totalMemory = total
        var ctx: DriverAPI.Handle?
        try api.check(api.cuDevicePrimaryCtxRetain(&ctx, h), "cuDevicePrimaryCtxRetain(\(ordinal))")
        context = ctx
        allocator = DeviceAllocator(api: api, context: ctx)
    }

    public var description: String {
        "cuda:\(ordinal) \(name) (sm_\(computeCapability), \(multiprocessorCount) SMs, \(mib(totalMemory)))"
    }

    /// Makes this device's context current on the calling thread.
    func makeCurrent() throws(CUDAError) {
        try api.check(api.cuCtxSetCurrent(context), "cuCtxSetCurrent(cuda:\(ordinal))")
    }

    /// Waits until all queued work on this device is done (`torch.cuda.synchronize`).
    public func synchronize() throws(CUDAError) {
        try makeCurrent()
        try api.check(api.cuCtxSynchronize(), "cuCtxSynchronize(cuda:\(ordinal))")
    }

    /// Free and total device memory as the driver reports them.
    public func memoryInfo() throws(CUDAError) -> (free: Int, total: Int) {
        try makeCurrent()
        var free = 0, total = 0
        try api.check(api.cuMemGetInfo(&free, &total), "cuMemGetInfo")
        return (free, total)
    }

    // MARK: Copies

    /// Copies `count` bytes from host memory to the device (waits until the host memory may be reused).
    /// - Parameters:
    ///   - destination: the device block.
    ///   - offset: byte offset into it.
    ///   - source: host memory.
    ///   - count: bytes.
    public func copy(to destination: DeviceBuffer, offset: Int = 0, from source: UnsafeRawPointer, count: Int) throws(CUDAError) {
        precondition(offset >= 0 && offset + count <= destination.byteCount, "copy: \(count) bytes at \(offset) overrun a \(destination.byteCount)-byte device buffer")
        try makeCurrent()
        let stream = CUDA.currentStreamHandle
        try api.check(api.cuMemcpyHtoDAsync(destination.address + UInt64(offset), source, count, stream), "cuMemcpyHtoDAsync(\(count) bytes)")
        try api.check(api.cuStreamSynchronize(stream), "cuStreamSynchronize")
    }

    /// Copies `count` bytes from the device to host memory, after all queued work.
    /// - Parameters:
    ///   - destination: host memory.
    ///   - source: the device block.
    ///   - offset: byte offset into it.
    ///   - count: bytes.
    public func copy(to destination: UnsafeMutableRawPointer, from source: DeviceBuffer, offset: Int = 0, count: Int) throws(CUDAError) {
        precondition(offset >= 0 && offset + count <= source.byteCount, "copy: \(count) bytes at \(offset) overrun a \(source.byteCount)-byte device buffer")
        try makeCurrent()
        let stream = CUDA.currentStreamHandle
        try api.check(api.cuMemcpyDtoHAsync(destination, source.address + UInt64(offset), count, stream), "cuMemcpyDtoHAsync(\(count) bytes)")
        try api.check(api.cuStreamSynchronize(stream), "cuStreamSynchronize")
    }

    /// Copies between device blocks, queued on the default stream.
    /// - Parameters:
    ///   - destination: the target block.
    ///   - source: the source block.
    ///   - count: bytes.
    public func copy(to destination: DeviceBuffer, from source: DeviceBuffer, count: Int) throws(CUDAError) {
        precondition(count <= destination.byteCount && count <= source.byteCount, "copy: \(count) bytes overrun a device buffer")
        try makeCurrent()
        try api.check(api.cuMemcpyDtoDAsync(destination.address, source.address, count, CUDA.currentStreamHandle), "cuMemcpyDtoDAsync(\(count) bytes)")
    }

    /// Sets every byte of a device block to `value`, queued on the default stream.
    /// - Parameters:
    ///   - buffer: the block.
    ///   - value: the byte.
    public func fill(_ buffer: DeviceBuffer, byte value: UInt8) throws(CUDAError) {
        try makeCurrent()
        try api.check(api.cuMemsetD8Async(buffer.address, value, buffer.byteCount, CUDA.currentStreamHandle), "cuMemsetD8Async")
    }
}
