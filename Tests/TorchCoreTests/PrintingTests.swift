import Testing
import Torch

/// Expected strings are what PyTorch 2.x prints for the same tensors.
@Suite struct PrintingTests {
    @Test func floats() {
        #expect(Tensor([[0.1, 2.0]] as [[Float]]).description == "tensor([[0.1000, 2.0000]])")
        #expect(Tensor([Float(1), 2, 3]).description == "tensor([1., 2., 3.])")
        #expect(Tensor([Float(-1), 2.5]).description == "tensor([-1.0000,  2.5000])")
        #expect(Tensor([Float(1e-5), 1000]).description == "tensor([1.0000e-05, 1.0000e+03])")
        #expect(Tensor(scalar: Float(3)).description == "tensor(3.)")
        #expect(Tensor(scalar: 2.5).description == "tensor(2.5000, dtype=torch.float64)")
        #expect(Tensor([Float.nan, 1, .infinity]).description == "tensor([nan, 1., inf])")
    }

    @Test func integersAndBools() {
        #expect(Tensor([Int64(1), 2, 3]).description == "tensor([1, 2, 3])")
        #expect(Tensor([Int32(1), -20]).description == "tensor([  1, -20], dtype=torch.int32)")
        #expect(Tensor([true, false]).description == "tensor([ True, False])")
    }

    @Test func nestedAndSuffixes() {
        let m = Tensor.arange(0, 4, dtype: .float32).reshape(2, 2)
        #expect(m.description == "tensor([[0., 1.],\n        [2., 3.]])")
        let c = Tensor.arange(0, 8, dtype: .int64).reshape(2, 2, 2)
        #expect(c.description == "tensor([[[0, 1],\n         [2, 3]],\n\n        [[4, 5],\n         [6, 7]]])")
        let w = Tensor([Float(1), 2]).requiresGrad_()
        #expect(w.description == "tensor([1., 2.], requires_grad=True)")
        #expect((w * 2).description == "tensor([2., 4.], grad_fn=<MulBackward0>)")
        #expect(Tensor.zeros([0, 3]).description == "tensor([], size=(0, 3))")
    }

    @Test func summarizesLargeTensors() {
        let big = Tensor.arange(0, 2000, dtype: .int64)
        #expect(big.description == "tensor([   0,    1,    2,  ..., 1997, 1998, 1999])")
    }
}
