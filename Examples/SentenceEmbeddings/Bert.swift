import Torch

// A BERT encoder whose module tree has the checkpoint's names (`embeddings.word_embeddings.weight`,
// `encoder.layer.0.attention.self.query.weight`, …), so `loadStateDict` fills it from `model.safetensors`.
// The property names are therefore the checkpoint's (snake_case, `LayerNorm`) rather than Swift's.

/// BERT's settings (from `config.json`).
struct BertConfig {
    var vocabSize = 30522, hidden = 384, layers = 6, heads = 12, intermediate = 1536, maxPositions = 512, typeVocabSize = 2
    var layerNormEps = 1e-12
}

final class BertEmbeddings: Module {
    let word_embeddings: Embedding
    let position_embeddings: Embedding
    let token_type_embeddings: Embedding
    let LayerNorm: TorchNN.LayerNorm

    init(_ c: BertConfig) {
        word_embeddings = Embedding(c.vocabSize, c.hidden, paddingIdx: 0)
        position_embeddings = Embedding(c.maxPositions, c.hidden)
        token_type_embeddings = Embedding(c.typeVocabSize, c.hidden)
        LayerNorm = TorchNN.LayerNorm([c.hidden], eps: c.layerNormEps)
        super.init()
    }

    /// Token + position + segment-0 embeddings of ids `[N, L]`, normalised.
    override func forward(_ ids: Tensor) -> Tensor {
        let length = ids.shape[1]
        let x = word_embeddings(ids) + position_embeddings(Tensor.arange(length)) + token_type_embeddings(Tensor.zerosLike(ids))
        return LayerNorm(x)
    }
}

final class BertSelfAttention: Module {
    let query: Linear, key: Linear, value: Linear
    let heads: Int

    init(_ c: BertConfig) {
        query = Linear(c.hidden, c.hidden)
        key = Linear(c.hidden, c.hidden)
        value = Linear(c.hidden, c.hidden)
        heads = c.heads
        super.init()
    }

    /// Multi-head attention of `[N, L, E]` where `allowed` `[N, 1, 1, L]` marks the real tokens.
    func callAsFunction(_ x: Tensor, allowed: Tensor) -> Tensor {
        let (n, l, e) = (x.shape[0], x.shape[1], x.shape[2])
        func split(_ t: Tensor) -> Tensor { t.reshape([n, l, heads, e / heads]).transpose(1, 2) }
        let context = F.scaledDotProductAttention(split(query(x)), split(key(x)), split(value(x)), attnMask: allowed)
        return context.transpose(1, 2).reshape([n, l, e])
    }

    override func forward(_ input: Tensor) -> Tensor {
        self(input, allowed: Tensor.ones([input.shape[0], 1, 1, input.shape[1]], dtype: .bool))
    }
}

/// A dense layer, dropout-free here, added to the residual and normalised (`BertSelfOutput`, `BertOutput`).
final class BertResidual: Module {
    let dense: Linear
    let LayerNorm: TorchNN.LayerNorm

    init(_ inputs: Int, _ c: BertConfig) {
        dense = Linear(inputs, c.hidden)
        LayerNorm = TorchNN.LayerNorm([c.hidden], eps: c.layerNormEps)
        super.init()
    }

    func callAsFunction(_ x: Tensor, residual: Tensor) -> Tensor { LayerNorm(dense(x) + residual) }
    override func forward(_ input: Tensor) -> Tensor { self(input, residual: input) }
}

final class BertAttention: Module {
    let `self`: BertSelfAttention
    let output: BertResidual

    init(_ c: BertConfig) {
        self.`self` = BertSelfAttention(c)
        output = BertResidual(c.hidden, c)
        super.init()
    }

    func callAsFunction(_ x: Tensor, allowed: Tensor) -> Tensor { output(self.`self`(x, allowed: allowed), residual: x) }
    override func forward(_ input: Tensor) -> Tensor { output(self.`self`(input), residual: input) }
}

final class BertIntermediate: Module {
    let dense: Linear
    init(_ c: BertConfig) {
        dense = Linear(c.hidden, c.intermediate)
        super.init()
    }
    override func forward(_ input: Tensor) -> Tensor { dense(input).gelu() }
}

