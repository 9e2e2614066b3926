import TorchCore

/// Batches of a data set, optionally shuffled with a seeded generator and loaded by worker threads
/// (`torch.utils.data.DataLoader`).
///
/// Each pass over the loader (`for (x, y) in loader`) draws a new permutation from the generator, so a given
/// seed reproduces the whole sequence of epochs. With `numWorkers > 0`, batches are loaded by that many threads,
/// at most `prefetchFactor × numWorkers` ahead of the consumer, and handed out in order. Every sample is read
/// with its own seed (``LoadContext/seed``, from the epoch's seed and the sample's position), so random
/// transforms give the same batches whatever the worker count.
///
/// `for … in loader` stops the program with the error's message when reading a sample throws; call
/// ``Iterator/nextBatch()`` to catch the error instead.
public struct DataLoader<D: Dataset>: Sequence {
    /// Joins the samples of one batch into one `(input, target)` pair (`collate_fn`).
    public typealias Collate = CollateFunction

    /// The data set.
    public let dataset: D
    /// Samples per batch.
    public let batchSize: Int
    /// Whether to shuffle every epoch.
    public let shuffle: Bool
    /// Whether to drop a last incomplete batch.
    public let dropLast: Bool
    /// The index order, when given instead of `shuffle`.
    public let sampler: (any Sampler)?
    /// Loading threads (0: load on the calling thread).
    public let numWorkers: Int
    /// Batches loaded ahead per worker.
    public let prefetchFactor: Int
    /// The batch builder (``defaultCollate(_:)`` when nil).
    public let collate: Collate?
    let generator: TorchCore.Generator

    /// Creates the loader.
    /// - Parameters:
    ///   - dataset: the data set.
    ///   - batchSize: samples per batch.
    ///   - shuffle: reshuffle at every epoch.
    ///   - dropLast: drop the last batch when it is smaller than `batchSize`.
    ///   - sampler: the order of indices for each epoch (mutually exclusive with `shuffle`).
    ///   - numWorkers: loading threads; 0 loads on the calling thread.
    ///   - prefetchFactor: batches each worker loads ahead (bounds the memory held by loaded batches).
    ///   - collate: builds a batch from its samples (stacking by default; the data set's own batch path is
    ///     used only without one).
    ///   - generator: the shuffling generator (a fresh one seeded with 0 when nil).
    public init(_ dataset: D, batchSize: Int = 1, shuffle: Bool = false, dropLast: Bool = false, sampler: (any Sampler)? = nil,
                numWorkers: Int = 0, prefetchFactor: Int = 2, collate: Collate? = nil,
                generator: TorchCore.Generator? = nil) {
        precondition(batchSize > 0, "DataLoader: batchSize should be a positive integer value, but got batchSize=\(batchSize)")
        precondition(!(shuffle && sampler != nil), "DataLoader: sampler option is mutually exclusive with shuffle")
        precondition(numWorkers >= 0, "DataLoader: numWorkers option should be non-negative; use numWorkers=0 to disable multiprocessing (got \(numWorkers))")
        precondition(prefetchFactor > 0, "DataLoader: prefetchFactor should be positive (got \(prefetchFactor))")
        self.sampler = sampler
        self.dataset = dataset
        self.batchSize = batchSize
        self.shuffle = shuffle
        self.dropLast = dropLast
        self.numWorkers = numWorkers
        self.prefetchFactor = prefetchFactor
        self.collate = collate
        self.generator = generator ?? TorchCore.Generator(seed: 0)
    }

    /// The number of batches per epoch.
    public var count: Int {
        let n = sampler?.count ?? dataset.count
        return dropLast ? n / batchSize : (n + batchSize - 1) / batchSize
    }

    /// Iterates one epoch: draws its order and its seed, and starts the workers.
    public func makeIterator() -> Iterator {
        let order: [Int]
        if let sampler {
            order = sampler.indices()
        } else {
            order = shuffle ? Tensor.randperm(dataset.count, generator: generator).toArray(of: Int64.self).map { Int($0) }
                            : Array(0..<dataset.count)
        }
        let seed = UInt64(Tensor.randint(0, Int.max, [1], generator: generator).item(Int64.self))
        let batches = chunked(order, batchSize: batchSize, dropLast: dropLast)
        let loader = BatchLoader(dataset: dataset, collate: collate, epochSeed: seed, batchSize: batchSize)
        return Iterator(loader: loader, batches: batches, workers: numWorkers, prefetch: prefetchFactor * numWorkers)
    }

    /// The batches of one epoch.
    public struct Iterator: BatchIterator {
        let loader: BatchLoader<D>
        let batches: [[Int]]
        let pool: WorkerHandle?
        let prefetch: Int
        var position = 0
        var submitted = 0

        init(loader: BatchLoader<D>, batches: [[Int]], workers: Int, prefetch: Int) {
            self.loader = loader
            self.batches = batches
            self.prefetch = prefetch
            pool = workers > 0 && !batches.isEmpty ? WorkerHandle(workers: workers) { task, worker in
                try loader.load(task.indices, batch: task.number, worker: worker)
            } : nil
        }

