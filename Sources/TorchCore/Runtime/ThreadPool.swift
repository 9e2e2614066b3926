import Dispatch
import Synchronization

// MARK: - Intra-op parallelism

/// The intra-op thread setting and fork/join helper.
///
/// Note (threading): work is split only above a size threshold (`grain`), because a fork/join costs about a
/// microsecond; `numThreads` counts the calling thread, as `torch.set_num_threads` does.
enum ThreadPool {
    static let threads = Atomic<Int>(defaultThreadCount())

    static func defaultThreadCount() -> Int {
        #if canImport(Glibc)
        let n = Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))
        return max(1, n)
        #else
        return 1
        #endif
    }

    /// Runs `body` over `0..<n` split into at most `numThreads` contiguous ranges of at least `grain` items.
    static func parallelFor(_ n: Int, grain: Int, _ body: (Range<Int>) -> Void) {
        let t = threads.load(ordering: .relaxed)
        let chunks = min(t, n / max(grain, 1))
        if chunks <= 1 {
            if n > 0 { body(0..<n) }
            return
        }
        withoutActuallyEscaping(body) { escaping in
            let box = UncheckedSendable(escaping)
            DispatchQueue.concurrentPerform(iterations: chunks) { c in
                let lo = n * c / chunks
                let hi = n * (c + 1) / chunks
                box.value(lo..<hi)
            }
        }
    }
}

#if canImport(Glibc)
import Glibc
#endif
