import TorchCore

/// One transformer encoder block (`nn.TransformerEncoderLayer`): self-attention and a feed-forward network, each
/// with a residual connection and layer norm, after (default) or before (`normFirst`) the sublayer.
public final class TransformerEncoderLayer: Module {
    /// Feed-forward activations PyTorch accepts by name.
    public enum Activation: Sendable {
        /// `relu` (the default).
        case relu
        /// `gelu` (erf form).
        case gelu
    }
    /// The self-attention sublayer (`self_attn`).
    public let selfAttn: MultiheadAttention
    /// The first feed-forward projection (`linear1`).
    public let linear1: Linear
    /// The second feed-forward projection (`linear2`).
    public let linear2: Linear
    /// The norm of the attention sublayer (`norm1`).
    public let norm1: LayerNorm
    /// The norm of the feed-forward sublayer (`norm2`).
    public let norm2: LayerNorm
    let dropout: Dropout, dropout1: Dropout, dropout2: Dropout
    let activation: Activation, normFirst: Bool

    /// Creates the block.
    /// - Parameters:
    ///   - dModel: the model width.
    ///   - nhead: attention heads.
    ///   - dimFeedforward: the hidden width of the feed-forward network.
    ///   - dropout: dropout after attention, inside and after the feed-forward network.
    ///   - activation: the feed-forward activation.
    ///   - layerNormEps: the norms' epsilon.
    ///   - batchFirst: inputs are `[N, L, E]`.
    ///   - normFirst: pre-norm (norm before each sublayer).
    ///   - bias: learn biases in the projections and norms.
    ///   - dtype: the parameters' dtype.
    public init(dModel: Int, nhead: Int, dimFeedforward: Int = 2048, dropout: Double = 0.1, activation: Activation = .relu,
                layerNormEps: Double = 1e-5, batchFirst: Bool = false, normFirst: Bool = false, bias: Bool = true,
                dtype: DType = .float32) {
        selfAttn = MultiheadAttention(dModel, nhead, dropout: dropout, bias: bias, batchFirst: batchFirst, dtype: dtype)
        linear1 = Linear(dModel, dimFeedforward, bias: bias, dtype: dtype)
        linear2 = Linear(dimFeedforward, dModel, bias: bias, dtype: dtype)
        norm1 = LayerNorm([dModel], eps: layerNormEps, bias: bias, dtype: dtype)
        norm2 = LayerNorm([dModel], eps: layerNormEps, bias: bias, dtype: dtype)
        self.dropout = Dropout(dropout)
        dropout1 = Dropout(dropout)
        dropout2 = Dropout(dropout)
        self.activation = activation
        self.normFirst = normFirst
        super.init()
    }

    override func members() -> [Member] {
        [.child("self_attn", selfAttn), .child("linear1", linear1), .child("dropout", dropout), .child("linear2", linear2),
         .child("norm1", norm1), .child("norm2", norm2), .child("dropout1", dropout1), .child("dropout2", dropout2)]
    }

    /// Runs the block.
    /// - Parameters:
    ///   - src: `[L, N, E]` (`[N, L, E]` with `batchFirst`) or `[L, E]`.
    ///   - srcMask: attention mask `[L, L]` (`true` = may not attend, or additive floats).
    ///   - srcKeyPaddingMask: `[N, L]`, `true` marks padding.
    public func forward(_ src: Tensor, srcMask: Tensor?, srcKeyPaddingMask: Tensor? = nil) -> Tensor {
        func sa(_ x: Tensor) -> Tensor {
            dropout1(selfAttn.forward(x, x, x, keyPaddingMask: srcKeyPaddingMask, needWeights: false, attnMask: srcMask).output)
        }
        func ff(_ x: Tensor) -> Tensor {
            let hidden = linear1(x)
            return dropout2(linear2(dropout(activation == .relu ? hidden.relu() : hidden.gelu())))
        }
        var x = src
        if normFirst {
            x = x + sa(norm1(x))
            x = x + ff(norm2(x))
        } else {
            x = norm1(x + sa(x))
            x = norm2(x + ff(x))
        }
        return x
    }

    /// Runs the block without masks.
    /// - Parameter input: the source sequence.
    public override func forward(_ input: Tensor) -> Tensor { forward(input, srcMask: nil) }
}

/// A stack of encoder blocks with an optional final norm (`nn.TransformerEncoder`), named `layers.{i}.…` and `norm.…`.
///
/// PyTorch deep-copies one layer, so its blocks start identical; here `makeLayer` builds each block, so they are
/// initialised independently (load a state dict to reproduce PyTorch's weights exactly).
public final class TransformerEncoder: Module {
    /// The blocks.
    public let layers: ModuleList
    /// The final norm, if any.
    public let norm: LayerNorm?

