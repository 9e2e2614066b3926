#if canImport(CBLAS)
import CBLAS
#elseif canImport(Accelerate)
import Accelerate
#endif

import CTorchKernels

// MARK: - GEMM kernel

/// A matrix operand as BLAS sees it: a pointer, whether it is transposed, and its leading dimension.
private struct BlasOperand {
    let tensor: Tensor
    let transposed: Bool
    let ld: Int

    /// Uses `m` ([rows, cols], possibly strided) directly when one of its strides is 1, else a contiguous copy;
    /// with `transpose`, the operand is `mᵀ` (no view of it is made).
    /// The stride of a dimension of size 1 never matters, so such a dimension takes whichever stride makes the
    /// operand a BLAS matrix: an expanded `[1, 1]` gradient (strides `[0, 0]`) is used in place, not copied.
    init(_ m: Tensor, transpose: Bool = false) {
        let rows = m.shape[0], cols = m.shape[1]
        let rowMajorStride = rows == 1 ? Swift.max(cols, 1) : m.strides[0], unitCol = cols == 1 || m.strides[1] == 1
        let colMajorStride = cols == 1 ? Swift.max(rows, 1) : m.strides[1], unitRow = rows == 1 || m.strides[0] == 1
        if unitCol && rowMajorStride >= Swift.max(cols, 1) {
            tensor = m; transposed = transpose; ld = rowMajorStride
        } else if unitRow && colMajorStride >= Swift.max(rows, 1) {
            tensor = m; transposed = !transpose; ld = colMajorStride
        } else {
            let c = m.contiguousCopy()
            tensor = c; transposed = transpose; ld = Swift.max(cols, 1)
        }
    }
}

/// `out = beta·out + alpha·(op(a) @ op(b))` for 2-D `op(a)` [m,k], `op(b)` [k,n] and a contiguous `out` [m,n] of
/// dtype float32/float64, where `op` transposes the operand when `transposeA`/`transposeB` says so (on the CPU
/// only: the transposition goes to BLAS, no view is made).
func gemm(_ a: Tensor, _ b: Tensor, into out: Tensor, alpha: Double = 1, beta: Double = 0,
          transposeA: Bool = false, transposeB: Bool = false) {
    let m = a.shape[transposeA ? 1 : 0], k = a.shape[transposeA ? 0 : 1], n = b.shape[transposeB ? 0 : 1]
    if m == 0 || n == 0 { return }
    if out.device != .cpu {
        precondition(!transposeA && !transposeB, "gemm: transposition flags are CPU-only")
        deviceGemm(a, b, into: out, alpha: alpha, beta: beta, batched: false)
        return
    }
    if k == 0 {
        if beta == 0 { out.fillRaw(0) } else { out.mul_(beta) }
        return
    }
    let A = BlasOperand(a, transpose: transposeA), B = BlasOperand(b, transpose: transposeB)
    let ldc = out.strides[0]
    // One block of C: rows r0..<r1 and columns c0..<c1, with the matching slices of op(A) and op(B).
    func block<T: FloatingScalar>(_: T.Type, _ r0: Int, _ r1: Int, _ c0: Int, _ c1: Int) {
        let pa = UnsafePointer(A.tensor.pointer(as: T.self)), pb = UnsafePointer(B.tensor.pointer(as: T.self))
        gemmRaw(transA: A.transposed, transB: B.transposed, m: r1 - r0, n: c1 - c0, k: k, alpha: T(alpha),
                a: pa + (A.transposed ? r0 : r0 * A.ld), lda: A.ld, b: pb + (B.transposed ? c0 * B.ld : c0), ldb: B.ld,
                beta: T(beta), c: out.pointer(as: T.self) + r0 * ldc + c0, ldc: ldc)
    }
    func block(_ r0: Int, _ r1: Int, _ c0: Int, _ c1: Int) {
        switch out.dtype {
        case .float32: block(Float.self, r0, r1, c0, c1)
        case .float64: block(Double.self, r0, r1, c0, c1)
        default: preconditionFailure("gemm: unsupported dtype \(out.dtype)")
        }
    }
    // Note (BLAS threading): OpenBLAS runs single-threaded and SwiftTorch splits large products over its own
    // pool, by rows or by columns, whichever is larger. Two thread pools (OpenBLAS's spin-waiting workers and
    // ours) on the same cores slowed both down.
    let work = m * n * k
    if work >= 1 << 18 && Torch.numThreads > 1 {
        if m >= n {
            let blocks = Swift.max(1, m / 16)
            ThreadPool.parallelFor(blocks, grain: 1) { range in
                block(m * range.lowerBound / blocks, m * range.upperBound / blocks, 0, n)
            }
        } else {
            let blocks = Swift.max(1, n / 16)
            ThreadPool.parallelFor(blocks, grain: 1) { range in
                block(0, m, n * range.lowerBound / blocks, n * range.upperBound / blocks)
            }
        }
    } else {
        block(0, m, 0, n)
    }
}

