import Testing
import Torch
import _TestSupport

@Suite struct AutogradTests {
    @Test func leafAccumulationAndBroadcastReduction() {
        let w = Tensor([Float(1), 2, 3]).requiresGrad_()
        let x = Tensor([[1, 1, 1], [2, 2, 2]] as [[Float]])
        let y = (x * w).sum()
        y.backward()
        #expect(w.grad!.toArray(of: Float.self) == [3, 3, 3])
        // A second backward accumulates.
        (w * w).sum().backward()
        #expect(w.grad!.toArray(of: Float.self) == [5, 7, 9])
        #expect(w.isLeaf && !y.isLeaf && y.gradFn!.name == "SumBackward0")
    }

    @Test func closedFormHigherOrder() {
        // y = x³: dy/dx = 3x², d²y/dx² = 6x, d³y/dx³ = 6.
        let x = Tensor([2.0]).requiresGrad_()
        let y = x.pow(3)
        let g1 = Torch.grad(outputs: [y.sum()], inputs: [x], createGraph: true)[0]!
        #expect(g1.item() == 12)
        let g2 = Torch.grad(outputs: [g1.sum()], inputs: [x], createGraph: true)[0]!
        #expect(g2.item() == 12)
        let g3 = Torch.grad(outputs: [g2.sum()], inputs: [x])[0]!
        #expect(g3.item() == 6)
        #expect(x.grad == nil)
    }

    @Test func noGradAndDetach() {
        let x = Tensor.ones([2]).requiresGrad_()
        let y = noGrad { x * 2 }
        #expect(!y.requiresGrad && y.gradFn == nil)
        let z = enableGrad { x * 2 }
        #expect(z.requiresGrad)
        let d = (x * 3).detach()
        #expect(!d.requiresGrad)
        #expect(inferenceMode { (x * 2).requiresGrad } == false)
    }

    @Test func retainGradAndHooks() {
        let x = Tensor([Float(1), 2]).requiresGrad_()
        let h = x * 3
        h.retainGrad()
        var seen: [Float] = []
        h.registerHook { g in
            seen = g.toArray(of: Float.self)
            return g * 2
        }
        x.registerHook { g in g + 1 }
        (h * h).sum().backward()
        #expect(seen == [6, 12])
        #expect(h.grad!.toArray(of: Float.self) == [12, 24])
        // dL/dx = 3 · (2·dL/dh) + 1 from the leaf hook.
        #expect(x.grad!.toArray(of: Float.self) == [37, 73])
    }

    @Test func inPlaceOnNonLeafAndViews() {
        let x = Tensor([Float(1), 2, 3]).requiresGrad_()
        let y = x * 2
        y.mul_(Tensor([Float(1), 10, 100]))
        y.sum().backward()
        #expect(x.grad!.toArray(of: Float.self) == [2, 20, 200])

        // Writing into a view of a non-leaf routes gradients through the write.
        let a = Tensor([Float(1), 2, 3, 4]).requiresGrad_()
        let b = a * 1
        let v = b[1..<3]
        v.mul_(5)
        #expect(b.toArray(of: Float.self) == [1, 10, 15, 4])
        b.sum().backward()
        #expect(a.grad!.toArray(of: Float.self) == [1, 5, 5, 1])

        // Assignment into a slice: the overwritten region gets no gradient, the value does.
        let p = Tensor([Float(1), 2, 3]).requiresGrad_()
        let q = Tensor([Float(7)]).requiresGrad_()
        let r = p * 1
        r[0..<1] = q * 2
        (r * r).sum().backward()
        #expect(p.grad!.toArray(of: Float.self) == [0, 4, 6])
        #expect(q.grad!.toArray(of: Float.self) == [56])
    }

