import TorchCore

extension F {
    /// Binary cross-entropy of probabilities (`F.binary_cross_entropy`); log terms are clamped at −100 as in
    /// PyTorch.
    /// - Parameters:
    ///   - input: probabilities in [0, 1].
    ///   - target: targets in [0, 1] (same shape).
    ///   - weight: optional rescaling weights (broadcast).
    ///   - reduction: how to combine.
    public static func binaryCrossEntropy(_ input: Tensor, _ target: Tensor, weight: Tensor? = nil, reduction: Reduction = .mean) -> Tensor {
        precondition(input.shape == target.shape, "binaryCrossEntropy: target size \(target.shape) must be the same as input size \(input.shape)")
        let logP = input.log().clamp(min: -100), log1mP = (1 - input).log().clamp(min: -100)
        var loss = -(target * logP + (1 - target) * log1mP)
        if let weight { loss = loss * weight }
        return reduce(loss, reduction)
    }

    /// Binary cross-entropy of logits, computed stably (`F.binary_cross_entropy_with_logits`).
    /// - Parameters:
    ///   - input: logits.
    ///   - target: targets in [0, 1] (same shape).
    ///   - weight: optional rescaling weights (broadcast).
    ///   - posWeight: optional weight of positive examples per class (broadcast over the last dimension).
    ///   - reduction: how to combine.
    public static func binaryCrossEntropyWithLogits(_ input: Tensor, _ target: Tensor, weight: Tensor? = nil, posWeight: Tensor? = nil,
                                                    reduction: Reduction = .mean) -> Tensor {
        precondition(input.shape == target.shape, "binaryCrossEntropyWithLogits: target size \(target.shape) must be the same as input size \(input.shape)")
        // loss = (1 − t)·x + (1 + (pw − 1)·t)·softplus(−x), with softplus(−x) = log(1 + e^(−x)) = −logsigmoid(x).
        let negLogSigmoid = -input.logSigmoid()
        var loss: Tensor
        if let posWeight {
            loss = (1 - target) * input + (1 + (posWeight - 1) * target) * negLogSigmoid
        } else {
            loss = (1 - target) * input + negLogSigmoid
        }
        if let weight { loss = loss * weight }
        return reduce(loss, reduction)
    }

    /// Smooth L1 (`F.smooth_l1_loss`): `0.5·d²/β` where `|d| < β`, else `|d| − 0.5·β`.
    /// - Parameters:
    ///   - input: predictions.
    ///   - target: targets.
    ///   - beta: the switch point.
    ///   - reduction: how to combine.
    public static func smoothL1Loss(_ input: Tensor, _ target: Tensor, beta: Double = 1, reduction: Reduction = .mean) -> Tensor {
        let d = (input - target).abs()
        if beta == 0 { return reduce(d, reduction) }
        let quadratic = d.lt(beta).to(d.dtype)
        return reduce(quadratic * (d * d * (0.5 / beta)) + (1 - quadratic) * (d - 0.5 * beta), reduction)
    }

    /// Huber loss (`F.huber_loss`): `0.5·d²` where `|d| < δ`, else `δ·(|d| − 0.5·δ)`.
    /// - Parameters:
    ///   - input: predictions.
    ///   - target: targets.
    ///   - delta: the switch point.
    ///   - reduction: how to combine.
    public static func huberLoss(_ input: Tensor, _ target: Tensor, delta: Double = 1, reduction: Reduction = .mean) -> Tensor {
        let d = (input - target).abs()
        let quadratic = d.lt(delta).to(d.dtype)
        return reduce(quadratic * (d * d * 0.5) + (1 - quadratic) * ((d - 0.5 * delta) * delta), reduction)
    }

