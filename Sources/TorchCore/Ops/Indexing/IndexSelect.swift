// MARK: - indexSelect / indexAdd / take

extension Tensor {
    /// The slices at `index` along `dim` (`torch.index_select`).
    /// - Parameters:
    ///   - dim: the dimension.
    ///   - index: a 1-D (or 0-D) integer tensor.
    public func indexSelect(_ dim: Int, _ index: Tensor) -> Tensor {
        let device = commonDevice(self, index, op: "indexSelect")
        precondition(index.rank <= 1, "indexSelect: Index is supposed to be a vector (got shape \(index.shape))")
        let d = normalizeDim(dim, Swift.max(rank, 1), op: "indexSelect")
        if rank == 0 { return reshape([1]).indexSelect(0, index).reshape([]) }
        let idx = indexValues(index, op: "indexSelect")
        let n = shape[d]
        var outShape = shape
        outShape[d] = idx.count
        let out = Tensor(uninitializedShape: outShape, dtype: dtype, device: device)
        if device != .cpu {
            // A gather with the index broadcast over the other dimensions.
            var viewShape = filledInts(1, rank)
            viewShape[d] = idx.count
            let positions = normalizedIndex(idx, shape: viewShape, size: n, device: device, op: "indexSelect").expand(outShape)
            if !DeviceBackends.require(device, op: "indexSelect").gather(self, dim: d, index: positions, output: out) {
                copyElements(from: hostStaged("indexSelect", [self, positions], device: device) { h in noGrad { h[0].gather(d, h[1]) } }, to: out)
            }
            return recordIndexSelect(out, d, index)
        }
        let outer = shape[..<d].reduce(1, *), inner = shape[(d + 1)...].reduce(1, *)
        let src = contiguous()
        let size = dtype.itemSize
        let sp = src.rawPointer, dp = out.rawPointer
        for (j, k0) in idx.enumerated() {
            precondition(k0 >= -n && k0 < n, "indexSelect: index out of range in self (index \(k0) for dimension \(d) of size \(n))")
            let k = k0 < 0 ? k0 + n : k0
            for o in 0..<outer {
                (dp + ((o * idx.count + j) * inner) * size).copyMemory(from: sp + ((o * n + k) * inner) * size, byteCount: inner * size)
            }
        }
        return recordIndexSelect(out, d, index)
    }

    /// Records `indexSelect`'s backward (an `indexAdd` into zeros).
    private func recordIndexSelect(_ out: Tensor, _ d: Int, _ index: Tensor) -> Tensor {
        if shouldRecord(self) {
            let inShape = shape
            record("indexSelect", inputs: [self], outputs: [out], saving: [index]) { ctx in
                [Tensor.zeros(inShape, dtype: ctx.grad.dtype, device: ctx.grad.device).indexAdd(d, ctx.saved[0], ctx.grad)]
            }
        }
        return out
    }

    /// A copy of `self` with `alpha·source` slices added at `index` along `dim` (`torch.index_add`).
    /// - Parameters:
    ///   - dim: the dimension.
    ///   - index: a 1-D integer tensor, one entry per slice of `source`.
    ///   - source: the slices to add.
    ///   - alpha: a scale for `source`.
    public func indexAdd(_ dim: Int, _ index: Tensor, _ source: Tensor, alpha: Double = 1) -> Tensor {
        let d = normalizeDim(dim, rank, op: "indexAdd")
        let idx = indexValues(index, op: "indexAdd")
        precondition(source.rank == rank && source.shape[d] == idx.count,
                     "indexAdd: source \(source.shape) must have dimension \(d) of size \(idx.count) and rank \(rank)")
        // Expand the 1-D index to a full scatter index.
        var viewShape = filledInts(1, rank)
        viewShape[d] = idx.count
        let full = Tensor(idx.map { Int64($0) }, shape: viewShape).transferred(to: device).expand(source.shape)
        return scatterAdd(d, full, alpha == 1 ? source : source * alpha)
    }

    /// Elements at flat (row-major) positions `index`, shaped like `index` (`torch.take`).
    /// - Parameter index: an integer tensor of positions.
    public func take(_ index: Tensor) -> Tensor {
        reshape([-1]).indexSelect(0, index.reshape([-1])).reshape(index.shape)
    }
}

extension OpInfo {
    static let indexSelect = OpInfo(name: "indexSelect", kind: .indexing, dtypes: .all, differentiable: true,
                                    inputs: [.init([3, 4], .real)]) { t in
        t[0].indexSelect(1, Tensor([Int64(3), 0, 3]).to(t[0].device))
    }
    static let indexAdd = OpInfo(name: "indexAdd", kind: .indexing, dtypes: .all, differentiable: true,
                                 inputs: [.init([3, 4], .real), .init([3, 2], .real)]) { t in
        t[0].indexAdd(1, Tensor([Int64(3), 1]).to(t[0].device), t[1])
    }
}