        /// The next `(input, target)` batch, or nil at the end of the epoch; rethrows the error of a sample that
        /// failed to load (as ``DataLoaderError``).
        public mutating func nextBatch() throws -> Sample? {
            guard position < batches.count else { return nil }
            defer { position += 1 }
            guard let pool else { return try loader.load(batches[position], batch: position, worker: nil) }
            while submitted < batches.count && submitted < position + prefetch {
                pool.queue.submit(BatchTask(number: submitted, indices: batches[submitted]))
                submitted += 1
            }
            return try pool.queue.result(position).get()
        }
    }
}

/// An iterator of batches whose loading may fail: ``nextBatch()`` throws the error, while `next()` (what
/// `for … in` calls, which cannot throw) stops the program with its message.
public protocol BatchIterator: IteratorProtocol where Element == Sample {
    /// The next batch, nil at the end; throws when loading it failed.
    mutating func nextBatch() throws -> Sample?
}

extension BatchIterator {
    /// The next batch; stops the program with the loading error's message.
    public mutating func next() -> Sample? {
        do {
            return try nextBatch()
        } catch {
            preconditionFailure("\(error)")
        }
    }
}

/// Joins the samples of one batch into one `(input, target)` pair (`collate_fn`); it runs on the loading thread.
public typealias CollateFunction = @Sendable ([Sample]) throws -> Sample

/// Stacks the inputs and the targets of samples along a new first dimension (`default_collate`).
/// - Parameter samples: the samples of one batch, of equal shapes.
public func defaultCollate(_ samples: [Sample]) -> Sample {
    (Tensor.stack(samples.map { $0.input }), Tensor.stack(samples.map { $0.target }))
}

/// A sample that failed to load, with where it happened.
public struct DataLoaderError: Error, CustomStringConvertible {
    /// The data-set index of the sample (nil when the batch path or `collate` failed).
    public let index: Int?
    /// The batch's number in the epoch.
    public let batch: Int
    /// The worker thread, nil for the calling thread.
    public let worker: Int?
    /// What the data set threw.
    public let underlying: any Error

    /// The message, naming the worker, batch and sample.
    public var description: String {
        let place = worker.map { "DataLoader worker \($0)" } ?? "DataLoader"
        let what = index.map { "loading sample \($0)" } ?? "building batch \(batch)"
        return "\(place): \(what) failed: \(underlying)"
    }
}

/// Which worker is loading, and the seed of the sample being read (`get_worker_info()`, plus a per-sample seed).
public struct LoadContext: Sendable {
    /// The worker's number in `0..<numWorkers`, nil when loading on the calling thread.
    public let worker: Int?
    /// The loader's worker count.
    public let numWorkers: Int
    /// This sample's seed: the epoch's seed mixed with the sample's position in the epoch. Random transforms
    /// that seed a ``Generator`` with it give the same result for any worker count.
    public let seed: UInt64

    @TaskLocal static var bound: LoadContext?

    /// The context of the sample being loaded, nil outside a ``DataLoader``.
    public static var current: LoadContext? { bound }

    /// A well-mixed combination of two words (SplitMix64's finaliser over `a ^ rotated(b)`).
    static func mix(_ a: UInt64, _ b: UInt64) -> UInt64 {
        var z = a ^ ((b &+ 0x9E37_79B9_7F4A_7C15) &* 0xBF58_476D_1CE4_E5B9)
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// What one epoch's batches are built from (shared with the workers).
struct BatchLoader<D: Dataset>: Sendable {
    let dataset: D
    let collate: DataLoader<D>.Collate?
    let epochSeed: UInt64
    let batchSize: Int

    /// Builds batch number `batch` from `indices`, each sample read under its own ``LoadContext``.
    func load(_ indices: [Int], batch: Int, worker: WorkerInfo?) throws -> Sample {
        let first = batch * batchSize
        if collate == nil {
            let context = LoadContext(worker: worker?.id, numWorkers: worker?.count ?? 0, seed: LoadContext.mix(epochSeed, UInt64(first)))
            do {
                if let b = try LoadContext.$bound.withValue(context, operation: { try dataset.batch(indices) }) { return b }
            } catch {
                throw DataLoaderError(index: nil, batch: batch, worker: worker?.id, underlying: error)
            }
        }
        var samples: [Sample] = []
        samples.reserveCapacity(indices.count)
        for (k, index) in indices.enumerated() {
            let context = LoadContext(worker: worker?.id, numWorkers: worker?.count ?? 0, seed: LoadContext.mix(epochSeed, UInt64(first + k)))
            do {
                samples.append(try LoadContext.$bound.withValue(context) { try dataset.sample(index) })
            } catch {
                throw DataLoaderError(index: index, batch: batch, worker: worker?.id, underlying: error)
            }
        }
        guard let collate else { return defaultCollate(samples) }
        do {
            return try collate(samples)
        } catch {
            throw DataLoaderError(index: nil, batch: batch, worker: worker?.id, underlying: error)
        }
    }
}
