import TorchCore

/// Turns a boolean mask (`true` = not allowed) into an additive float mask of `dtype`; float masks pass through.
func additiveMask(_ mask: Tensor, dtype: DType) -> Tensor {
    mask.dtype == .bool ? Tensor.zeros(mask.shape, dtype: dtype).maskedFill(mask, -.infinity) : mask.to(dtype)
}

extension F {
    /// Scaled dot-product attention (`F.scaled_dot_product_attention`): `softmax(Q·Kᵀ·scale + mask)·V`.
    /// - Parameters:
    ///   - query: `[…, L, E]`.
    ///   - key: `[…, S, E]`.
    ///   - value: `[…, S, Ev]`.
    ///   - attnMask: boolean (`true` = may attend, PyTorch's convention here) or additive float mask broadcastable to
    ///     `[…, L, S]`; a query with no key left gets zeros.
    ///   - dropoutP: dropout on the attention weights.
    ///   - isCausal: mask out keys after each query position (no `attnMask` allowed with it).
    ///   - scale: the factor on the scores (1/√E when nil).
    public static func scaledDotProductAttention(_ query: Tensor, _ key: Tensor, _ value: Tensor, attnMask: Tensor? = nil,
                                                 dropoutP: Double = 0, isCausal: Bool = false, scale: Double? = nil) -> Tensor {
        precondition(query.rank >= 2 && key.rank >= 2 && value.rank >= 2 && query.shape.last == key.shape.last
                     && key.shape[key.rank - 2] == value.shape[value.rank - 2],
                     "scaledDotProductAttention: incompatible query \(query.shape), key \(key.shape), value \(value.shape)")
        precondition(!(isCausal && attnMask != nil), "scaledDotProductAttention: pass either attnMask or isCausal, not both")
        let l = query.shape[query.rank - 2], s = key.shape[key.rank - 2]
        let factor = scale ?? 1 / Double(query.shape.last!).squareRoot()
        var scores = query.matmul(key.transpose(-2, -1)) * factor
        if isCausal {
            let allowed = Tensor.ones([l, s], dtype: .bool, device: query.device).tril()
            scores = scores.maskedFill(allowed.logicalNot(), -.infinity)
        } else if let mask = attnMask {
            scores = mask.dtype == .bool ? scores.maskedFill(mask.logicalNot(), -.infinity) : scores + mask.to(scores.dtype)
        }
        // PyTorch's safe softmax: a query whose keys are all masked attends to nothing (zeros, not NaN).
        let softmaxed = scores.softmax(dim: -1)
        let noKeys = scores.amax([-1], keepdim: true).eq(-Double.infinity)
        var weights = where_(noKeys, Tensor.zerosLike(softmaxed), softmaxed)
        if dropoutP > 0 { weights = dropout(weights, p: dropoutP, training: true) }
        return weights.matmul(value)
    }
}

/// Multi-head attention (`nn.MultiheadAttention`) with PyTorch's parameters: `in_proj_weight` `[3E, E]` (or
/// `q_proj_weight`/`k_proj_weight`/`v_proj_weight` when `kdim`/`vdim` differ), `in_proj_bias`, `out_proj`.
public final class MultiheadAttention: Module {
    /// The model width `E`.
    public let embedDim: Int
    /// The number of heads; it divides `E`.
    public let numHeads: Int
    /// Dropout on the attention weights in training.
    public let dropout: Double
    /// Whether inputs are `[N, L, E]` rather than `[L, N, E]`.
    public let batchFirst: Bool
    /// Key and value widths.
    public let kdim: Int, vdim: Int
    let packed: Parameter?
    let separate: (q: Parameter, k: Parameter, v: Parameter)?
    let inProjBias: Parameter?
    /// The output projection.
    public let outProj: Linear

    /// Creates the layer.
    /// - Parameters:
    ///   - embedDim: the model width.
    ///   - numHeads: the number of heads.
    ///   - dropout: dropout on the attention weights.
    ///   - bias: learn projection biases.
    ///   - kdim: key width (`embedDim` when nil).
    ///   - vdim: value width (`embedDim` when nil).
    ///   - batchFirst: inputs are `[N, L, E]`.
    ///   - dtype: the parameters' dtype.
    public init(_ embedDim: Int, _ numHeads: Int, dropout: Double = 0, bias: Bool = true, kdim: Int? = nil, vdim: Int? = nil,
                batchFirst: Bool = false, dtype: DType = .float32) {
        precondition(numHeads > 0 && embedDim % numHeads == 0, "MultiheadAttention: embedDim (\(embedDim)) must be divisible by numHeads (\(numHeads))")
        self.embedDim = embedDim
        self.numHeads = numHeads
        self.dropout = dropout
        self.batchFirst = batchFirst
        self.kdim = kdim ?? embedDim
        self.vdim = vdim ?? embedDim
        func xavier(_ shape: [Int]) -> Parameter {
            Parameter(wrappedValue: Init.xavierUniform_(Tensor.empty(shape, dtype: dtype)))
        }
        if self.kdim == embedDim && self.vdim == embedDim {
            packed = xavier([3 * embedDim, embedDim])
            separate = nil
        } else {
            packed = nil
            separate = (xavier([embedDim, embedDim]), xavier([embedDim, self.kdim]), xavier([embedDim, self.vdim]))
        }
        inProjBias = bias ? Parameter(wrappedValue: Tensor.zeros([3 * embedDim], dtype: dtype)) : nil
        outProj = Linear(embedDim, embedDim, bias: bias, dtype: dtype)
        if bias { Init.zeros_(outProj.bias) }
        super.init()
    }