    @Test func inPlaceThroughViewsOfNonContiguousBases() {
        // base is a transposed (non-contiguous) non-leaf; write through a view of a view of it.
        let x = Tensor.arange(0, 6, dtype: .float64).reshape(2, 3).requiresGrad_()
        let w = Tensor([10.0, 20]).requiresGrad_()
        let base = (x * 1).t()             // [3, 2], strides [1, 3]
        base[1].mul_(w)                    // row 1 of base = column 1 of x
        base[.all, 0][2...].add_(5)        // a view of a view
        (base * base).sum().backward()
        // Expected from the out-of-place equivalent.
        let x2 = Tensor.arange(0, 6, dtype: .float64).reshape(2, 3).requiresGrad_()
        let w2 = Tensor([10.0, 20]).requiresGrad_()
        let t = x2.t()
        let r1 = t[1] * w2
        let r0 = Tensor.cat([t[0], t[1].detach() * 0 + r1, t[2]].map { $0.unsqueeze(0) }, dim: 0)
        let col0Shift = Tensor([0.0, 0, 5]).unsqueeze(1) * Tensor([1.0, 0]).unsqueeze(0)
        let ref = r0 + col0Shift
        (ref * ref).sum().backward()
        #expect(base.detach().equal(ref.detach()))
        #expect(x.grad!.equal(x2.grad!))
        #expect(w.grad!.equal(w2.grad!))
    }

    @Test func multipleUsesAndDiamond() {
        let x = Tensor([3.0]).requiresGrad_()
        let a = x * x
        let b = a.exp()
        let c = a.sin()
        (b + c).backward()
        let expected = (2 * 3.0) * (Double.exp(9) + Double.cos(9.0))
        #expect(Swift.abs(x.grad!.item() - expected) < 1e-6 * Swift.abs(expected))
    }

    @Test func viewGradients() {
        let x = Tensor.arange(0, 6, dtype: .float64).reshape(2, 3).requiresGrad_()
        let column1 = x.t()[1].sum()
        let column0Squared = x[.all, 0].square().sum()
        let windows = x.unfold(1, size: 2, step: 1).sum()
        let y = column1 + column0Squared + windows
        y.backward()
        // t()[1] is column 1; x[:,0]² gives 2x (0 and 6); unfold counts the middle column twice.
        let expected: [Double] = [1, 3, 1, 7, 3, 1]
        #expect(x.grad!.toArray(of: Double.self) == expected)
    }

    @Test func customFunction() {
        struct Cube: AutogradFunction {
            func forward(_ ctx: FunctionContext, inputs: [Tensor]) -> Tensor {
                ctx.saveForBackward(inputs[0])
                return inputs[0] * inputs[0] * inputs[0]
            }
            func backward(_ ctx: FunctionContext, gradOutput: Tensor) -> [Tensor?] {
                let x = ctx.savedTensors[0]
                return [gradOutput * 3 * x * x]
            }
        }
        let x = Tensor([1.0, 2.0]).requiresGrad_()
        let y = Cube().apply(x)
        #expect(y.toArray(of: Double.self) == [1, 8])
        y.sum().backward()
        #expect(x.grad!.toArray(of: Double.self) == [3, 12])
        let r = gradcheck({ Cube().apply($0[0]) }, inputs: [Tensor([0.3, -1.2]).requiresGrad_()])
        #expect(r.passed)
    }

    /// mm/addmm take the gradient of a column-major (transposed) operand in its own layout, as PyTorch does: a
    /// linear layer's weight gradient comes back row-major and equals gᵀ·x, and gradients through transposed
    /// operands pass gradcheck and gradgradcheck.
    @Test func transposedOperandGradients() {
        let g = Generator(seed: 3)
        let x = Tensor.randn([3, 4], dtype: .float64, generator: g)
        let w = Tensor.randn([5, 4], dtype: .float64, generator: g).requiresGrad_()
        let b = Tensor.randn([5], dtype: .float64, generator: g).requiresGrad_()
        let gy = Tensor.randn([3, 5], dtype: .float64, generator: g)
        b.addmm(x, w.t()).backward(gradient: gy)
        #expect(w.grad!.isContiguous)
        let expected = gy.t().contiguous().mm(x)
        #expect(compareClose(w.grad!, expected.toArray(of: Double.self), shape: [5, 4], rtol: 1e-12, atol: 1e-12).isClose)
        let a = Tensor.randn([4, 3], dtype: .float64, generator: g).requiresGrad_()
        let c = Tensor.randn([2, 4], dtype: .float64, generator: g).requiresGrad_()
        for f: ([Tensor]) -> Tensor in [{ $0[0].t().mm($0[1].t()) }, { $0[1].mm($0[0]) },
                                        { Tensor.zeros([3, 2], dtype: .float64).addmm($0[0].t(), $0[1].t(), beta: 0.5, alpha: 2) }] {
            #expect(gradcheck(f, inputs: [a, c]).passed)
            #expect(gradgradcheck(f, inputs: [a, c]).passed)
        }
    }