/// One 3-D operand of a batched product as BLAS sees each of its matrices (the same strides for every batch
/// element): pointer, batch stride, transposition and leading dimension; a contiguous copy when neither inner
/// stride is 1.
private struct BatchedOperand {
    let tensor: Tensor
    let batchStride: Int
    let transposed: Bool
    let ld: Int

    init(_ t: Tensor) {
        let rows = t.shape[1], cols = t.shape[2]
        if t.strides[2] == 1 && (t.strides[1] >= Swift.max(cols, 1) || rows == 1) {
            tensor = t; transposed = false; ld = Swift.max(t.strides[1], Swift.max(cols, 1)); batchStride = t.strides[0]
        } else if t.strides[1] == 1 && (t.strides[2] >= Swift.max(rows, 1) || cols == 1) {
            tensor = t; transposed = true; ld = Swift.max(t.strides[2], Swift.max(rows, 1)); batchStride = t.strides[0]
        } else {
            tensor = t.contiguousCopy(); transposed = false; ld = Swift.max(cols, 1); batchStride = rows * cols
        }
    }
}

/// `out[i] = a[i] @ b[i]` for 3-D float32/float64 `a` [batch, m, k], `b` [batch, k, n] and contiguous `out`
/// [batch, m, n]. Small products are split over the threads by batch element (one GEMM each); with fewer
/// elements than threads each product is split by ``gemm(_:_:into:alpha:beta:)`` instead.
func gemmBatched(_ a: Tensor, _ b: Tensor, into out: Tensor) {
    let batch = a.shape[0], m = a.shape[1], k = a.shape[2], n = b.shape[2]
    if batch == 0 || m == 0 || n == 0 { return }
    if out.device != .cpu {
        deviceGemm(a, b, into: out, alpha: 1, beta: 0, batched: true)
        return
    }
    if batch < Torch.numThreads {
        for i in 0..<batch { gemm(a.select(0, i), b.select(0, i), into: out.select(0, i)) }
        return
    }
    let A = BatchedOperand(a), B = BatchedOperand(b)
    func run<T: FloatingScalar>(_: T.Type) {
        let pa = UnsafePointer(A.tensor.pointer(as: T.self)), pb = UnsafePointer(B.tensor.pointer(as: T.self))
        let po = out.pointer(as: T.self)
        let grain = Swift.max(1, (1 << 18) / Swift.max(1, m * n * k))
        ThreadPool.parallelFor(batch, grain: grain) { r in
            for i in r {
                gemmRaw(transA: A.transposed, transB: B.transposed, m: m, n: n, k: k, a: pa + i * A.batchStride, lda: A.ld,
                        b: pb + i * B.batchStride, ldb: B.ld, c: po + i * m * n, ldc: n)
            }
        }
    }
    switch out.dtype {
    case .float32: run(Float.self)
    case .float64: run(Double.self)
    default: preconditionFailure("gemmBatched: unsupported dtype \(out.dtype)")
    }
}

