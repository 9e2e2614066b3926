// An LSTM sequence classifier on variable-length sequences: padded by a custom collate, read at each sequence's
// last real step. The task needs memory across the sequence: every sequence holds one 3 and one 7 among other
// tokens; is the 3 before the 7?
//
//   swift run -c release lstm-classifier --epochs 3
import ArgumentParser
import Torch

@main
struct LSTMClassifier: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "lstm-classifier",
                                                    abstract: "Classify variable-length token sequences with an LSTM.")

    @Option(help: "Passes over the training set.") var epochs = 3
    @Option(name: .customLong("batch-size"), help: "Sequences per batch.") var batchSize = 64
    @Option(help: "Learning rate.") var lr = 5e-3
    @Option(help: "Hidden units.") var hidden = 64
    @Option(help: "Random seed.") var seed: UInt64 = 0

    func run() throws {
        Torch.manualSeed(seed)
        let train = PatternSequences(count: 6000, seed: seed &+ 1), test = PatternSequences(count: 1000, seed: seed &+ 2)
        let collate: DataLoader<PatternSequences>.Collate = { samples in
            // Inputs: token ids padded with 0 to the longest sequence; targets: [label, length] per sequence.
            (F.padSequence(samples.map { $0.input }, batchFirst: true), Tensor.stack(samples.map { $0.target }))
        }
        let loader = DataLoader(train, batchSize: batchSize, shuffle: true, collate: collate, generator: Generator(seed: seed &+ 3))
        let model = SequenceClassifier(vocabulary: PatternSequences.vocabulary + 1, hidden: hidden)
        let opt = Adam(model.parameters(), lr: lr)
        print("\(model.parameterCount) parameters")
        for epoch in 1...epochs {
            model.train()
            var lossSum = 0.0, seen = 0
            for (x, y) in loader {
                opt.zeroGrad()
                let loss = F.crossEntropy(model(x, lengths: y[.ellipsis, 1]), y[.ellipsis, 0])
                loss.backward()
                clipGradNorm_(model.parameters(), maxNorm: 5)
                opt.step()
                lossSum += loss.item() * Double(y.shape[0])
                seen += y.shape[0]
            }
            model.eval()
            var correct = 0
            noGrad {
                for (x, y) in DataLoader(test, batchSize: 500, collate: collate) {
                    correct += Int(model(x, lengths: y[.ellipsis, 1]).argmax(dim: 1).eq(y[.ellipsis, 0]).sum().item())
                }
            }
            print("epoch \(epoch)/\(epochs)  loss \(lossSum / Double(seen))  test accuracy \(Double(correct) / Double(test.count))")
        }
    }
}

/// Sequences of 8–24 tokens from 1…10 with exactly one 3 and one 7 at random places; the label is 1 when the 3
/// comes first. Targets are `[label, length]`.
struct PatternSequences: Dataset {
    static let vocabulary = 10
    let sequences: [[Int64]]
    let labels: [Int64]
    var count: Int { sequences.count }

    init(count: Int, seed: UInt64) {
        let g = Generator(seed: seed)
        let others: [Int64] = [1, 2, 4, 5, 6, 8, 9, 10]
        var sequences: [[Int64]] = [], labels: [Int64] = []
        for _ in 0..<count {
            let length = Int(Tensor.randint(8, 25, [1], generator: g).item(Int64.self))
            var s = Tensor.randint(0, others.count, [length], generator: g).toArray(of: Int64.self).map { others[Int($0)] }
            let places = Tensor.randperm(length, generator: g).toArray(of: Int64.self).prefix(2).map { Int($0) }
            s[places[0]] = 3
            s[places[1]] = 7
            sequences.append(s)
            labels.append(places[0] < places[1] ? 1 : 0)
        }
        self.sequences = sequences
        self.labels = labels
    }

    func sample(_ index: Int) -> Sample {
        (Tensor(sequences[index], shape: [sequences[index].count]), Tensor([labels[index], Int64(sequences[index].count)], shape: [2]))
    }
}

/// Embedding → LSTM → the hidden state at each sequence's last real step → two logits.
final class SequenceClassifier: Module {
    let embedding: Embedding
    let lstm: LSTM
    let head: Linear

    init(vocabulary: Int, hidden: Int) {
        embedding = Embedding(vocabulary, 32, paddingIdx: 0)
        lstm = LSTM(32, hidden, batchFirst: true)
        head = Linear(hidden, 2)
        super.init()
    }

    /// Logits `[N, 2]` for padded ids `[N, T]` and the true lengths `[N]`.
    func callAsFunction(_ ids: Tensor, lengths: Tensor) -> Tensor {
        let out = lstm.forward(embedding(ids), nil).output  // [N, T, H]
        let n = ids.shape[0], h = out.shape[2]
        let last = (lengths - 1).reshape([n, 1, 1]).expand([n, 1, h])
        return head(out.gather(1, last).squeeze(1))
    }

    override func forward(_ input: Tensor) -> Tensor {
        self(input, lengths: Tensor.full([input.shape[0]], Double(input.shape[1]), dtype: .int64))
    }
}
