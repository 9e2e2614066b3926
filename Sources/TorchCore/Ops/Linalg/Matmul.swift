// MARK: - matmul and friends (composites over mm/bmm)

extension Tensor {
    /// Matrix product with PyTorch's rules (`torch.matmul`): 1-D·1-D is a dot product, 1-D operands are
    /// promoted to matrices and the added dimension removed, and batch dimensions broadcast.
    /// - Parameter other: the right operand.
    public func matmul(_ other: Tensor) -> Tensor {
        let ra = rank, rb = other.rank
        precondition(ra > 0 && rb > 0, "matmul: both arguments to matmul need to be at least 1D, but they are \(ra)D and \(rb)D")
        if ra == 1 && rb == 1 { return dot(other) }
        if ra == 2 && rb == 2 { return mm(other) }
        if ra == 1 && rb == 2 { return unsqueeze(0).mm(other).squeeze(0) }
        if ra == 2 && rb == 1 { return mm(other.unsqueeze(1)).squeeze(1) }
        // Batched: treat 1-D operands as matrices, broadcast batch dims, then bmm.
        let a = ra == 1 ? unsqueeze(0) : self
        let b = rb == 1 ? other.unsqueeze(1) : other
        let m = a.shape[a.rank - 2], k = a.shape[a.rank - 1]
        let k2 = b.shape[b.rank - 2], n = b.shape[b.rank - 1]
        precondition(k == k2, "matmul: shapes \(shape) and \(other.shape) cannot be multiplied (\(k) != \(k2))")
        // A batched LHS times a plain matrix folds the batch into rows: one large GEMM.
        if b.rank == 2 && a.rank > 2 {
            let batchShape = Array(a.shape[..<(a.rank - 2)])
            var r = a.reshape([-1, k]).mm(b).reshape(batchShape + [m, n])
            if rb == 1 { r = r.squeeze(-1) }
            return r
        }
        let batchA = Array(a.shape[..<(a.rank - 2)]), batchB = Array(b.shape[..<(b.rank - 2)])
        let batch = broadcastShapes(batchA, batchB, op: "matmul")
        let nb = batch.reduce(1, *)
        let ea = a.expand(batch + [m, k]).reshape([nb, m, k])
        let eb = b.expand(batch + [k, n]).reshape([nb, k, n])
        var r = ea.bmm(eb).reshape(batch + [m, n])
        if ra == 1 { r = r.squeeze(-2) }
        if rb == 1 { r = r.squeeze(-1) }
        return r
    }

    /// The dot product of two 1-D tensors (`torch.dot`).
    /// - Parameter other: a 1-D tensor of the same length.
    public func dot(_ other: Tensor) -> Tensor {
        precondition(rank == 1 && other.rank == 1, "dot: 1D tensors expected, but got \(rank)D and \(other.rank)D tensors")
        precondition(shape[0] == other.shape[0], "dot: inconsistent tensor size, expected tensor [\(shape[0])] and src [\(other.shape[0])] to have the same number of elements")
        return unsqueeze(0).mm(other.unsqueeze(1)).reshape([])
    }

    /// The outer product of two 1-D tensors (`torch.outer`).
    /// - Parameter other: a 1-D tensor.
    public func outer(_ other: Tensor) -> Tensor {
        precondition(rank == 1 && other.rank == 1, "outer: 1D tensors expected, got \(rank)D and \(other.rank)D")
        return unsqueeze(1) * other.unsqueeze(0)
    }

