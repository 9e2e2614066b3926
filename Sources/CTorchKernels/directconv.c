/* Direct float32 convolution with stride 1. Written for thin layers, where an im2col GEMM is mostly packing
 * (`C·kh·kw` of 25 or 27 gives OpenBLAS too short an inner dimension), and measured faster than im2col + GEMM for
 * wider stride-1 layers too.
 *
 * The output is computed over the input's row length: position q = oy·W + ox of a plane whose rows are W wide
 * (W ≥ OW), so that every tap reads the input at q + ky·dh·W + kx·dw, one contiguous vector load for 16
 * consecutive positions whatever row they fall in. Positions with ox ≥ OW are computed and dropped: each vector
 * of results is compressed to its valid lanes, which are consecutive output elements, and stored with a mask.
 * A tile holds 4 output channels × 6 vectors (96 positions) in 24 AVX-512 accumulators; each tap loads 6 input
 * vectors and broadcasts 4 weights for 24 fused multiply-adds (the last tile of a plane has as many vectors as
 * positions are left, and the last channels of a range are tiles of 3, 2 or 1). Taps are summed in the order
 * (c, ky, kx).
 */
#include "CTorchKernels.h"
#include "isa.h"
#include <string.h>
#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define ST_X86 1
#endif

static void pad_portable(const float *x, ptrdiff_t planes, ptrdiff_t h, ptrdiff_t w, ptrdiff_t pad_h, ptrdiff_t pad_w,
                       float *out) {
    const ptrdiff_t hp = h + 2 * pad_h, wp = w + 2 * pad_w;
    for (ptrdiff_t p = 0; p < planes; p++) {
        const float *src = x + p * h * w;
        float *dst = out + p * hp * wp;
        memset(dst, 0, (size_t)(pad_h * wp) * sizeof(float));
        for (ptrdiff_t r = 0; r < h; r++) {
            float *row = dst + (r + pad_h) * wp;
            memset(row, 0, (size_t)pad_w * sizeof(float));
            memcpy(row + pad_w, src + r * w, (size_t)w * sizeof(float));
            memset(row + pad_w + w, 0, (size_t)pad_w * sizeof(float));
        }
        memset(dst + (pad_h + h) * wp, 0, (size_t)(pad_h * wp) * sizeof(float));
    }
}

#ifdef ST_X86
#define AVX512 __attribute__((target("avx512f,avx512dq")))
#define VB 6 /* vectors of positions per tile */

/* Padding with vector stores: the rows are short (tens of floats), so calls to memcpy/memset per row cost more
   than the copying. */
AVX512 static void pad_avx512(const float *x, ptrdiff_t planes, ptrdiff_t h, ptrdiff_t w, ptrdiff_t pad_h,
                              ptrdiff_t pad_w, float *out) {
    const ptrdiff_t hp = h + 2 * pad_h, wp = w + 2 * pad_w;
    const __m512 zero = _mm512_setzero_ps();
    for (ptrdiff_t p = 0; p < planes; p++) {
        const float *src = x + p * h * w;
        float *dst = out + p * hp * wp;
        for (ptrdiff_t r = 0; r < hp; r++) {
            float *row = dst + r * wp;
            ptrdiff_t sr = r - pad_h;
            if (sr < 0 || sr >= h) {
                for (ptrdiff_t j = 0; j < wp; j += 16)
                    _mm512_mask_storeu_ps(row + j, wp - j >= 16 ? 0xFFFF : (__mmask16)((1u << (wp - j)) - 1u), zero);
                continue;
            }
            for (ptrdiff_t j = 0; j < pad_w; j++) { row[j] = 0.0f; row[pad_w + w + j] = 0.0f; }
            const float *s = src + sr * w;
            for (ptrdiff_t j = 0; j < w; j += 16) {
                __mmask16 m = w - j >= 16 ? 0xFFFF : (__mmask16)((1u << (w - j)) - 1u);
                _mm512_mask_storeu_ps(row + pad_w + j, m, _mm512_maskz_loadu_ps(m, s + j));
            }
        }
    }
}

