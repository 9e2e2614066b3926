import TorchCore

/// A pass over a stream of samples; `next()` may throw (a broken record, a lost file).
public protocol SampleStream {
    /// The next sample, or nil at the end of the stream.
    mutating func next() throws -> Sample?
}

/// A stream of samples read in order rather than by index (`torch.utils.data.IterableDataset`).
///
/// With several workers, each makes its own stream, told its number and the worker count (PyTorch's
/// `get_worker_info()`), and should read its own share: a data set that ignores them is read once per worker, as
/// in PyTorch.
public protocol IterableDataset: Sendable {
    /// The stream type.
    associatedtype Stream: SampleStream
    /// A new pass over the data for worker `worker` of `numWorkers` (0 of 1 when loading on the calling thread).
    func makeStream(worker: Int, numWorkers: Int) throws -> Stream
}

/// A ``SampleStream`` from a closure.
public struct AnySampleStream: SampleStream {
    let body: () throws -> Sample?
    /// - Parameter next: returns the next sample, nil at the end.
    public init(_ next: @escaping () throws -> Sample?) { body = next }
    /// The next sample.
    public mutating func next() throws -> Sample? { try body() }
}

/// Batches of an ``IterableDataset`` (`DataLoader` over an iterable-style data set).
///
/// Without workers, batches are cut from one stream on the calling thread. With `numWorkers > 0`, every worker
/// reads its own stream and cuts its own batches, at most `prefetchFactor` ahead; batches are taken from the
/// workers in turn (0, 1, …) as PyTorch does, skipping workers whose stream has ended, so the order is fixed for a
/// given worker count.
public struct IterableDataLoader<D: IterableDataset>: Sequence {
    /// The data set.
    public let dataset: D
    /// Samples per batch.
    public let batchSize: Int
    /// Whether to drop a last incomplete batch (of each worker's stream).
    public let dropLast: Bool
    /// Loading threads (0: load on the calling thread).
    public let numWorkers: Int
    /// Batches loaded ahead per worker.
    public let prefetchFactor: Int
    /// The batch builder (``defaultCollate(_:)`` when nil).
    public let collate: CollateFunction?

    /// Creates the loader.
    /// - Parameters:
    ///   - dataset: the data set.
    ///   - batchSize: samples per batch.
    ///   - dropLast: drop a last batch smaller than `batchSize`.
    ///   - numWorkers: loading threads; 0 reads on the calling thread.
    ///   - prefetchFactor: batches each worker loads ahead.
    ///   - collate: builds a batch from its samples (stacking by default).
    public init(_ dataset: D, batchSize: Int = 1, dropLast: Bool = false, numWorkers: Int = 0, prefetchFactor: Int = 2,
                collate: CollateFunction? = nil) {
        precondition(batchSize > 0, "IterableDataLoader: batchSize should be a positive integer value, but got batchSize=\(batchSize)")
        precondition(numWorkers >= 0, "IterableDataLoader: numWorkers option should be non-negative (got \(numWorkers))")
        precondition(prefetchFactor > 0, "IterableDataLoader: prefetchFactor should be positive (got \(prefetchFactor))")
        self.dataset = dataset
        self.batchSize = batchSize
        self.dropLast = dropLast
        self.numWorkers = numWorkers
        self.prefetchFactor = prefetchFactor
        self.collate = collate
    }

    /// Starts one pass (and its workers).
    public func makeIterator() -> Iterator { Iterator(self) }

    /// Cuts the batches of one worker's stream, one per call.
    struct Cutter {
        let dataset: D
        let loader: (batchSize: Int, dropLast: Bool, collate: CollateFunction?)
        let worker: Int
        let numWorkers: Int
        var stream: D.Stream?
        var read = 0
        var done = false

        init(_ loader: IterableDataLoader, worker: Int) {
            dataset = loader.dataset
            self.loader = (loader.batchSize, loader.dropLast, loader.collate)
            self.worker = worker
            numWorkers = loader.numWorkers
        }

        func failure(_ error: any Error, sample: Int?) -> Result<Sample, any Error> {
            let place = numWorkers > 0 ? "IterableDataLoader worker \(worker)" : "IterableDataLoader"
            return .failure(IterableLoaderError(place: place, sample: sample, underlying: error))
        }

