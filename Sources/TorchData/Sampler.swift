import TorchCore

/// An order of data-set indices for one epoch (`torch.utils.data.Sampler`); each call of ``indices()`` is a new
/// epoch, drawn from the sampler's own generator so a seed reproduces every epoch.
public protocol Sampler {
    /// The number of indices per epoch.
    var count: Int { get }
    /// The indices of the next epoch.
    func indices() -> [Int]
}

/// `0, 1, …, n − 1` (`SequentialSampler`).
public struct SequentialSampler: Sampler {
    /// The number of indices.
    public let count: Int
    /// - Parameter count: the data set's size.
    public init(count: Int) { self.count = count }
    /// `0..<count`.
    public func indices() -> [Int] { Array(0..<count) }
}

/// A random permutation, or draws with replacement (`RandomSampler`).
public struct RandomSampler: Sampler {
    let size: Int, replacement: Bool, numSamples: Int?
    let generator: Generator
    /// The number of indices per epoch.
    public var count: Int { numSamples ?? size }

    /// Creates the sampler.
    /// - Parameters:
    ///   - count: the data set's size.
    ///   - replacement: draw with replacement.
    ///   - numSamples: indices per epoch (the size when nil; only with replacement may it exceed it).
    ///   - generator: the generator (seeded with 0 when nil).
    public init(count: Int, replacement: Bool = false, numSamples: Int? = nil, generator: Generator? = nil) {
        precondition(numSamples.map { $0 > 0 } ?? true, "RandomSampler: numSamples should be a positive integer, got \(numSamples!)")
        precondition(replacement || (numSamples ?? count) <= count,
                     "RandomSampler: numSamples (\(numSamples ?? count)) exceeds the data set size (\(count)) without replacement")
        size = count
        self.replacement = replacement
        self.numSamples = numSamples
        self.generator = generator ?? Generator(seed: 0)
    }

    /// The indices of the next epoch.
    public func indices() -> [Int] {
        if replacement {
            return Tensor.randint(0, size, [count], generator: generator).toArray(of: Int64.self).map { Int($0) }
        }
        return Array(Tensor.randperm(size, generator: generator).toArray(of: Int64.self).map { Int($0) }.prefix(count))
    }
}

/// A random permutation of given indices (`SubsetRandomSampler`).
public struct SubsetRandomSampler: Sampler {
    let subset: [Int]
    let generator: Generator
    /// The number of indices.
    public var count: Int { subset.count }
    /// - Parameters:
    ///   - indices: the indices to permute.
    ///   - generator: the generator (seeded with 0 when nil).
    public init(indices: [Int], generator: Generator? = nil) {
        subset = indices
        self.generator = generator ?? Generator(seed: 0)
    }
    /// The indices in a new random order.
    public func indices() -> [Int] {
        Tensor.randperm(subset.count, generator: generator).toArray(of: Int64.self).map { subset[Int($0)] }
    }
}

/// Indices drawn with probability proportional to `weights` (`WeightedRandomSampler`).
public struct WeightedRandomSampler: Sampler {
    let weights: Tensor, replacement: Bool
    let generator: Generator
    /// The number of indices per epoch.
    public let count: Int
    /// Creates the sampler.
    /// - Parameters:
    ///   - weights: one non-negative weight per sample (need not sum to 1).
    ///   - numSamples: indices per epoch.
    ///   - replacement: draw with replacement.
    ///   - generator: the generator (seeded with 0 when nil).
    public init(weights: [Double], numSamples: Int, replacement: Bool = true, generator: Generator? = nil) {
        precondition(numSamples > 0, "WeightedRandomSampler: numSamples should be a positive integer, got \(numSamples)")
        precondition(!weights.isEmpty && weights.allSatisfy { $0 >= 0 && $0.isFinite } && weights.contains { $0 > 0 },
                     "WeightedRandomSampler: weights must be finite, non-negative and not all zero")
        precondition(replacement || numSamples <= weights.filter { $0 > 0 }.count,
                     "WeightedRandomSampler: cannot draw \(numSamples) samples without replacement from \(weights.filter { $0 > 0 }.count) non-zero weights")
        self.weights = Tensor(weights)
        self.replacement = replacement
        count = numSamples
        self.generator = generator ?? Generator(seed: 0)
    }
    /// The indices of the next epoch.
    public func indices() -> [Int] {
        weights.multinomial(count, replacement: replacement, generator: generator).toArray(of: Int64.self).map { Int($0) }
    }
}

/// Groups a sampler's indices into batches (`BatchSampler`).
public struct BatchSampler {
    /// The index source.
    public let sampler: any Sampler
    /// Indices per batch.
    public let batchSize: Int
    /// Whether to drop a last incomplete batch.
    public let dropLast: Bool
    /// - Parameters:
    ///   - sampler: the index source.
    ///   - batchSize: indices per batch.
    ///   - dropLast: drop a last incomplete batch.
    public init(_ sampler: any Sampler, batchSize: Int, dropLast: Bool) {
        precondition(batchSize > 0, "BatchSampler: batchSize should be a positive integer, got \(batchSize)")
        self.sampler = sampler
        self.batchSize = batchSize
        self.dropLast = dropLast
    }
    /// The number of batches per epoch.
    public var count: Int { dropLast ? sampler.count / batchSize : (sampler.count + batchSize - 1) / batchSize }
    /// The batches of the next epoch.
    public func batches() -> [[Int]] { chunked(sampler.indices(), batchSize: batchSize, dropLast: dropLast) }
}

/// `order` cut into consecutive batches of `batchSize` (the last one shorter, or dropped with `dropLast`).
func chunked(_ order: [Int], batchSize: Int, dropLast: Bool) -> [[Int]] {
    var out: [[Int]] = []
    var start = 0
    while start < order.count {
        let end = Swift.min(start + batchSize, order.count)
        if end - start < batchSize && dropLast { break }
        out.append(Array(order[start..<end]))
        start = end
    }
    return out
}

/// Data sets one after another (`ConcatDataset`).
public struct ConcatDataset: Dataset {
    let datasets: [any Dataset]
    let offsets: [Int]
    /// The total number of samples.
    public let count: Int

    /// - Parameter datasets: the parts, in order.
    public init(_ datasets: [any Dataset]) {
        precondition(!datasets.isEmpty, "ConcatDataset: datasets should not be an empty list")
        self.datasets = datasets
        var running = 0, offsets: [Int] = []
        for d in datasets {
            offsets.append(running)
            running += d.count
        }
        self.offsets = offsets
        count = running
    }

    /// The sample at `index`, from the part that holds it.
    public func sample(_ index: Int) throws -> Sample {
        let i = index < 0 ? index + count : index
        precondition(i >= 0 && i < count, "ConcatDataset: index \(index) is out of range for \(count) samples")
        let part = offsets.lastIndex { $0 <= i }!
        return try datasets[part].sample(i - offsets[part])
    }
}