/* One tile: output channels k..k+RC-1, position vectors q0, q0+16, ... (NV of them). `load[v]` masks the lanes
   inside the plane's readable range, `keep[v]` the lanes that are output positions and `dst[v]` where the first
   kept lane goes in an output plane. */
#define DEFINE_TILE(RC, NV)                                                                                        \
    AVX512 static inline void tile_##RC##_##NV(const float *x, ptrdiff_t plane, ptrdiff_t W, ptrdiff_t C, ptrdiff_t kh,  \
                                        ptrdiff_t kw, ptrdiff_t dh, ptrdiff_t dw, const float *w, ptrdiff_t taps,  \
                                        const float *bias, float *y, ptrdiff_t yplane, ptrdiff_t q0,               \
                                        const __mmask16 *load, const __mmask16 *keep, const ptrdiff_t *dst) {     \
        __m512 acc[RC][NV];                                                                                      \
        _Pragma("clang loop unroll(full)") for (int c = 0; c < RC; c++) {                                        \
            __m512 b = _mm512_set1_ps(bias ? bias[c] : 0.0f);                                                    \
            _Pragma("clang loop unroll(full)") for (int v = 0; v < NV; v++) acc[c][v] = b;                       \
        }                                                                                                        \
        const float *xq = x + q0;                                                                                \
        ptrdiff_t t = 0;                                                                                         \
        for (ptrdiff_t ci = 0; ci < C; ci++) {                                                                   \
            for (ptrdiff_t ky = 0; ky < kh; ky++) {                                                              \
                const float *xr = xq + ci * plane + ky * dh * W;                                                 \
                for (ptrdiff_t kx = 0; kx < kw; kx++, t++) {                                                     \
                    const float *xp = xr + kx * dw;                                                              \
                    __m512 in[NV];                                                                               \
                    _Pragma("clang loop unroll(full)") for (int v = 0; v < NV; v++)                              \
                        in[v] = _mm512_maskz_loadu_ps(load[v], xp + 16 * v);                                     \
                    _Pragma("clang loop unroll(full)") for (int c = 0; c < RC; c++) {                            \
                        __m512 wv = _mm512_set1_ps(w[c * taps + t]);                                             \
                        _Pragma("clang loop unroll(full)") for (int v = 0; v < NV; v++)                          \
                            acc[c][v] = _mm512_fmadd_ps(in[v], wv, acc[c][v]);                                   \
                    }                                                                                            \
                }                                                                                                \
            }                                                                                                    \
        }                                                                                                        \
        _Pragma("clang loop unroll(full)") for (int c = 0; c < RC; c++) {                                        \
            _Pragma("clang loop unroll(full)") for (int v = 0; v < NV; v++) {                                    \
                if (!keep[v]) continue;                                                                          \
                __m512 packed = _mm512_maskz_compress_ps(keep[v], acc[c][v]);                                    \
                __mmask16 low = (__mmask16)((1u << __builtin_popcount(keep[v])) - 1u);                           \
                _mm512_mask_storeu_ps(y + c * yplane + dst[v], low, packed);                                     \
            }                                                                                                    \
        }                                                                                                        \
    }

#define DEFINE_TILES(RC) DEFINE_TILE(RC, 1) DEFINE_TILE(RC, 2) DEFINE_TILE(RC, 3) DEFINE_TILE(RC, 4) DEFINE_TILE(RC, 5) \
    DEFINE_TILE(RC, 6)
DEFINE_TILES(4)
DEFINE_TILES(3)
DEFINE_TILES(2)
DEFINE_TILES(1)

/* tile_RC_NV for NV = nv (1 ... VB). */
#define CALL_TILE(RC, nv, ...)                                                                                  \
    switch (nv) {                                                                                               \
    case 1: tile_##RC##_1(__VA_ARGS__); break;                                                                  \
    case 2: tile_##RC##_2(__VA_ARGS__); break;                                                                  \
    case 3: tile_##RC##_3(__VA_ARGS__); break;                                                                  \
    case 4: tile_##RC##_4(__VA_ARGS__); break;                                                                  \
    case 5: tile_##RC##_5(__VA_ARGS__); break;                                                                  \
    default: tile_##RC##_6(__VA_ARGS__); break;                                                                 \
    }