    /// Creates the stack.
    /// - Parameters:
    ///   - numLayers: the number of blocks.
    ///   - norm: a norm applied to the output.
    ///   - makeLayer: builds block `i`.
    public init(numLayers: Int, norm: LayerNorm? = nil, makeLayer: (Int) -> TransformerEncoderLayer) {
        precondition(numLayers > 0, "TransformerEncoder: numLayers must be positive (got \(numLayers))")
        layers = ModuleList((0..<numLayers).map(makeLayer))
        self.norm = norm
        super.init()
    }

    /// Runs every block, then the norm.
    /// - Parameters:
    ///   - src: the source sequence.
    ///   - mask: attention mask shared by the blocks.
    ///   - srcKeyPaddingMask: `[N, L]`, `true` marks padding.
    public func forward(_ src: Tensor, mask: Tensor?, srcKeyPaddingMask: Tensor? = nil) -> Tensor {
        var x = src
        for layer in layers { x = (layer as! TransformerEncoderLayer).forward(x, srcMask: mask, srcKeyPaddingMask: srcKeyPaddingMask) }
        return norm.map { $0(x) } ?? x
    }

    /// Runs the stack without masks.
    /// - Parameter input: the source sequence.
    public override func forward(_ input: Tensor) -> Tensor { forward(input, mask: nil) }

    /// The causal mask `[size, size]`: 0 on and below the diagonal, −∞ above, so position `i` attends to
    /// positions `≤ i` (`nn.Transformer.generate_square_subsequent_mask`).
    /// - Parameters:
    ///   - size: the sequence length.
    ///   - dtype: a floating-point dtype.
    public static func generateSquareSubsequentMask(_ size: Int, dtype: DType = .float32) -> Tensor {
        Tensor.full([size, size], -.infinity, dtype: dtype).triu(1)
    }
}

/// One transformer decoder block (`nn.TransformerDecoderLayer`): self-attention, attention over the encoder's
/// memory and a feed-forward network, each with a residual connection and layer norm (post- or pre-norm).
public final class TransformerDecoderLayer: Module {
    /// The self-attention sublayer (`self_attn`).
    public let selfAttn: MultiheadAttention
    /// The memory-attention sublayer (`multihead_attn`).
    public let multiheadAttn: MultiheadAttention
    /// The first feed-forward projection (`linear1`).
    public let linear1: Linear
    /// The second feed-forward projection (`linear2`).
    public let linear2: Linear
    /// The norms of the three sublayers (`norm1`, `norm2`, `norm3`).
    public let norm1: LayerNorm, norm2: LayerNorm, norm3: LayerNorm
    let dropout: Dropout, dropout1: Dropout, dropout2: Dropout, dropout3: Dropout
    let activation: TransformerEncoderLayer.Activation, normFirst: Bool

    /// Creates the block.
    /// - Parameters:
    ///   - dModel: the model width.
    ///   - nhead: attention heads.
    ///   - dimFeedforward: the hidden width of the feed-forward network.
    ///   - dropout: dropout after each sublayer and inside the feed-forward network.
    ///   - activation: the feed-forward activation.
    ///   - layerNormEps: the norms' epsilon.
    ///   - batchFirst: inputs are `[N, L, E]`.
    ///   - normFirst: pre-norm (norm before each sublayer).
    ///   - bias: learn biases in the projections and norms.
    ///   - dtype: the parameters' dtype.
    public init(dModel: Int, nhead: Int, dimFeedforward: Int = 2048, dropout: Double = 0.1,
                activation: TransformerEncoderLayer.Activation = .relu, layerNormEps: Double = 1e-5, batchFirst: Bool = false,
                normFirst: Bool = false, bias: Bool = true, dtype: DType = .float32) {
        selfAttn = MultiheadAttention(dModel, nhead, dropout: dropout, bias: bias, batchFirst: batchFirst, dtype: dtype)
        multiheadAttn = MultiheadAttention(dModel, nhead, dropout: dropout, bias: bias, batchFirst: batchFirst, dtype: dtype)
        linear1 = Linear(dModel, dimFeedforward, bias: bias, dtype: dtype)
        linear2 = Linear(dimFeedforward, dModel, bias: bias, dtype: dtype)
        norm1 = LayerNorm([dModel], eps: layerNormEps, bias: bias, dtype: dtype)
        norm2 = LayerNorm([dModel], eps: layerNormEps, bias: bias, dtype: dtype)
        norm3 = LayerNorm([dModel], eps: layerNormEps, bias: bias, dtype: dtype)
        self.dropout = Dropout(dropout)
        dropout1 = Dropout(dropout)
        dropout2 = Dropout(dropout)
        dropout3 = Dropout(dropout)
        self.activation = activation
        self.normFirst = normFirst
        super.init()
    }

