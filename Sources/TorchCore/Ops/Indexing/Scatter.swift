// MARK: - scatter / scatterAdd

extension Tensor {
    /// A copy of `self` with `src` values written along `dim` at `index` (`torch.scatter`): for `dim == 0`,
    /// `out[index[i][j]][j] = src[i][j]`. With duplicate indices the last write wins.
    /// - Parameters:
    ///   - dim: the dimension to index.
    ///   - index: an integer tensor with the same rank as `self`.
    ///   - src: the values (at least as large as `index`).
    public func scatter(_ dim: Int, _ index: Tensor, _ src: Tensor) -> Tensor {
        return scatterImpl(dim, index, src.to(dtype), accumulate: false, op: "scatter")
    }

    /// A copy of `self` with `value` written along `dim` at `index` (`torch.scatter` with a scalar).
    /// - Parameters:
    ///   - dim: the dimension to index.
    ///   - index: an integer tensor.
    ///   - value: the value to write.
    public func scatter(_ dim: Int, _ index: Tensor, value: Double) -> Tensor {
        return scatterImpl(dim, index, Tensor.full(index.shape, value, dtype: dtype, device: device), accumulate: false, op: "scatter")
    }

    /// A copy of `self` with `src` added along `dim` at `index`; duplicates accumulate (`torch.scatter_add`).
    /// - Parameters:
    ///   - dim: the dimension to index.
    ///   - index: an integer tensor with the same rank as `self`.
    ///   - src: the values to add.
    public func scatterAdd(_ dim: Int, _ index: Tensor, _ src: Tensor) -> Tensor {
        return scatterImpl(dim, index, src.to(dtype), accumulate: true, op: "scatterAdd")
    }

    private func scatterImpl(_ dim: Int, _ index: Tensor, _ src: Tensor, accumulate: Bool, op: String) -> Tensor {
        let d = normalizeDim(dim, rank, op: op)
        precondition(index.rank == rank && src.rank == rank,
                     "\(op): Index tensor must have the same number of dimensions as self tensor (index \(index.shape), self \(shape), src \(src.shape))")
        for i in 0..<rank {
            precondition(index.shape[i] <= src.shape[i] && (i == d || index.shape[i] <= shape[i]),
                         "\(op): Expected index \(index.shape) to be smaller than self \(shape) apart from dimension \(d) and to be smaller size than src \(src.shape)")
        }
        let device = commonDevice(self, index, src, op: op)
        let idx = indexValues(index, op: op)
        let out = contiguousCopy()
        let n = shape[d], size = dtype.itemSize
        if device != .cpu {
            let positions = normalizedIndex(idx, shape: index.shape, size: n, device: device, op: op)
            if !DeviceBackends.require(device, op: op).scatter(into: out, dim: d, index: positions, source: src, accumulate: accumulate) {
                let host = hostStaged(op, [out, positions, src], device: device) { h in
                    noGrad { accumulate ? h[0].scatterAdd(d, h[1], h[2]) : h[0].scatter(d, h[1], h[2]) }
                }
                copyElements(from: host, to: out)
            }
            return recordScatter(out, d, index, src, accumulate: accumulate, op: op)
        }
        let srcC = src
        forEachPosition(index.shape) { lin, c in
            let from = srcC.address(c)
            let saved = c[d]
            let k = idx[lin]
            precondition(k >= -n && k < n, "\(op): index \(k) is out of bounds for dimension \(d) with size \(n)")
            c[d] = k < 0 ? k + n : k
            if accumulate { addElement(out.address(c), from, dtype) } else { copyElement(out.address(c), from, size) }
            c[d] = saved
        }
        return recordScatter(out, d, index, src, accumulate: accumulate, op: op)
    }

    /// Records the backward of `scatter`/`scatterAdd`.
    private func recordScatter(_ out: Tensor, _ d: Int, _ index: Tensor, _ src: Tensor, accumulate: Bool, op: String) -> Tensor {
        if shouldRecord(self, src) {
            record(op, inputs: [self, src], outputs: [out], saving: [index]) { ctx in
                let g = ctx.grad, ix = ctx.saved[0]
                let gSelf = accumulate ? g : g.scatter(d, ix, value: 0)
                let gSrcCore = g.gather(d, ix)
                // src may be larger than index: its extra elements get zero gradient.
                let gSrc = gSrcCore.shape == src.shape ? gSrcCore : gSrcCore.padTo(src.shape)
                return [gSelf, gSrc]
            }
        }
        return out
    }

    /// Zero-pads at the end of every dimension up to `shape`.
    func padTo(_ target: [Int]) -> Tensor {
        let out = Tensor.zeros(target, dtype: dtype, device: device)
        var region = out
        for d in 0..<rank { region = region.narrow(d, 0, shape[d]) }
        return out.sliceAssigned(region: region, value: self)
    }

    /// A copy of `self` where the view `region` (a view of `self`) is replaced by `value` — recorded.
    func sliceAssigned(region: Tensor, value: Tensor) -> Tensor {
        let view = regionView(of: region, in: self)
        let out = contiguousCopy()
        copyElements(from: value, to: view(out))
        if shouldRecord(self, value) {
            record("sliceAssign", inputs: [self, value], outputs: [out]) { ctx in overwriteBackward(ctx.grad, view) }
        }
        return out
    }
}

extension OpInfo {
    static let scatterAdd = OpInfo(name: "scatterAdd", kind: .indexing, dtypes: .all, differentiable: true,
                                   inputs: [.init([3, 4], .real), .init([2, 4], .real)]) { t in
        t[0].scatterAdd(0, Tensor([Int64(0), 2, 1, 0, 0, 2, 1, 0], shape: [2, 4]).to(t[0].device), t[1])
    }
    static let scatter = OpInfo(name: "scatter", kind: .indexing, dtypes: .all, differentiable: true,
                                inputs: [.init([3, 4], .real), .init([2, 4], .real)]) { t in
        t[0].scatter(0, Tensor([Int64(0), 2, 1, 0, 1, 0, 2, 2], shape: [2, 4]).to(t[0].device), t[1])
    }
}