    /// Kullback–Leibler divergence with log-probability input (`F.kl_div`): `target·(log target − input)`
    /// (0 where target is 0), or `e^target·(target − input)` with `logTarget`. `batchmean` divides the sum by
    /// the batch size.
    /// - Parameters:
    ///   - input: log-probabilities.
    ///   - target: probabilities (or log-probabilities with `logTarget`).
    ///   - reduction: `none`, `sum`, `mean` or `batchmean`.
    ///   - logTarget: whether `target` holds log-probabilities.
    public static func klDiv(_ input: Tensor, _ target: Tensor, reduction: String = "mean", logTarget: Bool = false) -> Tensor {
        let pointwise: Tensor
        if logTarget {
            pointwise = target.exp() * (target - input)
        } else {
            let safeLog = target.maskedFill(target.le(0), 1).log()
            pointwise = where_(target.gt(0), target * (safeLog - input), Tensor.zeros([], dtype: input.dtype))
        }
        switch reduction {
        case "none": return pointwise
        case "sum": return pointwise.sum()
        case "batchmean": return pointwise.sum() / Double(input.rank > 0 ? input.shape[0] : 1)
        default: return pointwise.mean()
        }
    }

    /// Cosine embedding loss (`F.cosine_embedding_loss`): `1 − cos` for target 1, `max(0, cos − margin)` for −1.
    /// - Parameters:
    ///   - x1: `[N, D]`.
    ///   - x2: `[N, D]`.
    ///   - target: `[N]` of ±1.
    ///   - margin: for dissimilar pairs.
    ///   - reduction: how to combine.
    public static func cosineEmbeddingLoss(_ x1: Tensor, _ x2: Tensor, _ target: Tensor, margin: Double = 0,
                                           reduction: Reduction = .mean) -> Tensor {
        let eps = 1e-12
        let cos = (x1 * x2).sum([-1]) / ((x1 * x1).sum([-1]) + eps).sqrt() / ((x2 * x2).sum([-1]) + eps).sqrt()
        let t = target.to(cos.dtype)
        let pos = t.gt(0).to(cos.dtype), neg = t.lt(0).to(cos.dtype)
        return reduce(pos * (1 - cos) + neg * (cos - margin).clamp(min: 0), reduction)
    }

    /// Margin ranking loss (`F.margin_ranking_loss`): `max(0, −y·(x1 − x2) + margin)`.
    /// - Parameters:
    ///   - x1: first scores.
    ///   - x2: second scores.
    ///   - target: ±1.
    ///   - margin: the margin.
    ///   - reduction: how to combine.
    public static func marginRankingLoss(_ x1: Tensor, _ x2: Tensor, _ target: Tensor, margin: Double = 0,
                                         reduction: Reduction = .mean) -> Tensor {
        reduce((-target.to(x1.dtype) * (x1 - x2) + margin).clamp(min: 0), reduction)
    }

    /// Triplet margin loss (`F.triplet_margin_loss`): `max(d(a, p) − d(a, n) + margin, 0)` with the p-norm
    /// distance (`eps` added to the difference, as PyTorch's pairwise distance).
    /// - Parameters:
    ///   - anchor: `[N, D]`.
    ///   - positive: `[N, D]`.
    ///   - negative: `[N, D]`.
    ///   - margin: the margin.
    ///   - p: the norm order.
    ///   - eps: added to differences.
    ///   - swap: use the smaller of `d(a, n)` and `d(p, n)`.
    ///   - reduction: how to combine.
    public static func tripletMarginLoss(_ anchor: Tensor, _ positive: Tensor, _ negative: Tensor, margin: Double = 1, p: Double = 2,
                                         eps: Double = 1e-6, swap: Bool = false, reduction: Reduction = .mean) -> Tensor {
        func dist(_ a: Tensor, _ b: Tensor) -> Tensor { (a - b + eps).norm(p: p, [-1]) }
        var dNeg = dist(anchor, negative)
        if swap { dNeg = dNeg.minimum(dist(positive, negative)) }
        return reduce((dist(anchor, positive) - dNeg + margin).clamp(min: 0), reduction)
    }
}