#define TB 6 /* taps per weight-gradient tile */

/* Weight-gradient tile: channels k..k+RC-1 (gy planes `gplane` apart) and the taps at input offsets off[0..TB),
   summed over every output position into the vector accumulators acc[RC][TB][16] (loaded and stored, so that
   images add up before the one horizontal sum at the end). */
#define DEFINE_WTILE(RC)                                                                                         \
    AVX512 static inline void wtile_##RC(const float *x, ptrdiff_t W, const float *gy, ptrdiff_t gplane,           \
                                         ptrdiff_t OH, ptrdiff_t OW, const ptrdiff_t *off, float *accbuf,          \
                                         ptrdiff_t accstride) {                                                    \
        __m512 acc[RC][TB];                                                                                      \
        _Pragma("clang loop unroll(full)") for (int c = 0; c < RC; c++)                                          \
            _Pragma("clang loop unroll(full)") for (int t = 0; t < TB; t++)                                      \
                acc[c][t] = _mm512_loadu_ps(accbuf + c * accstride + 16 * t);                                    \
        for (ptrdiff_t oy = 0; oy < OH; oy++) {                                                                  \
            const float *grow = gy + oy * OW, *xrow = x + oy * W;                                                \
            for (ptrdiff_t ox = 0; ox < OW; ox += 16) {                                                          \
                __mmask16 m = OW - ox >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << (OW - ox)) - 1u);           \
                __m512 g[RC];                                                                                    \
                _Pragma("clang loop unroll(full)") for (int c = 0; c < RC; c++)                                  \
                    g[c] = _mm512_maskz_loadu_ps(m, grow + c * gplane + ox);                                     \
                _Pragma("clang loop unroll(full)") for (int t = 0; t < TB; t++) {                                \
                    __m512 xv = _mm512_maskz_loadu_ps(m, xrow + off[t] + ox);                                    \
                    _Pragma("clang loop unroll(full)") for (int c = 0; c < RC; c++)                              \
                        acc[c][t] = _mm512_fmadd_ps(g[c], xv, acc[c][t]);                                        \
                }                                                                                                \
            }                                                                                                    \
        }                                                                                                        \
        _Pragma("clang loop unroll(full)") for (int c = 0; c < RC; c++)                                          \
            _Pragma("clang loop unroll(full)") for (int t = 0; t < TB; t++)                                      \
                _mm512_storeu_ps(accbuf + c * accstride + 16 * t, acc[c][t]);                                    \
    }

DEFINE_WTILE(4)
DEFINE_WTILE(1)

/* acc [K][taps rounded up to TB][16] += the weight gradient of one image. Rows narrower than their vectors waste
   lanes (24 of 32 for OW = 24, 8 of 16 for OW = 8); when the input's row length W is below the vectors' width, the
   output gradient is first laid out over the input's rows (`ext` [K][span], zeros at ox >= OW) so that all
   positions run as one contiguous row, as in the forward kernel (efficiency OW / W instead). */
