import CTorchKernels

// MARK: - Winograd F(4×4, 3×3) for float32 3×3 convolutions with stride 1

/// Note (Winograd): a 3×3 convolution with stride 1 computes each 4×4 output tile from a 6×6 input tile with 36
/// multiplications per channel pair instead of 144 (`A^T [(G g G^T) ⊙ (B^T d B)] A`, Lavin & Gray 2015). The
/// transforms are C kernels (`winograd.c`); the 36 element-wise products summed over channels are 36 GEMMs
/// `[K, C] · [C, tiles]`, run on blocks of 64 tiles so the transformed data stays in cache. The input gradient
/// is the same algorithm on the output gradient with the rotated, transposed filters (padding `2 − p`); the
/// weight gradient sums `(A dY A^T) ⊙ (B^T d B)` over tiles with 36 GEMMs and maps back with `G^T · G`.
/// PyTorch's CPU convolution reaches more than the core's FMA peak on `conv_c` this way; the GEMM path could not.
/// The transforms' coefficients (up to 8 and 1/24) cost accuracy: float32 results differ from the exact
/// convolution by a few 1e-6 of the output's scale (direct GEMMs: ~1e-7), so float64 keeps the GEMM path.
enum Winograd43 {
    /// Tiles per block (per GEMM).
    static let block = 64

    /// The distance between the 36 matrices of a transformed operand of `size` floats: one cache line more, so
    /// the 36 values of a tile do not all land in one L1 set (see winograd.c).
    static func stride(_ size: Int) -> Int { size + 16 }

    /// Whether a convolution takes this path: float32, 3×3, stride 1, no dilation, one group, padding ≤ 2 and at
    /// least 32 input and output channels. The transforms cost ∝ C + K per tile and the GEMMs ∝ C·K, so thin
    /// layers gain less: measured (N = 32, one thread, fwd / fwd+bwd in ms, Winograd vs GEMM) 32→32 on 32×32
    /// 6.9/22.9 vs 8.5/31.0, 256→256 on 8×8 5.7/18.5 vs 6.9/21.2, but 16→64 on 32×32 7.6/27.4 vs 7.1/23.1.
    static func applies(_ geo: ConvGeometry, _ dtype: DType) -> Bool {
        dtype == .float32 && geo.window.kernel == (3, 3) && geo.window.stride == (1, 1) && geo.window.dilation == (1, 1)
            && geo.groups == 1 && (0...2).contains(geo.window.padding.0) && (0...2).contains(geo.window.padding.1)
            && geo.c >= 32 && geo.cout >= 32
    }

    /// The transformed filters `U[36][K][C]` (`flip`: those of the input gradient, `[36][C][K]`), the 36 matrices
    /// `stride(k·c)` apart.
    static func filters(_ w: UnsafePointer<Float>, k: Int, c: Int, flip: Bool) -> Tensor {
        let xs = stride(k * c)
        let u = Tensor(uninitializedShape: [36 * xs], dtype: .float32)
        if flip {
            st_wino43_weights(w, u.pointer(as: Float.self), c, k, 1, xs)
        } else {
            st_wino43_weights(w, u.pointer(as: Float.self), k, c, 0, xs)
        }
        return u
    }

    /// `y [N, K, OH, OW] = conv(x [N, C, H, W], filters U) + bias` with the given padding.
    static func forward(_ x: UnsafePointer<Float>, _ u: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
                        _ y: UnsafeMutablePointer<Float>, n: Int, c: Int, h: Int, w: Int, k: Int, oh: Int, ow: Int,
                        padding: (Int, Int)) {
        let th = (oh + 3) / 4, tw = (ow + 3) / 4, tiles = n * th * tw, p = block
        let blocks = (tiles + p - 1) / p
        let chunks = Swift.max(1, Swift.min(Torch.numThreads, blocks))
        let xsU = stride(k * c), xsV = stride(c * p), xsM = stride(k * p)
        let per = 36 * (xsV + xsM)
        let scratch = Tensor(uninitializedShape: [chunks * per], dtype: .float32)
        let ps = scratch.pointer(as: Float.self)
        ThreadPool.parallelFor(chunks, grain: 1) { r in
            for ch in r {
                let v = ps + ch * per, m = v + 36 * xsV
                for b in (blocks * ch / chunks)..<(blocks * (ch + 1) / chunks) {
                    let t0 = b * p, count = Swift.min(p, tiles - t0)
                    st_wino43_input(x, v, c, h, w, padding.0, padding.1, th, tw, t0, count, p, xsV)
                    for xi in 0..<36 {
                        gemmRaw(transA: false, transB: false, m: k, n: count, k: c, a: u + xi * xsU, lda: c,
                                b: v + xi * xsV, ldb: p, c: m + xi * xsM, ldc: p)
                    }
                    st_wino43_output(m, y, bias, k, oh, ow, th, tw, t0, count, p, xsM)
                }
            }
        }
    }

    /// `dw [K, C, 3, 3]` of the convolution of `x [N, C, H, W]` giving `gy [N, K, OH, OW]`.
    static func weightGradient(_ x: UnsafePointer<Float>, _ gy: UnsafePointer<Float>, _ dw: UnsafeMutablePointer<Float>,
                               n: Int, c: Int, h: Int, w: Int, k: Int, oh: Int, ow: Int, padding: (Int, Int)) {
        let th = (oh + 3) / 4, tw = (ow + 3) / 4, tiles = n * th * tw, p = block
        let blocks = (tiles + p - 1) / p
        let chunks = Swift.max(1, Swift.min(Torch.numThreads, blocks))
        let xsU = stride(k * c), xsV = stride(c * p), xsM = stride(k * p)
        let uSize = 36 * xsU, per = 36 * (xsV + xsM) + uSize
        let scratch = Tensor(uninitializedShape: [chunks * per], dtype: .float32)
        let ps = scratch.pointer(as: Float.self)
        ThreadPool.parallelFor(chunks, grain: 1) { r in
            for ch in r {
                let v = ps + ch * per, dm = v + 36 * xsV, du = dm + 36 * xsM
                var first = true
                for b in (blocks * ch / chunks)..<(blocks * (ch + 1) / chunks) {
                    let t0 = b * p, count = Swift.min(p, tiles - t0)
                    st_wino43_input(x, v, c, h, w, padding.0, padding.1, th, tw, t0, count, p, xsV)
                    st_wino43_grad_output(gy, dm, k, oh, ow, th, tw, t0, count, p, xsM)
                    for xi in 0..<36 {
                        gemmRaw(transA: false, transB: true, m: k, n: c, k: count, a: dm + xi * xsM, lda: p,
                                b: v + xi * xsV, ldb: p, beta: first ? 0 : 1, c: du + xi * xsU, ldc: c)
                    }
                    first = false
                }
                if first { du.update(repeating: 0, count: uSize) }
            }
        }
        // Per-chunk sums are added in chunk order (deterministic for a thread count).
        let total = ps + 36 * (xsV + xsM)
        for ch in 1..<chunks {
            let src = ps + ch * per + 36 * (xsV + xsM)
            for i in 0..<uSize { total[i] += src[i] }
        }
        st_wino43_weight_grad(total, dw, k, c, xsU)
    }
}