/// `c = beta·c + alpha·op(a)·op(b)` on raw row-major buffers of `T` (float32 or float64), on the calling thread.
/// - Parameters:
///   - transA: use `aᵀ` (`a` is stored `[k, m]`).
///   - transB: use `bᵀ` (`b` is stored `[n, k]`).
///   - m: rows of the result.
///   - n: columns of the result.
///   - k: the contracted size.
///   - a: the left operand and its leading dimension `lda`.
///   - b: the right operand and its leading dimension `ldb`.
///   - c: the result and its leading dimension `ldc`.
func gemmRaw<T: FloatingScalar>(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: T = 1,
                                a: UnsafePointer<T>, lda: Int, b: UnsafePointer<T>, ldb: Int,
                                beta: T = 0, c: UnsafeMutablePointer<T>, ldc: Int) {
    if m == 0 || n == 0 { return }
    if k == 0 {
        for i in 0..<m { for j in 0..<n { c[i * ldc + j] = beta == 0 ? 0 : beta * c[i * ldc + j] } }
        return
    }
    if T.self == Float.self && st_sgemm_f32_preferred() != 0 {
        // SwiftTorch's AVX-512 kernel (sgemm.c): the environment keeps OpenBLAS on its AVX2 kernels here.
        st_sgemm_f32(transA ? 1 : 0, transB ? 1 : 0, m, n, k, unsafeBitCast(alpha, to: Float.self),
                     UnsafeRawPointer(a).assumingMemoryBound(to: Float.self), lda,
                     UnsafeRawPointer(b).assumingMemoryBound(to: Float.self), ldb, unsafeBitCast(beta, to: Float.self),
                     UnsafeMutableRawPointer(c).assumingMemoryBound(to: Float.self), ldc)
        return
    }
    BlasThreads.pinToOne()
    let ta = transA ? CblasTrans : CblasNoTrans, tb = transB ? CblasTrans : CblasNoTrans
    if T.self == Float.self {
        cblas_sgemm(CblasRowMajor, ta, tb, Int32(m), Int32(n), Int32(k), unsafeBitCast(alpha, to: Float.self),
                    UnsafeRawPointer(a).assumingMemoryBound(to: Float.self), Int32(lda),
                    UnsafeRawPointer(b).assumingMemoryBound(to: Float.self), Int32(ldb), unsafeBitCast(beta, to: Float.self),
                    UnsafeMutableRawPointer(c).assumingMemoryBound(to: Float.self), Int32(ldc))
    } else if T.self == Double.self {
        cblas_dgemm(CblasRowMajor, ta, tb, Int32(m), Int32(n), Int32(k), unsafeBitCast(alpha, to: Double.self),
                    UnsafeRawPointer(a).assumingMemoryBound(to: Double.self), Int32(lda),
                    UnsafeRawPointer(b).assumingMemoryBound(to: Double.self), Int32(ldb), unsafeBitCast(beta, to: Double.self),
                    UnsafeMutableRawPointer(c).assumingMemoryBound(to: Double.self), Int32(ldc))
    } else {
        preconditionFailure("gemm: unsupported element type \(T.self)")
    }
}

/// Keeps OpenBLAS on the calling thread (SwiftTorch parallelises GEMMs itself).
enum BlasThreads {
    private static let pinned: Bool = {
        #if canImport(CBLAS)
        openblas_set_num_threads(1)
        #endif
        return true
    }()

    static func pinToOne() { _ = pinned }
}

/// Integer matrix product (no BLAS): `out = a @ b` in `int64`.
func integerMatmul(_ a: Tensor, _ b: Tensor) -> Tensor {
    let device = commonDevice(a, b, op: "mm")
    if device != .cpu { return hostStaged("mm(integer)", [a, b], device: device) { integerMatmul($0[0], $0[1]) } }
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

/// `gemm`/`gemmBatched` on a device: the backend's matmul when `alpha` is 1 and `beta` 0 (the product written
/// into `out`), else the product from the backend combined by elementwise ops; a backend without matmul runs the
/// CPU GEMM on host copies.
private func deviceGemm(_ a: Tensor, _ b: Tensor, into out: Tensor, alpha: Double, beta: Double, batched: Bool) {
    let device = commonDevice(a, b, out, op: batched ? "bmm" : "mm")
    let backend = DeviceBackends.require(device, op: "mm")
    let k = a.shape[a.rank - 1]
    if k > 0 {
        if alpha == 1 && beta == 0 && backend.matmul(a, b, output: out) { return }
        let product = Tensor(uninitializedShape: out.shape, dtype: out.dtype, device: device)
        if backend.matmul(a, b, output: product) {
            noGrad { () -> Void in
                let scaled = alpha == 1 ? product : product * alpha
                copyElements(from: beta == 0 ? scaled : out * beta + scaled, to: out)
            }
            return
        }
    }
    let host = out.transferred(to: .cpu)
    let ha = a.transferred(to: .cpu), hb = b.transferred(to: .cpu)
    DeviceFallbacks.note(batched ? "bmm" : "mm", on: device)
    if batched { gemmBatched(ha, hb, into: host) } else { gemm(ha, hb, into: host, alpha: alpha, beta: beta) }
    copyElements(from: host, to: out)
}