        /// The next batch or failure (after which there are no more), nil at the end.
        mutating func next() -> Result<Sample, any Error>? {
            if done { return nil }
            if stream == nil {
                do {
                    stream = try dataset.makeStream(worker: worker, numWorkers: Swift.max(numWorkers, 1))
                } catch {
                    done = true
                    return failure(error, sample: nil)
                }
            }
            var samples: [Sample] = []
            while samples.count < loader.batchSize {
                do {
                    guard let s = try stream!.next() else {
                        done = true
                        break
                    }
                    samples.append(s)
                    read += 1
                } catch {
                    done = true
                    return failure(error, sample: read)
                }
            }
            if samples.isEmpty || (samples.count < loader.batchSize && loader.dropLast) { return nil }
            do {
                return .success(try loader.collate.map { try $0(samples) } ?? defaultCollate(samples))
            } catch {
                done = true
                return failure(error, sample: nil)
            }
        }
    }

    /// The batches of one pass.
    public struct Iterator: BatchIterator {
        var inline: Cutter?
        let workers: StreamWorkers?
        var active: [Int]
        var turn = 0
        var finished = false

        init(_ loader: IterableDataLoader) {
            if loader.numWorkers == 0 {
                inline = Cutter(loader, worker: 0)
                workers = nil
                active = []
                return
            }
            let workers = StreamWorkers(count: loader.numWorkers, capacity: loader.prefetchFactor)
            for (w, channel) in workers.channels.enumerated() {
                let cutter = UncheckedBox(Cutter(loader, worker: w))
                spawnThread {
                    var cutter = cutter.value
                    while let r = cutter.next() {
                        guard channel.send(r) else { break }
                    }
                    channel.close()
                }
            }
            self.workers = workers
            active = Array(0..<loader.numWorkers)
        }

        /// The next batch, nil at the end; rethrows a failure of the stream or of `collate` (as
        /// ``IterableLoaderError``), after which the pass is over.
        public mutating func nextBatch() throws -> Sample? {
            if finished { return nil }
            if inline != nil {
                guard let result = inline!.next() else {
                    finished = true
                    return nil
                }
                if case .failure = result { finished = true }
                return try result.get()
            }
            while !active.isEmpty {
                turn %= active.count
                if let result = workers!.channels[active[turn]].receive() {
                    turn += 1
                    if case .failure = result {
                        finished = true
                        workers!.cancel()
                    }
                    return try result.get()
                }
                active.remove(at: turn)
            }
            finished = true
            return nil
        }
    }
}

/// A value moved to another thread once (the data set is `Sendable`; its stream is made on that thread).
struct UncheckedBox<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}

/// The channels of one pass's workers; dropping it (the iterator went away) lets blocked workers exit.
final class StreamWorkers: @unchecked Sendable {
    let channels: [BatchChannel]
    init(count: Int, capacity: Int) { channels = (0..<count).map { _ in BatchChannel(capacity: capacity) } }
    func cancel() { for c in channels { c.cancel() } }
    deinit { cancel() }
}

/// A failure while reading an ``IterableDataset``.
public struct IterableLoaderError: Error, CustomStringConvertible {
    /// The loader (and worker) where it happened.
    public let place: String
    /// How many samples of the stream had been read before it failed (nil when making the stream or a batch failed).
    public let sample: Int?
    /// What the data set threw.
    public let underlying: any Error
    /// The message.
    public var description: String {
        let what = sample.map { "reading sample \($0) of the stream" } ?? "starting the stream or building a batch"
        return "\(place): \(what) failed: \(underlying)"
    }
}

/// A bounded blocking queue of batches from one worker.
final class BatchChannel: @unchecked Sendable {
    private let lock = ConditionLock()
    private let capacity: Int
    // Guarded by `lock`.
    private var items: [Result<Sample, any Error>] = []
    private var closed = false
    private var cancelled = false

    init(capacity: Int) { self.capacity = capacity }

    /// Waits for room and adds a batch; false once the consumer has gone.
    func send(_ item: Result<Sample, any Error>) -> Bool {
        lock.locked {
            while items.count >= capacity && !cancelled { lock.wait() }
            guard !cancelled else { return false }
            items.append(item)
            lock.broadcast()
            return true
        }
    }

    /// Marks the end of the worker's batches.
    func close() {
        lock.locked {
            closed = true
            lock.broadcast()
        }
    }

    /// The next batch, waiting for one; nil when the worker is done and all were taken.
    func receive() -> Result<Sample, any Error>? {
        lock.locked {
            while items.isEmpty && !closed { lock.wait() }
            guard !items.isEmpty else { return nil }
            lock.broadcast()
            return items.removeFirst()
        }
    }

    /// Lets a waiting worker exit (the consumer has gone).
    func cancel() {
        lock.locked {
            cancelled = true
            items.removeAll()
            lock.broadcast()
        }
    }

}
