// MARK: - prod / all / any

extension Tensor {
    /// Product over `dims` (all when nil) (`torch.prod`). The gradient assumes no element is zero.
    /// - Parameters:
    ///   - dims: the dimensions to reduce.
    ///   - keepdim: keep reduced dimensions as size 1.
    public func prod(_ dims: [Int]? = nil, keepdim: Bool = false) -> Tensor {
        let d = reductionDims(dims, rank: rank, op: "prod")
        let work = dtype.isFloatingPoint ? (dtype == .float64 ? self : cast(.float32)) : cast(.int64)
        let layout = ReductionLayout(work, dims: d, keepdim: keepdim)
        let out = Tensor(uninitializedShape: layout.outShape, dtype: work.dtype)
        switch work.dtype {
        case .float32: reduceRows(layout, into: out) { (p: UnsafePointer<Float>, n: Int) in
            var s: Float = 1
            for i in 0..<n { s *= p[i] }
            return s
        }
        case .float64: reduceRows(layout, into: out) { (p: UnsafePointer<Double>, n: Int) in
            var s: Double = 1
            for i in 0..<n { s *= p[i] }
            return s
        }
        default: reduceRows(layout, into: out) { (p: UnsafePointer<Int64>, n: Int) in
            var s: Int64 = 1
            for i in 0..<n { s = s &* p[i] }
            return s
        }
        }
        let result = dtype.isFloatingPoint ? out.cast(dtype) : out
        if shouldRecord(self) {
            let inShape = shape
            record("prod", inputs: [self], outputs: [result], saving: [self], savingOutputs: [0]) { ctx in
                let x = ctx.saved[0], y = ctx.saved[1]
                return [ctx.grad.expandReduced(to: inShape, dims: d, keepdim: keepdim)
                        * y.expandReduced(to: inShape, dims: d, keepdim: keepdim) / x]
            }
        }
        return result
    }

    /// True when every element is nonzero, over `dims` (all when nil) (`torch.all`).
    /// - Parameters:
    ///   - dims: the dimensions to reduce.
    ///   - keepdim: keep reduced dimensions as size 1.
    public func all(_ dims: [Int]? = nil, keepdim: Bool = false) -> Tensor {
        let d = reductionDims(dims, rank: rank, op: "all")
        let layout = ReductionLayout(cast(.bool), dims: d, keepdim: keepdim)
        let out = Tensor(uninitializedShape: layout.outShape, dtype: .bool)
        reduceRows(layout, into: out) { (p: UnsafePointer<Bool>, n: Int) in
            for i in 0..<n where !p[i] { return false }
            return true
        }
        return out
    }

    /// True when some element is nonzero, over `dims` (all when nil) (`torch.any`).
    /// - Parameters:
    ///   - dims: the dimensions to reduce.
    ///   - keepdim: keep reduced dimensions as size 1.
    public func any(_ dims: [Int]? = nil, keepdim: Bool = false) -> Tensor {
        let d = reductionDims(dims, rank: rank, op: "any")
        let layout = ReductionLayout(cast(.bool), dims: d, keepdim: keepdim)
        let out = Tensor(uninitializedShape: layout.outShape, dtype: .bool)
        reduceRows(layout, into: out) { (p: UnsafePointer<Bool>, n: Int) in
            for i in 0..<n where p[i] { return true }
            return false
        }
        return out
    }
}

extension OpInfo {
    static let prod = OpInfo(name: "prod", kind: .reduction, dtypes: .numeric, differentiable: true,
                             inputs: [.init([3, 4], .nonzero)]) { $0[0].prod([1]) }
}
