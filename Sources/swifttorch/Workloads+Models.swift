import Torch

// MARK: - The transformer and BERT-like models of §2.10 and §2.11, written out as the spec states them.

/// `concat_heads(softmax(Q·Kᵀ/√dh)·V)` for packed `qkv` `[B, T, 3·H·dh]` (Q, K, V in that order).
func benchAttention(_ qkv: Tensor, heads: Int) -> Tensor {
    let (b, t) = (qkv.shape[0], qkv.shape[1])
    let d = qkv.shape[2] / 3, dh = d / heads
    let parts = qkv.view([b, t, 3, heads, dh]).permute(2, 0, 3, 1, 4)  // [3, B, H, T, dh]
    let q = parts[0], k = parts[1], v = parts[2]
    let p = (q.matmul(k.transpose(-2, -1)) * (1 / Double(dh).squareRoot())).softmax(dim: -1)
    return p.matmul(v).transpose(1, 2).reshape([b, t, d])
}

/// One pre-norm encoder layer of `train_transformer` (packed `[Wq; Wk; Wv]`).
final class BenchPreNormBlock: Module {
    let ln1: LayerNorm, qkv: Linear, proj: Linear, ln2: LayerNorm, fc1: Linear, fc2: Linear
    let heads: Int

    init(d: Int = 128, heads: Int = 4, ff: Int = 512) {
        ln1 = LayerNorm([d], eps: 1e-5)
        qkv = Linear(d, 3 * d)
        proj = Linear(d, d)
        ln2 = LayerNorm([d], eps: 1e-5)
        fc1 = Linear(d, ff)
        fc2 = Linear(ff, d)
        self.heads = heads
        super.init()
    }

    override func forward(_ x: Tensor) -> Tensor {
        let h = x + proj(benchAttention(qkv(ln1(x)), heads: heads))
        return h + fc2(fc1(ln2(h)).gelu())
    }
}

/// Two pre-norm layers, a final LayerNorm and a per-token head 128 → 256 (429,824 parameters).
final class BenchTinyTransformer: Module {
    let blocks: [BenchPreNormBlock]
    let lnF: LayerNorm, head: Linear

    override init() {
        blocks = [BenchPreNormBlock(), BenchPreNormBlock()]
        lnF = LayerNorm([128], eps: 1e-5)
        head = Linear(128, 256)
        super.init()
    }

    override func forward(_ x: Tensor) -> Tensor {
        var h = x
        for b in blocks { h = b(h) }
        return head(lnF(h))
    }
}

/// One post-norm BERT layer of `inference_bert_like`.
final class BenchBertLayer: Module {
    let qkv: Linear, attnOut: Linear, ln1: LayerNorm, fc1: Linear, fc2: Linear, ln2: LayerNorm

    override init() {
        qkv = Linear(384, 3 * 384)
        attnOut = Linear(384, 384)
        ln1 = LayerNorm([384], eps: 1e-12)
        fc1 = Linear(384, 1536)
        fc2 = Linear(1536, 384)
        ln2 = LayerNorm([384], eps: 1e-12)
        super.init()
    }

    override func forward(_ x: Tensor) -> Tensor {
        let h = ln1(x + attnOut(benchAttention(qkv(x), heads: 12)))
        return ln2(h + fc2(fc1(h).gelu()))
    }
}

/// The MiniLM-L6-sized encoder: embeddings and six post-norm layers, no pooler (22.6 M parameters).
final class BenchBertLike: Module {
    let word: Embedding, pos: Embedding, tokType: Embedding, lnEmb: LayerNorm
    let layers: [BenchBertLayer]

    override init() {
        word = Embedding(30522, 384)
        pos = Embedding(512, 384)
        tokType = Embedding(2, 384)
        lnEmb = LayerNorm([384], eps: 1e-12)
        layers = (0..<6).map { _ in BenchBertLayer() }
        super.init()
        noGrad {
            for p in parameters() where p.rank > 1 { _ = p.normal_(mean: 0, std: 0.02) }
        }
    }

    func forward(ids: Tensor, typeIds: Tensor) -> Tensor {
        let t = ids.shape[1]
        var x = word(ids) + pos(Tensor.arange(0, Double(t), dtype: .int64)) + tokType(typeIds)
        x = lnEmb(x)
        for layer in layers { x = layer(x) }
        return x
    }

    override func forward(_ input: Tensor) -> Tensor { forward(ids: input, typeIds: Tensor.zerosLike(input)) }
}

extension Workloads {
    /// A training step of `train_mlp` (§2.8) or `train_transformer` (§2.10), built from seed 0.
    static func trainingStep(_ name: String) -> () -> Void {
        Torch.manualSeed(0)
        switch name {
        case "mlp":
            let model = Sequential {
                Linear(784, 256)
                ReLU()
                Linear(256, 256)
                ReLU()
                Linear(256, 10)
            }
            let x = Tensor.randn([128, 784]), y = Tensor.randint(0, 10, [128])
            let opt = SGD(model.parameters(), lr: 0.01, momentum: 0.9)
            return {
                opt.zeroGrad()
                F.crossEntropy(model(x), y).backward()
                opt.step()
            }
        case "transformer":
            let model = BenchTinyTransformer()
            let x = Tensor.randn([32, 64, 128]), y = Tensor.randint(0, 256, [32, 64])
            let opt = AdamW(model.parameters(), lr: 1e-3, betas: (0.9, 0.999), eps: 1e-8, weightDecay: 0.01)
            return {
                opt.zeroGrad()
                F.crossEntropy(model(x).reshape([32 * 64, 256]), y.reshape([32 * 64])).backward()
                opt.step()
            }
        default:
            preconditionFailure("trainingStep: unknown model \(name)")
        }
    }

    /// `train_transformer` (§2.10) and `inference_bert_like` (§2.11).
    static func models() -> [Workload] {
        [
            Workload("train_transformer", .stepsPerSecond) { trainingStep("transformer") },
            Workload("inference_bert_like", .millisPerBatch) {
                Torch.manualSeed(0)
                let model = BenchBertLike()
                model.eval()
                let ids = Tensor.randint(0, 30522, [8, 128], generator: Generator(seed: 0))
                let types = Tensor.zeros([8, 128], dtype: .int64)
                return { inferenceMode { _ = model.forward(ids: ids, typeIds: types) } }
            },
        ]
    }
}
