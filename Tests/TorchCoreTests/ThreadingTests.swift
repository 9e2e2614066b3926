import Testing
import Torch
import _TestSupport

/// Large ops split over threads give the same results as on one thread, also when several tasks run ops at
/// once (the pool then runs some regions serially).
@Suite struct ThreadingTests {
    func workload(_ x: Tensor, _ m: Tensor) -> [Tensor] {
        [x + 1, (x * x).exp(), x.gelu(), x.sum(), m.softmax(dim: 1), m.sum([0]), m.sum([1]),
         m.layerNorm([m.shape[1]]), m.t().contiguous(), m.matmul(m.t())]
    }

    @Test func resultsDoNotDependOnThreadCount() {
        GlobalSettings.exclusive {
            let g = Generator(seed: 21)
            let x = Tensor.randn([300_000], generator: g) * 0.3
            let m = Tensor.randn([600, 500], generator: g)
            let before = Torch.numThreads
            Torch.setNumThreads(1)
            let one = workload(x, m)
            Torch.setNumThreads(2)
            let two = workload(x, m)
            Torch.setNumThreads(before)
            for (i, (a, b)) in zip(one, two).enumerated() {
                // Elementwise results are bit-identical; sums may differ in the last bits (partial sums).
                let c = compareClose(b, a.toArray(of: Double.self), rtol: 1e-5, atol: 1e-4)
                #expect(c.isClose, "output \(i): \(c.message)")
            }
            #expect(one[0].equal(two[0]) && one[1].equal(two[1]) && one[2].equal(two[2]))
        }
    }

    /// SwiftTorch's own float32 GEMM sums each element over k in an order that depends only on k, so products
    /// split by rows (m ≥ n) or by columns (m < n) over two threads equal the one-thread result bit for bit.
    @Test func ownGemmIsBitIdenticalAcrossThreadCounts() {
        guard Torch.float32Gemm == "SwiftTorch AVX-512" else { return }
        GlobalSettings.exclusive {
            let g = Generator(seed: 29)
            let cases = [(Tensor.randn([600, 700], generator: g), Tensor.randn([700, 130], generator: g)),
                         (Tensor.randn([90, 1100], generator: g), Tensor.randn([500, 1100], generator: g).t())]
            let before = Torch.numThreads
            defer { Torch.setNumThreads(before) }
            for (a, b) in cases {
                Torch.setNumThreads(1)
                let one = a.matmul(b)
                Torch.setNumThreads(2)
                let two = a.matmul(b)
                #expect(one.equal(two), "\(a.shape)·\(b.shape)")
            }
        }
    }

    /// Batched products split over threads by batch element (strided operands read in place) equal one `mm` per
    /// element, bit for bit, on 1 and 2 threads.
    @Test func batchedProductsSplitByElement() {
        GlobalSettings.exclusive {
            let g = Generator(seed: 23)
            let a = Tensor.randn([12, 48, 40], generator: g), b = Tensor.randn([12, 48, 40], generator: g)
            let before = Torch.numThreads
            defer { Torch.setNumThreads(before) }
            for threads in [1, 2] {
                Torch.setNumThreads(threads)
                for (x, y) in [(a, b.transpose(1, 2)), (a.transpose(1, 2), b), (a.permute(0, 2, 1).contiguous().transpose(1, 2), b.transpose(1, 2))] {
                    let batched = x.bmm(y)
                    let each = Tensor.stack((0..<12).map { x[$0].mm(y[$0]) })
                    #expect(batched.equal(each), "T=\(threads) \(x.shape)·\(y.shape)")
                }
            }
        }
    }

    @Test func concurrentTasks() async {
        let g = Generator(seed: 22)
        let x = Tensor.randn([200_000], generator: g)
        let expected = (x * 2 + 1).exp().sum().item()
        let results = await withTaskGroup(of: Double.self) { group in
            for _ in 0..<6 { group.addTask { (x * 2 + 1).exp().sum().item() } }
            var all: [Double] = []
            for await r in group { all.append(r) }
            return all
        }
        for r in results { #expect(Swift.abs(r - expected) <= 1e-5 * Swift.abs(expected)) }
    }

    @Test func memoryStatsTrackTheCache() {
        // Other suites allocate concurrently, so only monotonic counters and lower bounds are checked.
        let before = Torch.memoryStats()
        let t = Tensor.zeros([1 << 18])
        let during = Torch.memoryStats()
        #expect(during.allocations > before.allocations)
        #expect(during.peakAllocatedBytes >= 1 << 20)
        #expect(t.count == 1 << 18)
        // The same size again after a free is served from the cache.
        let hits = Torch.memoryStats().cacheHits
        for _ in 0..<3 { _ = Tensor.zeros([1 << 18]) }
        #expect(Torch.memoryStats().cacheHits > hits)
    }
}
