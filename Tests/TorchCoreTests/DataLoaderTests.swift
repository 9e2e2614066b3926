import Synchronization
import Testing
import Torch
#if canImport(Glibc)
import Glibc
#endif

/// A data set whose sample `i` is `[i]` with target `i`; it counts reads, can sleep on some indices (to make
/// workers finish out of order) and throws on one.
final class ProbeDataset: Dataset {
    let count: Int
    let failAt: Int?
    let slow: Set<Int>
    let reads = Atomic<Int>(0)
    let workersSeen = Mutex<Set<Int>>([])

    struct Broken: Error, CustomStringConvertible {
        let index: Int
        var description: String { "record \(index) is corrupt" }
    }

    init(count: Int, failAt: Int? = nil, slow: Set<Int> = []) {
        self.count = count
        self.failAt = failAt
        self.slow = slow
    }

    func sample(_ index: Int) throws -> Sample {
        if slow.contains(index) { usleep(20_000) }
        if index == failAt { throw Broken(index: index) }
        if let w = LoadContext.current?.worker { workersSeen.withLock { _ = $0.insert(w) } }
        reads.wrappingAdd(1, ordering: .relaxed)
        return (Tensor([Float(index)]), Tensor(scalar: Int64(index)))
    }
}

/// DataLoader workers, prefetch bound, errors, collate; IterableDataLoader; transforms.
@Suite struct DataLoaderTests {
    func targets(_ batches: [Sample]) -> [[Int64]] { batches.map { $0.target.toArray(of: Int64.self) } }

    @Test func workersGiveTheSameBatchesInOrder() {
        let data = ProbeDataset(count: 50, slow: [0, 1, 7, 13])
        let serial = DataLoader(data, batchSize: 4, shuffle: true, generator: Generator(seed: 9))
        let expected = [targets(Array(serial)), targets(Array(serial))]
        #expect(expected[0] != expected[1], "two epochs should differ")
        #expect(expected[0].flatMap { $0 }.sorted() == (0..<50).map { Int64($0) })
        for workers in [1, 2, 3, 5] {
            let loader = DataLoader(data, batchSize: 4, shuffle: true, numWorkers: workers, generator: Generator(seed: 9))
            #expect([targets(Array(loader)), targets(Array(loader))] == expected, "numWorkers \(workers)")
        }
        #expect(data.workersSeen.withLock { $0 }.isSubset(of: Set(0..<5)))
        #expect(data.workersSeen.withLock { $0 }.count > 1, "several workers should have loaded samples")
    }

    @Test func dropLastAndSamplerWithWorkers() {
        let data = ProbeDataset(count: 10)
        let loader = DataLoader(data, batchSize: 4, dropLast: true, sampler: SequentialSampler(count: 10), numWorkers: 2)
        #expect(targets(Array(loader)) == [[0, 1, 2, 3], [4, 5, 6, 7]])
        #expect(loader.count == 2)
    }

    @Test func prefetchIsBounded() {
        let data = ProbeDataset(count: 400)
        let loader = DataLoader(data, batchSize: 5, numWorkers: 2, prefetchFactor: 3)
        var it = loader.makeIterator()
        #expect(it.next()!.target.toArray(of: Int64.self) == [0, 1, 2, 3, 4])
        // Six batches (prefetchFactor × numWorkers) were submitted when the first was asked for; no more follow
        // until the consumer asks again.
        var waited = 0
        while data.reads.load(ordering: .relaxed) < 30 && waited < 5000 {
            usleep(1000)
            waited += 1
        }
        usleep(30_000)
        #expect(data.reads.load(ordering: .relaxed) == 30)
        _ = it.next()
        waited = 0
        while data.reads.load(ordering: .relaxed) < 35 && waited < 5000 {
            usleep(1000)
            waited += 1
        }
        usleep(30_000)
        #expect(data.reads.load(ordering: .relaxed) == 35)
    }

