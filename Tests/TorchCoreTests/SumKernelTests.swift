import Testing
@testable import TorchCore
import _TestSupport

/// Sums over the trailing dims plus others (reduced in two steps, without rearranging the input) against a
/// plain loop in Double, for float32 and float64, with and without keepdim.
@Suite struct SumKernelTests {
    @Test(arguments: [[0, 2, 3], [1, 3], [0, 1, 3], [0, 3]])
    func trailingAndOtherDims(_ dims: [Int]) {
        let shape = [3, 4, 5, 6]
        for dtype in [DType.float32, .float64] {
            let x = Tensor.randn(shape, dtype: dtype, generator: Generator(seed: 5))
            let data = x.toArray(of: Double.self)
            let kept = (0..<4).map { dims.contains($0) ? 1 : shape[$0] }
            var expected = [Double](repeating: 0, count: kept.reduce(1, *))
            for a in 0..<3 { for b in 0..<4 { for c in 0..<5 { for d in 0..<6 {
                let i = [a, b, c, d], o = (0..<4).map { dims.contains($0) ? 0 : i[$0] }
                let at = ((o[0] * kept[1] + o[1]) * kept[2] + o[2]) * kept[3] + o[3]
                expected[at] += data[((a * 4 + b) * 5 + c) * 6 + d]
            } } } }
            let s = x.sum(dims, keepdim: true)
            #expect(s.shape == kept)
            let tol = dtype == .float64 ? 1e-12 : 1e-5
            #expect(compareClose(s, expected, shape: kept, rtol: tol, atol: tol).isClose, "\(dims) \(dtype)")
            #expect(x.sum(dims).shape == (0..<4).filter { !dims.contains($0) }.map { shape[$0] })
        }
    }
}
