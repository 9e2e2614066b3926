import Testing
import Torch

/// Random shapes, broadcasts and memory layouts (permuted, sliced with steps, expanded) through the strided
/// iteration engine, against a direct element-by-element computation in the test.
/// A small deterministic generator for test shapes (SplitMix64).
final class ShapeRNG {
    var state: UInt64
    init(_ seed: Int) { state = UInt64(seed) &* 0x9E37_79B9_7F4A_7C15 }
    func unit() -> Double {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return Double((z ^ (z >> 31)) >> 11) * 0x1.0p-53
    }
}

@Suite struct StridedFuzzTests {
    /// Row-major values of `t` computed independently of the engine: `toArray` of each single element.
    func values(_ t: Tensor) -> [Double] { t.contiguous().toArray(of: Double.self) }

    /// A tensor with the given logical shape and a random non-trivial layout.
    func randomLayout(_ shape: [Int], _ g: Generator, _ r: ShapeRNG) -> Tensor {
        let pick = Int(r.unit() * 3)
        switch pick {
        case 0 where shape.count >= 2:
            // Built transposed, then permuted back: non-contiguous strides.
            let perm = Array((0..<shape.count).reversed())
            return Tensor.randn(perm.map { shape[$0] }, dtype: .float64, generator: g).permute(perm)
        case 1 where !shape.isEmpty:
            // Every other element along the last dimension.
            var wide = shape
            wide[wide.count - 1] *= 2
            return Tensor.randn(wide, dtype: .float64, generator: g).slice(-1, 0, wide[wide.count - 1], step: 2)
        default:
            return Tensor.randn(shape, dtype: .float64, generator: g)
        }
    }

    /// Index of `coords` (in the broadcast shape) inside a tensor of `shape` broadcast to it.
    func sourceIndex(_ coords: [Int], _ shape: [Int], in outShape: [Int]) -> Int {
        let lead = outShape.count - shape.count
        var idx = 0
        for d in 0..<shape.count {
            let c = shape[d] == 1 ? 0 : coords[d + lead]
            idx = idx * shape[d] + c
        }
        return idx
    }

    @Test(arguments: 0..<40)
    func binaryOpsMatchElementwiseReference(_ seed: Int) {
        let g = Generator(seed: UInt64(1000 + seed)), r = ShapeRNG(1000 + seed)
        let rank = 1 + Int(r.unit() * 4)
        let outShape = (0..<rank).map { _ in 1 + Int(r.unit() * 5) }
        // Each operand drops leading dims and sets random dims to 1 (broadcast).
        func operandShape() -> [Int] {
            let drop = Int(r.unit() * Double(rank))
            return outShape.dropFirst(drop).map { r.unit() < 0.3 ? 1 : $0 }
        }
        let sa = operandShape(), sb = operandShape()
        let a = randomLayout(sa, g, r), b = randomLayout(sb, g, r)
        let expectedShape = broadcastShapes(sa, sb)
        let va = values(a), vb = values(b)
        let ops: [(String, (Tensor, Tensor) -> Tensor, (Double, Double) -> Double)] = [
            ("add", { $0 + $1 }, { $0 + $1 }),
            ("mul", { $0 * $1 }, { $0 * $1 }),
            ("maximum", { $0.maximum($1) }, { Swift.max($0, $1) }),
        ]
        let count = expectedShape.reduce(1, *)
        for (name, op, ref) in ops {
            let out = op(a, b)
            #expect(out.shape == expectedShape, "\(name) seed \(seed)")
            let got = values(out)
            var coords = [Int](repeating: 0, count: expectedShape.count)
            for i in 0..<count {
                var r = i
                for d in stride(from: expectedShape.count - 1, through: 0, by: -1) {
                    coords[d] = r % expectedShape[d]
                    r /= expectedShape[d]
                }
                let e = ref(va[sourceIndex(coords, sa, in: expectedShape)], vb[sourceIndex(coords, sb, in: expectedShape)])
                if got[i] != e {
                    Issue.record("\(name) seed \(seed): shapes \(sa) \(sb) element \(i): \(got[i]) != \(e)")
                    break
                }
            }
        }
        // In-place into a non-contiguous destination of the broadcast shape.
        let dst = randomLayout(expectedShape, g, r)
        let before = values(dst)
        dst.add_(a.expand(expectedShape))
        let after = values(dst)
        let ea = values(a.expand(expectedShape))
        for i in 0..<count where after[i] != before[i] + ea[i] {
            Issue.record("add_ seed \(seed): element \(i)")
            break
        }
    }

    @Test(arguments: 0..<20)
    func reductionsMatchReference(_ seed: Int) {
        let g = Generator(seed: UInt64(2000 + seed)), r = ShapeRNG(2000 + seed)
        let rank = 1 + Int(r.unit() * 3)
        let shape = (0..<rank).map { _ in 1 + Int(r.unit() * 6) }
        let x = randomLayout(shape, g, r)
        let dim = Int(r.unit() * Double(rank))
        let v = values(x)
        let outer = shape[..<dim].reduce(1, *), n = shape[dim], inner = shape[(dim + 1)...].reduce(1, *)
        var sums = [Double](repeating: 0, count: outer * inner), maxes = [Double](repeating: -.infinity, count: outer * inner)
        for o in 0..<outer {
            for k in 0..<n {
                for i in 0..<inner {
                    let e = v[(o * n + k) * inner + i]
                    sums[o * inner + i] += e
                    maxes[o * inner + i] = Swift.max(maxes[o * inner + i], e)
                }
            }
        }
        let s = values(x.sum([dim])), m = values(x.amax([dim]))
        for i in 0..<sums.count {
            #expect(Swift.abs(s[i] - sums[i]) <= 1e-12 * Swift.max(1, Swift.abs(sums[i])), "sum seed \(seed)")
            #expect(m[i] == maxes[i], "amax seed \(seed)")
        }
    }
}
