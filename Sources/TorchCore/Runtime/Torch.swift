#if canImport(CBLAS)
import CBLAS
#endif

// MARK: - Torch namespace

/// Global settings and functions of SwiftTorch (`torch.*`).
public enum Torch {
    /// The library version.
    public static let version = "0.1.0"

    /// Seeds the default generator (`torch.manual_seed`).
    /// - Parameter seed: the seed.
    public static func manualSeed(_ seed: UInt64) { Generator.default.manualSeed(seed) }

    /// Sets the number of threads used for intra-op parallelism, BLAS included (`torch.set_num_threads`).
    /// - Parameter n: the thread count (at least 1).
    public static func setNumThreads(_ n: Int) {
        precondition(n >= 1, "setNumThreads: the number of threads must be positive (got \(n))")
        ThreadPool.threads.store(n, ordering: .relaxed)
    }

    /// The number of intra-op threads (`torch.get_num_threads`).
    public static var numThreads: Int { ThreadPool.threads.load(ordering: .relaxed) }

    /// Statistics of the caching CPU allocator.
    public static func memoryStats() -> MemoryStats { CachingAllocator.shared.stats }

    /// Resets ``MemoryStats/peakAllocatedBytes`` to the current allocation.
    public static func resetPeakMemoryStats() { CachingAllocator.shared.resetPeak() }

    /// Returns every cached free block to the system.
    public static func emptyCache() { CachingAllocator.shared.emptyCache() }

    /// Bounds the bytes the CPU allocator keeps in free blocks for reuse (2 GiB by default); freed blocks beyond
    /// it go back to the system.
    /// - Parameter bytes: the bound (0 disables caching).
    public static func setMemoryCacheLimit(_ bytes: Int) { CachingAllocator.shared.setLimit(Swift.max(0, bytes)) }

    /// The BLAS library in use and its core type (e.g. `OpenBLAS 0.3.21 (Zen)`).
    public static var blasDescription: String {
        #if canImport(CBLAS)
        let config = String(cString: openblas_get_config())
        let core = String(cString: openblas_get_corename())
        return "\(config) core=\(core)"
        #elseif canImport(Accelerate)
        return "Accelerate"
        #else
        return "none"
        #endif
    }
}

import CTorchKernels

extension Torch {
    /// The instruction set the vectorised float32 kernels use on this CPU: `avx512`, `avx2` or `portable`.
    public static var vectorISA: String { String(cString: st_kernel_isa()) }

    /// Selects a vector instruction set (`avx512`, `avx2`, `portable`) for the float32 kernels on the calling
    /// thread only; for testing every implementation on one machine. Returns false when the CPU lacks it.
    /// - Parameter name: the instruction set.
    @discardableResult
    public static func _forceVectorISA(_ name: String) -> Bool { st_force_isa(name) != 0 }

    /// What runs float32 matrix products on the calling thread: `SwiftTorch AVX-512` (its own kernel, used where
    /// the CPU has AVX-512 in an optimised build) or `BLAS` (the library of ``blasDescription``; float64 always).
    public static var float32Gemm: String { st_sgemm_f32_preferred() != 0 ? "SwiftTorch AVX-512" : "BLAS" }

    /// The output size in bytes from which the AVX-512 elementwise kernels bypass the cache with non-temporal
    /// stores (half the last-level cache: an output that large is evicted before the op returns anyway).
    public static var _streamingStoreThreshold: Int { Int(st_streaming_threshold()) }

    /// Sets ``_streamingStoreThreshold`` for the whole process, for testing the streaming path on small tensors;
    /// 0 detects the default again.
    /// - Parameter bytes: the new threshold.
    public static func _setStreamingStoreThreshold(_ bytes: Int) { st_set_streaming_threshold(bytes) }
}