AVX512 static void wgrad_avx512(const float *x, ptrdiff_t C, ptrdiff_t H, ptrdiff_t W, const float *gy, ptrdiff_t kh,
                                ptrdiff_t kw, ptrdiff_t dh, ptrdiff_t dw, float *acc, ptrdiff_t k0, ptrdiff_t k1,
                                float *ext) {
    const ptrdiff_t OH = H - dh * (kh - 1), OW = W - dw * (kw - 1), taps = C * kh * kw, plane = H * W;
    const ptrdiff_t padded = (taps + TB - 1) / TB * TB, accstride = padded * 16;
    const ptrdiff_t span = (OH - 1) * W + OW;
    const int extended = ext != NULL && W < (OW + 15) / 16 * 16;
    const float *g = gy;
    ptrdiff_t gplane = OH * OW, rows = OH, cols = OW;
    if (extended) {
        for (ptrdiff_t k = k0; k < k1; k++) {
            float *e = ext + k * span;
            const float *src = gy + k * OH * OW;
            for (ptrdiff_t q = 0; q < span; q++) e[q] = 0.0f;
            for (ptrdiff_t oy = 0; oy < OH; oy++)
                for (ptrdiff_t ox = 0; ox < OW; ox++) e[oy * W + ox] = src[oy * OW + ox];
        }
        g = ext;
        gplane = span;
        rows = 1;
        cols = span;
    }
    for (ptrdiff_t t0 = 0; t0 < taps; t0 += TB) {
        ptrdiff_t off[TB];
        for (int j = 0; j < TB; j++) {
            ptrdiff_t t = t0 + j < taps ? t0 + j : taps - 1; /* taps past the end repeat the last; never read back */
            ptrdiff_t ci = t / (kh * kw), ky = (t / kw) % kh, kx = t % kw;
            off[j] = ci * plane + ky * dh * W + kx * dw;
        }
        ptrdiff_t k = k0;
        for (; k + 4 <= k1; k += 4)
            wtile_4(x, W, g + k * gplane, gplane, rows, cols, off, acc + k * accstride + t0 * 16, accstride);
        for (; k < k1; k++)
            wtile_1(x, W, g + k * gplane, gplane, rows, cols, off, acc + k * accstride + t0 * 16, accstride);
    }
}

AVX512 static void wgrad_finish_avx512(const float *acc, float *gw, ptrdiff_t taps, ptrdiff_t k0, ptrdiff_t k1) {
    const ptrdiff_t padded = (taps + TB - 1) / TB * TB;
    for (ptrdiff_t k = k0; k < k1; k++)
        for (ptrdiff_t t = 0; t < taps; t++)
            gw[k * taps + t] += _mm512_reduce_add_ps(_mm512_loadu_ps(acc + (k * padded + t) * 16));
}

AVX512 static void conv_avx512(const float *x, ptrdiff_t C, ptrdiff_t H, ptrdiff_t W, const float *w, ptrdiff_t kh,
                               ptrdiff_t kw, ptrdiff_t dh, ptrdiff_t dw, const float *bias, float *y, ptrdiff_t OH,
                               ptrdiff_t OW, ptrdiff_t k0, ptrdiff_t k1) {
    const ptrdiff_t plane = H * W, taps = C * kh * kw, yplane = OH * OW;
    /* Positions 0 ..< span cover every output; a position's taps read up to q + (kh-1)dh·W + (kw-1)dw, which for
       q < span stays below H·W. */
    const ptrdiff_t span = (OH - 1) * W + OW;
    for (ptrdiff_t q0 = 0; q0 < span; q0 += 16 * VB) {
        __mmask16 load[VB], keep[VB];
        ptrdiff_t dst[VB];
        for (int v = 0; v < VB; v++) {
            ptrdiff_t q = q0 + 16 * v, row = q / W, col = q % W;
            unsigned lm = 0, km = 0;
            dst[v] = row * OW + (col < OW ? col : OW);
            for (int i = 0; i < 16; i++, q++) {
                if (q < span) {
                    lm |= 1u << i;
                    if (col < OW) km |= 1u << i;
                }
                if (++col == W) col = 0;
            }
            load[v] = (__mmask16)lm;
            keep[v] = (__mmask16)km;
        }
        const int nv = (int)((span - q0 + 15) / 16 < VB ? (span - q0 + 15) / 16 : VB);
        ptrdiff_t k = k0;
        for (; k + 4 <= k1; k += 4)
            CALL_TILE(4, nv, x, plane, W, C, kh, kw, dh, dw, w + k * taps, taps, bias ? bias + k : NULL, y + k * yplane,
                      yplane, q0, load, keep, dst)
        const float *bk = bias ? bias + k : NULL;
        switch (k1 - k) {
        case 3: CALL_TILE(3, nv, x, plane, W, C, kh, kw, dh, dw, w + k * taps, taps, bk, y + k * yplane, yplane, q0, load, keep, dst) break;
        case 2: CALL_TILE(2, nv, x, plane, W, C, kh, kw, dh, dw, w + k * taps, taps, bk, y + k * yplane, yplane, q0, load, keep, dst) break;
        case 1: CALL_TILE(1, nv, x, plane, W, C, kh, kw, dh, dw, w + k * taps, taps, bk, y + k * yplane, yplane, q0, load, keep, dst) break;
        default: break;
        }
    }
}
#endif

