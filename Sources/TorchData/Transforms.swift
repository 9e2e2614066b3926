import TorchCore

/// A per-sample input transform (`torchvision.transforms`); random ones draw from the generator they are given.
public protocol Transform: Sendable {
    /// Transforms one `[C, H, W]` sample.
    /// - Parameters:
    ///   - input: the sample.
    ///   - generator: the source of randomness.
    func apply(_ input: Tensor, generator: Generator) -> Tensor
}

/// `(x − mean[c]) / std[c]` per channel (`Normalize`).
public struct Normalize: Transform {
    let mean: [Double], std: [Double]
    /// - Parameters:
    ///   - mean: one value per channel.
    ///   - std: one non-zero value per channel.
    public init(mean: [Double], std: [Double]) {
        precondition(mean.count == std.count && !mean.isEmpty && std.allSatisfy { $0 != 0 },
                     "Normalize: need one mean and one non-zero std per channel (got \(mean), \(std))")
        self.mean = mean
        self.std = std
    }
    /// Normalises each channel.
    public func apply(_ input: Tensor, generator: Generator) -> Tensor {
        precondition(input.rank == 3 && input.shape[0] == mean.count,
                     "Normalize: expected [\(mean.count), H, W], got \(input.shape)")
        let m = Tensor(mean, shape: [mean.count, 1, 1]).to(input.dtype), s = Tensor(std, shape: [std.count, 1, 1]).to(input.dtype)
        return (input - m) / s
    }
}

/// Zero-pads by `padding`, then crops a random `size` window (`RandomCrop`).
public struct RandomCrop: Transform {
    let size: (Int, Int), padding: Int
    /// - Parameters:
    ///   - size: the output `(H, W)`.
    ///   - padding: zeros added on every side first.
    public init(size: (Int, Int), padding: Int = 0) {
        precondition(size.0 > 0 && size.1 > 0 && padding >= 0, "RandomCrop: size \(size) must be positive and padding \(padding) non-negative")
        self.size = size
        self.padding = padding
    }
    /// Crops one window.
    public func apply(_ input: Tensor, generator: Generator) -> Tensor {
        precondition(input.rank == 3, "RandomCrop: expected [C, H, W], got \(input.shape)")
        let x = padding > 0 ? input.pad([padding, padding, padding, padding]) : input
        let h = x.shape[1], w = x.shape[2]
        precondition(h >= size.0 && w >= size.1, "RandomCrop: crop \(size) is larger than the padded input \([h, w])")
        let top = Int(Tensor.randint(0, h - size.0 + 1, [1], generator: generator).item(Int64.self))
        let left = Int(Tensor.randint(0, w - size.1 + 1, [1], generator: generator).item(Int64.self))
        return x.narrow(1, top, size.0).narrow(2, left, size.1).contiguous()
    }
}

/// Mirrors left–right with probability `p` (`RandomHorizontalFlip`).
public struct RandomHorizontalFlip: Transform {
    let p: Double
    /// - Parameter p: the flip probability.
    public init(p: Double = 0.5) {
        precondition((0...1).contains(p), "RandomHorizontalFlip: p must lie in [0, 1] (got \(p))")
        self.p = p
    }
    /// Flips or not.
    public func apply(_ input: Tensor, generator: Generator) -> Tensor {
        let u: Double = Tensor.rand([1], dtype: .float64, generator: generator).item()
        return u < p ? input.flip([input.rank - 1]) : input
    }
}

/// Transforms applied in order (`Compose`).
public struct Compose: Transform {
    let transforms: [any Transform]
    /// - Parameter transforms: the steps, first to last.
    public init(_ transforms: [any Transform]) { self.transforms = transforms }
    /// Applies every step.
    public func apply(_ input: Tensor, generator: Generator) -> Tensor {
        transforms.reduce(input) { $1.apply($0, generator: generator) }
    }
}

/// A data set whose inputs pass through a transform on every access.
///
/// Inside a ``DataLoader`` each sample's randomness comes from a generator seeded with the sample's
/// ``LoadContext/seed`` (mixed with this data set's seed), so the augmented batches are the same for every
/// worker count and a loader seed reproduces every epoch. Read directly, samples draw in turn from the data
/// set's own generator.
public struct TransformedDataset<Base: Dataset>: Dataset {
    /// The underlying data set.
    public let base: Base
    let transform: any Transform
    let generator: Generator
    /// The number of samples.
    public var count: Int { base.count }

    /// - Parameters:
    ///   - base: the data set.
    ///   - transform: applied to each input.
    ///   - generator: the augmentation generator (seeded with 0 when nil).
    public init(_ base: Base, transform: any Transform, generator: Generator? = nil) {
        self.base = base
        self.transform = transform
        self.generator = generator ?? Generator(seed: 0)
    }

    /// The transformed sample at `index`.
    public func sample(_ index: Int) throws -> Sample {
        let s = try base.sample(index)
        let g = LoadContext.current.map { Generator(seed: LoadContext.mix($0.seed, generator.initialSeed)) } ?? generator
        return (transform.apply(s.input, generator: g), s.target)
    }
}
