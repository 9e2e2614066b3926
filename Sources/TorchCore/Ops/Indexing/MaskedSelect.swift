// MARK: - maskedSelect / nonzero

extension Tensor {
    /// The elements where `mask` is true, as a 1-D tensor (`torch.masked_select`).
    /// - Parameter mask: a `bool` tensor broadcastable with `self`.
    public func maskedSelect(_ mask: Tensor) -> Tensor {
        let device = commonDevice(self, mask, op: "maskedSelect")
        precondition(mask.dtype == .bool, "maskedSelect: expected BoolTensor for mask (got \(mask.dtype))")
        let shape = broadcastShapes(self.shape, mask.shape, op: "maskedSelect")
        let x = self.expand(shape)
        let positions = mask.expand(shape).contiguous().toArray(of: Bool.self).enumerated().filter { $0.element }.map { Int64($0.offset) }
        // The mask is read on the host (the result's size depends on it, as in PyTorch); the selection is a gather.
        return x.reshape([-1]).indexSelect(0, Tensor(positions, shape: [positions.count]).transferred(to: device))
    }

    /// Coordinates of the nonzero elements, one row per element (`torch.nonzero`), `int64` of shape `[n, rank]`.
    public func nonzero() -> Tensor {
        let flags = cast(.bool).contiguous().toArray(of: Bool.self)
        var coords: [Int64] = []
        var n = 0
        forEachPosition(shape) { lin, c in
            if flags[lin] {
                for d in 0..<rank { coords.append(Int64(c[d])) }
                n += 1
            }
        }
        return Tensor(coords, shape: [n, rank]).transferred(to: device)
    }

    /// Number of nonzero elements (`torch.count_nonzero`).
    public func countNonzero() -> Int { cast(.bool).toArray(of: Bool.self).filter { $0 }.count }
}

extension OpInfo {
    static let maskedSelect = OpInfo(name: "maskedSelect", kind: .indexing, dtypes: .all, differentiable: true,
                                     inputs: [.init([3, 4], .real)]) { $0[0].maskedSelect(Tensor([true, false, true, true], shape: [4]).to($0[0].device)) }
    static let take = OpInfo(name: "take", kind: .indexing, dtypes: .all, differentiable: true,
                             inputs: [.init([3, 4], .real)]) { $0[0].take(Tensor([Int64(11), 0, 5], shape: [3]).to($0[0].device)) }
    static let maskedFill = OpInfo(name: "maskedFill", kind: .indexing, dtypes: .all, differentiable: true,
                                   inputs: [.init([3, 4], .real)]) { $0[0].maskedFill(Tensor([true, false, false, true], shape: [4]).to($0[0].device), 2) }
}
