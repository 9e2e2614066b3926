import Testing
import Torch
import _TestSupport
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The float32 exp/erf kernels (polynomial, vectorised) against float64 libm over their whole range.
@Suite(.serialized) struct VectorMathTests {
    /// Every vector implementation this CPU can run gives the same values as float64 to float32 accuracy.
    @Test(arguments: ["portable", "avx2", "avx512"])
    func implementationsAgree(_ isa: String) {
        GlobalSettings.withVectorISA(isa) {
            let x = Tensor.linspace(-100, 88, steps: 1003, dtype: .float32)
            let cases: [(Tensor, Tensor)] = [
                (x.exp(), x.to(.float64).exp()),
                ((x / 10).gelu(), (x / 10).to(.float64).gelu()),
                ((x / 10).sigmoid(), (x / 10).to(.float64).sigmoid()),
                ((x / 50).reshape(17, 59).softmax(dim: 1), (x / 50).reshape(17, 59).to(.float64).softmax(dim: 1)),
                ((x / 50).reshape(17, 59).logSoftmax(dim: 1), (x / 50).reshape(17, 59).to(.float64).logSoftmax(dim: 1)),
            ]
            let y = Tensor.linspace(0.5, 7, steps: 1003, dtype: .float32)
            let row = Tensor.linspace(-1, 1, steps: 59, dtype: .float32)
            let arithmetic: [(Tensor, Tensor)] = [
                (x + y, x.to(.float64) + y.to(.float64)),
                (x - y, x.to(.float64) - y.to(.float64)),
                (x * 2.5, x.to(.float64) * 2.5),
                (3.0 / y, 3.0 / y.to(.float64)),
                (x / y, x.to(.float64) / y.to(.float64)),
                (x.relu(), x.to(.float64).relu()),
                (x.reshape(17, 59) + row, x.reshape(17, 59).to(.float64) + row.to(.float64)),
                (x.reshape(17, 59) * row, x.reshape(17, 59).to(.float64) * row.to(.float64)),
            ]
            for (i, (fast, exact)) in arithmetic.enumerated() {
                // One float32 rounding of an exact float64 result.
                let c = compareClose(fast.to(.float64), exact.toArray(of: Double.self), rtol: 1.2e-7, atol: 0)
                #expect(c.isClose, "\(isa) arithmetic case \(i): \(c.message)")
            }
            #expect(Tensor([Float.nan, -1, 2]).relu().toArray(of: Float.self)[0].isNaN)
            // GELU's gradient (the fused float32 kernel) against float64's composite formula: the CDF carries the
            // GELU bound above (≤ 1.2e-7 before the factor 0.5), the density exp's 2.5 ulp; times |g| ≤ 7.
            let xg = (x / 10).requiresGrad_(), x64 = (x / 10).to(.float64).requiresGrad_()
            let fastGrad = Torch.grad(outputs: [xg.gelu()], inputs: [xg], gradOutputs: [y])[0]!
            let exactGrad = Torch.grad(outputs: [x64.gelu()], inputs: [x64], gradOutputs: [y.to(.float64)])[0]!
            let gc = compareClose(fastGrad.to(.float64), exactGrad.toArray(of: Double.self), rtol: 3e-6, atol: 1e-6)
            #expect(gc.isClose, "\(isa) gelu gradient: \(gc.message)")
            for (i, (fast, exact)) in cases.enumerated() {
                // exp is compared relatively down to subnormals. GELU's erf (portable, AVX2) is a rational
                // approximation with |error| <= 7e-8 (plus float32 rounding, ~1.2e-7 in all), clamped at
                // |x/√2| = 4, so |GELU error| <= 0.5·|x|·1.2e-7 <= 3.5e-7 for |x| <= 4√2; the AVX-512 table is
                // tighter (geluTableAccuracy). The others at float32 resolution.
                let atol = i == 0 ? 1e-37 : (i == 1 ? 3.5e-7 : 1e-7)
                let c = compareClose(fast.to(.float64), exact.toArray(of: Double.self), rtol: 3e-6, atol: atol)
                #expect(c.isClose, "\(isa) case \(i): \(c.message)")
            }
        }
    }

