// MARK: - max(dim) / min(dim) / argmax / argmin

extension Tensor {
    /// Largest values along `dim` and their indices (`torch.max(dim)`); the first index among ties.
    /// - Parameters:
    ///   - dim: the dimension.
    ///   - keepdim: keep it as size 1.
    public func max(dim: Int, keepdim: Bool = false) -> (values: Tensor, indices: Tensor) {
        extremumWithIndex(dim, keepdim: keepdim, isMax: true)
    }

    /// Smallest values along `dim` and their indices (`torch.min(dim)`).
    /// - Parameters:
    ///   - dim: the dimension.
    ///   - keepdim: keep it as size 1.
    public func min(dim: Int, keepdim: Bool = false) -> (values: Tensor, indices: Tensor) {
        extremumWithIndex(dim, keepdim: keepdim, isMax: false)
    }

    /// Index of the largest value along `dim`, or in the flattened tensor when nil (`torch.argmax`).
    /// - Parameters:
    ///   - dim: the dimension.
    ///   - keepdim: keep it as size 1.
    public func argmax(dim: Int? = nil, keepdim: Bool = false) -> Tensor {
        guard let dim else { return reshape([-1]).extremumWithIndex(0, keepdim: false, isMax: true).indices }
        return extremumWithIndex(dim, keepdim: keepdim, isMax: true).indices
    }

    /// Index of the smallest value along `dim`, or in the flattened tensor when nil (`torch.argmin`).
    /// - Parameters:
    ///   - dim: the dimension.
    ///   - keepdim: keep it as size 1.
    public func argmin(dim: Int? = nil, keepdim: Bool = false) -> Tensor {
        guard let dim else { return reshape([-1]).extremumWithIndex(0, keepdim: false, isMax: false).indices }
        return extremumWithIndex(dim, keepdim: keepdim, isMax: false).indices
    }

    func extremumWithIndex(_ dim: Int, keepdim: Bool, isMax: Bool) -> (values: Tensor, indices: Tensor) {
        if rank == 0 { return (self, Tensor(scalar: Int64(0)).transferred(to: device)) }
        let d = normalizeDim(dim, rank, op: isMax ? "max" : "min")
        precondition(shape[d] > 0, "\(isMax ? "max" : "min"): Expected reduction dim \(d) to have non-zero size.")
        let src = dtype == .float32 || dtype == .float64 ? self : cast(.float64)
        let layout = ReductionLayout(src, dims: [d], keepdim: keepdim)
        let idx = Tensor(uninitializedShape: layout.outShape, dtype: .int64, device: device)
        if device != .cpu {
            let backend = DeviceBackends.require(device, op: isMax ? "max(dim)" : "min(dim)")
            if !backend.argExtremeRows(layout.source, rows: layout.outer, length: layout.inner, largest: isMax, indices: idx) {
                let rows = layout.source.reshape([layout.outer, layout.inner])
                copyElements(from: hostStaged(isMax ? "max(dim)" : "min(dim)", [rows], device: device) { h in
                    noGrad { h[0].extremumWithIndex(1, keepdim: false, isMax: isMax).indices }
                }.reshape(layout.outShape), to: idx)
            }
        } else if src.dtype == .float32 {
            reduceRows(layout, into: idx) { (p: UnsafePointer<Float>, n: Int) in argExtremeRow(p, n, isMax) }
        } else {
            reduceRows(layout, into: idx) { (p: UnsafePointer<Double>, n: Int) in argExtremeRow(p, n, isMax) }
        }
        let keptIdx = keepdim ? idx : idx.unsqueeze(d)
        let values = noGrad { self.gather(d, keptIdx) }
        let v = keepdim ? values : values.squeeze(d)
        if shouldRecord(self) {
            let inShape = shape
            record(isMax ? "max" : "min", inputs: [self], outputs: [v], saving: [keptIdx]) { ctx in
                let g = keepdim ? ctx.grad : ctx.grad.unsqueeze(d)
                return [Tensor.zeros(inShape, dtype: g.dtype, device: g.device).scatterAdd(d, ctx.saved[0], g)]
            }
        }
        return (v, idx)
    }
}

@inline(__always)
func argExtremeRow<T: FloatingScalar>(_ p: UnsafePointer<T>, _ n: Int, _ isMax: Bool) -> Int64 {
    var best = 0
    var m = p[0]
    if m.isNaN { return 0 }
    for i in 1..<Swift.max(n, 1) {
        let v = p[i]
        if v.isNaN { return Int64(i) }
        if isMax ? v > m : v < m { m = v; best = i }
    }
    return Int64(best)
}

extension OpInfo {
    static let maxDim = OpInfo(name: "max(dim)", kind: .reduction, dtypes: .numeric, differentiable: true,
                               inputs: [.init([3, 4], .real)]) { $0[0].max(dim: 1).values }
}

extension OpInfo {
    static let minDim = OpInfo(name: "min(dim)", kind: .reduction, dtypes: .numeric, differentiable: true,
                               inputs: [.init([3, 4], .real)]) { $0[0].min(dim: 0, keepdim: true).values }
}
