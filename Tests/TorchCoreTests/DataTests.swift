import Testing
import Torch

@Suite struct DataTests {
    @Test func dataLoaderBatchesAndShuffles() {
        let x = Tensor.arange(0, 10, dtype: .float32).reshape(10, 1)
        let y = Tensor.arange(10)
        let ds = TensorDataset(x, y)
        let plain = DataLoader(ds, batchSize: 4)
        #expect(plain.count == 3)
        #expect(Array(plain).map { $0.target.toArray(of: Int64.self) } == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]])
        #expect(DataLoader(ds, batchSize: 4, dropLast: true).map { $0.input.shape[0] } == [4, 4])
        // A seed reproduces the sequence of epochs; every epoch is a permutation.
        let a = DataLoader(ds, batchSize: 3, shuffle: true, generator: Generator(seed: 5))
        let b = DataLoader(ds, batchSize: 3, shuffle: true, generator: Generator(seed: 5))
        let epochsA = (0..<2).map { _ in a.flatMap { $0.target.toArray(of: Int64.self) } }
        let epochsB = (0..<2).map { _ in b.flatMap { $0.target.toArray(of: Int64.self) } }
        #expect(epochsA == epochsB)
        #expect(epochsA[0] != epochsA[1])
        #expect(epochsA[0].sorted() == Array(0..<10))
        // Inputs stay paired with targets.
        for (xb, yb) in a { #expect(xb.reshape([-1]).toArray(of: Float.self) == yb.toArray(of: Int64.self).map { Float($0) }) }
    }

    @Test func subsetsAndSplits() {
        let ds = TensorDataset(Tensor.arange(0, 10, dtype: .float32), Tensor.arange(10))
        let parts = randomSplit(ds, lengths: [7, 3], generator: Generator(seed: 1))
        #expect(parts.map { $0.count } == [7, 3])
        let all = (parts[0].indices + parts[1].indices).sorted()
        #expect(all == Array(0..<10))
        #expect(parts[1].sample(0).target.item(Int64.self) == Int64(parts[1].indices[0]))
    }

    @Test func syntheticDigitsAreDeterministicAndBalanced() {
        let a = SyntheticDigits(count: 50, seed: 3), b = SyntheticDigits(count: 50, seed: 3)
        #expect(a.images.equal(b.images) && a.labels.equal(b.labels))
        #expect(a.images.shape == [50, 1, 28, 28])
        #expect(a.images.min().item() >= 0 && a.images.max().item() <= 1)
        let counts = (0..<10).map { c in a.labels.eq(Double(c)).sum().item(Int64.self) }
        #expect(counts == [Int64](repeating: 5, count: 10))
        #expect(!SyntheticDigits(count: 50, seed: 4).images.equal(a.images))
    }

    /// End to end: a small MLP on synthetic digits; the loss falls and held-out accuracy rises well above chance.
    @Test func shortTrainingRunLearns() {
        Torch.manualSeed(0)
        let train = SyntheticDigits(count: 600, seed: 10), test = SyntheticDigits(count: 200, seed: 11)
        let net = Sequential {
            Flatten()
            Linear(784, 64)
            ReLU()
            Linear(64, 10)
        }
        let opt = Adam(net.parameters(), lr: 3e-3)
        func testAccuracy() -> Double {
            noGrad {
                let pred = net(test.images).argmax(dim: 1)
                return pred.eq(test.labels).to(.float64).mean().item()
            }
        }
        let before = testAccuracy()
        var losses: [Double] = []
        for _ in 0..<4 {
            for (x, y) in DataLoader(train, batchSize: 32, shuffle: true, generator: Generator(seed: 12)) {
                opt.zeroGrad()
                let loss = F.crossEntropy(net(x), y)
                loss.backward()
                opt.step()
                losses.append(loss.item())
            }
        }
        let after = testAccuracy()
        let firstLosses: Double = losses.prefix(5).reduce(0.0, +) / 5.0
        let lastLosses: Double = losses.suffix(5).reduce(0.0, +) / 5.0
        #expect(lastLosses < 0.5 * firstLosses, "loss \(firstLosses) → \(lastLosses)")
        #expect(after > 0.7 && after > before + 0.4, "accuracy \(before) → \(after)")
    }
}
