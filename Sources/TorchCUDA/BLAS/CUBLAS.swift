import Synchronization
import TorchCore

// MARK: - cuBLAS

/// cuBLAS for one device, loaded at run time: row-major matrix products (single and strided-batched) in
/// float32 (TF32 when ``CUDA/allowTF32`` is on), float64, float16 and bfloat16 (float32 accumulation).
public final class CUBLAS: @unchecked Sendable {
    typealias Handle = OpaquePointer
    typealias CreateFn = @convention(c) (UnsafeMutablePointer<Handle?>?) -> Int32
    typealias SetStreamFn = @convention(c) (Handle?, OpaquePointer?) -> Int32
    typealias GemmExFn = @convention(c) (Handle?, Int32, Int32, Int32, Int32, Int32, UnsafeRawPointer?,
                                         UInt64, Int32, Int32, UInt64, Int32, Int32, UnsafeRawPointer?,
                                         UInt64, Int32, Int32, Int32, Int32) -> Int32
    typealias GemmBatchedExFn = @convention(c) (Handle?, Int32, Int32, Int32, Int32, Int32, UnsafeRawPointer?,
                                                UInt64, Int32, Int32, Int64, UInt64, Int32, Int32, Int64, UnsafeRawPointer?,
                                                UInt64, Int32, Int32, Int64, Int32, Int32, Int32) -> Int32

    /// Where the library was loaded from.
    public let path: String
    let device: CUDADevice
    private let handle: Handle?
    private let gemmEx: GemmExFn
    private let gemmBatchedEx: GemmBatchedExFn
    private let setStream: SetStreamFn
    private let lock = Mutex(())

    /// Loads cuBLAS and creates a handle on `device`.
    /// - Parameter device: the GPU.
    public init(device: CUDADevice) throws(CUDAError) {
        let found = try LibrarySearch().load(CUDA.cublasNames).get()
        let lib = found.library.library
        path = found.path
        self.device = device
        let create: CreateFn = try lib.symbol("cublasCreate_v2")
        gemmEx = try lib.symbol("cublasGemmEx")
        gemmBatchedEx = try lib.symbol("cublasGemmStridedBatchedEx")
        setStream = try lib.symbol("cublasSetStream_v2")
        try device.makeCurrent()
        var h: Handle?
        let status = create(&h)
        if status != 0 { throw .cublas(call: "cublasCreate_v2", code: status) }
        handle = h
    }

    /// `cudaDataType` of a dtype.
    static func dataType(_ dtype: DType) -> Int32 {
        switch dtype {
        case .float32: return 0
        case .float64: return 1
        case .float16: return 2
        case .bfloat16: return 14
        default: preconditionFailure("matmul (CUDA): \(dtype) is not supported; use a floating dtype")
        }
    }

    /// The compute type for a dtype: 64F for float64, 32F (or 32F_FAST_TF32 when allowed) otherwise.
    static func computeType(_ dtype: DType) -> Int32 {
        if dtype == .float64 { return 70 }
        return dtype == .float32 && CUDA.allowTF32 ? 77 : 68
    }