    /// Softmax and logSoftmax rows holding NaN or ±inf give PyTorch's values (torch 2.13: a NaN or a +inf
    /// anywhere makes the whole row NaN, an all -inf row is NaN, -inf entries beside finite ones give 0 / -inf),
    /// in every vector implementation; the NaN may sit in the vector part of the row or in its scalar tail.
    @Test(arguments: ["portable", "avx2", "avx512"])
    func softmaxSpecialValuesMatchPyTorch(_ isa: String) {
        GlobalSettings.withVectorISA(isa) {
            let n = 19
            func row(_ set: [Int: Float], fill: Float = 1) -> [Float] {
                (0..<n).map { set[$0] ?? fill }
            }
            let rows: [[Float]] = [
                row([0: .infinity]), row([0: .nan]), row([11: .nan]), row([18: .nan]), row([0: .infinity, 1: .infinity], fill: 0),
                row([:], fill: -.infinity), row([18: 0], fill: -.infinity),
            ]
            let x = Tensor(rows.flatMap { $0 }).reshape(rows.count, n)
            let sm = x.softmax(dim: 1).toArray(of: Float.self), lsm = x.logSoftmax(dim: 1).toArray(of: Float.self)
            for r in 0..<5 {
                #expect(sm[(r * n)..<((r + 1) * n)].allSatisfy { $0.isNaN }, "\(isa) softmax row \(r)")
                #expect(lsm[(r * n)..<((r + 1) * n)].allSatisfy { $0.isNaN }, "\(isa) logSoftmax row \(r)")
            }
            #expect(sm[(5 * n)..<(6 * n)].allSatisfy { $0.isNaN } && lsm[(5 * n)..<(6 * n)].allSatisfy { $0.isNaN }, "\(isa) all -inf")
            let last = 6 * n
            #expect(sm[last..<(last + n - 1)].allSatisfy { $0 == 0 } && sm[last + n - 1] == 1, "\(isa) softmax of -inf and 0")
            #expect(lsm[last..<(last + n - 1)].allSatisfy { $0 == -.infinity } && lsm[last + n - 1] == 0, "\(isa) logSoftmax of -inf and 0")
        }
    }

    @Test func expAccuracy() {
        let xs = Tensor.linspace(-87, 88.7, steps: 20001, dtype: .float64)
        let exact = xs.exp().toArray(of: Double.self)
        let fast = xs.to(.float32).exp().toArray(of: Float.self)
        let x32 = xs.to(.float32).toArray(of: Float.self)
        var worst = 0.0
        for i in 0..<exact.count {
            // Compare with exp of the float32-rounded input, in units of the float32 spacing.
            let e = Double.exp(Double(x32[i]))
            let ulp = Double(Float(e).ulp)
            worst = Swift.max(worst, Swift.abs(Double(fast[i]) - e) / ulp)
        }
        #expect(worst <= 2.5, "max error \(worst) ulp")
        _ = exact
        let edge = Tensor([Float(-110), -100, -90, 88.72, 89, .infinity, -.infinity, .nan]).exp().toArray(of: Float.self)
        #expect(edge[0] == 0)
        #expect(Swift.abs(Double(edge[1]) - Double.exp(-100)) <= Double(Float.leastNonzeroMagnitude) * 2)
        #expect(Swift.abs(Double(edge[2]) - Double.exp(-90)) / Double.exp(-90) < 1e-4)
        #expect(edge[3].isFinite && edge[4] == .infinity && edge[5] == .infinity && edge[6] == 0 && edge[7].isNaN)
    }

