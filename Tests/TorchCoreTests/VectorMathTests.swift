import Testing
import Torch
import _TestSupport

/// The float32 exp/erf kernels (polynomial, vectorised) against float64 libm over their whole range.
@Suite(.serialized) struct VectorMathTests {
    /// Every vector implementation this CPU can run gives the same values as float64 to float32 accuracy.
    @Test(arguments: ["portable", "avx2", "avx512"])
    func implementationsAgree(_ isa: String) {
        GlobalSettings.exclusive {
            let best = Torch.vectorISA
            defer { Torch._forceVectorISA(best) }
            guard Torch._forceVectorISA(isa) else { return }
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
                // exp is compared relatively down to subnormals. GELU's erf is a rational approximation with
                // |error| <= 7e-8 (plus float32 rounding, ~1.2e-7 in all), clamped at |x/√2| = 4, so
                // |GELU error| <= 0.5·|x|·1.2e-7 <= 3.5e-7 for |x| <= 4√2. The others at float32 resolution.
                let atol = i == 0 ? 1e-37 : (i == 1 ? 3.5e-7 : 1e-7)
                let c = compareClose(fast.to(.float64), exact.toArray(of: Double.self), rtol: 3e-6, atol: atol)
                #expect(c.isClose, "\(isa) case \(i): \(c.message)")
            }
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
}
