// MARK: - cat / stack / hstack / vstack

extension Tensor {
    /// Joins tensors along an existing dimension (`torch.cat`); dtypes are promoted.
    /// - Parameters:
    ///   - tensors: tensors with equal shapes except along `dim` (1-D empty tensors are skipped, as in PyTorch).
    ///   - dim: the dimension.
    public static func cat(_ tensors: [Tensor], dim: Int = 0) -> Tensor {
        let device = commonDevice(tensors, op: "cat")
        let parts = tensors.filter { !($0.rank == 1 && $0.count == 0) }
        guard let first = parts.first else { return tensors.first ?? Tensor.empty([0]) }
        let d = normalizeDim(dim, first.rank, op: "cat")
        var outShape = first.shape
        outShape[d] = 0
        for (i, t) in parts.enumerated() {
            precondition(t.rank == first.rank, "cat: Tensors must have same number of dimensions: got \(first.rank) and \(t.rank)")
            for k in 0..<t.rank where k != d {
                precondition(t.shape[k] == first.shape[k], "cat: Sizes of tensors must match except in dimension \(d). Expected size \(first.shape[k]) but got size \(t.shape[k]) for tensor number \(i) in the list.")
            }
            outShape[d] += t.shape[d]
        }
        let dt = parts.dropFirst().reduce(parts[0].dtype) { DType.promote($0, $1.dtype) }
        // Each part is copied into its slice (on a device, by the backend's strided copy).
        let out = Tensor(uninitializedShape: outShape, dtype: dt, device: device)
        var start = 0
        for t in parts {
            let len = t.shape[d]
            copyElements(from: t, to: out.aliased(shape: t.shape, strides: out.strides, offset: start * out.strides[d]))
            start += len
        }
        if shouldRecord(parts) {
            let lengths = parts.map { $0.shape[d] }
            record("cat", inputs: parts, outputs: [out]) { ctx in ctx.grad.split(sizes: lengths, dim: d) }
        }
        return out
    }

    /// Joins tensors of equal shape along a new dimension (`torch.stack`).
    /// - Parameters:
    ///   - tensors: tensors of equal shape.
    ///   - dim: the position of the new dimension.
    public static func stack(_ tensors: [Tensor], dim: Int = 0) -> Tensor {
        precondition(!tensors.isEmpty, "stack: expects a non-empty TensorList")
        let shape = tensors[0].shape
        for (i, t) in tensors.enumerated() {
            precondition(t.shape == shape, "stack: expects each tensor to be equal size, but got \(shape) at entry 0 and \(t.shape) at entry \(i)")
        }
        let d = normalizeDim(dim, shape.count + 1, op: "stack")
        return cat(tensors.map { $0.unsqueeze(d) }, dim: d)
    }

    /// Joins along the second dimension (the first for 1-D tensors) (`torch.hstack`).
    /// - Parameter tensors: the tensors.
    public static func hstack(_ tensors: [Tensor]) -> Tensor {
        let t = tensors.map { $0.rank == 0 ? $0.reshape([1]) : $0 }
        return cat(t, dim: t[0].rank == 1 ? 0 : 1)
    }

    /// Joins along the first dimension, making 1-D tensors rows (`torch.vstack`).
    /// - Parameter tensors: the tensors.
    public static func vstack(_ tensors: [Tensor]) -> Tensor {
        cat(tensors.map { $0.rank < 2 ? $0.reshape([1, -1]) : $0 }, dim: 0)
    }
}

/// Concatenation (`torch.cat`).
/// - Parameters:
///   - tensors: the tensors.
///   - dim: the dimension.
public func cat(_ tensors: [Tensor], dim: Int = 0) -> Tensor { Tensor.cat(tensors, dim: dim) }
/// Stacking (`torch.stack`).
/// - Parameters:
///   - tensors: the tensors.
///   - dim: the new dimension.
public func stack(_ tensors: [Tensor], dim: Int = 0) -> Tensor { Tensor.stack(tensors, dim: dim) }

extension OpInfo {
    static let cat = OpInfo(name: "cat", kind: .shape, dtypes: .all, differentiable: true,
                            inputs: [.init([3, 4], .real), .init([2, 4], .real)]) { Tensor.cat([$0[0], $0[1]], dim: 0) }
    static let stack = OpInfo(name: "stack", kind: .shape, dtypes: .all, differentiable: true,
                              inputs: [.init([3, 4], .real), .init([3, 4], .real)]) { Tensor.stack([$0[0], $0[1]], dim: 1) }
}
