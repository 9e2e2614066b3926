import Testing
import Torch

/// Samplers, BatchSampler, DataLoader with a sampler, ConcatDataset.
@Suite struct SamplerTests {
    @Test func sequentialAndRandomSamplers() {
        #expect(SequentialSampler(count: 4).indices() == [0, 1, 2, 3])
        let random = RandomSampler(count: 50, generator: Generator(seed: 7))
        let first = random.indices(), second = random.indices()
        #expect(first.sorted() == Array(0..<50) && second.sorted() == Array(0..<50) && first != second)
        #expect(RandomSampler(count: 50, generator: Generator(seed: 7)).indices() == first)
        let withReplacement = RandomSampler(count: 5, replacement: true, numSamples: 200, generator: Generator(seed: 1)).indices()
        #expect(withReplacement.count == 200 && withReplacement.allSatisfy { (0..<5).contains($0) } && Set(withReplacement).count == 5)
        #expect(RandomSampler(count: 10, numSamples: 4).indices().count == 4)
        let subset = SubsetRandomSampler(indices: [3, 9, 12], generator: Generator(seed: 2)).indices()
        #expect(subset.sorted() == [3, 9, 12])
    }

    @Test func weightedSamplerFollowsTheWeights() {
        let draws = WeightedRandomSampler(weights: [1, 0, 3], numSamples: 20_000, generator: Generator(seed: 3)).indices()
        let counts = [0, 1, 2].map { i in draws.filter { $0 == i }.count }
        #expect(counts[1] == 0)
        // Expected share of index 2 is 3/4; with 20 000 draws the standard error is 0.003.
        let share = Double(counts[2]) / 20_000
        #expect(Swift.abs(share - 0.75) < 0.02, "share \(share)")
        let noReplacement = WeightedRandomSampler(weights: [1, 1, 1, 0], numSamples: 3, replacement: false).indices()
        #expect(noReplacement.sorted() == [0, 1, 2])
    }

    @Test func batchSamplerAndLoaderUseTheSampler() {
        let batches = BatchSampler(SequentialSampler(count: 7), batchSize: 3, dropLast: false).batches()
        #expect(batches == [[0, 1, 2], [3, 4, 5], [6]])
        #expect(BatchSampler(SequentialSampler(count: 7), batchSize: 3, dropLast: true).batches() == [[0, 1, 2], [3, 4, 5]])
        let data = TensorDataset(Tensor.arange(0, 6).unsqueeze(1), Tensor.arange(0, 6))
        let loader = DataLoader(data, batchSize: 2, sampler: SubsetRandomSampler(indices: [1, 4, 5], generator: Generator(seed: 0)))
        #expect(loader.count == 2)
        let seen = Array(loader).flatMap { $0.target.toArray(of: Double.self) }
        #expect(seen.sorted() == [1, 4, 5])
    }

    @Test func concatDatasetIndexesAcrossParts() throws {
        let a = TensorDataset(Tensor([10.0, 11.0]).unsqueeze(1), Tensor([0.0, 1.0]))
        let b = TensorDataset(Tensor([20.0, 21.0, 22.0]).unsqueeze(1), Tensor([2.0, 3.0, 4.0]))
        let both = ConcatDataset([a, b])
        #expect(both.count == 5)
        #expect(try (0..<5).map { try both.sample($0).target.item() } == [0, 1, 2, 3, 4])
        #expect(try both.sample(-1).input.item() == 22)
        let loader = DataLoader(both, batchSize: 5)
        #expect(Array(loader)[0].input.toArray(of: Double.self) == [10, 11, 20, 21, 22])
    }
}
