import Testing
import Torch
import _TestSupport

/// Fused primitives agree with their composite definitions (values and gradients).
@Suite struct CompositeReferenceTests {
    @Test func layerNormMatchesComposite() {
        let g = Generator(seed: 11)
        let x = Tensor.randn([5, 6], dtype: .float64, generator: g).requiresGrad_()
        let w = Tensor.randn([6], dtype: .float64, generator: g).requiresGrad_()
        let b = Tensor.randn([6], dtype: .float64, generator: g).requiresGrad_()
        let fused = x.layerNorm([6], weight: w, bias: b)
        let mu = x.mean([1], keepdim: true)
        let composite = (x - mu) / (x.var([1], correction: 0, keepdim: true) + 1e-5).sqrt() * w + b
        let c = compareClose(fused, composite.detach().toArray(of: Double.self), rtol: 1e-10, atol: 1e-10)
        #expect(c.isClose, "\(c.message)")
        let gy = Tensor.randn([5, 6], dtype: .float64, generator: g)
        let gf = Torch.grad(outputs: [fused], inputs: [x, w, b], gradOutputs: [gy])
        let gc = Torch.grad(outputs: [composite], inputs: [x, w, b], gradOutputs: [gy])
        for i in 0..<3 {
            let r = compareClose(gf[i]!, gc[i]!.toArray(of: Double.self), rtol: 1e-9, atol: 1e-10)
            #expect(r.isClose, "input \(i): \(r.message)")
        }
    }

    @Test func softmaxMatchesComposite() {
        let x = Tensor.randn([4, 7], dtype: .float64, generator: Generator(seed: 12))
        let e = (x - x.amax([1], keepdim: true)).exp()
        let c = compareClose(x.softmax(dim: 1), (e / e.sum([1], keepdim: true)).toArray(of: Double.self), rtol: 1e-12, atol: 1e-14)
        #expect(c.isClose, "\(c.message)")
        let l = compareClose(x.logSoftmax(dim: 1), (x - x.logsumexp([1], keepdim: true)).toArray(of: Double.self), rtol: 1e-12, atol: 1e-12)
        #expect(l.isClose, "\(l.message)")
    }
}
