import Testing
import Torch
import _TestSupport
@testable import swifttorch
#if canImport(Glibc)
import Glibc
#endif

/// The benchmark models have the spec's sizes (§2.10: 429,824 parameters; §2.11: 22.6 M, i.e. HF BertModel
/// without its pooler) and their attention is scaled-dot-product attention over the packed projections.
@Suite struct BenchModelTests {
    @Test func parameterCounts() {
        #expect(BenchTinyTransformer().parameters().reduce(0) { $0 + $1.count } == 429_824)
        #expect(BenchBertLike().parameters().reduce(0) { $0 + $1.count } == 22_565_376)
    }

    @Test func packedAttentionIsScaledDotProductAttention() {
        let g = Generator(seed: 51)
        let qkv = Tensor.randn([2, 5, 3 * 8], dtype: .float64, generator: g)
        let heads = 2, dh = 4
        let split = { (i: Int) in qkv.narrow(2, i * 8, 8).reshape([2, 5, heads, dh]).transpose(1, 2) }
        let expected = F.scaledDotProductAttention(split(0), split(1), split(2)).transpose(1, 2).reshape([2, 5, 8])
        let c = compareClose(benchAttention(qkv, heads: heads), expected.toArray(of: Double.self), rtol: 1e-12, atol: 1e-12)
        #expect(c.isClose, "\(c.message)")
    }

    /// A memory child process reports peak, baseline, floor and final resident sizes in MiB.
    @Test func memoryChildReports() throws {
        // The swifttorch binary is in the build folder that holds the test bundle.
        var folder = try ownExecutable()
        while let slash = folder.lastIndex(of: "/"), folder.count > 1 {
            folder = String(folder[..<slash])
            if access(folder + "/swifttorch", X_OK) == 0 { break }
        }
        let record = try MemoryWorkloads.all[0].measure(threads: 1, quick: true, executable: folder + "/swifttorch")
        #expect(record.json.contains("\"id\": \"mem_train_mlp\"") && record.json.contains("\"delta_over_floor_mib\""))
        #expect(!record.json.contains("nan"))
    }
}
