// MARK: - mean / var / std / varMean (composites over sum)

extension Tensor {
    /// Mean over `dims` (all when nil) (`torch.mean`); floating-point inputs only.
    /// - Parameters:
    ///   - dims: the dimensions to reduce.
    ///   - keepdim: keep reduced dimensions as size 1.
    public func mean(_ dims: [Int]? = nil, keepdim: Bool = false) -> Tensor {
        precondition(dtype.isFloatingPoint, "mean(): could not infer output dtype. Input dtype must be either a floating point or complex dtype. Got: \(dtype)")
        let d = reductionDims(dims, rank: rank, op: "mean")
        let n = d.reduce(1) { $0 * shape[$1] }
        return sum(d, keepdim: keepdim) / Double(n)
    }

    /// Mean over one dimension.
    /// - Parameters:
    ///   - dim: the dimension.
    ///   - keepdim: keep it as size 1.
    public func mean(dim: Int, keepdim: Bool = false) -> Tensor { mean([dim], keepdim: keepdim) }

    /// Variance with Bessel-style `correction` (1 = unbiased) (`torch.var`).
    /// - Parameters:
    ///   - dims: the dimensions to reduce (all when nil).
    ///   - correction: subtracted from the element count in the denominator.
    ///   - keepdim: keep reduced dimensions.
    public func `var`(_ dims: [Int]? = nil, correction: Int = 1, keepdim: Bool = false) -> Tensor {
        let d = reductionDims(dims, rank: rank, op: "var")
        let n = d.reduce(1) { $0 * shape[$1] }
        let centered = self - mean(d, keepdim: true)
        return (centered * centered).sum(d, keepdim: keepdim) / Double(Swift.max(n - correction, 0))
    }

    /// Standard deviation with `correction` (`torch.std`).
    /// - Parameters:
    ///   - dims: the dimensions to reduce (all when nil).
    ///   - correction: subtracted from the element count in the denominator.
    ///   - keepdim: keep reduced dimensions.
    public func std(_ dims: [Int]? = nil, correction: Int = 1, keepdim: Bool = false) -> Tensor {
        `var`(dims, correction: correction, keepdim: keepdim).sqrt()
    }

    /// Variance and mean together (`torch.var_mean`).
    /// - Parameters:
    ///   - dims: the dimensions to reduce (all when nil).
    ///   - correction: subtracted from the element count in the denominator.
    ///   - keepdim: keep reduced dimensions.
    public func varMean(_ dims: [Int]? = nil, correction: Int = 1, keepdim: Bool = false) -> (variance: Tensor, mean: Tensor) {
        (`var`(dims, correction: correction, keepdim: keepdim), mean(dims, keepdim: keepdim))
    }

    /// Standard deviation and mean together (`torch.std_mean`).
    /// - Parameters:
    ///   - dims: the dimensions to reduce (all when nil).
    ///   - correction: subtracted from the element count in the denominator.
    ///   - keepdim: keep reduced dimensions.
    public func stdMean(_ dims: [Int]? = nil, correction: Int = 1, keepdim: Bool = false) -> (std: Tensor, mean: Tensor) {
        (std(dims, correction: correction, keepdim: keepdim), mean(dims, keepdim: keepdim))
    }
}

/// Mean (`torch.mean`).
/// - Parameters:
///   - x: the input.
///   - dims: the dimensions (all when nil).
///   - keepdim: keep reduced dimensions.
public func mean(_ x: Tensor, _ dims: [Int]? = nil, keepdim: Bool = false) -> Tensor { x.mean(dims, keepdim: keepdim) }

extension OpInfo {
    static let mean = OpInfo(name: "mean", kind: .composite, dtypes: .floating, differentiable: true,
                             inputs: [.init([3, 4], .real)]) { $0[0].mean([1]) }
    static let varOp = OpInfo(name: "var", kind: .composite, dtypes: .floating, differentiable: true,
                              inputs: [.init([3, 4], .real)]) { $0[0].var([1]) }
    static let std = OpInfo(name: "std", kind: .composite, dtypes: .floating, differentiable: true,
                            inputs: [.init([3, 4], .real)]) { $0[0].std([0], correction: 0) }
}
