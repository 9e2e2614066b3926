import TorchCore

// The functional forms of the core's activations, convolution, pooling, padding and normalisation, under the
// names of `torch.nn.functional`.
extension F {
    /// `max(x, 0)` (`F.relu`).
    /// - Parameter input: the input.
    public static func relu(_ input: Tensor) -> Tensor { input.relu() }
    /// `min(max(x, 0), 6)` (`F.relu6`).
    /// - Parameter input: the input.
    public static func relu6(_ input: Tensor) -> Tensor { input.relu6() }
    /// `x` for `x > 0`, `negativeSlope · x` otherwise (`F.leaky_relu`).
    /// - Parameters:
    ///   - input: the input.
    ///   - negativeSlope: the slope below 0.
    public static func leakyRelu(_ input: Tensor, negativeSlope: Double = 0.01) -> Tensor { input.leakyRelu(negativeSlope: negativeSlope) }
    /// `F.elu`.
    /// - Parameters:
    ///   - input: the input.
    ///   - alpha: the saturation value.
    public static func elu(_ input: Tensor, alpha: Double = 1) -> Tensor { input.elu(alpha: alpha) }
    /// `F.selu`.
    /// - Parameter input: the input.
    public static func selu(_ input: Tensor) -> Tensor { input.selu() }
    /// `F.celu`.
    /// - Parameters:
    ///   - input: the input.
    ///   - alpha: the saturation value.
    public static func celu(_ input: Tensor, alpha: Double = 1) -> Tensor { input.celu(alpha: alpha) }
    /// `F.gelu` (erf form, or the tanh approximation).
    /// - Parameters:
    ///   - input: the input.
    ///   - approximate: `.none` or `.tanh`.
    public static func gelu(_ input: Tensor, approximate: GeluApproximation = .none) -> Tensor { input.gelu(approximate: approximate) }
    /// `x · σ(x)` (`F.silu`).
    /// - Parameter input: the input.
    public static func silu(_ input: Tensor) -> Tensor { input.silu() }
    /// `x · tanh(softplus(x))` (`F.mish`).
    /// - Parameter input: the input.
    public static func mish(_ input: Tensor) -> Tensor { input.mish() }
    /// `log(1 + e^{βx}) / β`, linear above `threshold` (`F.softplus`).
    /// - Parameters:
    ///   - input: the input.
    ///   - beta: β.
    ///   - threshold: where it becomes linear.
    public static func softplus(_ input: Tensor, beta: Double = 1, threshold: Double = 20) -> Tensor {
        input.softplus(beta: beta, threshold: threshold)
    }
    /// `clamp(x, minVal, maxVal)` (`F.hardtanh`).
    /// - Parameters:
    ///   - input: the input.
    ///   - minVal: the lower bound.
    ///   - maxVal: the upper bound.
    public static func hardtanh(_ input: Tensor, minVal: Double = -1, maxVal: Double = 1) -> Tensor { input.hardtanh(minVal: minVal, maxVal: maxVal) }
    /// `F.hardsigmoid`.
    /// - Parameter input: the input.
    public static func hardsigmoid(_ input: Tensor) -> Tensor { input.hardsigmoid() }
    /// `F.hardswish`.
    /// - Parameter input: the input.
    public static func hardswish(_ input: Tensor) -> Tensor { input.hardswish() }
    /// `1 / (1 + e^{−x})` (`F.sigmoid`).
    /// - Parameter input: the input.
    public static func sigmoid(_ input: Tensor) -> Tensor { input.sigmoid() }
    /// `log σ(x)` (`F.logsigmoid`).
    /// - Parameter input: the input.
    public static func logsigmoid(_ input: Tensor) -> Tensor { input.logSigmoid() }
    /// `F.tanh`.
    /// - Parameter input: the input.
    public static func tanh(_ input: Tensor) -> Tensor { input.tanh() }
    /// `F.softmax`.
    /// - Parameters:
    ///   - input: the input.
    ///   - dim: the dimension that sums to 1.
    public static func softmax(_ input: Tensor, dim: Int) -> Tensor { input.softmax(dim: dim) }
    /// `F.log_softmax`.
    /// - Parameters:
    ///   - input: the input.
    ///   - dim: the dimension normalised.
    public static func logSoftmax(_ input: Tensor, dim: Int) -> Tensor { input.logSoftmax(dim: dim) }

