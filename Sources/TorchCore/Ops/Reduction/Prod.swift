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
        let out = Tensor(uninitializedShape: layout.outShape, dtype: work.dtype, device: device)
        if device != .cpu {
            if !DeviceBackends.require(device, op: "prod").reduceRows(.prod, layout.source, rows: layout.outer, length: layout.inner, output: out) {
                copyElements(from: hostStaged("prod", [work], device: device) { h in noGrad { h[0].prod(d, keepdim: keepdim) } }, to: out)
            }
        } else { switch work.dtype {
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
        } }
        let result = dtype.isFloatingPoint ? out.cast(dtype) : out
        if shouldRecord(self) {
            let inShape = shape
            record("prod", inputs: [self], outputs: [result], saving: [self]) { ctx in
                [ctx.grad.expandReduced(to: inShape, dims: d, keepdim: keepdim) * productOfOthers(ctx.saved[0], dims: d)]
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
        // On a device: the smallest truth value (0 or 1) of each group, by the row kernel.
        if device != .cpu { return noGrad { cast(.bool).cast(.float32).amin(d, keepdim: keepdim).cast(.bool) } }
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
        // On a device: the largest truth value (0 or 1) of each group.
        if device != .cpu { return noGrad { cast(.bool).cast(.float32).amax(d, keepdim: keepdim).cast(.bool) } }
        let layout = ReductionLayout(cast(.bool), dims: d, keepdim: keepdim)
        let out = Tensor(uninitializedShape: layout.outShape, dtype: .bool)
        reduceRows(layout, into: out) { (p: UnsafePointer<Bool>, n: Int) in
            for i in 0..<n where p[i] { return true }
            return false
        }
        return out
    }
}

/// For every element, the product of the other elements of its reduction group (over `dims`), computed from
/// exclusive prefix and suffix products so that zeros are handled exactly (no division).
func productOfOthers(_ x: Tensor, dims: [Int]) -> Tensor {
    let rank = x.rank
    let kept = (0..<rank).filter { !dims.contains($0) }
    let order = kept + dims
    var inverse = [Int](repeating: 0, count: rank)
    for (i, p) in order.enumerated() { inverse[p] = i }
    let moved = x.permute(order)
    let keptShape = kept.map { x.shape[$0] }
    let flat = moved.reshape(keptShape + [-1])
    let last = flat.rank - 1
    let n = flat.shape[last]
    var onesShape = flat.shape
    onesShape[last] = 1
    let ones = Tensor.ones(onesShape, dtype: x.dtype, device: x.device)
    let prefix = Tensor.cat([ones, flat.narrow(last, 0, n - 1).cumprod(dim: last)], dim: last)
    let reversed = flat.flip([last])
    let suffix = Tensor.cat([ones, reversed.narrow(last, 0, n - 1).cumprod(dim: last)], dim: last).flip([last])
    return (prefix * suffix).reshape(order.map { x.shape[$0] }).permute(inverse)
}

extension OpInfo {
    static let prod = OpInfo(name: "prod", kind: .reduction, dtypes: .numeric, differentiable: true,
                             inputs: [.init([3, 4], .nonzero)]) { $0[0].prod([1]) }
}
