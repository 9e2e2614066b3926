import TorchCore

/// Group normalisation (`nn.GroupNorm`): `numChannels` split into `numGroups` groups; per-channel weight 1 and
/// bias 0 initially.
public final class GroupNorm: Module {
    /// Per-channel scale `[C]` (empty without `affine`).
    @Parameter public var weight: Tensor
    /// Per-channel shift `[C]` (empty without `affine`).
    @Parameter public var bias: Tensor
    /// The number of groups.
    public let numGroups: Int
    /// The number of channels.
    public let numChannels: Int
    /// Added to the variance.
    public let eps: Double
    let affine: Bool

    /// Creates the layer.
    /// - Parameters:
    ///   - numGroups: the number of groups; it must divide `numChannels`.
    ///   - numChannels: the channel count `C`.
    ///   - eps: added to the variance.
    ///   - affine: learn a per-channel scale and shift.
    ///   - dtype: the parameters' dtype.
    public init(_ numGroups: Int, _ numChannels: Int, eps: Double = 1e-5, affine: Bool = true, dtype: DType = .float32) {
        precondition(numGroups > 0 && numChannels % numGroups == 0,
                     "GroupNorm: numChannels (\(numChannels)) must be divisible by numGroups (\(numGroups))")
        self.numGroups = numGroups
        self.numChannels = numChannels
        self.eps = eps
        self.affine = affine
        weight = affine ? Tensor.ones([numChannels], dtype: dtype) : Tensor.empty([0], dtype: dtype)
        bias = affine ? Tensor.zeros([numChannels], dtype: dtype) : Tensor.empty([0], dtype: dtype)
        super.init()
    }

    /// Normalises each group.
    /// - Parameter input: `[N, C, …]`.
    public override func forward(_ input: Tensor) -> Tensor {
        precondition(input.rank >= 2 && input.shape[1] == numChannels,
                     "GroupNorm: expected input [N, \(numChannels), …], got \(input.shape)")
        return F.groupNorm(input, numGroups: numGroups, weight: affine ? weight : nil, bias: affine ? bias : nil, eps: eps)
    }

    override func members() -> [Member] { affine ? super.members() : [] }
}

/// Instance normalisation of `[N, C, L]` (or unbatched `[C, L]`) per sample and channel (`nn.InstanceNorm1d`),
/// without running statistics, as PyTorch's default.
public class InstanceNorm1d: Module {
    /// Per-channel scale `[C]` (empty without `affine`).
    @Parameter public var weight: Tensor
    /// Per-channel shift `[C]` (empty without `affine`).
    @Parameter public var bias: Tensor
    /// The channel count `C`.
    public let numFeatures: Int
    /// Added to the variance.
    public let eps: Double
    let affine: Bool
    var spatialRank: Int { 1 }

    /// Creates the layer.
    /// - Parameters:
    ///   - numFeatures: the channel count `C`.
    ///   - eps: added to the variance.
    ///   - affine: learn a per-channel scale and shift (PyTorch's default is no).
    ///   - dtype: the parameters' dtype.
    public init(_ numFeatures: Int, eps: Double = 1e-5, affine: Bool = false, dtype: DType = .float32) {
        self.numFeatures = numFeatures
        self.eps = eps
        self.affine = affine
        weight = affine ? Tensor.ones([numFeatures], dtype: dtype) : Tensor.empty([0], dtype: dtype)
        bias = affine ? Tensor.zeros([numFeatures], dtype: dtype) : Tensor.empty([0], dtype: dtype)
        super.init()
    }

    /// Normalises each channel of each sample.
    /// - Parameter input: batched or unbatched input.
    public override func forward(_ input: Tensor) -> Tensor {
        let batched = spatialRank + 2, name = String(describing: type(of: self))
        precondition(input.rank == batched || input.rank == batched - 1,
                     "\(name): expected a \(batched - 1)D (unbatched) or \(batched)D (batched) input, got \(input.shape)")
        let x = input.rank == batched ? input : input.unsqueeze(0)
        precondition(x.shape[1] == numFeatures, "\(name): expected \(numFeatures) channels, got input \(input.shape)")
        let y = F.instanceNorm(x, weight: affine ? weight : nil, bias: affine ? bias : nil, eps: eps)
        return input.rank == batched ? y : y.squeeze(0)
    }

    override func members() -> [Member] { affine ? super.members() : [] }
}

/// Instance normalisation of `[N, C, H, W]` (or unbatched `[C, H, W]`) (`nn.InstanceNorm2d`).
public final class InstanceNorm2d: InstanceNorm1d {
    override var spatialRank: Int { 2 }
}

/// Root-mean-square normalisation over the trailing `normalizedShape` (`nn.RMSNorm`), weight 1 initially.
public final class RMSNorm: Module {
    /// Scale shaped `normalizedShape` (empty without `elementwiseAffine`).
    @Parameter public var weight: Tensor
    /// The normalised trailing shape.
    public let normalizedShape: [Int]
    /// Added to the mean square; nil uses the input dtype's machine epsilon.
    public let eps: Double?
    let affine: Bool

    /// Creates the layer.
    /// - Parameters:
    ///   - normalizedShape: the trailing shape to normalise over.
    ///   - eps: added to the mean square (nil: `torch.finfo(dtype).eps` of the input).
    ///   - elementwiseAffine: learn a scale.
    ///   - dtype: the parameter's dtype.
    public init(_ normalizedShape: [Int], eps: Double? = nil, elementwiseAffine: Bool = true, dtype: DType = .float32) {
        self.normalizedShape = normalizedShape
        self.eps = eps
        affine = elementwiseAffine
        weight = elementwiseAffine ? Tensor.ones(normalizedShape, dtype: dtype) : Tensor.empty([0], dtype: dtype)
        super.init()
    }

    /// Normalises the trailing dimensions.
    /// - Parameter input: `[…, normalizedShape]`.
    public override func forward(_ input: Tensor) -> Tensor {
        F.rmsNorm(input, normalizedShape, weight: affine ? weight : nil, eps: eps)
    }

    override func members() -> [Member] { affine ? super.members() : [] }
}
