import Testing
import Torch

/// The README's example, kept compiling and checked.
@Suite struct ReadmeExampleTests {
    @Test func readmeExample() {
        let x = Tensor([[1.0, 2.0], [3.0, 4.0]] as [[Float]])
        let b = Tensor([Float(10), 20])
        #expect((x + b).description == "tensor([[11., 22.],\n        [13., 24.]])")

        let w = Tensor.randn([2, 1]).requiresGrad_()
        let loss = x.matmul(w).square().mean()
        loss.backward()
        // d/dw mean((xw)²) = 2/n · xᵀ(xw)
        let expected = (x.t().matmul(x.matmul(w.detach())) * (2.0 / 2.0)).toArray(of: Float.self)
        let got = w.grad!.toArray(of: Float.self)
        for (g, e) in zip(got, expected) { #expect(Swift.abs(g - e) < 1e-4 * Swift.max(1, Swift.abs(e))) }
        #expect(x[0, 1...].toArray(of: Float.self) == [2])
        #expect(x[x .> 2.0].toArray(of: Float.self) == [3, 4])
    }
}
