import CTorchKernels

// MARK: - sum / sumToSize

extension Tensor {
    /// Sum over `dims` (all when nil) (`torch.sum`). Integer and bool inputs sum as `int64`.
    /// - Parameters:
    ///   - dims: the dimensions to reduce (negative allowed).
    ///   - keepdim: keep reduced dimensions as size 1.
    ///   - dtype: the accumulation/result type.
    public func sum(_ dims: [Int]? = nil, keepdim: Bool = false, dtype: DType? = nil) -> Tensor {
        let d = reductionDims(dims, rank: rank, op: "sum")
        let outType = dtype ?? (self.dtype.isFloatingPoint ? self.dtype : .int64)
        let x = cast(outType.computeType == .float32 ? .float32 : outType)
        let out = sumKernel(x, dims: d, keepdim: keepdim).cast(outType)
        if shouldRecord(self) {
            let inShape = shape
            record("sum", inputs: [self], outputs: [out]) { ctx in
                [ctx.grad.expandReduced(to: inShape, dims: d, keepdim: keepdim)]
            }
        }
        return out
    }

    /// Sum over one dimension.
    /// - Parameters:
    ///   - dim: the dimension.
    ///   - keepdim: keep it as size 1.
    public func sum(dim: Int, keepdim: Bool = false) -> Tensor { sum([dim], keepdim: keepdim) }

    /// Sums over broadcast dimensions so the result has `shape` (`sum_to_size`); the gradient of broadcasting.
    /// - Parameter shape: a shape that this tensor's shape was broadcast from.
    public func sumToSize(_ shape: [Int]) -> Tensor {
        if self.shape == shape { return self }
        let lead = rank - shape.count
        precondition(lead >= 0, "sumToSize: size \(shape) is not expandable to size \(self.shape)")
        // Summing over a dimension of size 1 is the identity: a `[1, n]` gradient of an `[n]` bias is a reshape.
        var dims: [Int] = []
        for i in 0..<lead where self.shape[i] != 1 { dims.append(i) }
        for i in 0..<shape.count where shape[i] == 1 && self.shape[i + lead] != 1 { dims.append(i + lead) }
        var r = dims.isEmpty ? self : sum(dims, keepdim: true)
        if lead > 0 { r = r.reshape(shape) }
        return r
    }
}

/// The unrecorded sum kernel over `dims` of a tensor whose dtype is the accumulation type.
func sumKernel(_ x: Tensor, dims: [Int], keepdim: Bool) -> Tensor {
    if x.device != .cpu {
        let layout = ReductionLayout(x, dims: dims, keepdim: keepdim)
        let out = Tensor(uninitializedShape: layout.outShape, dtype: x.dtype, device: x.device)
        if DeviceBackends.require(x.device, op: "sum").reduceRows(.sum, layout.source, rows: layout.outer, length: layout.inner, output: out) {
            return out
        }
        return hostStaged("sum", [x], device: x.device) { sumKernel($0[0], dims: dims, keepdim: keepdim) }
    }
    // Leading dims of a contiguous tensor: accumulate whole rows (the bias-gradient case).
    if x.isContiguous && !dims.isEmpty && dims == Array(0..<dims.count) && dims.count < x.rank
        && (x.dtype == .float32 || x.dtype == .float64) {
        let rows = dims.reduce(1) { $0 * x.shape[$1] }
        let cols = x.count / max(rows, 1)
        let keptShape = (0..<x.rank).map { dims.contains($0) ? 1 : x.shape[$0] }
        let out = Tensor.zeros(keepdim ? keptShape : Array(x.shape[dims.count...]), dtype: x.dtype)
        if x.dtype == .float32 { columnSum(x, out, rows, cols, Float.self) } else { columnSum(x, out, rows, cols, Double.self) }
        return out
    }
    // Trailing dims plus others (`[N, C, H, W]` over `[0, 2, 3]`, a convolution's bias gradient): sum the
    // contiguous trailing block of each row first, so that only the small partial sums are rearranged instead of
    // copying the whole input into reduction order.
    let sortedDims = dims.sorted()
    if x.isContiguous && (x.dtype == .float32 || x.dtype == .float64), let last = sortedDims.last, last == x.rank - 1 {
        var start = last
        while start > 0 && sortedDims.contains(start - 1) { start -= 1 }
        let suffix = Array(start..<x.rank)
        if suffix.count < sortedDims.count && suffix.reduce(1, { $0 * x.shape[$1] }) > 1 {
            return sumKernel(sumKernel(x, dims: suffix, keepdim: true), dims: sortedDims, keepdim: keepdim)
        }
    }
    let layout = ReductionLayout(x, dims: dims, keepdim: keepdim)
    let out = Tensor(uninitializedShape: layout.outShape, dtype: x.dtype)
    switch x.dtype {
    case .float32:
        let src = UnsafePointer(layout.source.pointer(as: Float.self))
        if layout.outer == 1 {
            out.pointer(as: Float.self)[0] = parallelSum(src, layout.inner)
        } else {
            let dst = out.pointer(as: Float.self), n = layout.inner
            ThreadPool.parallelFor(layout.outer, grain: Swift.max(1, 32_768 / Swift.max(n, 1))) { range in
                st_sum_rows_f32(src + range.lowerBound * n, dst + range.lowerBound, range.count, n)
            }
        }
    case .float64: reduceRows(layout, into: out) { (p: UnsafePointer<Double>, n: Int) in sumFloats(p, n) }
    case .int64: reduceRows(layout, into: out) { (p: UnsafePointer<Int64>, n: Int) in
        var s: Int64 = 0
        for i in 0..<n { s &+= p[i] }
        return s
    }
    default:
        return sumKernel(x.cast(.int64), dims: dims, keepdim: keepdim).cast(x.dtype)
    }
    return out
}

private func columnSum<T: FloatingScalar>(_ x: Tensor, _ out: Tensor, _ rows: Int, _ cols: Int, _: T.Type) {
    let src = x.pointer(as: T.self), dst = out.pointer(as: T.self)
    ThreadPool.parallelFor(cols, grain: 4096) { range in
        for r in 0..<rows {
            let row = src + r * cols
            for c in range { dst[c] += row[c] }
        }
    }
}

/// Sum of all elements, or over dims (`torch.sum`).
/// - Parameters:
///   - x: the input.
///   - dims: the dimensions (all when nil).
///   - keepdim: keep reduced dimensions.
public func sum(_ x: Tensor, _ dims: [Int]? = nil, keepdim: Bool = false) -> Tensor { x.sum(dims, keepdim: keepdim) }

extension OpInfo {
    static let sum = OpInfo(name: "sum", kind: .reduction, dtypes: .numeric, differentiable: true,
                            inputs: [.init([3, 4, 2], .real)]) { $0[0].sum([0, 2]) }
    static let sumAll = OpInfo(name: "sum(all)", kind: .reduction, dtypes: .numeric, differentiable: true,
                               inputs: [.init([3, 4], .real)]) { $0[0].sum() }
}