    /// `C[m×n] = A[m×k] · B[k×n]` (row-major, contiguous), `batch` times with the given element strides between
    /// matrices (0 reuses one matrix).
    /// - Parameters:
    ///   - dtype: the element type of A, B and C.
    ///   - m: rows of A and C.
    ///   - n: columns of B and C.
    ///   - k: columns of A, rows of B.
    ///   - a: A's first element.
    ///   - b: B's first element.
    ///   - c: C's first element.
    ///   - batch: number of products.
    ///   - strideA: elements between consecutive A matrices.
    ///   - strideB: elements between consecutive B matrices.
    ///   - strideC: elements between consecutive C matrices.
    ///   - transA: A is stored transposed (column-major, `lda` between columns) rather than row-major.
    ///   - lda: elements between A's rows (row-major) or columns (transposed); nil for dense row-major (`k`).
    ///   - transB: B is stored transposed.
    ///   - ldb: elements between B's rows or columns; nil for dense row-major (`n`).
    public func matmul(dtype: DType, m: Int, n: Int, k: Int, a: UInt64, b: UInt64, c: UInt64,
                       batch: Int = 1, strideA: Int = 0, strideB: Int = 0, strideC: Int = 0,
                       transA: Bool = false, lda: Int? = nil, transB: Bool = false, ldb: Int? = nil) throws(CUDAError) {
        let type = CUBLAS.dataType(dtype)
        let compute = CUBLAS.computeType(dtype)
        try device.makeCurrent()
        // Row-major C = A·B is column-major Cᵀ = Bᵀ·Aᵀ: swap the operands and m with n. A row-major operand is its
        // transpose in column-major order (no op); a transposed one is read with CUBLAS_OP_T.
        let opA: Int32 = transA ? 1 : 0, opB: Int32 = transB ? 1 : 0
        let ldA = Int32(lda ?? k), ldB = Int32(ldb ?? n)
        var alpha32: Float = 1, beta32: Float = 0
        var alpha64: Double = 1, beta64: Double = 0
        let stream = CUDA.currentStreamHandle
        let status: Int32 = lock.withLock { _ in
            // The handle follows the current stream (`cublasSetStream`), under the same lock as the call.
            let set = setStream(handle, stream)
            if set != 0 { return set }
            return withUnsafePointer(to: &alpha32) { a32 in withUnsafePointer(to: &beta32) { b32 in
                withUnsafePointer(to: &alpha64) { a64 in withUnsafePointer(to: &beta64) { b64 in
                    let alpha = compute == 70 ? UnsafeRawPointer(a64) : UnsafeRawPointer(a32)
                    let beta = compute == 70 ? UnsafeRawPointer(b64) : UnsafeRawPointer(b32)
                    if batch == 1 {
                        return gemmEx(handle, opB, opA, Int32(n), Int32(m), Int32(k), alpha, b, type, ldB, a, type, ldA,
                                      beta, c, type, Int32(n), compute, -1)
                    }
                    return gemmBatchedEx(handle, opB, opA, Int32(n), Int32(m), Int32(k), alpha, b, type, ldB, Int64(strideB),
                                         a, type, ldA, Int64(strideA), beta, c, type, Int32(n), Int64(strideC),
                                         Int32(batch), compute, -1)
                }}
            }}
        }
        if status != 0 { throw .cublas(call: batch == 1 ? "cublasGemmEx(\(m)×\(k) · \(k)×\(n), \(dtype))" : "cublasGemmStridedBatchedEx(\(batch) × \(m)×\(k) · \(k)×\(n), \(dtype))", code: status) }
    }
}

// MARK: - Events

/// A CUDA event for timing and ordering work (`torch.cuda.Event(enable_timing=True)`), recorded on the current
/// stream.
public final class CUDAEvent: @unchecked Sendable {
    let device: CUDADevice
    let handle: DriverAPI.Handle?

    /// Creates a timing event on `device`.
    /// - Parameter device: the GPU.
    public init(device: CUDADevice) throws(CUDAError) {
        self.device = device
        try device.makeCurrent()
        var h: DriverAPI.Handle?
        try device.api.check(device.api.cuEventCreate(&h, 0), "cuEventCreate")
        handle = h
    }

    deinit { _ = device.api.cuEventDestroy(handle) }

    /// Waits until the recorded work has run (`event.synchronize()`).
    public func synchronize() throws(CUDAError) {
        try device.api.check(device.api.cuEventSynchronize(handle), "cuEventSynchronize")
    }

    /// Records the event after the work queued so far on the current stream.
    public func record() throws(CUDAError) {
        try device.makeCurrent()
        try device.api.check(device.api.cuEventRecord(handle, CUDA.currentStreamHandle), "cuEventRecord")
    }

    /// Milliseconds between `start` and this event (waits for this one).
    /// - Parameter start: an earlier recorded event.
    public func elapsedMilliseconds(since start: CUDAEvent) throws(CUDAError) -> Double {
        try device.api.check(device.api.cuEventSynchronize(handle), "cuEventSynchronize")
        var ms: Float = 0
        try device.api.check(device.api.cuEventElapsedTime(&ms, start.handle, handle), "cuEventElapsedTime")
        return Double(ms)
    }
}
