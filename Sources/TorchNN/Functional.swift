import TorchCore

/// Functional forms of layers and losses (`torch.nn.functional`).
public enum F {
    /// `x·Wᵀ + b` (`F.linear`); 2-D inputs use one fused `addmm`.
    /// - Parameters:
    ///   - input: `[…, in]`.
    ///   - weight: `[out, in]`.
    ///   - bias: `[out]` or nil.
    public static func linear(_ input: Tensor, _ weight: Tensor, _ bias: Tensor? = nil) -> Tensor {
        precondition(weight.rank == 2 && input.shape.last == weight.shape[1],
                     "linear: input \(input.shape) and weight \(weight.shape) cannot be multiplied (\(input.shape.last ?? 0) != \(weight.rank == 2 ? weight.shape[1] : -1))")
        if input.rank == 2, let bias { return bias.addmm(input, weight.t()) }
        let y = input.matmul(weight.t())
        return bias.map { y + $0 } ?? y
    }
}

/// How a loss combines its per-element values (PyTorch's `reduction`).
public enum Reduction: String, Sendable {
    /// Per-element losses.
    case none
    /// The mean.
    case mean
    /// The sum.
    case sum
}

extension F {
    /// Mean squared error (`F.mse_loss`).
    /// - Parameters:
    ///   - input: predictions.
    ///   - target: targets (broadcast).
    ///   - reduction: how to combine.
    public static func mseLoss(_ input: Tensor, _ target: Tensor, reduction: Reduction = .mean) -> Tensor {
        reduce((input - target).square(), reduction)
    }

    /// Mean absolute error (`F.l1_loss`).
    /// - Parameters:
    ///   - input: predictions.
    ///   - target: targets (broadcast).
    ///   - reduction: how to combine.
    public static func l1Loss(_ input: Tensor, _ target: Tensor, reduction: Reduction = .mean) -> Tensor {
        reduce((input - target).abs(), reduction)
    }

    static func reduce(_ x: Tensor, _ reduction: Reduction) -> Tensor {
        switch reduction {
        case .none: return x
        case .mean: return x.mean()
        case .sum: return x.sum()
        }
    }

    /// Negative log-likelihood of class indices given log-probabilities (`F.nll_loss`).
    ///
    /// - Parameters:
    ///   - input: log-probabilities `[N, C]` or `[N, C, d1, …]`.
    ///   - target: class indices `[N]` or `[N, d1, …]` (integer dtype).
    ///   - weight: optional per-class weights `[C]`.
    ///   - ignoreIndex: a target value that contributes nothing.
    ///   - reduction: `.mean` divides by the summed weights of the counted targets, as PyTorch.
    public static func nllLoss(_ input: Tensor, _ target: Tensor, weight: Tensor? = nil, ignoreIndex: Int = -100,
                               reduction: Reduction = .mean) -> Tensor {
        precondition(input.rank >= 2, "nllLoss: expected input with at least 2 dimensions [N, C, ...], got \(input.shape)")
        precondition(!target.dtype.isFloatingPoint, "nllLoss: expected class indices of an integer dtype, got \(target.dtype)")
        let c = input.shape[1]
        var expected = input.shape
        expected.remove(at: 1)
        precondition(target.shape == expected, "nllLoss: expected target of shape \(expected) for input \(input.shape), got \(target.shape)")
        let valid = target.ne(Double(ignoreIndex))
        let safeTarget = where_(valid, target, Tensor.zeros([], dtype: target.dtype))
        let tv = safeTarget.toArray(of: Int64.self)
        precondition(tv.allSatisfy { $0 >= 0 && $0 < Int64(c) }, "nllLoss: target \(tv.first { $0 < 0 || $0 >= Int64(c) } ?? 0) is out of bounds for \(c) classes")
        let picked = input.gather(1, safeTarget.unsqueeze(1)).squeeze(1)
        var w = valid.to(input.dtype)
        if let weight {
            precondition(weight.shape == [c], "nllLoss: weight should have shape [\(c)], got \(weight.shape)")
            w = w * weight.to(input.dtype).indexSelect(0, safeTarget.reshape([-1])).reshape(safeTarget.shape)
        }
        let losses = -(picked * w)
        switch reduction {
        case .none: return losses
        case .sum: return losses.sum()
        case .mean: return losses.sum() / w.sum()
        }
    }

    /// Cross-entropy of logits (`F.cross_entropy`): class indices or class probabilities as targets, class
    /// weights, `ignoreIndex`, label smoothing and any number of extra dimensions (`[N, C, d1, …]`).
    ///
    /// - Parameters:
    ///   - input: unnormalised scores `[N, C]` or `[N, C, d1, …]`.
    ///   - target: class indices (integer dtype, shape without `C`) or probabilities (same shape as `input`).
    ///   - weight: optional per-class weights `[C]`.
    ///   - ignoreIndex: a class-index target that contributes nothing.
    ///   - reduction: how to combine.
    ///   - labelSmoothing: in [0, 1]: mixes the target with the uniform distribution.
    public static func crossEntropy(_ input: Tensor, _ target: Tensor, weight: Tensor? = nil, ignoreIndex: Int = -100,
                                    reduction: Reduction = .mean, labelSmoothing: Double = 0) -> Tensor {
        precondition(labelSmoothing >= 0 && labelSmoothing <= 1, "crossEntropy: labelSmoothing must be in [0, 1], got \(labelSmoothing)")
        precondition(input.rank >= 2, "crossEntropy: expected input with at least 2 dimensions [N, C, ...], got \(input.shape)")
        let c = input.shape[1]
        let logp = input.logSoftmax(dim: 1)
        var classShape = [Int](repeating: 1, count: input.rank)
        classShape[1] = c
        let w = weight.map { $0.to(input.dtype).reshape(classShape) }
        if target.dtype.isFloatingPoint {
            // Probabilities.
            precondition(target.shape == input.shape, "crossEntropy: probability target must have the input's shape \(input.shape), got \(target.shape)")
            let t = labelSmoothing > 0 ? target * (1 - labelSmoothing) + labelSmoothing / Double(c) : target
            var prod = logp * t
            if let w { prod = prod * w }
            let losses = -prod.sum([1])
            switch reduction {
            case .none: return losses
            case .sum: return losses.sum()
            case .mean: return losses.sum() / Double(losses.count)
            }
        }
        let nll = nllLoss(logp, target, weight: weight, ignoreIndex: ignoreIndex, reduction: reduction)
        guard labelSmoothing > 0 else { return nll }
        // PyTorch: (1 − ε)·nll + ε/C·Σ_c −w_c·logp_c, over the non-ignored targets.
        let valid = target.ne(Double(ignoreIndex)).to(input.dtype)
        var smooth = w.map { logp * $0 } ?? logp
        smooth = -smooth.sum([1]) * valid
        let smoothReduced: Tensor
        switch reduction {
        case .none: smoothReduced = smooth
        case .sum: smoothReduced = smooth.sum()
        case .mean:
            if let weight {
                let safe = where_(target.ne(Double(ignoreIndex)), target, Tensor.zeros([], dtype: target.dtype))
                let denom = (weight.to(input.dtype).indexSelect(0, safe.reshape([-1])).reshape(safe.shape) * valid).sum()
                smoothReduced = smooth.sum() / denom
            } else {
                smoothReduced = smooth.sum() / valid.sum()
            }
        }
        return nll * (1 - labelSmoothing) + smoothReduced * (labelSmoothing / Double(c))
    }
}