    @Test func abandonedEpochStopsItsWorkers() {
        let data = ProbeDataset(count: 1000)
        do {
            var it = DataLoader(data, batchSize: 10, numWorkers: 3).makeIterator()
            _ = it.next()
        }
        usleep(50_000)
        let after = data.reads.load(ordering: .relaxed)
        usleep(50_000)
        #expect(after <= 70 && data.reads.load(ordering: .relaxed) == after)
    }

    @Test func aFailingSampleIsReportedWithItsIndexAndWorker() {
        for workers in [0, 2] {
            let loader = DataLoader(ProbeDataset(count: 20, failAt: 13), batchSize: 4, numWorkers: workers)
            var it = loader.makeIterator()
            var delivered = 0
            do {
                while try it.nextBatch() != nil { delivered += 1 }
                Issue.record("no error surfaced with numWorkers \(workers)")
            } catch let error as DataLoaderError {
                #expect(error.index == 13 && error.batch == 3)
                #expect(delivered == 3)
                #expect((error.worker == nil) == (workers == 0))
                #expect(error.underlying is ProbeDataset.Broken)
                #expect("\(error)".contains("loading sample 13 failed: record 13 is corrupt"), "\(error)")
            } catch {
                Issue.record("unexpected \(error)")
            }
        }
    }

    @Test func customCollatePadsSequences() {
        // Sequences of length i % 4 + 1 holding i; the collate pads them to the batch's longest with -1.
        struct Ragged: Dataset {
            var count: Int { 6 }
            func sample(_ index: Int) -> Sample {
                (Tensor([Float](repeating: Float(index), count: index % 4 + 1)), Tensor(scalar: Int64(index)))
            }
        }
        let loader = DataLoader(Ragged(), batchSize: 3, numWorkers: 2, collate: { samples in
            let padded = F.padSequence(samples.map { $0.input }, batchFirst: true, paddingValue: -1)
            return (padded, Tensor.stack(samples.map { $0.target }))
        })
        let batches = Array(loader)
        #expect(batches[0].input.shape == [3, 3])
        #expect(batches[0].input.toArray(of: Float.self) == [0, -1, -1, 1, 1, -1, 2, 2, 2])
        #expect(batches[1].input.shape == [3, 4])
        #expect(batches[1].input.toArray(of: Float.self) == [3, 3, 3, 3, 4, -1, -1, -1, 5, 5, -1, -1])
    }

    @Test func padSequenceMatchesPyTorchLayout() {
        let a = Tensor([1.0, 2.0, 3.0] as [Float]), b = Tensor([4.0] as [Float])
        let timeFirst = F.padSequence([a, b])
        #expect(timeFirst.shape == [3, 2])
        #expect(timeFirst.toArray(of: Float.self) == [1, 4, 2, 0, 3, 0])
        let m = Tensor.ones([2, 2]).requiresGrad_()
        let out = F.padSequence([m, Tensor.zeros([3, 2])], batchFirst: true)
        #expect(out.shape == [2, 3, 2])
        out.sum().backward()
        #expect(m.grad!.toArray(of: Float.self) == [1, 1, 1, 1])
    }

    /// Crops and flips draw from per-sample seeds, so a loader seed gives the same augmented batches for any
    /// worker count, and different ones each epoch.
    @Test func augmentationIsReproducibleAcrossWorkerCounts() {
        let images = Tensor.arange(0, 2 * 64, dtype: .float32).reshape([2, 1, 8, 8])
        let base = TensorDataset(images, Tensor([Int64(0), 1]))
        let augmented = TransformedDataset(base, transform: Compose([RandomCrop(size: (6, 6), padding: 2), RandomHorizontalFlip()]),
                                           generator: Generator(seed: 4))
        func epochs(_ workers: Int) -> [[Float]] {
            let loader = DataLoader(augmented, batchSize: 2, numWorkers: workers, generator: Generator(seed: 1))
            return (0..<3).map { _ in Array(loader)[0].input.toArray(of: Float.self) }
        }
        let serial = epochs(0)
        #expect(serial[0] != serial[1] || serial[1] != serial[2])
        #expect(epochs(1) == serial && epochs(2) == serial)
    }

