// MARK: - split / chunk / unbind

extension Tensor {
    /// Splits into pieces of `size` along `dim`; the last may be smaller (`split(int)`); views.
    /// - Parameters:
    ///   - size: piece length.
    ///   - dim: the dimension.
    public func split(_ size: Int, dim: Int = 0) -> [Tensor] {
        let d = normalizeDim(dim, rank, op: "split")
        precondition(size > 0 || shape[d] == 0, "split: split_size must be positive (got \(size))")
        var out: [Tensor] = []
        var start = 0
        repeat {
            let len = Swift.min(size, shape[d] - start)
            out.append(narrow(d, start, len))
            start += size
        } while start < shape[d]
        return out
    }

    /// Splits into pieces of the given sizes along `dim` (`split(list)`); views.
    /// - Parameters:
    ///   - sizes: piece lengths summing to the dimension's size.
    ///   - dim: the dimension.
    public func split(sizes: [Int], dim: Int = 0) -> [Tensor] {
        let d = normalizeDim(dim, rank, op: "split")
        precondition(sizes.reduce(0, +) == shape[d],
                     "split: split_with_sizes expects split_sizes to sum exactly to \(shape[d]) (input tensor's size at dimension \(d)), but got split_sizes=\(sizes)")
        var start = 0
        return sizes.map { s in
            defer { start += s }
            return narrow(d, start, s)
        }
    }

    /// Splits into `chunks` nearly equal pieces along `dim` (`chunk`); views.
    /// - Parameters:
    ///   - chunks: the number of pieces wanted.
    ///   - dim: the dimension.
    public func chunk(_ chunks: Int, dim: Int = 0) -> [Tensor] {
        precondition(chunks > 0, "chunk: chunk expects `chunks` to be greater than 0, got: \(chunks)")
        let d = normalizeDim(dim, rank, op: "chunk")
        let size = (shape[d] + chunks - 1) / chunks
        return split(Swift.max(size, 1), dim: d)
    }

    /// Every slice along `dim`, with the dimension removed (`unbind`); views.
    /// - Parameter dim: the dimension.
    public func unbind(_ dim: Int = 0) -> [Tensor] {
        let d = normalizeDim(dim, rank, op: "unbind")
        return (0..<shape[d]).map { select(d, $0) }
    }
}

extension OpInfo {
    static let splitOp = OpInfo(name: "split", kind: .shape, dtypes: .all, differentiable: true,
                                inputs: [.init([5, 4], .real)]) { t in
        let parts = t[0].split(2, dim: 0)
        return parts[0] * 2 + parts[1] * 3 - parts[2].sum()
    }
    static let unbindOp = OpInfo(name: "unbind", kind: .shape, dtypes: .all, differentiable: true,
                                 inputs: [.init([3, 4], .real)]) { t in
        let rows = t[0].unbind(0)
        return rows[0] * rows[2] + rows[1]
    }
}