    /// BLAS takes a matrix whose size-1 dimensions have any stride in place: an expanded `[1, 1]` (strides
    /// `[0, 0]`, the gradient of a one-element sum), a `[1, n]` row of a column-major matrix, a `[n, 1]` column
    /// of a wider one; products with them equal the products with their contiguous copies, and an expanded
    /// `[3, 1]` (stride 0 where the size is 3) is still copied first.
    @Test func degenerateStridesInProducts() {
        let g = Generator(seed: 5)
        let b = Tensor.randn([1, 3], dtype: .float64, generator: g)
        let scalar = Tensor(scalar: 2.0).expand([1, 1])
        #expect(scalar.strides == [0, 0])
        #expect(scalar.mm(b).toArray(of: Double.self) == (b * 2).toArray(of: Double.self))
        let base = Tensor.randn([5, 4], dtype: .float64, generator: g)
        let row = base.t().narrow(0, 2, 1), column = base.narrow(1, 1, 1)
        let m = Tensor.randn([5, 3], dtype: .float64, generator: g), n = Tensor.randn([1, 6], dtype: .float64, generator: g)
        #expect(row.strides == [1, 4] && column.strides == [4, 1])
        #expect(row.mm(m).toArray(of: Double.self) == row.contiguous().mm(m).toArray(of: Double.self))
        #expect(column.mm(n).toArray(of: Double.self) == column.contiguous().mm(n).toArray(of: Double.self))
        #expect(m.t().mm(column).toArray(of: Double.self) == m.t().contiguous().mm(column.contiguous()).toArray(of: Double.self))
        let tall = Tensor([1.0, 2.0, 3.0]).reshape([3, 1]).narrow(0, 1, 1).expand([3, 1])
        #expect(tall.mm(b).toArray(of: Double.self) == Tensor.full([3, 1], 2.0, dtype: .float64).mm(b).toArray(of: Double.self))
        // The one-output linear layer of the autograd-overhead benchmark: its output gradient is such an [1, 1].
        let x = Tensor([[0.5, -1.0, 2.0, 0.25]]), w = Tensor([[1.0, 2.0, 3.0, 4.0]]).requiresGrad_()
        let bias = Tensor([0.5]).requiresGrad_()
        bias.addmm(x, w.t()).sum().backward()
        #expect(w.grad!.toArray(of: Double.self) == x.toArray(of: Double.self) && bias.grad!.toArray(of: Double.self) == [1])
    }

    /// A leaf's first gradient is memory of its own even when the gradient is shared: the same tensor sent to two
    /// leaves by an addition, the caller's `gradient:`, an expanded view, a tensor a hook kept. In-place updates of
    /// one `.grad` change nothing else. (Gradients nothing else refers to are adopted without a copy.)
    @Test func firstGradientsDoNotAlias() {
        let a = Tensor([1.0, 2.0, 3.0]).requiresGrad_(), b = Tensor([4.0, 5.0, 6.0]).requiresGrad_()
        let gy = Tensor([0.5, 0.25, 2.0])
        (a + b).backward(gradient: gy)
        _ = a.grad!.add_(1.0)
        #expect(a.grad!.toArray(of: Double.self) == [1.5, 1.25, 3.0])
        #expect(b.grad!.toArray(of: Double.self) == [0.5, 0.25, 2.0])
        #expect(gy.toArray(of: Double.self) == [0.5, 0.25, 2.0])

        let x = Tensor([1.0, -1.0]).requiresGrad_()
        let gx = Tensor([3.0, 4.0])
        x.backward(gradient: gx)
        _ = x.grad!.mul_(2.0)
        #expect(x.grad!.toArray(of: Double.self) == [6, 8] && gx.toArray(of: Double.self) == [3, 4])

        let s = Tensor([1.0, 2.0, 3.0]).requiresGrad_()
        s.sum().backward()
        _ = s.grad!.add_(1.0)
        #expect(s.grad!.toArray(of: Double.self) == [2, 2, 2])

        let h = Tensor([1.0, 2.0]).requiresGrad_()
        nonisolated(unsafe) var kept: Tensor?
        h.registerHook { g in kept = g; return nil }
        (h * 3).sum().backward()
        _ = h.grad!.add_(1.0)
        #expect(h.grad!.toArray(of: Double.self) == [4, 4] && kept!.toArray(of: Double.self) == [3, 3])

        // A fresh gradient (nothing else refers to it) becomes .grad with its values.
        let w = Tensor([[1.0, 2.0], [3.0, 4.0]]).requiresGrad_()
        (w * w).sum().backward()
        #expect(w.grad!.toArray(of: Double.self) == [2, 4, 6, 8] && w.grad!.isContiguous)
        _ = w.grad!.add_(1.0)
        (w * w).sum().backward()
        #expect(w.grad!.toArray(of: Double.self) == [5, 9, 13, 17])
    }

