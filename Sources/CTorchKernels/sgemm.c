/* Single-precision GEMM with AVX-512: C = alpha·op(A)·op(B) + beta·C on row-major buffers, on the calling thread.
 *
 * Why it exists: on this project's machines the environment pins OpenBLAS to its Haswell (AVX2) kernels
 * (OPENBLAS_CORETYPE, because older OpenBLAS releases misbehave with their own AVX-512 kernels on these CPUs),
 * which leaves half of each AVX-512 FMA unit idle. This kernel uses only AVX-512 F.
 *
 * Layout (after the GotoBLAS/BLIS scheme): for each block of at most KC rows of op(B) and NC of its columns,
 * op(B) is packed into panels of NR = 32 columns (k-major: the 32 values of one k are adjacent, columns past n
 * zero; a transposed B with 16 × 16 in-register transposes). The micro-kernel keeps a 12 × 32 tile of C in 24 zmm
 * accumulators and, per k, loads two vectors of the B panel and broadcasts 12 values of op(A) into 24 fused
 * multiply-adds. op(A) is read in place, 12 rows (or, transposed, 12 adjacent values per k) at a time: its 12 × KC
 * strip stays in L1 while the kernel walks every B panel of the block (up to 512 KB, in L2). Packing A as well
 * (k-major panels) was measured slower for every shape tried, most for products with few columns (attention's
 * 128 × 32 × 128: 160 against 215 GFLOP/s), where each packed value of A is used only once or twice. The last
 * rows of A (m not a multiple of 12) run a kernel with as many rows as are left.
 *
 * Summation order: with S_b the sum over block b of k in increasing order (one FMA chain per element),
 * C = ((alpha·S_1 + beta·C) + alpha·S_2) + …; C is not read when beta is 0. The blocks depend only on k, so a
 * product split over threads by rows or columns gives the same bits.
 */
#include "CTorchKernels.h"
#include "isa.h"
#include <stdlib.h>
#include <string.h>
#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#include <pthread.h>
#define ST_X86 1
#endif

/* Tile and block sizes: MR × NR accumulators; blocks of at most KC rows and NC columns of op(B) (KC·NC floats,
   512 KB, held in L2), k split into equal blocks so that none is much shorter than the others. */
enum { SG_MR = 12, SG_NR = 32, SG_KC = 512, SG_NC = 256 };

/* op(A)[i][p] and op(B)[p][j] for the portable path and the reference. */
#define A_AT(i, p) (trans_a ? a[(p) * lda + (i)] : a[(i) * lda + (p)])
#define B_AT(p, j) (trans_b ? b[(j) * ldb + (p)] : b[(p) * ldb + (j)])

static void sgemm_portable(int trans_a, int trans_b, size_t m, size_t n, size_t k, float alpha, const float *a,
                           size_t lda, const float *b, size_t ldb, float beta, float *c, size_t ldc) {
    for (size_t i = 0; i < m; i++) {
        for (size_t j = 0; j < n; j++) {
            float s = 0;
            for (size_t p = 0; p < k; p++) s += A_AT(i, p) * B_AT(p, j);
            float *cij = c + i * ldc + j;
            *cij = beta == 0 ? alpha * s : alpha * s + beta * *cij;
        }
    }
}

#ifdef ST_X86
#define AVX512 __attribute__((target("avx512f,avx512dq")))

/* The per-thread packing buffers: op(B)'s panels (grown on demand) and one strip of A (see copy_strip). They live
   as long as their thread: a thread-specific key frees them when it exits. */
struct sgemm_buffers {
    float *pack_b, *strip;
    size_t pack_b_cap;
};
static _Thread_local struct sgemm_buffers *thread_buffers;
static pthread_key_t buffers_key;
static pthread_once_t buffers_once = PTHREAD_ONCE_INIT;

static void free_buffers(void *p) {
    struct sgemm_buffers *b = p;
    free(b->pack_b);
    free(b->strip);
    free(b);
}

static void make_buffers_key(void) { pthread_key_create(&buffers_key, free_buffers); }

static struct sgemm_buffers *buffers(void) {
    if (!thread_buffers) {
        pthread_once(&buffers_once, make_buffers_key);
        thread_buffers = calloc(1, sizeof *thread_buffers);
        if (thread_buffers) pthread_setspecific(buffers_key, thread_buffers);
    }
    return thread_buffers;
}

