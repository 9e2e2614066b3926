#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

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
}
