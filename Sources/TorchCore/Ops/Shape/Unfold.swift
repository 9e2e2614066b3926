// MARK: - unfold / asStrided / diagonal

extension Tensor {
    /// All windows of `size` elements with step `step` along `dim`, as a new last dimension (`unfold`); a view.
    /// - Parameters:
    ///   - dim: the dimension to slide along.
    ///   - size: window length.
    ///   - step: distance between windows.
    public func unfold(_ dim: Int, size: Int, step: Int) -> Tensor {
        let d = normalizeDim(dim, Swift.max(rank, 1), op: "unfold")
        let n = rank == 0 ? 1 : shape[d]
        precondition(size <= n && size >= 0, "unfold: maximum size for tensor at dimension \(d) is \(n) but size is \(size)")
        precondition(step > 0, "unfold: step is \(step) but must be > 0")
        var newShape = shape, newStrides = strides
        if rank == 0 { return reshape([1]).unfold(0, size: size, step: step) }
        newShape[d] = (n - size) / step + 1
        newStrides[d] = strides[d] * step
        newShape.append(size)
        newStrides.append(strides[d])
        let inShape = shape
        return makeView("unfold", shape: newShape, strides: newStrides, offset: storageOffset) {
            ViewFunctions(replay: { $0.unfold(d, size: size, step: step) }) { g in
                viewScatterAdd(g, baseShape: inShape) { $0.unfold(d, size: size, step: step) }
            }
        }
    }

    /// A view with explicit geometry over this tensor's storage (`as_strided`). Offsets are absolute in the
    /// storage, as in PyTorch. The gradient treats the input as its contiguous layout.
    /// - Parameters:
    ///   - size: the view's shape.
    ///   - stride: the view's strides.
    ///   - storageOffset: the view's offset (defaults to this tensor's).
    public func asStrided(_ size: [Int], _ stride: [Int], storageOffset offset: Int? = nil) -> Tensor {
        precondition(size.count == stride.count, "asStrided: mismatch in length of strides and shape")
        let off = offset ?? storageOffset
        var maxIndex = off
        for (s, st) in zip(size, stride) where s > 0 { maxIndex += (s - 1) * st }
        precondition(shapeCount(size) == 0 || maxIndex * dtype.itemSize < storage.byteCount,
                     "asStrided: setStorage: sizes \(size), strides \(stride), storage offset \(off) require \(maxIndex + 1) elements, but storage has \(storage.byteCount / dtype.itemSize)")
        let inShape = shape
        let rel = off - storageOffset
        precondition(!shouldRecord(self) || isContiguous,
                     "asStrided: gradient is only supported for a contiguous input")
        let replay: (Tensor) -> Tensor = { base in
            let c = base.contiguous()
            return c.asStrided(size, stride, storageOffset: c.storageOffset + rel)
        }
        return makeView("asStrided", shape: size, strides: stride, offset: off) {
            ViewFunctions(replay: replay) { g in
                viewScatterAdd(g, baseShape: inShape) { base in
                    base.contiguous().asStrided(size, stride, storageOffset: base.contiguous().storageOffset + rel)
                }
            }
        }
    }

    /// The diagonal of dimensions `dim1` and `dim2`, as a new last dimension (`diagonal`); a view.
    /// - Parameters:
    ///   - offset: 0 for the main diagonal, positive above it, negative below.
    ///   - dim1: first dimension.
    ///   - dim2: second dimension.
    public func diagonal(offset: Int = 0, dim1: Int = 0, dim2: Int = 1) -> Tensor {
        let a = normalizeDim(dim1, rank, op: "diagonal"), b = normalizeDim(dim2, rank, op: "diagonal")
        precondition(a != b, "diagonal: dimensions cannot be identical \(dim1), \(dim2)")
        var start = storageOffset
        let len: Int
        if offset >= 0 {
            len = Swift.max(0, Swift.min(shape[a], shape[b] - offset))
            if len > 0 { start += offset * strides[b] }
        } else {
            len = Swift.max(0, Swift.min(shape[a] + offset, shape[b]))
            if len > 0 { start -= offset * strides[a] }
        }
        var newShape: [Int] = [], newStrides: [Int] = []
        for i in 0..<rank where i != a && i != b {
            newShape.append(shape[i])
            newStrides.append(strides[i])
        }
        newShape.append(len)
        newStrides.append(strides[a] + strides[b])
        let inShape = shape
        return makeView("diagonal", shape: newShape, strides: newStrides, offset: start) {
            ViewFunctions(replay: { $0.diagonal(offset: offset, dim1: a, dim2: b) }) { g in
                viewScatterAdd(g, baseShape: inShape) { $0.diagonal(offset: offset, dim1: a, dim2: b) }
            }
        }
    }
}
