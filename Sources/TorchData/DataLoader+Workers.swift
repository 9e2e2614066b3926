#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A worker thread's identity.
struct WorkerInfo: Sendable {
    let id: Int
    let count: Int
}

/// One batch to load.
struct BatchTask: Sendable {
    let number: Int
    let indices: [Int]
}

/// The batches waiting for a worker and the loaded ones waiting for the consumer, under one lock.
///
/// Note (workers): workers take tasks in submission order from one queue and store each result under its batch
/// number; the consumer waits for the number it needs next, so batches come out in order however the work was
/// spread. The consumer submits at most `prefetchFactor × numWorkers` batches beyond the one it waits for, which
/// bounds the memory held by loaded batches.
final class WorkerQueue: @unchecked Sendable {
    private let lock = ConditionLock()
    // Guarded by `lock`.
    private var tasks: [BatchTask] = []
    private var head = 0
    private var results: [Int: Result<Sample, any Error>] = [:]
    private var stopped = false

    /// Queues a batch for the workers.
    func submit(_ task: BatchTask) {
        lock.locked {
            tasks.append(task)
            lock.broadcast()
        }
    }

    /// The next task, waiting for one; nil once stopped.
    func take() -> BatchTask? {
        lock.locked {
            while head == tasks.count && !stopped { lock.wait() }
            guard !stopped else { return nil }
            defer { head += 1 }
            return tasks[head]
        }
    }

    /// Stores a loaded batch (or its error).
    func finish(_ number: Int, _ result: Result<Sample, any Error>) {
        lock.locked {
            results[number] = result
            lock.broadcast()
        }
    }

    /// Waits for batch `number` and takes it out.
    func result(_ number: Int) -> Result<Sample, any Error> {
        lock.locked {
            while results[number] == nil { lock.wait() }
            return results.removeValue(forKey: number)!
        }
    }

    /// Tells the workers to exit once their current batch is done.
    func stop() {
        lock.locked {
            stopped = true
            tasks.removeAll()
            results.removeAll()
            lock.broadcast()
        }
    }
}

/// A mutex with one condition variable.
final class ConditionLock: @unchecked Sendable {
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let cond = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)

    init() {
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(cond, nil)
    }

    deinit {
        pthread_cond_destroy(cond)
        pthread_mutex_destroy(mutex)
        cond.deallocate()
        mutex.deallocate()
    }

    /// Runs `body` holding the mutex.
    func locked<R>(_ body: () throws -> R) rethrows -> R {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body()
    }

    /// Waits for a broadcast (call while holding the mutex).
    func wait() { pthread_cond_wait(cond, mutex) }

    /// Wakes every waiter (call while holding the mutex).
    func broadcast() { pthread_cond_broadcast(cond) }
}

/// The worker threads of one epoch; they exit when the epoch's iterator goes away.
final class WorkerHandle: @unchecked Sendable {
    let queue = WorkerQueue()

    /// Starts `workers` threads that run `load` on queued tasks.
    init(workers: Int, load: @escaping @Sendable (BatchTask, WorkerInfo) throws -> Sample) {
        for id in 0..<workers {
            let info = WorkerInfo(id: id, count: workers)
            let queue = self.queue
            spawnThread {
                while let task = queue.take() {
                    let result = Result { try load(task, info) }
                    queue.finish(task.number, result)
                }
            }
        }
    }

    deinit { queue.stop() }
}

private final class ThreadStart {
    let body: () -> Void
    init(_ body: @escaping () -> Void) { self.body = body }
}

/// Runs `body` on a new detached thread.
func spawnThread(_ body: @escaping @Sendable () -> Void) {
    let box = Unmanaged.passRetained(ThreadStart(body)).toOpaque()
    #if canImport(Glibc)
    var thread = pthread_t()
    #else
    var thread: pthread_t?
    #endif
    let rc = pthread_create(&thread, nil, { raw in
        #if canImport(Glibc)
        let start = Unmanaged<ThreadStart>.fromOpaque(raw!).takeRetainedValue()
        #else
        let start = Unmanaged<ThreadStart>.fromOpaque(raw).takeRetainedValue()
        #endif
        start.body()
        return nil
    }, box)
    precondition(rc == 0, "DataLoader: could not start a worker thread (pthread_create returned \(rc))")
    #if canImport(Glibc)
    pthread_detach(thread)
    #else
    pthread_detach(thread!)
    #endif
}
