import Testing
import Torch
import _TestSupport

/// `TransformerEncoder.generateSquareSubsequentMask`: the values of PyTorch's, and causality of a masked encoder.
@Suite struct CausalMaskTests {
    @Test func maskValues() {
        let m = TransformerEncoder.generateSquareSubsequentMask(3)
        let inf = Float.infinity
        #expect(m.toArray(of: Float.self) == [0, -inf, -inf, 0, 0, -inf, 0, 0, 0])
        #expect(TransformerEncoder.generateSquareSubsequentMask(2, dtype: .float64).dtype == .float64)
    }

    @Test func maskedEncoderIsCausal() {
        Generator.withDefault(Generator(seed: 3)) {
            let encoder = TransformerEncoder(numLayers: 2) { _ in
                TransformerEncoderLayer(dModel: 8, nhead: 2, dimFeedforward: 16, dropout: 0, batchFirst: true, normFirst: true)
            }
            let x = Tensor.randn([1, 5, 8]).requiresGrad_()
            let y = encoder.forward(x, mask: TransformerEncoder.generateSquareSubsequentMask(5))
            // The output at position 2 depends on inputs 0…2 only.
            y[0, 2].sum().backward()
            let g = x.grad!.abs().sum([2]).toArray(of: Float.self)
            #expect(g[0] > 0 && g[1] > 0 && g[2] > 0 && g[3] == 0 && g[4] == 0, "\(g)")
        }
    }
}
