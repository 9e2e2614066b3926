#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import TorchCore

/// Serialises tests that change process-wide numeric settings (`Torch.setNumThreads`, `Torch._forceVectorISA`)
/// with tests whose results must not see such a change halfway (bit-for-bit comparisons of two runs).
public enum GlobalSettings {
    final class Lock: @unchecked Sendable {
        let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
        init() { pthread_mutex_init(mutex, nil) }
    }
    static let lock = Lock()

    /// Runs `body` while no other `exclusive` body runs.
    /// - Parameter body: the work.
    public static func exclusive<R>(_ body: () throws -> R) rethrows -> R {
        pthread_mutex_lock(lock.mutex)
        defer { pthread_mutex_unlock(lock.mutex) }
        return try body()
    }

    /// Runs `body` as `exclusive` does, with this thread's vector kernels forced to `isa` ("portable", "avx2" or
    /// "avx512"), then restores the best implementation; does nothing when this CPU cannot run `isa`.
    /// - Parameters:
    ///   - isa: the implementation to force.
    ///   - body: the work.
    public static func withVectorISA(_ isa: String, _ body: () throws -> Void) rethrows {
        try exclusive {
            let best = Torch.vectorISA
            defer { Torch._forceVectorISA(best) }
            guard Torch._forceVectorISA(isa) else { return }
            try body()
        }
    }
}