    @Test func gradcheckCatchesAWrongGradient() {
        struct Wrong: AutogradFunction {
            func forward(_ ctx: FunctionContext, inputs: [Tensor]) -> Tensor { inputs[0].square() }
            func backward(_ ctx: FunctionContext, gradOutput: Tensor) -> [Tensor?] { [gradOutput] }
        }
        let r = gradcheck({ Wrong().apply($0[0]) }, inputs: [Tensor([0.5, 2.0]).requiresGrad_()])
        #expect(!r.passed)
    }

    @Test func prodGradientWithZeros() {
        let x = Tensor([2.0, 0, 3]).requiresGrad_()
        x.prod().backward()
        #expect(x.grad!.toArray(of: Double.self) == [0, 6, 0])
        let y = Tensor([[0.0, 0, 3], [1, 2, 4]]).requiresGrad_()
        y.prod([1]).sum().backward()
        #expect(y.grad!.toArray(of: Double.self) == [0, 0, 0, 8, 4, 2])
    }

    @Test func cumprodGradientWithZeros() {
        // y = [a, ab, abc, abcd] with b = 0: dL/dx for L = Σ y.
        let x = Tensor([2.0, 0, 3, 4]).requiresGrad_()
        x.cumprod(dim: 0).sum().backward()
        // d/da = 1 + b + bc + bcd = 1; d/db = a + ac + acd = 2 + 6 + 24 = 32; d/dc = ab + abd = 0; d/dd = abc = 0.
        #expect(x.grad!.toArray(of: Double.self) == [1, 32, 0, 0])
        let z = Tensor([[0.0, 5, 0], [1, 2, 3]]).requiresGrad_()
        z.cumprod(dim: 1).sum().backward()
        // Row 0: d/dx0 = 1 + 5 + 0 = 6, d/dx1 = x0 + x0·x2 = 0, d/dx2 = x0·x1 = 0. Row 1 without zeros.
        let expected: [Double] = [6, 0, 0, 9, 4, 2]  // row 1: 1 + x1 + x1·x2, x0 + x0·x2, x0·x1
        #expect(z.grad!.toArray(of: Double.self) == expected)
    }

    @Test func grandAllowUnused() {
        let a = Tensor([1.0]).requiresGrad_(), b = Tensor([2.0]).requiresGrad_()
        let g = Torch.grad(outputs: [(a * 3).sum()], inputs: [a, b], allowUnused: true)
        #expect(g[0]!.item() == 3 && g[1] == nil)
    }

    @Test func dtypeOfGradientsMatchesInputs() {
        let a = Tensor([Float(1), 2]).requiresGrad_()
        let b = Tensor([1.0, 2.0]).requiresGrad_()
        (a * b).sum().backward()
        #expect(a.grad!.dtype == .float32 && b.grad!.dtype == .float64)
        let h = Tensor([Float(1), 2]).to(.float16).requiresGrad_()
        (h * h).sum().backward()
        #expect(h.grad!.dtype == .float16 && h.grad!.toArray(of: Float.self) == [2, 4])
    }
}
