import CTorchKernels
import Testing
@testable import TorchCore
import _TestSupport

/// SwiftTorch's own float32 GEMM (`sgemm.c`: packed panels, a 12 × 32 AVX-512 micro-kernel) against a float64
/// product, for every transposition, tails of every tile and block size, alpha/beta combinations and padded
/// leading dimensions; and its plain-loop fallback the same way.
@Suite(.serialized) struct GemmKernelTests {
    struct Shape: CustomStringConvertible, Sendable {
        let m: Int, n: Int, k: Int
        /// Whether the operands' leading dimensions are padded; unpadded ones a multiple of 512 floats take the
        /// kernel's copied-strip path.
        var padded = true
        var description: String { "\(m)x\(n)x\(k)\(padded ? "" : " unpadded")" }
    }

    /// Shapes at and around the tile (12 rows, 32 columns, 16-wide packing blocks) and block (512 of k, 256 of n)
    /// boundaries, and leading dimensions 2 KB apart.
    static let shapes: [Shape] = [
        Shape(m: 30, n: 70, k: 512, padded: false), Shape(m: 512, n: 70, k: 40, padded: false),
        Shape(m: 13, n: 40, k: 1024, padded: false),
        Shape(m: 1, n: 1, k: 1), Shape(m: 11, n: 15, k: 7), Shape(m: 12, n: 32, k: 16), Shape(m: 13, n: 33, k: 17),
        Shape(m: 25, n: 65, k: 31), Shape(m: 24, n: 16, k: 513), Shape(m: 7, n: 300, k: 40), Shape(m: 13, n: 260, k: 1030),
        Shape(m: 100, n: 1, k: 45), Shape(m: 1, n: 100, k: 1),
    ]

    @Test(arguments: ["avx512", "portable"]) func matchesFloat64Product(_ isa: String) {
        GlobalSettings.withVectorISA(isa) {
            let rng = ShapeRNG(7)
            for s in Self.shapes {
                for (ta, tb) in [(false, false), (false, true), (true, false), (true, true)] {
                    for (alpha, beta) in [(Float(1), Float(0)), (1, 1), (0.5, -2)] {
                        check(s, ta, tb, alpha, beta, rng, isa)
                    }
                }
            }
        }
    }

    /// With beta 0 the output is written without being read: NaN already in it does not survive. The
    /// columns between n and the leading dimension are never written.
    @Test func betaZeroIgnoresOutputAndPaddingIsKept() {
        let m = 13, n = 35, k = 9, ldc = n + 3
        let rng = ShapeRNG(3)
        let a = (0..<(m * k)).map { _ in Float(rng.unit() - 0.5) }, b = (0..<(k * n)).map { _ in Float(rng.unit() - 0.5) }
        var c = [Float](repeating: .nan, count: m * ldc)
        for i in 0..<m { for j in n..<ldc { c[i * ldc + j] = Float(100 + j) } }
        st_sgemm_f32(0, 0, m, n, k, 1, a, k, b, n, 0, &c, ldc)
        for i in 0..<m {
            for j in 0..<n {
                var s = 0.0, magnitude = 0.0
                for p in 0..<k {
                    let t = Double(a[i * k + p]) * Double(b[p * n + j])
                    s += t
                    magnitude += abs(t)
                }
                let bound = Double(k + 2) * Double(Float.ulpOfOne) / 2 * magnitude
                #expect(abs(Double(c[i * ldc + j]) - s) <= bound, "c[\(i),\(j)] = \(c[i * ldc + j]), exact \(s)")
            }
            for j in n..<ldc { #expect(c[i * ldc + j] == Float(100 + j), "padding column \(j) of row \(i) was written") }
        }
    }

    /// One case: random operands stored with padded leading dimensions, compared elementwise with the float64
    /// product within the standard bound for a float32 sum of k products, (k + 2)·u·(|alpha|·Σ|a||b| + |beta·c|).
    func check(_ s: Shape, _ ta: Bool, _ tb: Bool, _ alpha: Float, _ beta: Float, _ rng: ShapeRNG, _ isa: String) {
        let (m, n, k) = (s.m, s.n, s.k)
        let aRows = ta ? k : m, aCols = ta ? m : k, bRows = tb ? n : k, bCols = tb ? k : n
        let pad = s.padded ? 1 : 0
        let lda = aCols + 3 * pad, ldb = bCols + 5 * pad, ldc = n + 2 * pad
        let a = (0..<(aRows * lda)).map { _ in Float(rng.unit() * 2 - 1) }
        let b = (0..<(bRows * ldb)).map { _ in Float(rng.unit() * 2 - 1) }
        let c0 = (0..<(m * ldc)).map { _ in Float(rng.unit() * 2 - 1) }
        var c = c0
        st_sgemm_f32(ta ? 1 : 0, tb ? 1 : 0, m, n, k, alpha, a, lda, b, ldb, beta, &c, ldc)
        let u = Double(Float.ulpOfOne) / 2
        var worst = 0.0, failures = 0
        for i in 0..<m {
            for j in 0..<ldc {
                if j >= n {
                    if c[i * ldc + j] != c0[i * ldc + j] { failures += 1 }
                    continue
                }
                var exact = 0.0, magnitude = 0.0
                for p in 0..<k {
                    let x = Double(ta ? a[p * lda + i] : a[i * lda + p]), y = Double(tb ? b[j * ldb + p] : b[p * ldb + j])
                    exact += x * y
                    magnitude += abs(x * y)
                }
                let cij = Double(c0[i * ldc + j])
                let expected = Double(alpha) * exact + (beta == 0 ? 0 : Double(beta) * cij)
                let bound = Double(k + 2) * u * (Double(abs(alpha)) * magnitude + abs(Double(beta) * cij)) + 1e-30
                let err = abs(Double(c[i * ldc + j]) - expected)
                worst = Swift.max(worst, err / bound)
                if err > bound { failures += 1 }
            }
        }
        #expect(failures == 0, "\(isa) \(s) ta=\(ta) tb=\(tb) alpha=\(alpha) beta=\(beta): \(failures) elements outside the bound (worst \(worst)× it)")
    }
}
