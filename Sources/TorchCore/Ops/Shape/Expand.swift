// MARK: - expand / broadcastTo

extension Tensor {
    /// Repeats size-1 dimensions (and adds leading ones) without copying (`expand`); -1 keeps a size.
    /// - Parameter sizes: the target shape.
    public func expand(_ sizes: [Int]) -> Tensor {
        precondition(sizes.count >= rank, "expand: the number of sizes provided (\(sizes.count)) must be greater or equal to the number of dimensions in the tensor (\(rank))")
        let lead = sizes.count - rank
        var newStrides = filledInts(0, sizes.count)
        var newShape = sizes
        for i in 0..<sizes.count {
            if i < lead {
                precondition(sizes[i] >= 0, "expand: -1 is not allowed in a leading, non-existing dimension")
                continue
            }
            let s = shape[i - lead]
            if sizes[i] == -1 || sizes[i] == s {
                newShape[i] = s
                newStrides[i] = strides[i - lead]
            } else {
                precondition(s == 1, "expand: the expanded size of the tensor (\(sizes[i])) must match the existing size (\(s)) at non-singleton dimension \(i). Target sizes: \(sizes). Tensor sizes: \(shape)")
                newStrides[i] = 0
            }
        }
        if newShape == shape { return self }
        let inShape = shape
        return makeView("expand", shape: newShape, strides: newStrides, offset: storageOffset) {
            ViewFunctions(replay: { $0.expand(newShape) }) { $0.sumToSize(inShape) }
        }
    }

    /// Variadic form of ``expand(_:)``.
    /// - Parameter sizes: the target shape.
    public func expand(_ sizes: Int...) -> Tensor { expand(sizes) }

    /// Expands to `other`'s shape (`expand_as`).
    /// - Parameter other: the tensor whose shape to take.
    public func expand(as other: Tensor) -> Tensor { expand(other.shape) }

    /// Broadcasts to `shape` (`torch.broadcast_to`).
    /// - Parameter shape: the target shape.
    public func broadcastTo(_ shape: [Int]) -> Tensor {
        _ = broadcastShapes(self.shape, shape, op: "broadcastTo")
        return expand(shape)
    }
}

/// Broadcasts tensors to a common shape (`torch.broadcast_tensors`).
/// - Parameter tensors: the tensors.
/// - Returns: views of the tensors expanded to the common shape.
public func broadcastTensors(_ tensors: [Tensor]) -> [Tensor] {
    let shape = tensors.dropFirst().reduce(tensors.first?.shape ?? []) { broadcastShapes($0, $1.shape, op: "broadcastTensors") }
    return tensors.map { $0.expand(shape) }
}
