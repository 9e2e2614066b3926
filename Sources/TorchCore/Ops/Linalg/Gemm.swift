#if canImport(CBLAS)
import CBLAS
#elseif canImport(Accelerate)
import Accelerate
#endif

// MARK: - GEMM kernel

/// A matrix operand as BLAS sees it: a pointer, whether it is transposed, and its leading dimension.
private struct BlasOperand {
    let tensor: Tensor
    let transposed: Bool
    let ld: Int

    /// Uses `m` ([rows, cols], possibly strided) directly when one of its strides is 1, else a contiguous copy.
    init(_ m: Tensor) {
        let rows = m.shape[0], cols = m.shape[1]
        if m.strides[1] == 1 && (m.strides[0] >= Swift.max(cols, 1) || rows == 1) {
            tensor = m; transposed = false; ld = Swift.max(m.strides[0], Swift.max(cols, 1))
        } else if m.strides[0] == 1 && (m.strides[1] >= Swift.max(rows, 1) || cols == 1) {
            tensor = m; transposed = true; ld = Swift.max(m.strides[1], Swift.max(rows, 1))
        } else {
            let c = m.contiguousCopy()
            tensor = c; transposed = false; ld = Swift.max(cols, 1)
        }
    }
}

/// `out = beta·out + alpha·(a @ b)` for 2-D `a` [m,k], `b` [k,n], contiguous `out` [m,n] of dtype float32/float64.
func gemm(_ a: Tensor, _ b: Tensor, into out: Tensor, alpha: Double = 1, beta: Double = 0) {
    let m = a.shape[0], k = a.shape[1], n = b.shape[1]
    if m == 0 || n == 0 { return }
    if k == 0 {
        if beta == 0 { out.fillRaw(0) } else { out.mul_(beta) }
        return
    }
    let A = BlasOperand(a), B = BlasOperand(b)
    let ta = A.transposed ? CblasTrans : CblasNoTrans
    let tb = B.transposed ? CblasTrans : CblasNoTrans
    switch out.dtype {
    case .float32:
        cblas_sgemm(CblasRowMajor, ta, tb, Int32(m), Int32(n), Int32(k), Float(alpha),
                    A.tensor.pointer(as: Float.self), Int32(A.ld), B.tensor.pointer(as: Float.self), Int32(B.ld),
                    Float(beta), out.pointer(as: Float.self), Int32(out.strides[0]))
    case .float64:
        cblas_dgemm(CblasRowMajor, ta, tb, Int32(m), Int32(n), Int32(k), alpha,
                    A.tensor.pointer(as: Double.self), Int32(A.ld), B.tensor.pointer(as: Double.self), Int32(B.ld),
                    beta, out.pointer(as: Double.self), Int32(out.strides[0]))
    default:
        preconditionFailure("gemm: unsupported dtype \(out.dtype)")
    }
}

/// Integer matrix product (no BLAS): `out = a @ b` in `int64`.
func integerMatmul(_ a: Tensor, _ b: Tensor) -> Tensor {
    let m = a.shape[0], k = a.shape[1], n = b.shape[1]
    let x = a.cast(.int64).contiguous(), y = b.cast(.int64).contiguous()
    let out = Tensor.zeros([m, n], dtype: .int64)
    let px = x.pointer(as: Int64.self), py = y.pointer(as: Int64.self), po = out.pointer(as: Int64.self)
    for i in 0..<m {
        for p in 0..<k {
            let v = px[i * k + p]
            for j in 0..<n { po[i * n + j] &+= v &* py[p * n + j] }
        }
    }
    return out
}