    @Test func erfAccuracy() {
        let xs = Tensor.linspace(-6, 6, steps: 4001, dtype: .float32)
        let fast = xs.erf().toArray(of: Float.self)
        let exact = xs.to(.float64).erf().toArray(of: Double.self)
        var worst = 0.0
        for i in 0..<fast.count { worst = Swift.max(worst, Swift.abs(Double(fast[i]) - exact[i])) }
        #expect(worst < 3e-7, "max abs error \(worst)")
        let g = Tensor([Float(-3), -0.5, 0, 0.5, 3]).gelu().to(.float64)
        let gd = Tensor([-3.0, -0.5, 0, 0.5, 3]).gelu()
        // GELU error bound of the vector kernels (see implementationsAgree).
        let c = compareClose(g, gd.toArray(of: Double.self), rtol: 1e-6, atol: 3.5e-7)
        #expect(c.isClose, "\(c.message)")
    }

    /// The AVX-512 GELU and GELU-gradient tables (gelu_table.h) against float64 on a dense grid over every
    /// region: the erfc tail below -2.9, the 32 polynomial pieces on [-2.9, 5.75] and their boundaries, and the
    /// identity above.
    @Test func geluTableAccuracy() {
        GlobalSettings.withVectorISA("avx512") {
            let x = Tensor.linspace(-12, 10, steps: 220_001, dtype: .float32)
            let xs = x.toArray(of: Float.self)
            let fast = x.gelu().toArray(of: Float.self)
            let g = x.requiresGrad_()
            let fastGrad = Torch.grad(outputs: [g.gelu()], inputs: [g], gradOutputs: [Tensor.onesLike(g)])[0]!
                .toArray(of: Float.self)
            var worstTable = 0.0, worstTail = 0.0, worstGrad = 0.0
            for i in 0..<xs.count {
                // GELU = x·Φ(x) and its derivative Φ(x) + x·φ(x) in float64 with Φ through erfc (no cancellation
                // in the negative tail, where float64's 1 + erf loses every digit below x ≈ -8).
                let xd = Double(xs[i])
                let cdf = 0.5 * erfc(-xd / 2.0.squareRoot())
                let e = xd * cdf, d = cdf + xd * Double.exp(-0.5 * xd * xd) / (2 * Double.pi).squareRoot()
                let rel = e == 0 ? Double(Swift.abs(fast[i])) : Swift.abs(Double(fast[i]) - e) / Swift.abs(e)
                if xs[i] < -2.9 { worstTail = Swift.max(worstTail, rel) } else { worstTable = Swift.max(worstTable, rel) }
                worstGrad = Swift.max(worstGrad, Swift.abs(Double(fastGrad[i]) - d) / Swift.max(1, Swift.abs(d)))
            }
            // Φ's pieces: |error| <= 1.5e-7, relative <= 6.2e-7 (float32 rounding included), plus the product's
            // rounding; the tail's erfc is relative to 1.2e-7 but exp(-z²) inherits z²'s rounding (≈ 2e-5 at
            // x = -12); the derivative's pieces |error| <= 2.2e-7.
            #expect(worstTable <= 7e-7, "GELU on the table: relative error \(worstTable)")
            #expect(worstTail <= 3e-5, "GELU below -2.9: relative error \(worstTail)")
            #expect(worstGrad <= 2.5e-7, "GELU gradient: error \(worstGrad)")
            let edge = Tensor([Float.nan, .infinity, 6, 5.75, -2.9, 0]).gelu().toArray(of: Float.self)
            #expect(edge[0].isNaN && edge[1] == .infinity && edge[2] == 6 && edge[3] == 5.75 && edge[5] == 0)
        }
    }

