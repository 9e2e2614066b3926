// MARK: - permute / transpose / t / movedim

extension Tensor {
    /// Reorders dimensions (`permute`); a view.
    /// - Parameter dims: the new order, a permutation of `0..<rank`.
    public func permute(_ dims: [Int]) -> Tensor {
        precondition(dims.count == rank, "permute: number of dims don't match in permute (got \(dims.count) for a tensor of rank \(rank))")
        let d = dims.map { normalizeDim($0, rank, op: "permute") }
        for i in 0..<d.count {
            for j in (i + 1)..<Swift.max(d.count, i + 1) { precondition(d[i] != d[j], "permute: repeated dim in \(dims)") }
        }
        var inverse = filledInts(0, rank)
        for (i, p) in d.enumerated() { inverse[p] = i }
        return makeView("permute", shape: d.map { shape[$0] }, strides: d.map { strides[$0] }, offset: storageOffset) {
            ViewFunctions(replay: { $0.permute(d) }) {
                $0.permute(inverse)
            }
        }
    }

    /// Variadic form of ``permute(_:)``.
    /// - Parameter dims: the new order.
    public func permute(_ dims: Int...) -> Tensor { permute(dims) }

    /// Swaps two dimensions (`transpose`); a view.
    /// - Parameters:
    ///   - dim0: one dimension.
    ///   - dim1: the other.
    public func transpose(_ dim0: Int, _ dim1: Int) -> Tensor {
        if rank < 2 && (dim0 == 0 || dim0 == -1) && (dim1 == 0 || dim1 == -1) { return self }
        let a = normalizeDim(dim0, rank, op: "transpose"), b = normalizeDim(dim1, rank, op: "transpose")
        if a == b { return self }
        var s = shape, st = strides
        s.swapAt(a, b)
        st.swapAt(a, b)
        return makeView("transpose", shape: s, strides: st, offset: storageOffset) {
            ViewFunctions(replay: { $0.transpose(a, b) }) { $0.transpose(a, b) }
        }
    }

    /// The transpose of a matrix; 0-d and 1-d tensors are returned as is (`t()`).
    public func t() -> Tensor {
        precondition(rank <= 2, "t: expects a tensor with <= 2 dimensions, but self is \(rank)D")
        return rank < 2 ? self : transpose(0, 1)
    }

    /// Matrix transpose: `t()`, PyTorch's `.T` for 2-D tensors.
    public var T: Tensor { rank < 2 ? self : permute(Array((0..<rank).reversed())) }

    /// Transposes the last two dimensions (`mT`).
    public var mT: Tensor { transpose(-2, -1) }

    /// Moves dimension `source` to position `destination` (`movedim`).
    /// - Parameters:
    ///   - source: the dimension to move.
    ///   - destination: its new position.
    public func movedim(_ source: Int, _ destination: Int) -> Tensor {
        let s = normalizeDim(source, rank, op: "movedim"), d = normalizeDim(destination, rank, op: "movedim")
        var order = Array(0..<rank)
        order.remove(at: s)
        order.insert(s, at: d)
        return permute(order)
    }
}
