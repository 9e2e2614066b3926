import Synchronization
#if canImport(Glibc)
import Glibc
#endif

// MARK: - Intra-op parallelism

/// The intra-op thread setting and fork/join helper.
///
/// Note (threading): a fork/join must cost far less than the work it splits, so the pool keeps its worker
/// threads and lets them spin briefly on an atomic generation counter before sleeping on a condition variable
/// (an OpenMP-style pool; Dispatch's `concurrentPerform` woke its threads too slowly to speed up a 1M-element
/// add). Work is split only above a size threshold (`grain`). `numThreads` counts the calling thread, as
/// `torch.set_num_threads` does. A parallel region entered while the pool is busy (another thread's op, or a
/// nested region) runs its chunks serially, so a result never depends on what else was running.
enum ThreadPool {
    static let threads = Atomic<Int>(defaultThreadCount())

    static func defaultThreadCount() -> Int {
        #if canImport(Glibc)
        return Swift.max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
        #else
        return 1
        #endif
    }

    /// Runs `body` over `0..<n` split into at most `numThreads` contiguous ranges of at least `grain` items.
    static func parallelFor(_ n: Int, grain: Int, _ body: (Range<Int>) -> Void) {
        let t = threads.load(ordering: .relaxed)
        let chunks = Swift.min(t, n / Swift.max(grain, 1))
        if chunks <= 1 {
            if n > 0 { body(0..<n) }
            return
        }
        // A busy pool runs the same chunks one after another, so results that depend on the split (a GEMM
        // per block of rows) are the same whether or not other threads were computing at the time.
        #if canImport(Glibc)
        let ran = withoutActuallyEscaping(body) { escaping in
            WorkerPool.shared.run(chunks: chunks) { c in escaping((n * c / chunks)..<(n * (c + 1) / chunks)) }
        }
        if !ran { for c in 0..<chunks { body((n * c / chunks)..<(n * (c + 1) / chunks)) } }
        #else
        for c in 0..<chunks { body((n * c / chunks)..<(n * (c + 1) / chunks)) }
        #endif
    }
}

#if canImport(Glibc)
/// Persistent worker threads for ``ThreadPool``.
final class WorkerPool: @unchecked Sendable {
    static let shared = WorkerPool()

    private let busy = Atomic<Bool>(false)
    private let generation = Atomic<Int>(0)
    private let pending = Atomic<Int>(0)
    private let sleeping = Atomic<Int>(0)
    /// Written by the dispatching thread before `generation` is bumped, read by workers after they see it.
    private var job: UncheckedSendable<(Int) -> Void>?
    private var chunks = 0
    private var workerCount = 0
    private var mutex = pthread_mutex_t()
    private var cond = pthread_cond_t()

    private init() {
        pthread_mutex_init(&mutex, nil)
        pthread_cond_init(&cond, nil)
    }

    /// Runs `work(c)` for `c` in `0..<chunks`, chunk 0 on the calling thread. Returns false (running nothing)
    /// when the pool is already in use.
    func run(chunks: Int, _ work: @escaping (Int) -> Void) -> Bool {
        guard busy.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged else { return false }
        defer { busy.store(false, ordering: .releasing) }
        while workerCount < chunks - 1 { startWorker(index: workerCount + 1) }
        job = UncheckedSendable(work)
        self.chunks = chunks
        pending.store(chunks - 1, ordering: .sequentiallyConsistent)
        generation.wrappingAdd(1, ordering: .sequentiallyConsistent)
        if sleeping.load(ordering: .sequentiallyConsistent) > 0 {
            pthread_mutex_lock(&mutex)
            pthread_cond_broadcast(&cond)
            pthread_mutex_unlock(&mutex)
        }
        work(0)
        while pending.load(ordering: .acquiring) > 0 {}
        job = nil
        return true
    }

    private func startWorker(index: Int) {
        workerCount += 1
        // The worker starts from the current generation, so the dispatch about to happen is seen as new work.
        let box = Unmanaged.passRetained(WorkerStart(pool: self, index: index, generation: generation.load(ordering: .acquiring)))
        var thread = pthread_t()
        let rc = pthread_create(&thread, nil, { raw in
            let start = Unmanaged<WorkerStart>.fromOpaque(raw!).takeRetainedValue()
            start.pool.workerLoop(index: start.index, startGeneration: start.generation)
            return nil
        }, box.toOpaque())
        precondition(rc == 0, "ThreadPool: pthread_create failed (\(rc))")
        pthread_detach(thread)
    }

    /// Runs this worker's chunk; the closure reference is dropped before returning, i.e. before the dispatcher
    /// can see the chunk as done (the dispatcher's closure must not outlive its `withoutActuallyEscaping`).
    @inline(never)
    private func runJob(_ index: Int) {
        job?.value(index)
    }

    private func workerLoop(index: Int, startGeneration: Int) {
        var seen = startGeneration
        while true {
            // Spin for a while (cheap wake-up for back-to-back ops), then sleep.
            var spins = 0
            var current = generation.load(ordering: .acquiring)
            while current == seen && spins < 200_000 {
                spins += 1
                current = generation.load(ordering: .acquiring)
            }
            if current == seen {
                pthread_mutex_lock(&mutex)
                sleeping.wrappingAdd(1, ordering: .sequentiallyConsistent)
                while generation.load(ordering: .sequentiallyConsistent) == seen {
                    pthread_cond_wait(&cond, &mutex)
                }
                sleeping.wrappingSubtract(1, ordering: .sequentiallyConsistent)
                pthread_mutex_unlock(&mutex)
                current = generation.load(ordering: .acquiring)
            }
            seen = current
            if index < chunks {
                runJob(index)
                pending.wrappingSubtract(1, ordering: .releasing)
            }
        }
    }
}

private final class WorkerStart {
    let pool: WorkerPool
    let index: Int
    let generation: Int
    init(pool: WorkerPool, index: Int, generation: Int) {
        self.pool = pool
        self.index = index
        self.generation = generation
    }
}
#endif