    /// `add_`/`sub_` with alpha on contiguous float32 tensors: one fused multiply-add per element (PyTorch's
    /// vectorised kernel), also split across threads; other layouts and overlapping operands keep the composite.
    @Test func scaledAddInPlaceIsOneFusedMultiplyAdd() {
        GlobalSettings.exclusive {
            let before = Torch.numThreads
            defer { Torch.setNumThreads(before) }
            Torch.setNumThreads(2)
            for n in [1, 15, 1003, 70_001] {
                let x = Tensor.randn([n], generator: Generator(seed: 21))
                let y0 = Tensor.randn([n], generator: Generator(seed: 22))
                let xs = x.toArray(of: Float.self), ys = y0.toArray(of: Float.self)
                for (alpha, subtract) in [(-0.01, false), (2.5, true), (0.1, false)] {
                    let y = y0.clone()
                    if subtract { y.sub_(x, alpha: alpha) } else { y.add_(x, alpha: alpha) }
                    let a = Float(subtract ? -alpha : alpha)
                    let want = zip(ys, xs).map { $0.addingProduct(a, $1) }
                    let got = y.toArray(of: Float.self)
                    #expect(zip(got, want).allSatisfy { $0.bitPattern == $1.bitPattern }, "n = \(n), alpha \(alpha), sub \(subtract)")
                }
            }
            // A strided target, and a source overlapping the target one element off: the composite's values.
            let base = Tensor.randn([64], generator: Generator(seed: 23))
            let strided = base.clone().view([32, 2])
            strided.select(1, 0).add_(base.view([32, 2]).select(1, 1), alpha: 3)
            let expected = base.view([32, 2]).select(1, 0) + base.view([32, 2]).select(1, 1) * 3
            #expect(strided.select(1, 0).equal(expected) && strided.select(1, 1).equal(base.view([32, 2]).select(1, 1)))
            let overlap = base.clone()
            overlap.narrow(0, 1, 63).add_(overlap.narrow(0, 0, 63), alpha: 0.5)
            let composite = base.narrow(0, 1, 63) + base.narrow(0, 0, 63) * 0.5
            #expect(overlap.narrow(0, 1, 63).equal(composite) && overlap[0].equal(base[0]))
        }
    }

