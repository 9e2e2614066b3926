// MARK: - repeat / tile / repeatInterleave / flip / roll

extension Tensor {
    /// Tiles the tensor `repeats[i]` times along each dimension (`Tensor.repeat`).
    /// - Parameter repeats: one count per dimension (at least `rank` of them).
    public func `repeat`(_ repeats: [Int]) -> Tensor {
        precondition(repeats.count >= rank, "repeat: Number of dimensions of repeat dims (\(repeats.count)) can not be smaller than number of dimensions of tensor (\(rank))")
        let lead = repeats.count - rank
        let x = reshape([Int](repeating: 1, count: lead) + shape)
        // [r0, s0, r1, s1, ...] by expanding an interleaved view, then merge.
        var expShape: [Int] = [], viewShape: [Int] = []
        for (r, s) in zip(repeats, x.shape) {
            viewShape += [1, s]
            expShape += [r, s]
        }
        return x.reshape(viewShape).expand(expShape).contiguous().reshape(zip(repeats, x.shape).map { $0 * $1 })
    }

    /// Variadic form of ``repeat(_:)``.
    /// - Parameter repeats: one count per dimension.
    public func `repeat`(_ repeats: Int...) -> Tensor { self.repeat(repeats) }

    /// Like ``repeat(_:)`` but pads `dims` with leading 1s when shorter than the rank (`torch.tile`).
    /// - Parameter dims: repetitions per (trailing) dimension.
    public func tile(_ dims: [Int]) -> Tensor {
        let d = dims.count < rank ? [Int](repeating: 1, count: rank - dims.count) + dims : dims
        return self.repeat(d)
    }

    /// Repeats each element `repeats` times along `dim` (flattened when nil) (`torch.repeat_interleave`).
    /// - Parameters:
    ///   - repeats: how many copies of each element.
    ///   - dim: the dimension.
    public func repeatInterleave(_ repeats: Int, dim: Int? = nil) -> Tensor {
        guard let dim else { return reshape([-1]).repeatInterleave(repeats, dim: 0) }
        let d = normalizeDim(dim, rank, op: "repeatInterleave")
        var s = shape
        s.insert(repeats, at: d + 1)
        var merged = shape
        merged[d] *= repeats
        return unsqueeze(d + 1).expand(s).contiguous().reshape(merged)
    }

    /// Repeats element `i` along `dim` `repeats[i]` times (`torch.repeat_interleave` with a tensor of counts).
    /// - Parameters:
    ///   - repeats: one count per slice along `dim`.
    ///   - dim: the dimension.
    public func repeatInterleave(_ repeats: [Int], dim: Int) -> Tensor {
        let d = normalizeDim(dim, rank, op: "repeatInterleave")
        precondition(repeats.count == shape[d], "repeatInterleave: repeats must have the same size as input along dim (\(repeats.count) vs \(shape[d]))")
        var idx: [Int64] = []
        for (i, r) in repeats.enumerated() { idx += [Int64](repeating: Int64(i), count: r) }
        return indexSelect(d, Tensor(idx, shape: [idx.count]).transferred(to: device))
    }

    /// Reverses the order along `dims` (`torch.flip`).
    /// - Parameter dims: the dimensions to reverse.
    public func flip(_ dims: [Int]) -> Tensor {
        var r = self
        for dim in dims {
            let d = normalizeDim(dim, rank, op: "flip")
            let n = shape[d]
            r = r.indexSelect(d, Tensor((0..<n).reversed().map { Int64($0) }, shape: [n]).transferred(to: device))
        }
        return r
    }

    /// Rotates elements along `dims` by `shifts` (`torch.roll`); flattened when `dims` is empty.
    /// - Parameters:
    ///   - shifts: the shift per dimension.
    ///   - dims: the dimensions.
    public func roll(_ shifts: [Int], dims: [Int] = []) -> Tensor {
        if dims.isEmpty {
            precondition(shifts.count == 1, "roll: shifts must have one entry when dims is empty")
            return reshape([-1]).roll(shifts, dims: [0]).reshape(shape)
        }
        precondition(shifts.count == dims.count, "roll: shifts and dimensions must align. shifts: \(shifts.count), dims: \(dims.count)")
        var r = self
        for (s, dim) in zip(shifts, dims) {
            let d = normalizeDim(dim, rank, op: "roll")
            let n = shape[d]
            guard n > 0 else { continue }
            let k = ((s % n) + n) % n
            r = r.indexSelect(d, Tensor((0..<n).map { Int64(($0 - k + n) % n) }, shape: [n]).transferred(to: device))
        }
        return r
    }

    /// Rotates by one shift along one dimension.
    /// - Parameters:
    ///   - shift: the shift.
    ///   - dim: the dimension.
    public func roll(_ shift: Int, dim: Int) -> Tensor { roll([shift], dims: [dim]) }
}

extension OpInfo {
    static let repeatOp = OpInfo(name: "repeat", kind: .shape, dtypes: .all, differentiable: true,
                                 inputs: [.init([2, 3], .real)]) { $0[0].repeat(2, 1, 2) }
    static let flip = OpInfo(name: "flip", kind: .shape, dtypes: .all, differentiable: true,
                             inputs: [.init([3, 4], .real)]) { $0[0].flip([0, 1]) }
    static let roll = OpInfo(name: "roll", kind: .shape, dtypes: .all, differentiable: true,
                             inputs: [.init([3, 4], .real)]) { $0[0].roll(1, dim: 1) }
}

extension OpInfo {
    static let repeatInterleave = OpInfo(name: "repeatInterleave", kind: .shape, dtypes: .all, differentiable: true,
                                         inputs: [.init([3, 4], .real)]) { $0[0].repeatInterleave([2, 0, 1], dim: 0) }
    static let tile = OpInfo(name: "tile", kind: .shape, dtypes: .all, differentiable: true,
                             inputs: [.init([2, 3], .real)]) { $0[0].tile([2]) }
}
