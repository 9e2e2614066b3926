// MARK: - narrow / slice / select

extension Tensor {
    /// Elements `start..<start+length` along `dim` (`narrow`); a view.
    /// - Parameters:
    ///   - dim: the dimension.
    ///   - start: the first index (negative counts from the end).
    ///   - length: how many.
    public func narrow(_ dim: Int, _ start: Int, _ length: Int) -> Tensor {
        let d = normalizeDim(dim, rank, op: "narrow")
        let s = start < 0 ? start + shape[d] : start
        precondition(s >= 0 && length >= 0 && s + length <= shape[d],
                     "narrow: start (\(start)) + length (\(length)) exceeds dimension size (\(shape[d])) of shape \(shape)")
        return slice(d, s, s + length, step: 1)
    }

    /// Elements `start, start+step, …` below `end` along `dim`: the view behind `x[a..<b]` and strided ranges.
    /// Bounds are clamped like Python slices.
    /// - Parameters:
    ///   - dim: the dimension.
    ///   - start: first index (negative counts from the end).
    ///   - end: exclusive bound (negative counts from the end).
    ///   - step: positive step.
    public func slice(_ dim: Int, _ start: Int, _ end: Int, step: Int = 1) -> Tensor {
        precondition(step > 0, "slice: step must be positive (got \(step))")
        let d = normalizeDim(dim, rank, op: "slice")
        let n = shape[d]
        var s = start < 0 ? start + n : start
        var e = end < 0 ? end + n : end
        s = Swift.min(Swift.max(s, 0), n)
        e = Swift.min(Swift.max(e, s), n)
        let len = (e - s + step - 1) / step
        var newShape = shape, newStrides = strides
        newShape[d] = len
        newStrides[d] = strides[d] * step
        let inShape = shape
        return makeView("slice", shape: newShape, strides: newStrides, offset: storageOffset + s * strides[d]) {
            ViewFunctions(replay: { $0.slice(d, s, e, step: step) }) { g in
                viewScatterAdd(g, baseShape: inShape) { $0.slice(d, s, e, step: step) }
            }
        }
    }

    /// The sub-tensor at `index` along `dim`, with that dimension removed (`select`); a view.
    /// - Parameters:
    ///   - dim: the dimension.
    ///   - index: the index (negative counts from the end).
    public func select(_ dim: Int, _ index: Int) -> Tensor {
        precondition(rank > 0, "select: cannot be applied to a 0-dim tensor")
        let d = normalizeDim(dim, rank, op: "select")
        let n = shape[d]
        precondition(index >= -n && index < n, "select: index \(index) out of range for tensor of size \(shape) at dimension \(d)")
        let i = index < 0 ? index + n : index
        var newShape = shape, newStrides = strides
        newShape.remove(at: d)
        newStrides.remove(at: d)
        let inShape = shape
        return makeView("select", shape: newShape, strides: newStrides, offset: storageOffset + i * strides[d]) {
            ViewFunctions(replay: { $0.select(d, i) }) { g in
                viewScatterAdd(g, baseShape: inShape) { $0.select(d, i) }
            }
        }
    }
}