static float *pack_b_space(struct sgemm_buffers *b, size_t floats) {
    if (floats > b->pack_b_cap) {
        free(b->pack_b);
        b->pack_b = aligned_alloc(64, (floats * sizeof(float) + 63) & ~(size_t)63);
        b->pack_b_cap = b->pack_b ? floats : 0;
    }
    return b->pack_b;
}

static float *strip_space(struct sgemm_buffers *b) {
    if (!b->strip) b->strip = aligned_alloc(64, SG_MR * (SG_KC + 16) * sizeof(float));
    return b->strip;
}

/* A mask of the first `count` of 16 lanes. */
static inline __mmask16 lanes(size_t count) { return count >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << count) - 1); }

/* Copies the mr × kc strip of op(A) at a to dst: rows kc + 16 floats apart (not transposed), or the mr values of
   each k 12 apart (transposed); returns dst, to be read with that leading dimension. */
AVX512 static const float *copy_strip(const float *a, size_t lda, int trans_a, size_t mr, size_t kc, float *dst) {
    if (trans_a) {
        __mmask16 m = lanes(mr);
        for (size_t p = 0; p < kc; p++) _mm512_mask_storeu_ps(dst + p * SG_MR, m, _mm512_maskz_loadu_ps(m, a + p * lda));
    } else {
        for (size_t r = 0; r < mr; r++) memcpy(dst + r * (SG_KC + 16), a + r * lda, kc * sizeof(float));
    }
    return dst;
}

/* Transposes the 16 × 16 matrix whose rows are r[0..15] in place (r[i][j] becomes r[j][i]). */
AVX512 static inline void transpose16(__m512 r[16]) {
    __m512 t[16], u[16];
    for (int i = 0; i < 8; i++) {
        t[2 * i] = _mm512_unpacklo_ps(r[2 * i], r[2 * i + 1]);
        t[2 * i + 1] = _mm512_unpackhi_ps(r[2 * i], r[2 * i + 1]);
    }
    /* u[4g + c], lane L: column 4L + c of rows 4g..4g+3 */
    for (int g = 0; g < 4; g++) {
        u[4 * g + 0] = _mm512_shuffle_ps(t[4 * g], t[4 * g + 2], 0x44);
        u[4 * g + 1] = _mm512_shuffle_ps(t[4 * g], t[4 * g + 2], 0xEE);
        u[4 * g + 2] = _mm512_shuffle_ps(t[4 * g + 1], t[4 * g + 3], 0x44);
        u[4 * g + 3] = _mm512_shuffle_ps(t[4 * g + 1], t[4 * g + 3], 0xEE);
    }
    for (int c = 0; c < 4; c++) {
        __m512 v0 = _mm512_shuffle_f32x4(u[c], u[4 + c], 0x88), v1 = _mm512_shuffle_f32x4(u[c], u[4 + c], 0xDD);
        __m512 v2 = _mm512_shuffle_f32x4(u[8 + c], u[12 + c], 0x88), v3 = _mm512_shuffle_f32x4(u[8 + c], u[12 + c], 0xDD);
        r[c] = _mm512_shuffle_f32x4(v0, v2, 0x88);
        r[8 + c] = _mm512_shuffle_f32x4(v0, v2, 0xDD);
        r[4 + c] = _mm512_shuffle_f32x4(v1, v3, 0x88);
        r[12 + c] = _mm512_shuffle_f32x4(v1, v3, 0xDD);
    }
}


/* The packers write a k-major panel of op(B): dst[p*width + i] = element (i, p) — column i of the strip — for
   0 <= i < rows <= width, zero for rows <= i < width (width a multiple of 16). */

/* Packs the strip whose element (i, p) is x[i*ld + p] (B transposed): 16 × 16 blocks are loaded row by row and
   transposed in registers. */
AVX512 static void pack_transposing(const float *x, size_t ld, size_t rows, size_t cols, float *dst, size_t width) {
    for (size_t i0 = 0; i0 < width; i0 += 16) {
        size_t nr = rows > i0 ? (rows - i0 < 16 ? rows - i0 : 16) : 0;
        for (size_t p0 = 0; p0 < cols; p0 += 16) {
            size_t np = cols - p0 < 16 ? cols - p0 : 16;
            __mmask16 mp = lanes(np);
            __m512 r[16];
            for (size_t i = 0; i < 16; i++)
                r[i] = i < nr ? _mm512_maskz_loadu_ps(mp, x + (i0 + i) * ld + p0) : _mm512_setzero_ps();
            transpose16(r);
            for (size_t p = 0; p < np; p++) _mm512_storeu_ps(dst + (p0 + p) * width + i0, r[p]);
        }
    }
}

