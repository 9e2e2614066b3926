import TorchCore

/// How ``EmbeddingBag`` reduces a bag.
public enum EmbeddingBagMode: Sendable {
    /// The sum (optionally weighted per sample).
    case sum
    /// The mean of the counted entries.
    case mean
    /// The elementwise maximum.
    case max
}

extension F {
    /// Reduces bags of embeddings without materialising the per-index lookups (`F.embedding_bag`).
    /// - Parameters:
    ///   - input: `[B, L]` fixed-length bags, or 1-D indices cut into bags by `offsets`.
    ///   - weight: the table `[num, dim]`.
    ///   - offsets: the start of each bag in a 1-D `input` (nil for 2-D input).
    ///   - mode: sum, mean or max.
    ///   - perSampleWeights: a weight per index (same shape as `input`), only with `.sum`.
    ///   - paddingIdx: an index that does not count towards its bag.
    ///   - includeLastOffset: `offsets` has one extra entry marking the end of the last bag.
    /// - Returns: `[B, dim]`; an empty bag gives zeros.
    public static func embeddingBag(_ input: Tensor, _ weight: Tensor, offsets: Tensor? = nil, mode: EmbeddingBagMode = .mean,
                                    perSampleWeights: Tensor? = nil, paddingIdx: Int? = nil, includeLastOffset: Bool = false) -> Tensor {
        precondition(weight.rank == 2, "embeddingBag: expected a 2-D weight, got \(weight.shape)")
        precondition(perSampleWeights == nil || mode == .sum, "embeddingBag: perSampleWeights are only supported for mode sum")
        precondition(perSampleWeights.map { $0.shape == input.shape } ?? true,
                     "embeddingBag: perSampleWeights \(perSampleWeights?.shape ?? []) must have the shape of input \(input.shape)")
        let flat = input.reshape([-1]).to(.int64).toArray(of: Int64.self).map { Int($0) }
        let rows = weight.shape[0]
        precondition(flat.allSatisfy { $0 >= 0 && $0 < rows }, "embeddingBag: indices must lie in [0, \(rows))")
        var bounds: [(Int, Int)] = []
        if input.rank == 2 {
            precondition(offsets == nil, "embeddingBag: offsets must be nil for 2-D input")
            let l = input.shape[1]
            bounds = (0..<input.shape[0]).map { ($0 * l, $0 * l + l) }
        } else {
            precondition(input.rank == 1 && offsets != nil && offsets!.rank == 1,
                         "embeddingBag: expected 2-D input, or 1-D input with 1-D offsets; got \(input.shape)")
            var starts = offsets!.to(.int64).toArray(of: Int64.self).map { Int($0) }
            precondition(starts.first == 0 && zip(starts, starts.dropFirst()).allSatisfy { $0 <= $1 } && (starts.last ?? 0) <= flat.count,
                         "embeddingBag: offsets must start at 0, not decrease, and stay within the \(flat.count) indices; got \(starts)")
            if includeLastOffset { starts.removeLast() }
            let ends = Array(starts.dropFirst()) + [includeLastOffset ? offsets!.to(.int64).toArray(of: Int64.self).map { Int($0) }.last! : flat.count]
            bounds = Array(zip(starts, ends))
        }
        let pad = paddingIdx.map { $0 < 0 ? $0 + rows : $0 }
        let psw = perSampleWeights?.reshape([-1])
        let bags: [Tensor] = bounds.map { start, end in
            let positions = (start..<end).filter { flat[$0] != pad }
            guard !positions.isEmpty else { return Tensor.zeros([weight.shape[1]], dtype: weight.dtype, device: weight.device) }
            var e = weight.indexSelect(0, Tensor(positions.map { Int64(flat[$0]) }).to(weight.device))
            if let psw { e = e * psw.indexSelect(0, Tensor(positions.map { Int64($0) }).to(psw.device)).unsqueeze(1) }
            switch mode {
            case .sum: return e.sum([0])
            case .mean: return e.mean([0])
            case .max: return e.max(dim: 0).values
            }
        }
        return Tensor.stack(bags, dim: 0)
    }
}

/// Sums, averages or takes the maximum of bags of embeddings (`nn.EmbeddingBag`), table initialised N(0, 1).
public final class EmbeddingBag: Module {
    /// The table `[numEmbeddings, embeddingDim]`.
    @Parameter public var weight: Tensor
    /// The reduction.
    public let mode: EmbeddingBagMode
    /// An index that does not count towards its bag.
    public let paddingIdx: Int?
    /// Whether `offsets` carries the end of the last bag.
    public let includeLastOffset: Bool

    /// Creates the layer.
    /// - Parameters:
    ///   - numEmbeddings: table rows.
    ///   - embeddingDim: row width.
    ///   - mode: sum, mean (default) or max.
    ///   - paddingIdx: an index excluded from bags (its row starts at zero).
    ///   - includeLastOffset: `offsets` has one extra entry marking the end.
    ///   - dtype: the table's dtype.
    public init(_ numEmbeddings: Int, _ embeddingDim: Int, mode: EmbeddingBagMode = .mean, paddingIdx: Int? = nil,
                includeLastOffset: Bool = false, dtype: DType = .float32) {
        let pad = paddingIdx.map { $0 < 0 ? $0 + numEmbeddings : $0 }
        precondition(pad.map { $0 >= 0 && $0 < numEmbeddings } ?? true,
                     "EmbeddingBag: paddingIdx \(paddingIdx!) must be within the \(numEmbeddings) embeddings")
        let w = Tensor.randn([numEmbeddings, embeddingDim], dtype: dtype)
        if let pad { w[pad] = 0 }
        weight = w
        self.mode = mode
        self.paddingIdx = pad
        self.includeLastOffset = includeLastOffset
        super.init()
    }

    /// Reduces the bags.
    /// - Parameters:
    ///   - input: `[B, L]`, or 1-D indices with `offsets`.
    ///   - offsets: bag starts for 1-D input.
    ///   - perSampleWeights: weights per index (mode sum only).
    public func forward(_ input: Tensor, offsets: Tensor?, perSampleWeights: Tensor? = nil) -> Tensor {
        F.embeddingBag(input, weight, offsets: offsets, mode: mode, perSampleWeights: perSampleWeights, paddingIdx: paddingIdx,
                       includeLastOffset: includeLastOffset)
    }

    /// Reduces the rows of a `[B, L]` input.
    /// - Parameter input: fixed-length bags.
    public override func forward(_ input: Tensor) -> Tensor { forward(input, offsets: nil) }
}