    /// `beta·self + alpha·(m1 @ m2)` (`torch.addmm`).
    /// - Parameters:
    ///   - m1: `[m, k]`.
    ///   - m2: `[k, n]`.
    ///   - beta: scale of `self` (broadcast to `[m, n]`).
    ///   - alpha: scale of the product.
    public func addmm(_ m1: Tensor, _ m2: Tensor, beta: Double = 1, alpha: Double = 1) -> Tensor {
        precondition(m1.rank == 2 && m2.rank == 2, "addmm: expected 2-D matrices, got shapes \(m1.shape) and \(m2.shape)")
        precondition(m1.shape[1] == m2.shape[0],
                     "addmm: shapes \(m1.shape) and \(m2.shape) cannot be multiplied (\(m1.shape[1]) != \(m2.shape[0]))")
        let outShape = [m1.shape[0], m2.shape[1]]
        let dt = m1.dtype
        guard dt == .float32 || dt == .float64, dtype == dt, m2.dtype == dt else {
            let p = m1.mm(m2)
            let scaled = alpha == 1 ? p : p * alpha
            return beta == 1 ? self + scaled : self * beta + scaled
        }
        _ = broadcastShapes(shape, outShape, op: "addmm")
        // One fused primitive: the output starts as self (broadcast), then GEMM accumulates with beta.
        let out = Tensor(uninitializedShape: outShape, dtype: dt, device: commonDevice(self, m1, m2, op: "addmm"))
        if beta != 0 { copyElements(from: self, to: out) }
        gemm(m1, m2, into: out, alpha: alpha, beta: beta == 0 ? 0 : beta)
        if shouldRecord([self, m1, m2]) {
            record("addmm", inputs: [self, m1, m2], outputs: [out], saving: [m1, m2]) { ctx in
                let g = ctx.grad, a = ctx.saved[0], b = ctx.saved[1]
                let gSelf: Tensor? = beta == 0 ? nil : (beta == 1 ? g : g * beta)
                let gA = alpha == 1 ? mmGradientOfFirst(g, b, layoutOf: a) : mmGradientOfFirst(g, b, layoutOf: a) * alpha
                let gB = alpha == 1 ? mmGradientOfSecond(a, g, layoutOf: b) : mmGradientOfSecond(a, g, layoutOf: b) * alpha
                return [gSelf, gA, gB]
            }
        }
        return out
    }

    /// `beta·self + alpha·(b1 @ b2)` batched (`torch.baddbmm`).
    /// - Parameters:
    ///   - b1: `[b, m, k]`.
    ///   - b2: `[b, k, n]`.
    ///   - beta: scale of `self`.
    ///   - alpha: scale of the product.
    public func baddbmm(_ b1: Tensor, _ b2: Tensor, beta: Double = 1, alpha: Double = 1) -> Tensor {
        let p = b1.bmm(b2)
        let scaled = alpha == 1 ? p : p * alpha
        return beta == 1 ? self + scaled : self * beta + scaled
    }
}

/// Matrix product (`torch.matmul`).
/// - Parameters:
///   - a: the left operand.
///   - b: the right operand.
public func matmul(_ a: Tensor, _ b: Tensor) -> Tensor { a.matmul(b) }

infix operator .* : MultiplicationPrecedence

extension Tensor {
    /// Matrix product, like Python's `@`.
    public static func .* (lhs: Tensor, rhs: Tensor) -> Tensor { lhs.matmul(rhs) }
}

extension OpInfo {
    static let addmm = OpInfo(name: "addmm", kind: .linalg, dtypes: .numeric, differentiable: true,
                              inputs: [.init([2], .real), .init([3, 4], .real), .init([4, 2], .real)]) {
        $0[0].addmm($0[1], $0[2], beta: 0.5, alpha: 2)
    }
    static let matmulBatched = OpInfo(name: "matmul(batched)", kind: .composite, dtypes: .numeric, differentiable: true,
                                      inputs: [.init([2, 1, 3, 4], .real), .init([3, 4, 2], .real)]) { $0[0].matmul($0[1]) }
    static let matmulVec = OpInfo(name: "matmul(vector)", kind: .composite, dtypes: .numeric, differentiable: true,
                                  inputs: [.init([4], .real), .init([2, 4, 3], .real)]) { $0[0].matmul($0[1]) }
}

extension OpInfo {
    static let dot = OpInfo(name: "dot", kind: .composite, dtypes: .numeric, differentiable: true,
                            inputs: [.init([4], .real), .init([4], .real)]) { $0[0].dot($0[1]) }
    static let outer = OpInfo(name: "outer", kind: .composite, dtypes: .numeric, differentiable: true,
                              inputs: [.init([3], .real), .init([4], .real)]) { $0[0].outer($0[1]) }
    static let baddbmm = OpInfo(name: "baddbmm", kind: .composite, dtypes: .floating, differentiable: true,
                                inputs: [.init([2, 3, 2], .real), .init([2, 3, 4], .real), .init([2, 4, 2], .real)]) {
        $0[0].baddbmm($0[1], $0[2], beta: 0.5, alpha: 1.5)
    }
}