int st_conv2d_direct_f32(const float *x, ptrdiff_t C, ptrdiff_t H, ptrdiff_t W, const float *w, ptrdiff_t kh,
                         ptrdiff_t kw, ptrdiff_t dh, ptrdiff_t dw, const float *bias, float *y, ptrdiff_t k0,
                         ptrdiff_t k1) {
#ifdef ST_X86
    if (st_isa_level() == ST_ISA_AVX512) {
        ptrdiff_t OH = H - dh * (kh - 1), OW = W - dw * (kw - 1);
        if (OH > 0 && OW > 0) conv_avx512(x, C, H, W, w, kh, kw, dh, dw, bias, y, OH, OW, k0, k1);
        return 1;
    }
#endif
    (void)x; (void)C; (void)H; (void)W; (void)w; (void)kh; (void)kw; (void)dh; (void)dw; (void)bias; (void)y;
    (void)k0; (void)k1;
    return 0;
}

size_t st_conv2d_direct_weight_grad_scratch(ptrdiff_t K, ptrdiff_t taps) {
    return (size_t)(K * ((taps + 5) / 6 * 6) * 16);
}

size_t st_conv2d_direct_weight_grad_layout_scratch(ptrdiff_t K, ptrdiff_t H, ptrdiff_t W, ptrdiff_t kh, ptrdiff_t kw,
                                                   ptrdiff_t dh, ptrdiff_t dw) {
    ptrdiff_t OH = H - dh * (kh - 1), OW = W - dw * (kw - 1);
    return OH > 0 && OW > 0 ? (size_t)(K * ((OH - 1) * W + OW)) : 0;
}

int st_conv2d_direct_weight_grad_f32(const float *x, ptrdiff_t C, ptrdiff_t H, ptrdiff_t W, const float *gy,
                                     ptrdiff_t kh, ptrdiff_t kw, ptrdiff_t dh, ptrdiff_t dw, float *acc, ptrdiff_t k0,
                                     ptrdiff_t k1, float *layout) {
#ifdef ST_X86
    if (st_isa_level() == ST_ISA_AVX512) {
        if (H - dh * (kh - 1) > 0 && W - dw * (kw - 1) > 0)
            wgrad_avx512(x, C, H, W, gy, kh, kw, dh, dw, acc, k0, k1, layout);
        return 1;
    }
#endif
    (void)x; (void)C; (void)H; (void)W; (void)gy; (void)kh; (void)kw; (void)dh; (void)dw; (void)acc; (void)k0; (void)k1;
    (void)layout;
    return 0;
}

int st_conv2d_direct_weight_grad_finish(const float *acc, float *gw, ptrdiff_t taps, ptrdiff_t k0, ptrdiff_t k1) {
#ifdef ST_X86
    if (st_isa_level() == ST_ISA_AVX512) {
        wgrad_finish_avx512(acc, gw, taps, k0, k1);
        return 1;
    }
#endif
    (void)acc; (void)gw; (void)taps; (void)k0; (void)k1;
    return 0;
}

void st_pad_planes_f32(const float *x, ptrdiff_t planes, ptrdiff_t h, ptrdiff_t w, ptrdiff_t pad_h, ptrdiff_t pad_w,
                       float *out) {
#ifdef ST_X86
    if (st_isa_level() == ST_ISA_AVX512) {
        pad_avx512(x, planes, h, w, pad_h, pad_w, out);
        return;
    }
#endif
    pad_portable(x, planes, h, w, pad_h, pad_w, out);
}
