import Foundation
import Testing
import Torch
import _TestSupport

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

    @Test func subsetsAndSplits() throws {
        let ds = TensorDataset(Tensor.arange(0, 10, dtype: .float32), Tensor.arange(10))
        let parts = randomSplit(ds, lengths: [7, 3], generator: Generator(seed: 1))
        #expect(parts.map { $0.count } == [7, 3])
        let all = (parts[0].indices + parts[1].indices).sorted()
        #expect(all == Array(0..<10))
        #expect(try parts[1].sample(0).target.item(Int64.self) == Int64(parts[1].indices[0]))
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

/// The scikit-learn digits table (`../shared/fixtures/data/digits.csv.gz`, gzip-compressed CSV, label last).
@Suite struct CSVDatasetTests {
    static let path = sharedFolder() + "/fixtures/data/digits.csv.gz"

    @Test func readsTheDigitsTable() throws {
        let ds = try CSVDataset(path: Self.path, featureShape: [1, 8, 8], normalize: false)
        #expect(ds.count == 1797 && ds.classCount == 10)
        #expect(ds.inputs.shape == [1797, 1, 8, 8])
        let counts = (0..<10).map { ds.labels.eq(Double($0)).sum().item(Int64.self) }
        #expect(counts == [178, 182, 177, 183, 181, 182, 181, 179, 174, 180])
        #expect(Array(ds.inputs[0].reshape([-1]).toArray(of: Float.self).prefix(8)) == [0, 0, 5, 13, 9, 1, 0, 0])
        #expect(ds.labels[0].item(Int64.self) == 0)
        #expect(ds.inputs.max().item() == 16)
    }

    @Test func rejectsBadTables() throws {
        let path = NSTemporaryDirectory() + "swifttorch-\(UUID().uuidString).csv"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try "a,b\n1,2\n3,x\n".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(throws: DataError.self) { try CSVDataset(path: path) }
        try "1,2,0\n3,4\n".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(throws: DataError.self) { try CSVDataset(path: path) }
        try "1,2,0.5\n".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(throws: DataError.self) { try CSVDataset(path: path) }
        var gz = [UInt8](try Data(contentsOf: URL(fileURLWithPath: Self.path)))
        gz.removeLast(gz.count / 2)
        try Data(gz).write(to: URL(fileURLWithPath: path))
        #expect(throws: DataError.self) { try CSVDataset(path: path) }
    }

    @Test func anMLPLearnsTheDigits() throws {
        Torch.manualSeed(0)
        let ds = try CSVDataset(path: Self.path)
        let parts = randomSplit(ds, lengths: [1437, 360], generator: Generator(seed: 1))
        let net = Sequential {
            Linear(64, 64)
            ReLU()
            Linear(64, 10)
        }
        let opt = Adam(net.parameters(), lr: 1e-2)
        for _ in 0..<8 {
            for (x, y) in DataLoader(parts[0], batchSize: 64, shuffle: true, generator: Generator(seed: 2)) {
                opt.zeroGrad()
                F.crossEntropy(net(x), y).backward()
                opt.step()
            }
        }
        let test = try parts[1].batch(Array(0..<360))!
        let accuracy = noGrad { net(test.input).argmax(dim: 1).eq(test.target).to(.float64).mean().item() }
        #expect(accuracy > 0.9, "accuracy \(accuracy)")
    }
}
