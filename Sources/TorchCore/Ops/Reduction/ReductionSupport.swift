import CTorchKernels

// MARK: - Reduction machinery

/// Normalised, sorted, de-duplicated reduction dimensions (all dims when `dims` is nil or empty).
func reductionDims(_ dims: [Int]?, rank: Int, op: String) -> [Int] {
    guard let dims, !dims.isEmpty else { return Array(0..<rank) }
    var d = dims.map { normalizeDim($0, rank, op: op) }
    if d.count > 1 { d.sort() }
    for i in d.indices.dropFirst() {
        precondition(d[i] != d[i - 1], "\(op): dim appears multiple times in the list of dims")
    }
    return d
}

/// The layout used by reduction kernels: `[outer, inner]` rows with the reduced elements contiguous last.
struct ReductionLayout {
    /// The input arranged so that each output element's inputs are `inner` consecutive elements.
    let source: Tensor
    let outer: Int
    let inner: Int
    /// Output shape with reduced dimensions kept as 1.
    let keptShape: [Int]
    /// Output shape as requested (`keepdim` or not).
    let outShape: [Int]

    init(_ x: Tensor, dims: [Int], keepdim: Bool) {
        let rank = x.rank
        let kept = (0..<rank).filter { !dims.contains($0) }
        let order = kept + dims
        let permuted = order == Array(0..<rank) ? x : x.aliased(shape: order.map { x.shape[$0] },
                                                                 strides: order.map { x.strides[$0] }, offset: x.storageOffset)
        source = permuted.isContiguous ? permuted : permuted.contiguousCopy()
        outer = kept.reduce(1) { $0 * x.shape[$1] }
        inner = dims.reduce(1) { $0 * x.shape[$1] }
        keptShape = (0..<rank).map { dims.contains($0) ? 1 : x.shape[$0] }
        outShape = keepdim ? keptShape : kept.map { x.shape[$0] }
    }
}

/// Runs `body(rowStart, count) -> value` for every output row, in parallel over rows.
@inline(__always)
func reduceRows<T, R>(_ layout: ReductionLayout, into out: Tensor, _ body: (UnsafePointer<T>, Int) -> R) {
    let src = UnsafePointer(layout.source.pointer(as: T.self))
    let dst = out.pointer(as: R.self)
    let inner = layout.inner
    ThreadPool.parallelFor(layout.outer, grain: max(1, 32_768 / max(inner, 1))) { range in
        for r in range { dst[r] = body(src + r * inner, inner) }
    }
}

/// Sum of `n` floats with 8 independent accumulators (vectorisable, and more accurate than one running sum).
@inline(__always)
func sumFloats<T: FloatingScalar>(_ p: UnsafePointer<T>, _ n: Int) -> T {
    var a0: T = 0, a1: T = 0, a2: T = 0, a3: T = 0, a4: T = 0, a5: T = 0, a6: T = 0, a7: T = 0
    var i = 0
    while i + 8 <= n {
        a0 += p[i]; a1 += p[i + 1]; a2 += p[i + 2]; a3 += p[i + 3]
        a4 += p[i + 4]; a5 += p[i + 5]; a6 += p[i + 6]; a7 += p[i + 7]
        i += 8
    }
    var s = ((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7))
    while i < n { s += p[i]; i += 1 }
    return s
}

/// Large 1-D float32 sums split into 64 fixed pieces (so the result does not depend on the thread count),
/// each summed by the vectorised kernel.
func parallelSum(_ p: UnsafePointer<Float>, _ n: Int) -> Float {
    let pieces = 64
    if n < 1 << 16 { return st_sum_f32(p, n) }
    var partial = [Float](repeating: 0, count: pieces)
    partial.withUnsafeMutableBufferPointer { buf in
        let out = UncheckedSendable(buf.baseAddress!)
        ThreadPool.parallelFor(pieces, grain: 1) { range in
            for k in range {
                let lo = n * k / pieces, hi = n * (k + 1) / pieces
                out.value[k] = st_sum_f32(p + lo, hi - lo)
            }
        }
    }
    return partial.reduce(0, +)
}

extension Tensor {
    /// Reshapes a reduced gradient back to the input's rank (re-inserting reduced dims) and expands it.
    func expandReduced(to shape: [Int], dims: [Int], keepdim: Bool) -> Tensor {
        var g = self
        // A full reduction's 0-d gradient expands to any shape as it is (expand adds the leading dimensions).
        if !keepdim && rank > 0 {
            for d in dims.sorted() { g = g.unsqueeze(d) }
        }
        return g.expand(shape)
    }
}
