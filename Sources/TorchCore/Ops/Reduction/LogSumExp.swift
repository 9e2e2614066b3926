// MARK: - logsumexp / norm (composites)

extension Tensor {
    /// `log(Σ exp(x))` over `dims`, computed stably (`torch.logsumexp`).
    /// - Parameters:
    ///   - dims: the dimensions to reduce.
    ///   - keepdim: keep reduced dimensions as size 1.
    public func logsumexp(_ dims: [Int], keepdim: Bool = false) -> Tensor {
        let d = reductionDims(dims, rank: rank, op: "logsumexp")
        let m = noGrad { () -> Tensor in
            let a = self.amax(d, keepdim: true)
            return a.maskedFill(a.isinf(), 0)
        }
        let s = (self - m).exp().sum(d, keepdim: true).log() + m
        return keepdim ? s : s.squeezeDims(d)
    }

    /// Removes the given size-1 dimensions.
    func squeezeDims(_ dims: [Int]) -> Tensor {
        var r = self
        for d in dims.sorted(by: >) { r = r.squeeze(d) }
        return r
    }

    /// The vector p-norm over `dims` (all when nil) (`torch.norm`, `torch.linalg.vector_norm`): `p` may be any
    /// positive number, `.infinity` or `-.infinity`; `p = 0` counts nonzeros.
    /// - Parameters:
    ///   - p: the order.
    ///   - dims: the dimensions to reduce.
    ///   - keepdim: keep reduced dimensions as size 1.
    public func norm(p: Double = 2, _ dims: [Int]? = nil, keepdim: Bool = false) -> Tensor {
        let x = dtype.isFloatingPoint ? self : to(.float32)
        if p == 2 { return (x * x).sum(dims, keepdim: keepdim).sqrt() }
        if p == 1 { return x.abs().sum(dims, keepdim: keepdim) }
        if p == .infinity { return x.abs().amax(dims, keepdim: keepdim) }
        if p == -.infinity { return x.abs().amin(dims, keepdim: keepdim) }
        if p == 0 { return x.ne(0).to(x.dtype).sum(dims, keepdim: keepdim) }
        return x.abs().pow(p).sum(dims, keepdim: keepdim).pow(1 / p)
    }
}

/// Linear-algebra functions (`torch.linalg`).
public enum linalg {
    /// The vector or matrix norm (`torch.linalg.norm`): a vector p-norm over `dims` (all elements when nil), or
    /// for `ord == "fro"` the Frobenius norm of the last two dimensions.
    /// - Parameters:
    ///   - x: the input.
    ///   - ord: the order (2 by default).
    ///   - dims: the dimensions.
    ///   - keepdim: keep reduced dimensions.
    public static func norm(_ x: Tensor, ord: Double = 2, dims: [Int]? = nil, keepdim: Bool = false) -> Tensor {
        x.norm(p: ord, dims, keepdim: keepdim)
    }

    /// The Frobenius norm over the last two dimensions (`torch.linalg.matrix_norm(ord='fro')`).
    /// - Parameters:
    ///   - x: a (batch of) matrix.
    ///   - keepdim: keep reduced dimensions.
    public static func matrixNorm(_ x: Tensor, keepdim: Bool = false) -> Tensor {
        x.norm(p: 2, [-2, -1], keepdim: keepdim)
    }

    /// The vector norm (`torch.linalg.vector_norm`).
    /// - Parameters:
    ///   - x: the input.
    ///   - ord: the order.
    ///   - dims: the dimensions (all when nil).
    ///   - keepdim: keep reduced dimensions.
    public static func vectorNorm(_ x: Tensor, ord: Double = 2, dims: [Int]? = nil, keepdim: Bool = false) -> Tensor {
        x.norm(p: ord, dims, keepdim: keepdim)
    }
}

extension OpInfo {
    static let logsumexp = OpInfo(name: "logsumexp", kind: .composite, dtypes: .floating, differentiable: true,
                                  inputs: [.init([3, 4], .real)]) { $0[0].logsumexp([1]) }
    static let norm = OpInfo(name: "norm", kind: .composite, dtypes: .floating, differentiable: true,
                             inputs: [.init([3, 4], .nonzero)]) { $0[0].norm(p: 3, [1]) }
}