    /// 2-D convolution of `[N, C, H, W]` with `[Cout, C / groups, kH, kW]` filters (`F.conv2d`).
    /// - Parameters:
    ///   - input: the input.
    ///   - weight: the filters.
    ///   - bias: per-output-channel bias.
    ///   - stride: stride.
    ///   - padding: zero padding.
    ///   - dilation: dilation.
    ///   - groups: channel groups.
    public static func conv2d(_ input: Tensor, _ weight: Tensor, bias: Tensor? = nil, stride: (Int, Int) = (1, 1),
                              padding: (Int, Int) = (0, 0), dilation: (Int, Int) = (1, 1), groups: Int = 1) -> Tensor {
        input.conv2d(weight, bias: bias, stride: stride, padding: padding, dilation: dilation, groups: groups)
    }

    /// The maximum of each window of `[N, C, H, W]` or `[C, H, W]` (`F.max_pool2d`).
    /// - Parameters:
    ///   - input: the input.
    ///   - kernelSize: the window.
    ///   - stride: the step (the window when nil).
    ///   - padding: implicit −∞ padding.
    ///   - dilation: dilation.
    ///   - ceilMode: round the output size up.
    public static func maxPool2d(_ input: Tensor, kernelSize: (Int, Int), stride: (Int, Int)? = nil, padding: (Int, Int) = (0, 0),
                                 dilation: (Int, Int) = (1, 1), ceilMode: Bool = false) -> Tensor {
        input.maxPool2d(kernelSize, stride: stride, padding: padding, dilation: dilation, ceilMode: ceilMode)
    }

    /// Max pooling that also returns the argmax positions within each plane (`F.max_pool2d(return_indices=True)`).
    /// - Parameters:
    ///   - input: the input.
    ///   - kernelSize: the window.
    ///   - stride: the step (the window when nil).
    ///   - padding: implicit −∞ padding.
    ///   - dilation: dilation.
    ///   - ceilMode: round the output size up.
    public static func maxPool2dWithIndices(_ input: Tensor, kernelSize: (Int, Int), stride: (Int, Int)? = nil,
                                            padding: (Int, Int) = (0, 0), dilation: (Int, Int) = (1, 1),
                                            ceilMode: Bool = false) -> (values: Tensor, indices: Tensor) {
        input.maxPool2dWithIndices(kernelSize, stride: stride, padding: padding, dilation: dilation, ceilMode: ceilMode)
    }

    /// Runs a 2-D pooling on `[N, C, L]` or `[C, L]` as `[N, C, 1, L]`.
    static func pool1d(_ input: Tensor, _ op: String, _ pool: (Tensor) -> Tensor) -> Tensor {
        precondition(input.rank == 2 || input.rank == 3, "\(op): expected [C, L] or [N, C, L], got \(input.shape)")
        return pool(input.unsqueeze(-2)).squeeze(-2)
    }

    /// The maximum of each window of `[N, C, L]` or `[C, L]` (`F.max_pool1d`).
    /// - Parameters:
    ///   - input: the input.
    ///   - kernelSize: the window.
    ///   - stride: the step (the window when nil).
    ///   - padding: implicit −∞ padding.
    ///   - dilation: dilation.
    ///   - ceilMode: round the output size up.
    public static func maxPool1d(_ input: Tensor, kernelSize: Int, stride: Int? = nil, padding: Int = 0, dilation: Int = 1,
                                 ceilMode: Bool = false) -> Tensor {
        pool1d(input, "maxPool1d") {
            $0.maxPool2d((1, kernelSize), stride: (1, stride ?? kernelSize), padding: (0, padding), dilation: (1, dilation),
                         ceilMode: ceilMode)
        }
    }

    /// The mean of each window of `[N, C, L]` or `[C, L]` (`F.avg_pool1d`).
    /// - Parameters:
    ///   - input: the input.
    ///   - kernelSize: the window.
    ///   - stride: the step (the window when nil).
    ///   - padding: implicit zero padding.
    ///   - ceilMode: round the output length up.
    ///   - countIncludePad: count padded zeros in the divisor.
    public static func avgPool1d(_ input: Tensor, kernelSize: Int, stride: Int? = nil, padding: Int = 0, ceilMode: Bool = false,
                                 countIncludePad: Bool = true) -> Tensor {
        pool1d(input, "avgPool1d") {
            avgPool2d($0, kernelSize: (1, kernelSize), stride: (1, stride ?? kernelSize), padding: (0, padding), ceilMode: ceilMode,
                      countIncludePad: countIncludePad)
        }
    }