    @Test func transformsComputeWhatTorchvisionDoes() throws {
        let x = Tensor.arange(0, 18, dtype: .float32).reshape([2, 3, 3])
        let n = Normalize(mean: [1, 10], std: [2, 4]).apply(x, generator: Generator(seed: 0))
        let expected: [Float] = (0..<18).map { (i: Int) -> Float in i < 9 ? (Float(i) - 1) / 2 : (Float(i) - 10) / 4 }
        #expect(n.toArray(of: Float.self) == expected)
        #expect(RandomHorizontalFlip(p: 1).apply(x, generator: Generator(seed: 0)).equal(x.flip([2])))
        #expect(RandomHorizontalFlip(p: 0).apply(x, generator: Generator(seed: 0)).equal(x))
        // Every crop is one of the windows of the zero-padded image, and several windows occur.
        let padded = x.pad([1, 1, 1, 1])
        let windows = (0..<3).flatMap { top in (0..<3).map { left in padded.narrow(1, top, 3).narrow(2, left, 3).toArray(of: Float.self) } }
        let g = Generator(seed: 3)
        var seen = Set<Int>()
        for _ in 0..<40 {
            let c = RandomCrop(size: (3, 3), padding: 1).apply(x, generator: g)
            #expect(c.shape == [2, 3, 3])
            let k = try #require(windows.firstIndex(of: c.toArray(of: Float.self)))
            seen.insert(k)
        }
        #expect(seen.count >= 6)
        // Compose applies in order: normalise then flip equals flip then normalise here, crop then flip is a
        // flipped window.
        let both = Compose([RandomCrop(size: (3, 3), padding: 1), RandomHorizontalFlip(p: 1)]).apply(x, generator: Generator(seed: 5))
        let crop = RandomCrop(size: (3, 3), padding: 1).apply(x, generator: Generator(seed: 5))
        #expect(both.equal(crop.flip([2])))
    }

    /// A stream of `0..<count`, split between workers by position (`i % numWorkers == worker`).
    struct Numbers: IterableDataset {
        let count: Int
        let failAfter: Int?
        struct Stopped: Error {}
        func makeStream(worker: Int, numWorkers: Int) -> AnySampleStream {
            var i = worker
            var produced = 0
            return AnySampleStream {
                if let failAfter, produced == failAfter { throw Stopped() }
                guard i < count else { return nil }
                defer {
                    i += numWorkers
                    produced += 1
                }
                return (Tensor([Float(i)]), Tensor(scalar: Int64(i)))
            }
        }
    }

    @Test func iterableLoaderBatchesAStream() {
        let serial = IterableDataLoader(Numbers(count: 10, failAfter: nil), batchSize: 4)
        #expect(targets(Array(serial)) == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]])
        #expect(targets(Array(IterableDataLoader(Numbers(count: 10, failAfter: nil), batchSize: 4, dropLast: true))) == [[0, 1, 2, 3], [4, 5, 6, 7]])
        // Two workers: worker 0 streams 0, 2, 4, …, worker 1 streams 1, 3, …; batches alternate between them.
        let two = IterableDataLoader(Numbers(count: 13, failAfter: nil), batchSize: 2, numWorkers: 2)
        let expected: [[Int64]] = [[0, 2], [1, 3], [4, 6], [5, 7], [8, 10], [9, 11], [12]]
        #expect(targets(Array(two)) == expected)
        #expect(targets(Array(two)) == expected, "a second pass starts over")
    }

    @Test func iterableLoaderSurfacesStreamErrors() {
        for workers in [0, 2] {
            var it = IterableDataLoader(Numbers(count: 100, failAfter: 5), batchSize: 2, numWorkers: workers).makeIterator()
            var delivered = 0
            do {
                while try it.nextBatch() != nil { delivered += 1 }
                Issue.record("no error with numWorkers \(workers)")
            } catch let error as IterableLoaderError {
                #expect(error.sample == 5 && error.underlying is Numbers.Stopped)
                #expect(delivered >= 2)
                #expect("\(error)".contains("reading sample 5 of the stream failed"))
            } catch {
                Issue.record("unexpected \(error)")
            }
            #expect(try! it.nextBatch() == nil)
        }
    }
}
