import TorchCore

/// One `(input, target)` pair of a data set, or a batch of them.
public typealias Sample = (input: Tensor, target: Tensor)

/// A random-access data set (`torch.utils.data.Dataset`): `count` items, each an `(input, target)` pair.
///
/// Data sets are `Sendable` because a ``DataLoader`` with `numWorkers > 0` reads them from worker threads.
/// Reading a sample may throw (a file that went missing, a corrupt record); the loader hands the error to the
/// caller of ``DataLoader/Iterator/nextBatch()``, naming the sample.
public protocol Dataset: Sendable {
    /// The number of samples.
    var count: Int { get }
    /// The sample at `index`.
    func sample(_ index: Int) throws -> Sample
    /// A whole batch at once, when the data set can do better than stacking samples (nil otherwise).
    func batch(_ indices: [Int]) throws -> Sample?
}

extension Dataset {
    /// Stacks samples by default.
    public func batch(_ indices: [Int]) throws -> Sample? { nil }
}

/// Samples taken along the first dimension of tensors (`TensorDataset`).
public struct TensorDataset: Dataset {
    /// The inputs, `[count, …]`.
    public let inputs: Tensor
    /// The targets, `[count, …]`.
    public let targets: Tensor

    /// Creates the data set; both tensors must have the same first dimension.
    /// - Parameters:
    ///   - inputs: the inputs.
    ///   - targets: the targets.
    public init(_ inputs: Tensor, _ targets: Tensor) {
        precondition(inputs.rank >= 1 && targets.rank >= 1 && inputs.shape[0] == targets.shape[0],
                     "TensorDataset: size mismatch between tensors (\(inputs.shape) and \(targets.shape))")
        self.inputs = inputs
        self.targets = targets
    }

    /// The number of samples.
    public var count: Int { inputs.shape[0] }

    /// The sample at `index`.
    /// - Parameter index: the position.
    public func sample(_ index: Int) -> (input: Tensor, target: Tensor) { (inputs[index], targets[index]) }

    /// Rows gathered with one `indexSelect` per tensor.
    /// - Parameter indices: the positions.
    public func batch(_ indices: [Int]) -> (input: Tensor, target: Tensor)? {
        let idx = Tensor(indices.map { Int64($0) }, shape: [indices.count])
        return (inputs.indexSelect(0, idx), targets.indexSelect(0, idx))
    }
}

/// A view of a data set restricted to some indices (`Subset`).
public struct Subset<Base: Dataset>: Dataset {
    /// The underlying data set.
    public let base: Base
    /// The indices into it.
    public let indices: [Int]

    /// Creates the subset.
    /// - Parameters:
    ///   - base: the data set.
    ///   - indices: positions in `base`.
    public init(_ base: Base, indices: [Int]) {
        precondition(indices.allSatisfy { $0 >= 0 && $0 < base.count }, "Subset: index out of range for a data set of \(base.count) samples")
        self.base = base
        self.indices = indices
    }

    /// The number of samples.
    public var count: Int { indices.count }
    /// The sample at `index`.
    /// - Parameter index: the position in the subset.
    public func sample(_ index: Int) throws -> Sample { try base.sample(indices[index]) }
    /// A batch through the base's batch path.
    /// - Parameter indices: positions in the subset.
    public func batch(_ indices: [Int]) throws -> Sample? { try base.batch(indices.map { self.indices[$0] }) }
}

/// Splits a data set into random non-overlapping subsets of the given lengths (`random_split`).
/// - Parameters:
///   - dataset: the data set.
///   - lengths: subset sizes summing to `dataset.count`.
///   - generator: the generator for the permutation.
public func randomSplit<D: Dataset>(_ dataset: D, lengths: [Int], generator: Generator) -> [Subset<D>] {
    precondition(lengths.reduce(0, +) == dataset.count, "randomSplit: sum of input lengths does not equal the length of the input dataset")
    let perm = Tensor.randperm(dataset.count, generator: generator).toArray(of: Int64.self).map { Int($0) }
    var start = 0
    return lengths.map { n in
        defer { start += n }
        return Subset(dataset, indices: Array(perm[start..<(start + n)]))
    }
}
