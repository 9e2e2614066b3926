// MARK: - view / reshape / flatten / unflatten

extension Tensor {
    /// The same data with a new shape, sharing storage (`view`); one entry may be -1.
    /// Stops when the strides do not allow a view (use ``reshape(_:)``).
    /// - Parameter shape: the new shape.
    public func view(_ shape: [Int]) -> Tensor {
        let newShape = inferShape(shape, count: count, op: "view")
        guard let st = viewStrides(self.shape, strides, newShape) else {
            preconditionFailure("view: size \(newShape) is not compatible with input tensor's size \(self.shape) and stride \(strides) (at least one dimension spans across two contiguous subspaces). Use reshape(...) instead.")
        }
        let inShape = self.shape
        return makeView("view", shape: newShape, strides: st, offset: storageOffset) {
            ViewFunctions(replay: { $0.reshape(newShape) }) { $0.reshape(inShape) }
        }
    }

    /// Variadic form of ``view(_:)``.
    /// - Parameter shape: the new shape.
    public func view(_ shape: Int...) -> Tensor { view(shape) }

    /// The same data with a new shape: a view when the strides allow it, a copy otherwise (`reshape`).
    /// - Parameter shape: the new shape; one entry may be -1.
    public func reshape(_ shape: [Int]) -> Tensor {
        let newShape = inferShape(shape, count: count, op: "reshape")
        if newShape == self.shape { return self }
        if viewStrides(self.shape, strides, newShape) != nil { return view(newShape) }
        return clone().view(newShape)
    }

    /// Variadic form of ``reshape(_:)``.
    /// - Parameter shape: the new shape.
    public func reshape(_ shape: Int...) -> Tensor { reshape(shape) }

    /// Reshapes to `other`'s shape (`view_as`/`reshape_as`).
    /// - Parameter other: the tensor whose shape to take.
    public func reshape(as other: Tensor) -> Tensor { reshape(other.shape) }

    /// Merges dimensions `startDim...endDim` into one (`flatten`).
    /// - Parameters:
    ///   - startDim: first dimension to merge.
    ///   - endDim: last dimension to merge.
    public func flatten(startDim: Int = 0, endDim: Int = -1) -> Tensor {
        if rank == 0 { return reshape([1]) }
        let s = normalizeDim(startDim, rank, op: "flatten"), e = normalizeDim(endDim, rank, op: "flatten")
        precondition(s <= e, "flatten: start_dim cannot come after end_dim")
        var newShape = Array(shape[..<s])
        newShape.append(shape[s...e].reduce(1, *))
        newShape += shape[(e + 1)...]
        return reshape(newShape)
    }

    /// Splits dimension `dim` into `sizes` (`unflatten`).
    /// - Parameters:
    ///   - dim: the dimension to split.
    ///   - sizes: its new sizes (one may be -1).
    public func unflatten(_ dim: Int, _ sizes: [Int]) -> Tensor {
        let d = normalizeDim(dim, rank, op: "unflatten")
        let inner = inferShape(sizes, count: shape[d], op: "unflatten")
        return reshape(Array(shape[..<d]) + inner + Array(shape[(d + 1)...]))
    }
}

extension Tensor {
    /// The same bytes reinterpreted as another dtype (`view(dtype)`); the last dimension scales by the ratio of
    /// item sizes. Needs a contiguous tensor; not differentiable.
    /// - Parameter dtype: the new element type.
    public func view(dtype newType: DType) -> Tensor {
        if newType == dtype { return self }
        precondition(isContiguous, "view(dtype:): the tensor must be contiguous (shape \(shape), strides \(strides))")
        let oldSize = dtype.itemSize, newSize = newType.itemSize
        var s = shape.isEmpty ? [1] : shape
        let lastBytes = s[s.count - 1] * oldSize
        precondition(lastBytes % newSize == 0 && (storageOffset * oldSize) % newSize == 0,
                     "view(dtype:): the last dimension (\(s[s.count - 1]) × \(oldSize) bytes) and offset must be divisible by \(newSize)")
        s[s.count - 1] = lastBytes / newSize
        return Tensor(storage: storage, shape: s, strides: contiguousStrides(s), offset: storageOffset * oldSize / newSize, dtype: newType)
    }
}