    override func members() -> [Member] {
        var out: [Member] = []
        if let packed { out.append(.parameter("in_proj_weight", packed)) }
        if let separate {
            out += [.parameter("q_proj_weight", separate.q), .parameter("k_proj_weight", separate.k), .parameter("v_proj_weight", separate.v)]
        }
        if let inProjBias { out.append(.parameter("in_proj_bias", inProjBias)) }
        out.append(.child("out_proj", outProj))
        return out
    }

    /// Attention of `query` over `key`/`value`.
    /// - Parameters:
    ///   - query: `[L, N, E]` (`[N, L, E]` with `batchFirst`) or unbatched `[L, E]`.
    ///   - key: `[S, N, kdim]` likewise.
    ///   - value: `[S, N, vdim]` likewise.
    ///   - keyPaddingMask: `[N, S]` (`[S]` unbatched); `true` (or a float added to the scores) marks keys to ignore.
    ///   - needWeights: also return the attention weights.
    ///   - attnMask: `[L, S]` or `[N·heads, L, S]`; `true` marks pairs that may not attend, floats are added.
    ///   - averageAttnWeights: average the returned weights over heads (`[N, L, S]`) or keep them (`[N, heads, L, S]`).
    public func forward(_ query: Tensor, _ key: Tensor, _ value: Tensor, keyPaddingMask: Tensor? = nil, needWeights: Bool = true,
                        attnMask: Tensor? = nil, averageAttnWeights: Bool = true) -> (output: Tensor, weights: Tensor?) {
        let batched = query.rank == 3
        precondition((batched && key.rank == 3 && value.rank == 3) || (query.rank == 2 && key.rank == 2 && value.rank == 2),
                     "MultiheadAttention: query \(query.shape), key \(key.shape) and value \(value.shape) must all be 3-D or all 2-D")
        func timeMajor(_ t: Tensor) -> Tensor { batched ? (batchFirst ? t.transpose(0, 1) : t) : t.unsqueeze(1) }
        let q0 = timeMajor(query), k0 = timeMajor(key), v0 = timeMajor(value)
        let l = q0.shape[0], n = q0.shape[1], s = k0.shape[0], h = numHeads, hd = embedDim / numHeads
        precondition(q0.shape[2] == embedDim && k0.shape[2] == kdim && v0.shape[2] == vdim && k0.shape[1] == n && v0.shape[1] == n
                     && v0.shape[0] == s,
                     "MultiheadAttention: expected query [L, N, \(embedDim)], key [S, N, \(kdim)], value [S, N, \(vdim)]; got \(query.shape), \(key.shape), \(value.shape)")
        let biases = inProjBias.map { $0.wrappedValue.chunk(3) }
        let wq: Tensor, wk: Tensor, wv: Tensor
        if let packed {
            let w = packed.wrappedValue.chunk(3)
            (wq, wk, wv) = (w[0], w[1], w[2])
        } else {
            (wq, wk, wv) = (separate!.q.wrappedValue, separate!.k.wrappedValue, separate!.v.wrappedValue)
        }
        // [T, N, E] → [N·h, T, hd]
        func heads(_ t: Tensor, _ len: Int) -> Tensor { t.reshape([len, n * h, hd]).transpose(0, 1) }
        let q = heads(F.linear(q0, wq, biases?[0]), l)
        let k = heads(F.linear(k0, wk, biases?[1]), s)
        let v = heads(F.linear(v0, wv, biases?[2]), s)
        var mask: Tensor? = nil
        if let attnMask {
            let m = additiveMask(attnMask, dtype: q.dtype)
            precondition(m.shape == [l, s] || m.shape == [n * h, l, s],
                         "MultiheadAttention: attnMask must be [\(l), \(s)] or [\(n * h), \(l), \(s)], got \(attnMask.shape)")
            mask = m
        }
        if let keyPaddingMask {
            let kpm = batched ? keyPaddingMask : keyPaddingMask.unsqueeze(0)
            precondition(kpm.shape == [n, s], "MultiheadAttention: keyPaddingMask must be [\(n), \(s)], got \(keyPaddingMask.shape)")
            let m = additiveMask(kpm, dtype: q.dtype).reshape([n, 1, 1, s]).expand([n, h, 1, s]).reshape([n * h, 1, s])
            mask = mask.map { $0 + m } ?? m
        }
        var scores = (q * (1 / Double(hd).squareRoot())).matmul(k.transpose(1, 2))
        if let mask { scores = scores + mask }
        var weights = scores.softmax(dim: -1)
        if dropout > 0 && training { weights = F.dropout(weights, p: dropout, training: true) }
        var output = outProj(weights.matmul(v).transpose(0, 1).reshape([l * n, embedDim])).reshape([l, n, embedDim])
        output = batched ? (batchFirst ? output.transpose(0, 1) : output) : output.squeeze(1)
        guard needWeights else { return (output, nil) }
        var w = weights.reshape([n, h, l, s])
        if averageAttnWeights { w = w.mean([1]) }
        return (output, batched ? w : w.squeeze(0))
    }

    /// Self-attention output of `input` with no masks.
    /// - Parameter input: `[L, N, E]` (`[N, L, E]` with `batchFirst`) or `[L, E]`.
    public override func forward(_ input: Tensor) -> Tensor { forward(input, input, input, needWeights: false).output }
}
