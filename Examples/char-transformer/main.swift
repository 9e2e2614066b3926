// A character-level transformer language model: learns to continue any text file, then samples from it.
//
//   swift run -c release char-transformer --text some.txt --steps 600
//   swift run -c release char-transformer                # a built-in paragraph when no file is given
import ArgumentParser
import Foundation
import Torch

@main
struct CharTransformer: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "char-transformer",
                                                    abstract: "Train a small causal transformer on the characters of a text file and sample from it.")

    @Option(help: "The text file to learn (UTF-8).") var text: String?
    @Option(help: "Optimisation steps.") var steps = 400
    @Option(name: .customLong("block-size"), help: "Context length in characters.") var blockSize = 64
    @Option(name: .customLong("batch-size"), help: "Sequences per step.") var batchSize = 32
    @Option(name: .customLong("d-model"), help: "Model width.") var dModel = 96
    @Option(help: "Transformer blocks.") var layers = 2
    @Option(help: "Attention heads.") var heads = 4
    @Option(help: "Learning rate.") var lr = 3e-3
    @Option(help: "Characters to sample after training.") var sample = 300
    @Option(help: "Sampling temperature.") var temperature = 0.8
    @Option(help: "Random seed.") var seed: UInt64 = 0

    static let builtIn = """
        It was the best of times, it was the worst of times, it was the age of wisdom, it was the age of \
        foolishness, it was the epoch of belief, it was the epoch of incredulity, it was the season of Light, it \
        was the season of Darkness, it was the spring of hope, it was the winter of despair, we had everything \
        before us, we had nothing before us, we were all going direct to Heaven, we were all going direct the \
        other way.
        """

    func validate() throws {
        guard steps > 0, blockSize > 1, batchSize > 0, dModel % heads == 0 else {
            throw ValidationError("--steps, --block-size and --batch-size must be positive and --d-model a multiple of --heads")
        }
    }

    func run() throws {
        Torch.manualSeed(seed)
        let corpus = try text.map { try String(contentsOfFile: $0, encoding: .utf8) } ?? Self.builtIn
        let vocabulary = Array(Set(corpus)).sorted()
        guard corpus.count > blockSize + 1 else { throw ValidationError("the text needs more than \(blockSize + 1) characters") }
        let index = Dictionary(uniqueKeysWithValues: vocabulary.enumerated().map { ($1, $0) })
        let ids = Tensor(corpus.map { Int64(index[$0]!) }, shape: [corpus.count])
        print("\(corpus.count) characters, \(vocabulary.count) distinct")

        let model = CharModel(vocabulary: vocabulary.count, blockSize: blockSize, dModel: dModel, heads: heads, layers: layers)
        let opt = AdamW(model.parameters(), lr: lr, weightDecay: 0.01)
        let schedule = CosineAnnealingLR(opt, tMax: steps, etaMin: lr / 10)
        let g = Generator(seed: seed &+ 1)
        print("\(model.parameterCount) parameters")
        for step in 1...steps {
            // Random windows: the target is the input shifted by one character.
            let starts = Tensor.randint(0, corpus.count - blockSize - 1, [batchSize], generator: g).toArray(of: Int64.self)
            let x = Tensor.stack(starts.map { ids.narrow(0, Int($0), blockSize) })
            let y = Tensor.stack(starts.map { ids.narrow(0, Int($0) + 1, blockSize) })
            opt.zeroGrad()
            let logits = model(x)
            let loss = F.crossEntropy(logits.reshape([-1, vocabulary.count]), y.reshape([-1]))
            loss.backward()
            clipGradNorm_(model.parameters(), maxNorm: 1)
            opt.step()
            schedule.step()
            if step % Swift.max(1, steps / 10) == 0 || step == 1 { print("step \(step)/\(steps)  loss \(loss.item())") }
        }
        model.eval()
        var context = Array(ids.narrow(0, 0, blockSize).toArray(of: Int64.self))
        var generated = ""
        noGrad {
            for _ in 0..<sample {
                let window = Array(context.suffix(blockSize))
                let logits = model(Tensor(window, shape: [1, window.count]))[0, window.count - 1]
                let next = (logits / temperature).softmax(dim: 0).multinomial(1, generator: g).item(Int64.self)
                context.append(next)
                generated.append(vocabulary[Int(next)])
            }
        }
        print("--- sample ---\n" + generated)
    }
}

/// Token and position embeddings, a stack of pre-norm causal transformer blocks, and a linear head.
final class CharModel: Module {
    let tokens: Embedding
    let positions: Embedding
    let blocks: TransformerEncoder
    let norm: LayerNorm
    let head: Linear
    let blockSize: Int

    init(vocabulary: Int, blockSize: Int, dModel: Int, heads: Int, layers: Int) {
        tokens = Embedding(vocabulary, dModel)
        positions = Embedding(blockSize, dModel)
        blocks = TransformerEncoder(numLayers: layers) { _ in
            TransformerEncoderLayer(dModel: dModel, nhead: heads, dimFeedforward: 4 * dModel, dropout: 0.1, activation: .gelu,
                                    batchFirst: true, normFirst: true)
        }
        norm = LayerNorm([dModel])
        head = Linear(dModel, vocabulary)
        self.blockSize = blockSize
        super.init()
    }

    /// Logits `[N, T, vocabulary]` for token ids `[N, T]`, each position seeing only the ones before it.
    override func forward(_ input: Tensor) -> Tensor {
        let t = input.shape[1]
        precondition(t <= blockSize, "CharModel: a context of \(t) exceeds the block size \(blockSize)")
        let x = tokens(input) + positions(Tensor.arange(t))
        let mask = TransformerEncoder.generateSquareSubsequentMask(t)
        return head(norm(blocks.forward(x, mask: mask)))
    }
}
