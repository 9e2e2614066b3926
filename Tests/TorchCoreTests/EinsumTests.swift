import Testing
import Torch
import _TestSupport

/// einsum against the equivalent products and reductions (themselves checked against NumPy).
@Suite struct EinsumTests {
    let g = Generator(seed: 31)

    func close(_ a: Tensor, _ b: Tensor, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(a.shape == b.shape, sourceLocation: sourceLocation)
        let c = compareClose(a, b.toArray(of: Double.self), rtol: 1e-10, atol: 1e-12)
        #expect(c.isClose, "\(c.message)", sourceLocation: sourceLocation)
    }

    @Test func equations() {
        let a = Tensor.randn([3, 4], dtype: .float64, generator: g), b = Tensor.randn([4, 5], dtype: .float64, generator: g)
        let c = Tensor.randn([5, 2], dtype: .float64, generator: g), v = Tensor.randn([4], dtype: .float64, generator: g)
        let q = Tensor.randn([2, 3, 6, 4], dtype: .float64, generator: g), k = Tensor.randn([2, 3, 7, 4], dtype: .float64, generator: g)
        let sq = Tensor.randn([4, 4], dtype: .float64, generator: g)
        close(einsum("ij,jk->ik", a, b), a.matmul(b))
        close(einsum("ij,jk", a, b), a.matmul(b))
        close(einsum("ij,jk,kl->il", a, b, c), a.matmul(b).matmul(c))
        close(einsum("i,i->", v, v), v.dot(v))
        close(einsum("i,j->ij", v, v), v.outer(v))
        close(einsum("ij->ji", a), a.t())
        close(einsum("ij->", a), a.sum())
        close(einsum("ij->j", a), a.sum([0]))
        close(einsum("ii->i", sq), sq.diagonal())
        close(einsum("ii", sq), sq.diagonal().sum())
        close(einsum("bhqd,bhkd->bhqk", q, k), q.matmul(k.transpose(-1, -2)))
        close(einsum("...qd,...kd->...qk", q, k), q.matmul(k.transpose(-1, -2)))
        close(einsum("ij,j->i", a, v), a.matmul(v))
        close(einsum("ij,ij->ij", a, a), a * a)
    }

    @Test func gradients() {
        let a = Tensor.randn([3, 4], dtype: .float64, generator: g).requiresGrad_()
        let b = Tensor.randn([4, 5], dtype: .float64, generator: g).requiresGrad_()
        let c = Tensor.randn([5], dtype: .float64, generator: g).requiresGrad_()
        let r = gradcheck({ einsum("ij,jk,k->i", $0[0], $0[1], $0[2]) }, inputs: [a, b, c])
        #expect(r.passed, "\(r)")
    }
}
