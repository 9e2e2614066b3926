import TorchCore

/// Batches of a data set, optionally shuffled with a seeded generator (`torch.utils.data.DataLoader`).
///
/// Each pass over the loader (`for (x, y) in loader`) draws a new permutation from the generator, so a given
/// seed reproduces the whole sequence of epochs.
public struct DataLoader<D: Dataset>: Sequence {
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
    let generator: TorchCore.Generator

    /// Creates the loader.
    /// - Parameters:
    ///   - dataset: the data set.
    ///   - batchSize: samples per batch.
    ///   - shuffle: reshuffle at every epoch.
    ///   - dropLast: drop the last batch when it is smaller than `batchSize`.
    ///   - sampler: the order of indices for each epoch (mutually exclusive with `shuffle`).
    ///   - generator: the shuffling generator (a fresh one seeded with 0 when nil).
    public init(_ dataset: D, batchSize: Int = 1, shuffle: Bool = false, dropLast: Bool = false, sampler: (any Sampler)? = nil,
                generator: TorchCore.Generator? = nil) {
        precondition(batchSize > 0, "DataLoader: batchSize should be a positive integer value, but got batchSize=\(batchSize)")
        precondition(!(shuffle && sampler != nil), "DataLoader: sampler option is mutually exclusive with shuffle")
        self.sampler = sampler
        self.dataset = dataset
        self.batchSize = batchSize
        self.shuffle = shuffle
        self.dropLast = dropLast
        self.generator = generator ?? TorchCore.Generator(seed: 0)
    }

    /// The number of batches per epoch.
    public var count: Int {
        let n = sampler?.count ?? dataset.count
        return dropLast ? n / batchSize : (n + batchSize - 1) / batchSize
    }

    /// Iterates one epoch.
    public func makeIterator() -> Iterator {
        if let sampler { return Iterator(loader: self, order: sampler.indices()) }
        let order = shuffle ? Tensor.randperm(dataset.count, generator: generator).toArray(of: Int64.self).map { Int($0) }
                            : Array(0..<dataset.count)
        return Iterator(loader: self, order: order)
    }

    /// The batches of one epoch.
    public struct Iterator: IteratorProtocol {
        let loader: DataLoader
        let order: [Int]
        var position = 0

        /// The next `(input, target)` batch.
        public mutating func next() -> (input: Tensor, target: Tensor)? {
            let remaining = order.count - position
            guard remaining > 0, !(loader.dropLast && remaining < loader.batchSize) else { return nil }
            let indices = Array(order[position..<Swift.min(position + loader.batchSize, order.count)])
            position += indices.count
            if let b = loader.dataset.batch(indices) { return b }
            let samples = indices.map { loader.dataset.sample($0) }
            return (Tensor.stack(samples.map { $0.input }), Tensor.stack(samples.map { $0.target }))
        }
    }
}