    override func members() -> [Member] {
        [.child("self_attn", selfAttn), .child("multihead_attn", multiheadAttn), .child("linear1", linear1),
         .child("dropout", dropout), .child("linear2", linear2), .child("norm1", norm1), .child("norm2", norm2),
         .child("norm3", norm3), .child("dropout1", dropout1), .child("dropout2", dropout2), .child("dropout3", dropout3)]
    }

    /// Runs the block.
    /// - Parameters:
    ///   - tgt: the target sequence `[T, N, E]` (`[N, T, E]` with `batchFirst`).
    ///   - memory: the encoder output `[S, N, E]`.
    ///   - tgtMask: self-attention mask `[T, T]`.
    ///   - memoryMask: memory-attention mask `[T, S]`.
    ///   - tgtKeyPaddingMask: `[N, T]`, `true` marks padding.
    ///   - memoryKeyPaddingMask: `[N, S]`, `true` marks padding.
    public func forward(_ tgt: Tensor, memory: Tensor, tgtMask: Tensor? = nil, memoryMask: Tensor? = nil,
                        tgtKeyPaddingMask: Tensor? = nil, memoryKeyPaddingMask: Tensor? = nil) -> Tensor {
        func sa(_ x: Tensor) -> Tensor {
            dropout1(selfAttn.forward(x, x, x, keyPaddingMask: tgtKeyPaddingMask, needWeights: false, attnMask: tgtMask).output)
        }
        func mha(_ x: Tensor) -> Tensor {
            dropout2(multiheadAttn.forward(x, memory, memory, keyPaddingMask: memoryKeyPaddingMask, needWeights: false,
                                           attnMask: memoryMask).output)
        }
        func ff(_ x: Tensor) -> Tensor {
            let hidden = linear1(x)
            return dropout3(linear2(dropout(activation == .relu ? hidden.relu() : hidden.gelu())))
        }
        var x = tgt
        if normFirst {
            x = x + sa(norm1(x))
            x = x + mha(norm2(x))
            x = x + ff(norm3(x))
        } else {
            x = norm1(x + sa(x))
            x = norm2(x + mha(x))
            x = norm3(x + ff(x))
        }
        return x
    }

    /// A decoder block needs the encoder's memory: call ``forward(_:memory:tgtMask:memoryMask:tgtKeyPaddingMask:memoryKeyPaddingMask:)``.
    public override func forward(_ input: Tensor) -> Tensor {
        preconditionFailure("TransformerDecoderLayer needs the encoder memory: call forward(_:memory:…)")
    }
}

/// A stack of decoder blocks with an optional final norm (`nn.TransformerDecoder`), named `layers.{i}.…` and
/// `norm.…`; `makeLayer` builds each block (PyTorch deep-copies one).
public final class TransformerDecoder: Module {
    /// The blocks.
    public let layers: ModuleList
    /// The final norm, if any.
    public let norm: LayerNorm?

    /// Creates the stack.
    /// - Parameters:
    ///   - numLayers: the number of blocks.
    ///   - norm: a norm applied to the output.
    ///   - makeLayer: builds block `i`.
    public init(numLayers: Int, norm: LayerNorm? = nil, makeLayer: (Int) -> TransformerDecoderLayer) {
        precondition(numLayers > 0, "TransformerDecoder: numLayers must be positive (got \(numLayers))")
        layers = ModuleList((0..<numLayers).map(makeLayer))
        self.norm = norm
        super.init()
    }

    /// Runs every block over the target with the same memory and masks, then the norm.
    /// - Parameters:
    ///   - tgt: the target sequence.
    ///   - memory: the encoder output.
    ///   - tgtMask: self-attention mask.
    ///   - memoryMask: memory-attention mask.
    ///   - tgtKeyPaddingMask: target padding.
    ///   - memoryKeyPaddingMask: memory padding.
    public func forward(_ tgt: Tensor, memory: Tensor, tgtMask: Tensor? = nil, memoryMask: Tensor? = nil,
                        tgtKeyPaddingMask: Tensor? = nil, memoryKeyPaddingMask: Tensor? = nil) -> Tensor {
        var x = tgt
        for layer in layers {
            x = (layer as! TransformerDecoderLayer).forward(x, memory: memory, tgtMask: tgtMask, memoryMask: memoryMask,
                                                            tgtKeyPaddingMask: tgtKeyPaddingMask, memoryKeyPaddingMask: memoryKeyPaddingMask)
        }
        return norm.map { $0(x) } ?? x
    }

    /// A decoder needs the encoder's memory: call ``forward(_:memory:tgtMask:memoryMask:tgtKeyPaddingMask:memoryKeyPaddingMask:)``.
    public override func forward(_ input: Tensor) -> Tensor {
        preconditionFailure("TransformerDecoder needs the encoder memory: call forward(_:memory:…)")
    }
}