/* Packs the strip whose element (i, p) is x[p*ld + i] (B not transposed): already k-major, so each p is a copy
   of `rows` values. */
AVX512 static void pack_copying(const float *x, size_t ld, size_t rows, size_t cols, float *dst, size_t width) {
    for (size_t p = 0; p < cols; p++) {
        const float *src = x + p * ld;
        float *out = dst + p * width;
        for (size_t i0 = 0; i0 < width; i0 += 16) {
            size_t nr = rows > i0 ? (rows - i0 < 16 ? rows - i0 : 16) : 0;
            _mm512_storeu_ps(out + i0, nr ? _mm512_maskz_loadu_ps(lanes(nr), src + i0) : _mm512_setzero_ps());
        }
    }
}

/* The micro-kernel for an MRV × 32 tile (MRV <= 12; inlined with MRV a constant): acc = Σ_p A(r, p) · bp[p*32 + j]
   over kc values of p, where A(r, p) = a[r*rs + p*cs] is op(A) read in place,
   then stored to the mr × nr corner of c (row stride ldc): c = alpha·acc (+ beta·c, or + c when `accumulate`). */
__attribute__((always_inline)) AVX512 static inline void kernel_tile(const int MRV, size_t kc, const float *a, size_t rs,
                                                                   size_t cs, const float *bp, float *c, size_t ldc,
                                                                   size_t nr, float alpha, float beta, int accumulate) {
    __m512 acc[SG_MR][2];
#pragma clang loop unroll(full)
    for (int r = 0; r < MRV; r++) acc[r][0] = acc[r][1] = _mm512_setzero_ps();
    for (size_t p = 0; p < kc; p++) {
        __m512 b0 = _mm512_load_ps(bp + p * SG_NR), b1 = _mm512_load_ps(bp + p * SG_NR + 16);
        const float *ap = a + p * cs;
#pragma clang loop unroll(full)
        for (int r = 0; r < MRV; r++) {
            __m512 av = _mm512_set1_ps(ap[r * rs]);
            acc[r][0] = _mm512_fmadd_ps(av, b0, acc[r][0]);
            acc[r][1] = _mm512_fmadd_ps(av, b1, acc[r][1]);
        }
    }
    __mmask16 m0 = lanes(nr), m1 = lanes(nr > 16 ? nr - 16 : 0);
    __m512 va = _mm512_set1_ps(alpha), vb = _mm512_set1_ps(beta);
#pragma clang loop unroll(full)
    for (int r = 0; r < MRV; r++) {
        float *cr = c + r * ldc;
        __m512 x0 = acc[r][0], x1 = acc[r][1];
        if (alpha != 1.0f) { x0 = _mm512_mul_ps(x0, va); x1 = _mm512_mul_ps(x1, va); }
        if (accumulate) {
            x0 = _mm512_add_ps(x0, _mm512_maskz_loadu_ps(m0, cr));
            x1 = _mm512_add_ps(x1, _mm512_maskz_loadu_ps(m1, cr + 16));
        } else if (beta != 0.0f) {
            x0 = _mm512_fmadd_ps(vb, _mm512_maskz_loadu_ps(m0, cr), x0);
            x1 = _mm512_fmadd_ps(vb, _mm512_maskz_loadu_ps(m1, cr + 16), x1);
        }
        _mm512_mask_storeu_ps(cr, m0, x0);
        if (m1) _mm512_mask_storeu_ps(cr + 16, m1, x1);
    }
}

typedef void (*tile_fn)(size_t kc, const float *a, size_t ld, const float *bp, float *c, size_t ldc, size_t nr,
                        float alpha, float beta, int accumulate);

/* For each row count 1...12, the kernels reading op(A) in place: from a row-major A (R: rs = lda, cs = 1) and from
   a transposed one (T: rs = 1, cs = lda). */
#define SG_TILES(MRV)                                                                                              \
    AVX512 static void tile_r##MRV(size_t kc, const float *a, size_t ld, const float *bp, float *c, size_t ldc,    \
                                   size_t nr, float alpha, float beta, int accumulate) {                           \
        kernel_tile(MRV, kc, a, ld, 1, bp, c, ldc, nr, alpha, beta, accumulate);                                   \
    }                                                                                                              \
    AVX512 static void tile_t##MRV(size_t kc, const float *a, size_t ld, const float *bp, float *c, size_t ldc,    \
                                   size_t nr, float alpha, float beta, int accumulate) {                           \
        kernel_tile(MRV, kc, a, 1, ld, bp, c, ldc, nr, alpha, beta, accumulate);                                   \
    }
