// MARK: - mm / bmm (primitives)

extension Tensor {
    /// The matrix product of 2-D tensors (`torch.mm`).
    /// - Parameter other: a `[k, n]` matrix when `self` is `[m, k]`.
    public func mm(_ other: Tensor) -> Tensor {
        precondition(rank == 2 && other.rank == 2, "mm: expected 2-D tensors, got shapes \(shape) and \(other.shape)")
        precondition(shape[1] == other.shape[0],
                     "mm: shapes \(shape) and \(other.shape) cannot be multiplied (\(shape[1]) != \(other.shape[0]))")
        let dt = resultType(self, other)
        let out: Tensor
        if dt.isFloatingPoint {
            let ct = dt == .float64 ? DType.float64 : .float32
            let r = Tensor(uninitializedShape: [shape[0], other.shape[1]], dtype: ct, device: commonDevice(self, other, op: "mm"))
            gemm(cast(ct), other.cast(ct), into: r)
            out = r.cast(dt)
        } else {
            out = integerMatmul(self, other).cast(dt)
        }
        if shouldRecord(self, other) {
            record("mm", inputs: [self, other], outputs: [out], saving: [self, other]) { ctx in
                let g = ctx.grad, a = ctx.saved[0], b = ctx.saved[1]
                return [mmGradientOfFirst(g, b, layoutOf: a), mmGradientOfSecond(a, g, layoutOf: b)]
            }
        }
        return out
    }

    /// Batched matrix product of 3-D tensors (`torch.bmm`).
    /// - Parameter other: `[b, k, n]` when `self` is `[b, m, k]`.
    public func bmm(_ other: Tensor) -> Tensor {
        precondition(rank == 3 && other.rank == 3, "bmm: expected 3-D tensors, got shapes \(shape) and \(other.shape)")
        precondition(shape[0] == other.shape[0] && shape[2] == other.shape[1],
                     "bmm: shapes \(shape) and \(other.shape) cannot be multiplied (batch \(shape[0]) vs \(other.shape[0]), inner \(shape[2]) vs \(other.shape[1]))")
        let dt = resultType(self, other)
        let batch = shape[0], m = shape[1], n = other.shape[2]
        let out: Tensor
        if dt.isFloatingPoint {
            let ct = dt == .float64 ? DType.float64 : .float32
            let a = cast(ct), b = other.cast(ct)
            let r = Tensor(uninitializedShape: [batch, m, n], dtype: ct, device: commonDevice(self, other, op: "bmm"))
            gemmBatched(a.detach(), b.detach(), into: r)
            out = r.cast(dt)
        } else {
            out = Tensor.stack((0..<batch).map { integerMatmul(self.select(0, $0), other.select(0, $0)) }, dim: 0).cast(dt)
        }
        if shouldRecord(self, other) {
            record("bmm", inputs: [self, other], outputs: [out], saving: [self, other]) { ctx in
                let g = ctx.grad, a = ctx.saved[0], b = ctx.saved[1]
                return [g.bmm(b.transpose(1, 2)), a.transpose(1, 2).bmm(g)]
            }
        }
        return out
    }
}

/// Whether a matrix is a transposed view of a row-major one (column-major: unit row stride).
private func isColumnMajor(_ t: Tensor) -> Bool {
    t.rank == 2 && t.shape[0] > 1 && t.shape[1] > 1 && t.strides[0] == 1 && t.strides[1] == t.shape[0]
}

/// The gradient of `a` in `a·b` for the output gradient `g`: `g·bᵀ`, computed as `(b·gᵀ)ᵀ` when `a` itself is
/// column-major, so that the gradient has `a`'s layout (PyTorch's `mm_mat1_backward`).
func mmGradientOfFirst(_ g: Tensor, _ b: Tensor, layoutOf a: Tensor) -> Tensor {
    if let r = unrecordedProduct(g, b, transposeB: true, columnMajor: isColumnMajor(a)) { return r }
    return isColumnMajor(a) ? b.mm(g.t()).t() : g.mm(b.t())
}

/// The gradient of `b` in `a·b`: `aᵀ·g`, computed as `(gᵀ·a)ᵀ` when `b` is column-major (PyTorch's
/// `mm_mat2_backward`). A linear layer multiplies by `Wᵀ`, so the weight's gradient then comes back from the
/// transpose's backward row-major like the weight, and accumulating it into `.grad` is a plain copy instead of a
/// strided transpose.
func mmGradientOfSecond(_ a: Tensor, _ g: Tensor, layoutOf b: Tensor) -> Tensor {
    if let r = unrecordedProduct(a, g, transposeA: true, columnMajor: isColumnMajor(b)) { return r }
    return isColumnMajor(b) ? g.t().mm(a).t() : a.t().mm(g)
}

/// `op(a)·op(b)` for CPU float32/float64 matrices of one dtype outside graph recording (an ordinary backward
/// pass), without the transposed views the composite form makes: the transpositions go to BLAS, and a
/// column-major result is the row-major product `op(b)ᵀ·op(a)ᵀ` seen through swapped strides. The same BLAS
/// call, so the same values, as the composite; nil where the composite has to run (recording for `createGraph`,
/// other dtypes or devices).
func unrecordedProduct(_ a: Tensor, _ b: Tensor, transposeA: Bool = false, transposeB: Bool = false,
                       columnMajor: Bool) -> Tensor? {
    guard !GradMode.isEnabled, a.device == .cpu, b.device == .cpu, a.dtype == b.dtype,
          a.dtype == .float32 || a.dtype == .float64, a.rank == 2, b.rank == 2 else { return nil }
    let m = a.shape[transposeA ? 1 : 0], n = b.shape[transposeB ? 0 : 1]
    if !columnMajor {
        let r = Tensor(uninitializedShape: [m, n], dtype: a.dtype)
        gemm(a, b, into: r, transposeA: transposeA, transposeB: transposeB)
        return r
    }
    let r = Tensor(uninitializedShape: [n, m], dtype: a.dtype)
    gemm(b, a, into: r, transposeA: !transposeB, transposeB: !transposeA)
    return Tensor(storage: r.storage, shape: [m, n], strides: [1, m], offset: 0, dtype: a.dtype)
}

extension OpInfo {
    static let mm = OpInfo(name: "mm", kind: .linalg, dtypes: .numeric, differentiable: true,
                           inputs: [.init([3, 4], .real), .init([4, 2], .real)]) { $0[0].mm($0[1]) }
    static let bmm = OpInfo(name: "bmm", kind: .linalg, dtypes: .numeric, differentiable: true,
                            inputs: [.init([2, 3, 4], .real), .init([2, 4, 2], .real)]) { $0[0].bmm($0[1]) }
}