    /// Means over `outputSize` adaptive windows of the last dimension (`F.adaptive_avg_pool1d`).
    /// - Parameters:
    ///   - input: `[N, C, L]` or `[C, L]`.
    ///   - outputSize: the output length.
    public static func adaptiveAvgPool1d(_ input: Tensor, outputSize: Int) -> Tensor {
        pool1d(input, "adaptiveAvgPool1d") { adaptiveAvgPool2d($0, outputSize: (1, outputSize)) }
    }

    /// Maxima over `outputSize` adaptive windows of the last dimension (`F.adaptive_max_pool1d`).
    /// - Parameters:
    ///   - input: `[N, C, L]` or `[C, L]`.
    ///   - outputSize: the output length.
    public static func adaptiveMaxPool1d(_ input: Tensor, outputSize: Int) -> Tensor {
        pool1d(input, "adaptiveMaxPool1d") { adaptiveMaxPool2d($0, outputSize: (1, outputSize)) }
    }

    /// Pads the last dimensions (`F.pad`): `pad` lists (before, after) pairs from the last dimension backwards.
    /// - Parameters:
    ///   - input: the input.
    ///   - pad: `[left, right, top, bottom, …]`; negative amounts crop.
    ///   - mode: `.constant`, `.reflect`, `.replicate` or `.circular`.
    ///   - value: the fill of `.constant`.
    public static func pad(_ input: Tensor, _ pad: [Int], mode: PaddingMode = .constant, value: Double = 0) -> Tensor {
        input.pad(pad, mode: mode, value: value)
    }

    /// Layer normalisation over the trailing `normalizedShape` (`F.layer_norm`).
    /// - Parameters:
    ///   - input: the input.
    ///   - normalizedShape: the trailing dimensions normalised together.
    ///   - weight: the scale, of `normalizedShape`.
    ///   - bias: the shift, of `normalizedShape`.
    ///   - eps: added to the variance.
    public static func layerNorm(_ input: Tensor, _ normalizedShape: [Int], weight: Tensor? = nil, bias: Tensor? = nil, eps: Double = 1e-5) -> Tensor {
        input.layerNorm(normalizedShape, weight: weight, bias: bias, eps: eps)
    }

    /// Batch normalisation over dimension 1 of `[N, C, …]` (`F.batch_norm`): batch statistics in training, which
    /// also move the running estimates (given) by `momentum` with the unbiased variance; the running
    /// estimates otherwise.
    /// - Parameters:
    ///   - input: `[N, C, …]`.
    ///   - runningMean: `[C]`, updated in place in training.
    ///   - runningVar: `[C]`, updated in place in training.
    ///   - weight: the scale `[C]`.
    ///   - bias: the shift `[C]`.
    ///   - training: use batch statistics.
    ///   - momentum: weight of this batch in the running estimates.
    ///   - eps: added to the variance.
    public static func batchNorm(_ input: Tensor, runningMean: Tensor?, runningVar: Tensor?, weight: Tensor? = nil, bias: Tensor? = nil,
                                 training: Bool = false, momentum: Double = 0.1, eps: Double = 1e-5) -> Tensor {
        precondition(input.rank >= 2, "batchNorm: expected an input of at least 2 dimensions [N, C, …], got \(input.shape)")
        let c = input.shape[1]
        for (name, t) in [("running_mean", runningMean), ("running_var", runningVar), ("weight", weight), ("bias", bias)] {
            if let t { precondition(t.shape == [c], "batchNorm: \(name) should have shape [\(c)] for input \(input.shape), got \(t.shape)") }
        }
        var shape = [Int](repeating: 1, count: input.rank)
        shape[1] = c
        let dims = (0..<input.rank).filter { $0 != 1 }
        let mean: Tensor, variance: Tensor
        if training {
            let n = dims.reduce(1) { $0 * input.shape[$1] }
            precondition(n > 1, "batchNorm: expected more than 1 value per channel when training, got input size \(input.shape)")
            mean = input.mean(dims, keepdim: true)
            variance = input.var(dims, correction: 0, keepdim: true)
            noGrad {
                if let runningMean { runningMean.mul_(1 - momentum).add_(mean.detach().reshape([-1]) * momentum) }
                if let runningVar {
                    let unbiased = variance.detach().reshape([-1]) * (Double(n) / Double(n - 1))
                    runningVar.mul_(1 - momentum).add_(unbiased * momentum)
                }
            }
        } else {
            guard let runningMean, let runningVar else {
                preconditionFailure("batchNorm: running_mean and running_var are required when not training")
            }
            mean = runningMean.reshape(shape)
            variance = runningVar.reshape(shape)
        }
        var y = (input - mean) * (variance + eps).rsqrt()
        if let weight { y = y * weight.reshape(shape) }
        if let bias { y = y + bias.reshape(shape) }
        return y
    }

