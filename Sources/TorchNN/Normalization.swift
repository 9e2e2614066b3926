import TorchCore

/// Layer normalisation over the trailing `normalizedShape` (`nn.LayerNorm`), weight 1 and bias 0 initially.
public final class LayerNorm: Module {
    /// Scale, shaped `normalizedShape` (empty without `elementwiseAffine`).
    @Parameter public var weight: Tensor
    /// Shift, shaped `normalizedShape` (empty without `elementwiseAffine`).
    @Parameter public var bias: Tensor
    /// The normalised trailing shape.
    public let normalizedShape: [Int]
    /// Added to the variance.
    public let eps: Double
    let affine: Bool, hasBias: Bool

    /// Creates the layer.
    /// - Parameters:
    ///   - normalizedShape: the trailing shape to normalise over.
    ///   - eps: added to the variance.
    ///   - elementwiseAffine: learn a scale and a shift.
    ///   - bias: learn the shift too (with `elementwiseAffine`).
    ///   - dtype: the parameters' dtype.
    public init(_ normalizedShape: [Int], eps: Double = 1e-5, elementwiseAffine: Bool = true, bias: Bool = true,
                dtype: DType = .float32) {
        self.normalizedShape = normalizedShape
        self.eps = eps
        affine = elementwiseAffine
        hasBias = elementwiseAffine && bias
        weight = elementwiseAffine ? Tensor.ones(normalizedShape, dtype: dtype) : Tensor.empty([0], dtype: dtype)
        self.bias = hasBias ? Tensor.zeros(normalizedShape, dtype: dtype) : Tensor.empty([0], dtype: dtype)
        super.init()
    }

    /// Normalises the trailing dimensions.
    /// - Parameter input: `[…, normalizedShape]`.
    public override func forward(_ input: Tensor) -> Tensor {
        input.layerNorm(normalizedShape, weight: affine ? weight : nil, bias: hasBias ? bias : nil, eps: eps)
    }

    override func members() -> [Member] {
        guard affine else { return [] }
        return hasBias ? super.members() : super.members().filter { if case .parameter("bias", _) = $0 { return false } else { return true } }
    }
}

/// Batch normalisation over the channel dimension 1 of `[N, C]`, `[N, C, L]` or `[N, C, H, W]`
/// (`nn.BatchNorm1d`/`nn.BatchNorm2d`): batch statistics in training (updating the running estimates with
/// `momentum` and the unbiased variance), running statistics in evaluation.
public class BatchNorm: Module {
    /// Scale `[C]`.
    @Parameter public var weight: Tensor
    /// Shift `[C]`.
    @Parameter public var bias: Tensor
    /// Running mean `[C]` (`running_mean`).
    @Buffer(name: "running_mean") public var runningMean: Tensor = Tensor.empty([0])
    /// Running variance `[C]` (`running_var`).
    @Buffer(name: "running_var") public var runningVar: Tensor = Tensor.empty([0])
    /// Batches seen in training (`num_batches_tracked`).
    @Buffer(name: "num_batches_tracked") public var numBatchesTracked: Tensor = Tensor.empty([0])
    /// Added to the variance.
    public let eps: Double
    /// Weight of the newest batch in the running estimates; nil for the cumulative average over all batches
    /// seen (`momentum=None`).
    public var momentum: Double?

    /// Creates the layer.
    /// - Parameters:
    ///   - numFeatures: channels `C`.
    ///   - eps: added to the variance.
    ///   - momentum: running-estimate update weight (nil: cumulative average).
    ///   - dtype: the parameters' dtype.
    public init(_ numFeatures: Int, eps: Double = 1e-5, momentum: Double? = 0.1, dtype: DType = .float32) {
        self.eps = eps
        self.momentum = momentum
        weight = Tensor.ones([numFeatures], dtype: dtype)
        bias = Tensor.zeros([numFeatures], dtype: dtype)
        super.init()
        // Named buffers are set after initialisation (a wrapper with arguments needs an initial value).
        runningMean = Tensor.zeros([numFeatures], dtype: dtype)
        runningVar = Tensor.ones([numFeatures], dtype: dtype)
        numBatchesTracked = Tensor.zeros([], dtype: .int64)
    }

    /// Normalises each channel.
    /// - Parameter input: `[N, C, …]`.
    public override func forward(_ input: Tensor) -> Tensor {
        precondition(input.rank >= 2 && input.shape[1] == weight.shape[0],
                     "\(type(of: self)): expected input [N, \(weight.shape[0]), …], got \(input.shape)")
        var factor = momentum ?? 0
        if training {
            noGrad { _ = numBatchesTracked.add_(1) }
            factor = momentum ?? 1 / Double(numBatchesTracked.item(Int64.self))
        }
        return F.batchNorm(input, runningMean: runningMean, runningVar: runningVar, weight: weight, bias: bias, training: training,
                           momentum: factor, eps: eps)
    }
}

extension BatchNorm {
    /// Sets the running mean to 0, the running variance to 1 and the batch count to 0 (`reset_running_stats()`).
    public func resetRunningStats() {
        noGrad {
            runningMean.zero_()
            runningVar.fill_(1)
            numBatchesTracked.zero_()
        }
    }
}

/// Batch normalisation of `[N, C]` or `[N, C, L]` (`nn.BatchNorm1d`).
public final class BatchNorm1d: BatchNorm {}

/// Batch normalisation of `[N, C, H, W]` (`nn.BatchNorm2d`).
public final class BatchNorm2d: BatchNorm {}
