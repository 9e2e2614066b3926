// MARK: - Streams

/// A CUDA stream (`torch.cuda.Stream`): work queued on it runs in order, and concurrently with other streams.
///
/// Inside ``CUDA/withStream(_:_:)`` every kernel, copy and cuBLAS product of this task goes to the stream;
/// elsewhere work goes to the device's default (legacy) stream, which the streams created here synchronise with.
/// Device memory freed after use on a stream is reused only by work on that same stream (the caching allocator
/// keeps a free list per stream), so a block is never handed to another stream while its last kernels may still run.
public final class CUDAStream: @unchecked Sendable {
    /// The device.
    public let device: CUDADevice
    let handle: DriverAPI.Handle?

    /// Creates a stream on `device`.
    /// - Parameter device: the GPU.
    public init(device: CUDADevice) throws(CUDAError) {
        self.device = device
        try device.makeCurrent()
        var h: DriverAPI.Handle?
        try device.api.check(device.api.cuStreamCreate(&h, 0), "cuStreamCreate")
        handle = h
    }

    deinit {
        _ = device.api.cuStreamSynchronize(handle)
        _ = device.api.cuStreamDestroy(handle)
    }

    /// Waits until everything queued on the stream has run (`stream.synchronize()`).
    public func synchronize() throws(CUDAError) {
        try device.makeCurrent()
        try device.api.check(device.api.cuStreamSynchronize(handle), "cuStreamSynchronize")
    }

    /// Makes later work on this stream wait for `event` (`stream.wait_event`).
    /// - Parameter event: a recorded event.
    public func wait(for event: CUDAEvent) throws(CUDAError) {
        try device.makeCurrent()
        try device.api.check(device.api.cuStreamWaitEvent(handle, event.handle, 0), "cuStreamWaitEvent")
    }

    /// The allocator's key for this stream's free list.
    var cacheKey: UInt { UInt(bitPattern: handle.map { Int(bitPattern: UnsafeRawPointer($0)) } ?? 0) }
}

extension CUDA {
    /// The stream of the current task (nil: the default stream).
    @TaskLocal public static var currentStream: CUDAStream?

    /// Runs `body` with `stream` as the current stream (`with torch.cuda.stream(s):`).
    /// - Parameters:
    ///   - stream: the stream.
    ///   - body: the work.
    public static func withStream<R>(_ stream: CUDAStream, _ body: () throws -> R) rethrows -> R {
        try $currentStream.withValue(stream) { try body() }
    }

    /// The driver handle of the current stream (nil for the default stream).
    static var currentStreamHandle: DriverAPI.Handle? { currentStream?.handle }

    /// The allocator key of the current stream (0 for the default stream).
    static var currentStreamKey: UInt { currentStream?.cacheKey ?? 0 }
}