    /// Non-temporal stores (used for outputs larger than half the last-level cache) give the same values as the
    /// cached stores, from any alignment of the output and across thread ranges, and write nothing outside it,
    /// in both vector implementations that have them.
    @Test(arguments: ["avx2", "avx512"])
    func streamingStoresMatchCachedStores(_ isa: String) {
        GlobalSettings.withVectorISA(isa) {
            let before = Torch.numThreads
            defer { Torch._setStreamingStoreThreshold(0); Torch.setNumThreads(before) }
            Torch.setNumThreads(2)
            for n in [1003, 70_001] {
                let a = Tensor.randn([n], generator: Generator(seed: 7)) * 3
                let b = Tensor.rand([n], generator: Generator(seed: 8)) + 0.5
                let ops: [(String, (Tensor) -> Void)] = [
                    ("exp", { a.exp(out: $0) }), ("gelu", { a.gelu(out: $0) }), ("sigmoid", { a.sigmoid(out: $0) }),
                    ("relu", { a.relu(out: $0) }), ("add", { a.add(b, out: $0) }), ("sub", { a.sub(b, out: $0) }),
                    ("mul", { a.mul(b, out: $0) }), ("div", { a.div(b, out: $0) }), ("add scalar", { a.add(Tensor(scalar: Float(2)), out: $0) }),
                ]
                for (name, op) in ops {
                    for offset in [0, 1, 3, 13] {
                        Torch._setStreamingStoreThreshold(0)
                        let cached = Tensor.zeros([n]); op(cached)
                        Torch._setStreamingStoreThreshold(64)
                        let buffer = Tensor.full([n + 32], -7.0)
                        op(buffer.narrow(0, offset, n))
                        let streamed = buffer.toArray(of: Float.self)
                        let reference = cached.toArray(of: Float.self)
                        let inside = (0..<n).allSatisfy { streamed[offset + $0].bitPattern == reference[$0].bitPattern }
                        let outside = (0..<offset).allSatisfy { streamed[$0] == -7 } && streamed[(offset + n)...].allSatisfy { $0 == -7 }
                        #expect(inside && outside, "\(name), n = \(n), offset \(offset): inside \(inside), outside \(outside)")
                    }
                }
                // The gradient of GELU (its own kernel) through the streaming path.
                Torch._setStreamingStoreThreshold(0)
                let x = a.requiresGrad_(false).detach().requiresGrad_()
                let cachedGrad = Torch.grad(outputs: [x.gelu()], inputs: [x], gradOutputs: [b])[0]!.toArray(of: Float.self)
                Torch._setStreamingStoreThreshold(64)
                let streamedGrad = Torch.grad(outputs: [x.gelu()], inputs: [x], gradOutputs: [b])[0]!.toArray(of: Float.self)
                #expect(zip(cachedGrad, streamedGrad).allSatisfy { $0.bitPattern == $1.bitPattern }, "gelu gradient, n = \(n)")
            }
            // Rows with a broadcast operand (one C call per thread's rows, one fence after them), into padded
            // output rows at every alignment.
            let rows = 37, cols = 103
            let m = Tensor.randn([rows, cols], generator: Generator(seed: 9))
            let row = Tensor.rand([cols], generator: Generator(seed: 10)) + 0.5
            let column = Tensor.rand([rows, 1], generator: Generator(seed: 11)) + 0.5
            let rowOps: [(String, (Tensor) -> Void)] = [
                ("add row", { m.add(row, out: $0) }), ("sub row", { m.sub(row, out: $0) }),
                ("mul column", { m.mul(column, out: $0) }), ("div column", { m.div(column, out: $0) }),
                ("row minus matrix", { row.sub(m, out: $0) }),
            ]
            for (name, op) in rowOps {
                for offset in [0, 1, 5] {
                    Torch._setStreamingStoreThreshold(0)
                    let cached = Tensor.zeros([rows, cols]); op(cached)
                    Torch._setStreamingStoreThreshold(64)
                    let buffer = Tensor.full([rows, cols + 8], -7.0)
                    op(buffer.narrow(1, offset, cols))
                    let streamed = buffer.toArray(of: Float.self), reference = cached.toArray(of: Float.self)
                    var inside = true, outside = true
                    for r in 0..<rows {
                        for c in 0..<(cols + 8) {
                            let v = streamed[r * (cols + 8) + c]
                            if c >= offset && c < offset + cols {
                                inside = inside && v.bitPattern == reference[r * cols + c - offset].bitPattern
                            } else {
                                outside = outside && v == -7
                            }
                        }
                    }
                    #expect(inside && outside, "\(name), offset \(offset): inside \(inside), outside \(outside)")
                }
            }
            // The row kernels of layerNorm and softmax (the caller decides on the whole output; rows of 103
            // floats start at every alignment; 5000 is wider than softmax's scratch row and is not streamed).
            for cols in [103, 1024, 5000] {
                let x = Tensor.randn([rows, cols], generator: Generator(seed: 12)) * 2
                let w = Tensor.rand([cols], generator: Generator(seed: 13)) + 0.5
                let bias = Tensor.randn([cols], generator: Generator(seed: 14))
                let normOps: [(String, () -> Tensor)] = [
                    ("layerNorm", { x.layerNorm([cols]) }),
                    ("layerNorm affine", { x.layerNorm([cols], weight: w, bias: bias) }),
                    ("softmax", { x.softmax(dim: 1) }), ("logSoftmax", { x.logSoftmax(dim: 1) }),
                ]
                for (name, op) in normOps {
                    Torch._setStreamingStoreThreshold(0)
                    let cached = op().toArray(of: Float.self)
                    Torch._setStreamingStoreThreshold(64)
                    let streamed = op().toArray(of: Float.self)
                    #expect(zip(cached, streamed).allSatisfy { $0.bitPattern == $1.bitPattern }, "\(name), cols = \(cols)")
                }
            }
            Torch._setStreamingStoreThreshold(0)
            #expect(Torch._streamingStoreThreshold >= 1 << 16, "detected threshold \(Torch._streamingStoreThreshold)")
        }
    }
}