    /// `x / max(‖x‖_p, eps)` along `dim` (`F.normalize`).
    /// - Parameters:
    ///   - input: the input.
    ///   - p: the norm's exponent.
    ///   - dim: the dimension normalised.
    ///   - eps: the smallest divisor.
    public static func normalize(_ input: Tensor, p: Double = 2, dim: Int = 1, eps: Double = 1e-12) -> Tensor {
        input / input.norm(p: p, [dim], keepdim: true).clamp(min: eps)
    }

    /// The cosine of the angle between `x1` and `x2` along `dim`, after broadcasting them
    /// (`F.cosine_similarity`): `Σ (x1 / max(‖x1‖, eps)) · (x2 / max(‖x2‖, eps))`.
    /// - Parameters:
    ///   - x1: the first input.
    ///   - x2: the second input.
    ///   - dim: the dimension of the vectors.
    ///   - eps: the smallest norm.
    public static func cosineSimilarity(_ x1: Tensor, _ x2: Tensor, dim: Int = 1, eps: Double = 1e-8) -> Tensor {
        let b = broadcastTensors([x1, x2])
        let a = b[0] / b[0].norm(p: 2, [dim], keepdim: true).clamp(min: eps)
        let c = b[1] / b[1].norm(p: 2, [dim], keepdim: true).clamp(min: eps)
        return (a * c).sum([dim])
    }

    /// `‖x1 − x2 + eps‖_p` over the last dimension (`F.pairwise_distance`).
    /// - Parameters:
    ///   - x1: `[N, D]` or `[D]`.
    ///   - x2: broadcastable to `x1`.
    ///   - p: the norm's exponent.
    ///   - eps: added to the difference.
    ///   - keepdim: keep the reduced dimension.
    public static func pairwiseDistance(_ x1: Tensor, _ x2: Tensor, p: Double = 2, eps: Double = 1e-6, keepdim: Bool = false) -> Tensor {
        (x1 - x2 + eps).norm(p: p, [-1], keepdim: keepdim)
    }

    /// Local response normalisation across channels (`F.local_response_norm`):
    /// `x / (k + α · mean of x² over `size` neighbouring channels)^β`, zero-padded at the ends.
    /// - Parameters:
    ///   - input: `[N, C, …]` with at least 3 dimensions.
    ///   - size: neighbouring channels.
    ///   - alpha: the multiplicative factor.
    ///   - beta: the exponent.
    ///   - k: the additive constant.
    public static func localResponseNorm(_ input: Tensor, size: Int, alpha: Double = 1e-4, beta: Double = 0.75, k: Double = 1) -> Tensor {
        precondition(input.rank >= 3, "localResponseNorm: expected 3D or higher dimensionality input (got \(input.rank) dimensions)")
        precondition(size > 0, "localResponseNorm: size must be positive (got \(size))")
        let n = input.shape[0], c = input.shape[1], rest = input.count / Swift.max(n * c, 1)
        let squares = (input * input).reshape([n, 1, c, rest]).pad([0, 0, size / 2, (size - 1) / 2])
        let mean = avgPool2d(squares, kernelSize: (size, 1), stride: (1, 1)).reshape(input.shape)
        return input / (mean * alpha + k).pow(beta)
    }
}
