// MARK: - gather

extension Tensor {
    /// Picks values along `dim` at the positions in `index` (`torch.gather`): for `dim == 1`,
    /// `out[i][j][k] = self[i][index[i][j][k]][k]`.
    /// - Parameters:
    ///   - dim: the dimension to index.
    ///   - index: an integer tensor with the same rank as `self`.
    public func gather(_ dim: Int, _ index: Tensor) -> Tensor {
        let device = commonDevice(self, index, op: "gather")
        let d = normalizeDim(dim, rank, op: "gather")
        precondition(index.rank == rank, "gather: Index tensor must have the same number of dimensions as input tensor (\(index.shape) vs \(shape))")
        for i in 0..<rank where i != d {
            precondition(index.shape[i] <= shape[i], "gather: Size does not match at dimension \(i) expected index \(index.shape) to be smaller than self \(shape) apart from dimension \(d)")
        }
        let idx = indexValues(index, op: "gather")
        let out = Tensor(uninitializedShape: index.shape, dtype: dtype, device: device)
        let n = shape[d], size = dtype.itemSize
        if device != .cpu {
            let positions = normalizedIndex(idx, shape: index.shape, size: n, device: device, op: "gather")
            if !DeviceBackends.require(device, op: "gather").gather(self, dim: d, index: positions, output: out) {
                copyElements(from: hostStaged("gather", [self, positions], device: device) { h in noGrad { h[0].gather(d, h[1]) } }, to: out)
            }
        } else {
        let dst = out.rawPointer
        forEachPosition(index.shape) { lin, c in
            let saved = c[d]
            let k = idx[lin]
            precondition(k >= -n && k < n, "gather: index \(k) is out of bounds for dimension \(d) with size \(n)")
            c[d] = k < 0 ? k + n : k
            copyElement(dst + lin * size, address(c), size)
            c[d] = saved
        }
        }
        if shouldRecord(self) {
            let inShape = shape
            record("gather", inputs: [self], outputs: [out], saving: [index]) { ctx in
                [Tensor.zeros(inShape, dtype: ctx.grad.dtype, device: ctx.grad.device).scatterAdd(d, ctx.saved[0], ctx.grad)]
            }
        }
        return out
    }
}

extension OpInfo {
    static let gather = OpInfo(name: "gather", kind: .indexing, dtypes: .all, differentiable: true,
                               inputs: [.init([3, 4], .real)]) { t in
        t[0].gather(1, Tensor([Int64(0), 3, 1, 1, 2, 2], shape: [3, 2]).to(t[0].device))
    }
}