final class BertLayer: Module {
    let attention: BertAttention
    let intermediate: BertIntermediate
    let output: BertResidual

    init(_ c: BertConfig) {
        attention = BertAttention(c)
        intermediate = BertIntermediate(c)
        output = BertResidual(c.intermediate, c)
        super.init()
    }

    func callAsFunction(_ x: Tensor, allowed: Tensor) -> Tensor {
        let a = attention(x, allowed: allowed)
        return output(intermediate(a), residual: a)
    }

    override func forward(_ input: Tensor) -> Tensor {
        self(input, allowed: Tensor.ones([input.shape[0], 1, 1, input.shape[1]], dtype: .bool))
    }
}

final class BertEncoder: Module {
    let layer: [BertLayer]
    init(_ c: BertConfig) {
        layer = (0..<c.layers).map { _ in BertLayer(c) }
        super.init()
    }
    func callAsFunction(_ x: Tensor, allowed: Tensor) -> Tensor { layer.reduce(x) { $1($0, allowed: allowed) } }
    override func forward(_ input: Tensor) -> Tensor { layer.reduce(input) { $1($0) } }
}

/// `BertModel` without the pooler: hidden states `[N, L, E]` of padded ids and their mask.
final class BertModel: Module {
    let embeddings: BertEmbeddings
    let encoder: BertEncoder

    init(_ c: BertConfig) {
        embeddings = BertEmbeddings(c)
        encoder = BertEncoder(c)
        super.init()
    }

    /// - Parameters:
    ///   - ids: `[N, L]` token ids, padded.
    ///   - mask: `[N, L]` bool, true for real tokens.
    func callAsFunction(_ ids: Tensor, mask: Tensor) -> Tensor {
        encoder(embeddings(ids), allowed: mask.reshape([mask.shape[0], 1, 1, mask.shape[1]]))
    }

    override func forward(_ input: Tensor) -> Tensor { self(input, mask: Tensor.onesLike(input, dtype: .bool)) }
}

/// all-MiniLM-L6-v2 as sentence-transformers runs it: tokenizer, BERT, mean pooling over the real tokens, L2
/// normalisation.
struct SentenceEncoder {
    let tokenizer: WordPieceTokenizer
    let bert: BertModel
    let maxLength: Int

    /// Loads `vocab.txt` and `model.safetensors` from a sentence-transformers model folder.
    init(folder: String, maxLength: Int = 256) throws {
        tokenizer = try WordPieceTokenizer(vocabularyFile: folder + "/vocab.txt")
        bert = BertModel(BertConfig())
        let weights = try Safetensors.read(folder + "/model.safetensors")
        // The checkpoint also holds `embeddings.position_ids` and, in some exports, the unused pooler.
        let report = try bert.loadStateDict(Dictionary(weights.tensors.map { ($0.name, $0.tensor) }, uniquingKeysWith: { a, _ in a }), strict: false)
        guard report.missingKeys.isEmpty else { throw TokenizerError(message: "model.safetensors lacks \(report.missingKeys)") }
        bert.eval()
        self.maxLength = maxLength
    }

    /// Token ids of each sentence.
    func tokenize(_ sentences: [String]) -> [[Int]] { sentences.map { tokenizer.encode($0, maxLength: maxLength) } }

    /// Unit-length embeddings `[N, 384]`.
    func encode(_ sentences: [String]) -> Tensor {
        let ids = tokenize(sentences)
        let longest = ids.map { $0.count }.max() ?? 0
        let padded = ids.flatMap { $0.map(Int64.init) + [Int64](repeating: Int64(tokenizer.pad), count: longest - $0.count) }
        let real = ids.flatMap { [Bool](repeating: true, count: $0.count) + [Bool](repeating: false, count: longest - $0.count) }
        let idTensor = Tensor(padded, shape: [ids.count, longest]), mask = Tensor(real, shape: [ids.count, longest])
        return noGrad {
            let hidden = bert(idTensor, mask: mask)
            let weight = mask.to(.float32).unsqueeze(2)
            let mean = (hidden * weight).sum([1]) / weight.sum([1]).clamp(min: 1e-9)
            return F.normalize(mean, p: 2, dim: 1)
        }
    }
}
