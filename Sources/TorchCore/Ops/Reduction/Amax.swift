// MARK: - amax / amin

extension Tensor {
    /// Maximum over `dims` (all when nil) (`torch.amax`); NaN propagates. The gradient is shared evenly among
    /// tied maxima.
    /// - Parameters:
    ///   - dims: the dimensions to reduce.
    ///   - keepdim: keep reduced dimensions as size 1.
    public func amax(_ dims: [Int]? = nil, keepdim: Bool = false) -> Tensor { extremum(dims, keepdim: keepdim, isMax: true) }

    /// Minimum over `dims` (all when nil) (`torch.amin`).
    /// - Parameters:
    ///   - dims: the dimensions to reduce.
    ///   - keepdim: keep reduced dimensions as size 1.
    public func amin(_ dims: [Int]? = nil, keepdim: Bool = false) -> Tensor { extremum(dims, keepdim: keepdim, isMax: false) }

    /// The largest element (`torch.max()` without a dim).
    public func max() -> Tensor { amax() }
    /// The smallest element (`torch.min()` without a dim).
    public func min() -> Tensor { amin() }

    private func extremum(_ dims: [Int]?, keepdim: Bool, isMax: Bool) -> Tensor {
        let op = isMax ? "amax" : "amin"
        precondition(count > 0, "\(op): Expected reduction dim to be specified for input.numel() == 0. Specify the reduction dim with the 'dim' argument.")
        let d = reductionDims(dims, rank: rank, op: op)
        let layout = ReductionLayout(self, dims: d, keepdim: keepdim)
        let out = Tensor(uninitializedShape: layout.outShape, dtype: dtype, device: device)
        if device != .cpu && (dtype == .float32 || dtype == .float64) {
            let backend = DeviceBackends.require(device, op: op)
            if !backend.reduceRows(isMax ? .amax : .amin, layout.source, rows: layout.outer, length: layout.inner, output: out) {
                copyElements(from: hostStaged(op, [self], device: device) { h in noGrad { h[0].extremum(dims, keepdim: keepdim, isMax: isMax) } }, to: out)
            }
        } else { switch dtype {
        case .float32: reduceRows(layout, into: out) { (p: UnsafePointer<Float>, n: Int) in extremeRow(p, n, isMax) }
        case .float64: reduceRows(layout, into: out) { (p: UnsafePointer<Double>, n: Int) in extremeRow(p, n, isMax) }
        default:
            let r = noGrad { cast(.float64).extremum(dims, keepdim: keepdim, isMax: isMax) }
            copyElements(from: r, to: out)
        } }
        if shouldRecord(self) {
            let inShape = shape
            record(op, inputs: [self], outputs: [out], saving: [self], savingOutputs: [0]) { ctx in
                let x = ctx.saved[0], y = ctx.saved[1]
                let mask = x.eq(y.expandReduced(to: inShape, dims: d, keepdim: keepdim)).to(ctx.grad.dtype)
                let share = mask / mask.sum(d, keepdim: true)
                return [ctx.grad.expandReduced(to: inShape, dims: d, keepdim: keepdim) * share]
            }
        }
        return out
    }
}

@inline(__always)
func extremeRow<T: FloatingScalar>(_ p: UnsafePointer<T>, _ n: Int, _ isMax: Bool) -> T {
    var m = p[0]
    if m.isNaN { return m }
    for i in 1..<Swift.max(n, 1) {
        let v = p[i]
        if v.isNaN { return v }
        if isMax ? v > m : v < m { m = v }
    }
    return m
}

extension OpInfo {
    static let amax = OpInfo(name: "amax", kind: .reduction, dtypes: .numeric, differentiable: true,
                             inputs: [.init([3, 4], .real)]) { $0[0].amax([1]) }
    static let amin = OpInfo(name: "amin", kind: .reduction, dtypes: .numeric, differentiable: true,
                             inputs: [.init([3, 4], .real)]) { $0[0].amin([0]) }
}
