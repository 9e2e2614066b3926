// MARK: - squeeze / unsqueeze

extension Tensor {
    /// Removes every dimension of size 1 (`squeeze()`); a view.
    public func squeeze() -> Tensor {
        let keep = (0..<rank).filter { shape[$0] != 1 }
        return squeezeKeeping(keep)
    }

    /// Removes dimension `dim` if it has size 1 (`squeeze(dim)`); a view.
    /// - Parameter dim: the dimension.
    public func squeeze(_ dim: Int) -> Tensor {
        if rank == 0 { return self }
        let d = normalizeDim(dim, rank, op: "squeeze")
        if shape[d] != 1 { return self }
        return squeezeKeeping((0..<rank).filter { $0 != d })
    }

    private func squeezeKeeping(_ keep: [Int]) -> Tensor {
        if keep.count == rank { return self }
        let inShape = shape
        let outShape = keep.map { shape[$0] }
        return makeView("squeeze", shape: outShape, strides: keep.map { strides[$0] }, offset: storageOffset) {
            ViewFunctions(replay: { $0.reshape(outShape) }) {
                $0.reshape(inShape)
            }
        }
    }

    /// Inserts a dimension of size 1 at `dim` (`unsqueeze`); a view.
    /// - Parameter dim: the position, in `-(rank+1)...rank`.
    public func unsqueeze(_ dim: Int) -> Tensor {
        let d = normalizeDim(dim, rank + 1, op: "unsqueeze")
        var s = shape, st = strides
        let newStride = d < rank ? strides[d] * shape[d] : 1
        s.insert(1, at: d)
        st.insert(newStride, at: d)
        return makeView("unsqueeze", shape: s, strides: st, offset: storageOffset) {
            ViewFunctions(replay: { $0.unsqueeze(d) }) { $0.squeeze(d) }
        }
    }
}

extension OpInfo {
    static let squeezeOp = OpInfo(name: "squeeze", kind: .shape, dtypes: .all, differentiable: true,
                                  inputs: [.init([3, 1, 4], .real)]) { $0[0].squeeze(1).unsqueeze(0) }
}