SG_TILES(1) SG_TILES(2) SG_TILES(3) SG_TILES(4) SG_TILES(5) SG_TILES(6)
SG_TILES(7) SG_TILES(8) SG_TILES(9) SG_TILES(10) SG_TILES(11) SG_TILES(12)
#define SG_ROW(X) {X##1, X##2, X##3, X##4, X##5, X##6, X##7, X##8, X##9, X##10, X##11, X##12}
static const tile_fn tiles[2][SG_MR] = {SG_ROW(tile_r), SG_ROW(tile_t)};

AVX512 static int sgemm_avx512(int trans_a, int trans_b, size_t m, size_t n, size_t k, float alpha, const float *a,
                               size_t lda, const float *b, size_t ldb, float beta, float *c, size_t ldc) {
    size_t ncap = n < SG_NC ? n : SG_NC, kcap = k < SG_KC ? k : SG_KC;
    struct sgemm_buffers *buf = buffers();
    if (!buf) return 0;
    float *bpack = pack_b_space(buf, ((ncap + SG_NR - 1) / SG_NR) * SG_NR * kcap), *apack = strip_space(buf);
    if (!bpack || !apack) return 0;
    /* Rows (or, transposed, k-steps) of A a multiple of 2 KB apart share a few L1 sets, so a 12 × KC strip of
       them does not stay in L1 across the B panels: such strips are copied to a buffer with an unaliased
       stride when more than one panel reads them. */
    int alias = (lda * sizeof(float)) % 2048 == 0;
    for (size_t jc = 0; jc < n; jc += SG_NC) {
        size_t nc = n - jc < SG_NC ? n - jc : SG_NC;
        size_t panels = (nc + SG_NR - 1) / SG_NR;
        size_t kblocks = (k + SG_KC - 1) / SG_KC, kstep = (k + kblocks - 1) / kblocks;
        for (size_t pc = 0; pc < k; pc += kstep) {
            size_t kc = k - pc < kstep ? k - pc : kstep;
            /* op(B)[pc.., jc + 32q ..] → panel q at bpack + q*kc*32 */
            for (size_t q = 0; q < panels; q++) {
                size_t j0 = jc + q * SG_NR, cols = n - j0 < SG_NR ? n - j0 : SG_NR;
                float *dst = bpack + q * kc * SG_NR;
                if (trans_b) pack_transposing(b + j0 * ldb + pc, ldb, cols, kc, dst, SG_NR);
                else pack_copying(b + pc * ldb + j0, ldb, cols, kc, dst, SG_NR);
            }
            int accumulate = pc > 0;
            for (size_t i0 = 0; i0 < m; i0 += SG_MR) {
                size_t mr = m - i0 < SG_MR ? m - i0 : SG_MR;
                const float *ap = trans_a ? a + pc * lda + i0 : a + i0 * lda + pc;
                size_t ld = lda;
                if (alias && panels > 1) {
                    ap = copy_strip(ap, lda, trans_a, mr, kc, apack);
                    ld = trans_a ? SG_MR : SG_KC + 16;
                }
                tile_fn tile = tiles[trans_a][mr - 1];
                for (size_t q = 0; q < panels; q++) {
                    size_t j0 = jc + q * SG_NR, nr = n - j0 < SG_NR ? n - j0 : SG_NR;
                    tile(kc, ap, ld, bpack + q * kc * SG_NR, c + i0 * ldc + j0, ldc, nr, alpha, beta, accumulate);
                }
            }
        }
    }
    return 1;
}
#endif

int st_sgemm_f32_preferred(void) {
#if defined(ST_X86) && defined(__OPTIMIZE__)
    return st_isa_level() == ST_ISA_AVX512;
#else
    return 0;
#endif
}

void st_sgemm_f32(int trans_a, int trans_b, size_t m, size_t n, size_t k, float alpha, const float *a, size_t lda,
                  const float *b, size_t ldb, float beta, float *c, size_t ldc) {
    if (m == 0 || n == 0) return;
    if (k == 0 || alpha == 0.0f) {
        for (size_t i = 0; i < m; i++)
            for (size_t j = 0; j < n; j++) c[i * ldc + j] = beta == 0 ? 0.0f : beta * c[i * ldc + j];
        return;
    }
#ifdef ST_X86
    if (st_isa_level() == ST_ISA_AVX512 &&
        sgemm_avx512(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc))
        return;
#endif
    sgemm_portable(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}
