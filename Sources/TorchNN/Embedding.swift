import TorchCore

/// A lookup table of `numEmbeddings` vectors of size `embeddingDim` (`nn.Embedding`), initialised N(0, 1); the row
/// at `paddingIdx` starts at zero and gets no gradient.
public final class Embedding: Module {
    /// The table `[numEmbeddings, embeddingDim]`.
    @Parameter public var weight: Tensor
    /// The padding row, if any.
    public let paddingIdx: Int?
    /// Rows looked up with a larger `normType`-norm are rescaled to this norm, in place (`max_norm`).
    public let maxNorm: Double?
    /// The p of the max-norm check.
    public let normType: Double

    /// Creates the table.
    /// - Parameters:
    ///   - numEmbeddings: rows.
    ///   - embeddingDim: columns.
    ///   - paddingIdx: a row kept at zero with no gradient.
    ///   - maxNorm: rescale looked-up rows whose norm exceeds this, in place, at every forward.
    ///   - normType: the p of that norm.
    ///   - dtype: the table's dtype.
    public init(_ numEmbeddings: Int, _ embeddingDim: Int, paddingIdx: Int? = nil, maxNorm: Double? = nil, normType: Double = 2,
                dtype: DType = .float32) {
        precondition(maxNorm.map { $0 > 0 } ?? true, "Embedding: maxNorm must be positive (got \(maxNorm!))")
        self.maxNorm = maxNorm
        self.normType = normType
        let w = Tensor.randn([numEmbeddings, embeddingDim], dtype: dtype)
        if let p = paddingIdx { w[p] = 0 }
        weight = w
        self.paddingIdx = paddingIdx.map { $0 < 0 ? $0 + numEmbeddings : $0 }
        super.init()
    }

    /// Looks up `indices` (any integer shape) → `[…, embeddingDim]`.
    /// - Parameter input: integer indices.
    public override func forward(_ input: Tensor) -> Tensor {
        if let maxNorm { F.embeddingRenorm_(weight, input, maxNorm: maxNorm, normType: normType) }
        return F.embedding(input, weight, paddingIdx: paddingIdx)
    }
}

/// Randomly zeroes elements with probability `p` in training, scaling the rest by `1/(1 − p)` (`nn.Dropout`).
public final class Dropout: Module {
    /// The drop probability.
    public let p: Double

    /// Creates the layer.
    /// - Parameter p: the drop probability, in [0, 1].
    public init(_ p: Double = 0.5) {
        precondition(p >= 0 && p <= 1, "Dropout: probability has to be between 0 and 1, but got \(p)")
        self.p = p
        super.init()
    }

    /// Drops in training, passes through in evaluation.
    /// - Parameter input: the input.
    public override func forward(_ input: Tensor) -> Tensor { F.dropout(input, p: p, training: training) }
}

extension F {
    /// Rescales, in place and without recording gradients, every row of `weight` referenced by `indices` whose
    /// p-norm exceeds `maxNorm` to norm `maxNorm` (PyTorch's `embedding_renorm_`: factor `maxNorm / (norm + 1e-7)`).
    /// - Parameters:
    ///   - weight: the table.
    ///   - indices: the rows about to be looked up.
    ///   - maxNorm: the largest norm allowed.
    ///   - normType: p.
    public static func embeddingRenorm_(_ weight: Tensor, _ indices: Tensor, maxNorm: Double, normType: Double = 2) {
        noGrad {
            for i in Set(indices.to(.int64).toArray(of: Int64.self)).sorted() {
                let row = weight[Int(i)]
                let norm: Double = row.abs().pow(normType).sum().item()
                let pNorm = Double.pow(norm, 1 / normType)
                if pNorm > maxNorm { row.mul_(maxNorm / (pNorm + 1e-7)) }
            }
        }
    }

    /// Rows of `weight` at `input` (`F.embedding`); the gradient is accumulated per row, except at `paddingIdx`.
    /// - Parameters:
    ///   - input: integer indices of any shape.
    ///   - weight: the table `[rows, dim]`.
    ///   - paddingIdx: a row that gets no gradient.
    public static func embedding(_ input: Tensor, _ weight: Tensor, paddingIdx: Int? = nil) -> Tensor {
        precondition(!input.dtype.isFloatingPoint, "embedding: expected integer indices, got \(input.dtype)")
        let flat = input.reshape([-1])
        var table = weight
        if let p = paddingIdx, weight.requiresGrad {
            // The padding row is read through a detached copy so it receives no gradient.
            let mask = Tensor.ones([weight.shape[0], 1], dtype: weight.dtype, device: weight.device)
            mask[p] = 0
            table = weight * mask + (weight.detach() * (1 - mask))
        }
        return table.indexSelect(0, flat).reshape(input.shape + [weight.shape[1]])
    }

    /// Inverted dropout (`F.dropout`).
    /// - Parameters:
    ///   - input: the input.
    ///   - p: drop probability.
    ///   - training: apply only when true.
    public static func dropout(_ input: Tensor, p: Double = 0.5, training: Bool = true) -> Tensor {
        guard training && p > 0 else { return input }
        if p == 1 { return input * 0 }
        let keep = Tensor.rand(input.shape, dtype: input.dtype.isFloatingPoint ? input.dtype : .float32, device: input.device).ge(p).to(input.dtype)
        return input * keep / (1 - p)
    }
}
