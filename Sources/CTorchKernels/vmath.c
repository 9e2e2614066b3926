/* Vectorised float32 exp / erf-GELU / sigmoid / softmax with run-time ISA selection.
 *
 * exp: Cephes expf (x = n ln2 + r with ln2 split in two parts, degree-6 polynomial for e^r); 2^n is applied as
 * two factors 2^(n/2)·2^(n - n/2) so results down to the subnormal range are correct. Inputs above 88.7228 give
 * +inf, below -104 give 0, NaN passes through.
 * erf (portable and AVX2 GELU): a rational approximation x·P(x²)/Q(x²) on [-4, 4] (Eigen's fast erf;
 * |error| <= 7e-8 before float rounding), ±1 outside.
 * AVX-512 GELU: piecewise polynomials of Φ and of GELU's derivative (gelu_table.h, see gelu512).
 */
#include "CTorchKernels.h"
#include "isa.h"
#include "gelu_table.h"
#include <math.h>
#include <stdio.h>
#include <stdint.h>
#include <string.h>
#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define ST_X86 1
#endif

#define EXP_HI 88.72283905206835f
#define EXP_LO (-104.0f)

/* ---------------------------------------------------------------- portable ---------------------------------- */

static inline float pow2i(int n) {
    uint32_t bits = (uint32_t)(n + 127) << 23;
    float f;
    memcpy(&f, &bits, 4);
    return f;
}

static inline float exp_scalar(float x) {
    if (x != x) return x;
    if (x > EXP_HI) return INFINITY;
    if (x < EXP_LO) return 0.0f;
    float n = nearbyintf(x * 1.44269504088896341f);
    float r = x - n * 0.693359375f;
    r = r - n * -2.12194440e-4f;
    float p = 1.9875691500e-4f;
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    p = p * r * r + r + 1.0f;
    int ni = (int)n;
    int n1 = ni / 2;
    return p * pow2i(n1) * pow2i(ni - n1);
}

static inline float erf_scalar(float x) {
    /* Rational approximation (see erf512). */
    if (x != x) return x;
    float xc = x < -4.0f ? -4.0f : (x > 4.0f ? 4.0f : x);
    float x2 = xc * xc;
    float p = x2 * -2.72614225801306e-10f + 2.77068142495902e-08f;
    p = x2 * p + -2.10102402082508e-06f;
    p = x2 * p + -5.69250639462346e-05f;
    p = x2 * p + -7.34990630326855e-04f;
    p = x2 * p + -2.95459980854025e-03f;
    p = x2 * p + -1.60960333262415e-02f;
    p = xc * p;
    float q = x2 * -1.45660718464996e-05f + -2.13374055278905e-04f;
    q = x2 * q + -1.68282697438203e-03f;
    q = x2 * q + -7.37332916720468e-03f;
    q = x2 * q + -1.42647390514189e-02f;
    return p / q;
}

/* erfc(z), z >= 0, relative error < 1.2e-7 (Numerical Recipes). */
static inline float erfc_nr_scalar(float z) {
    float t = 1.0f / (1.0f + 0.5f * z);
    float p = 0.17087277f;
    p = p * t - 0.82215223f;
    p = p * t + 1.48851587f;
    p = p * t - 1.13520398f;
    p = p * t + 0.27886807f;
    p = p * t - 0.18628806f;
    p = p * t + 0.09678418f;
    p = p * t + 0.37409196f;
    p = p * t + 1.00002368f;
    p = p * t - 1.26551223f;
    return t * exp_scalar(-z * z + p);
}

static inline float gelu_scalar(float x) {
    float z = x * 0.70710678118654752f;
    if (z < -2.0f) return 0.5f * x * erfc_nr_scalar(-z);
    return 0.5f * x * (1.0f + erf_scalar(z));
}

/* d/dx GELU = Φ(x) + x·φ(x), times the incoming gradient (the CDF through erfc in the negative tail). */
static inline float gelu_grad_scalar(float x, float g) {
    float z = x * 0.70710678118654752f;
    float cdf = z < -2.0f ? 0.5f * erfc_nr_scalar(-z) : 0.5f * (1.0f + erf_scalar(z));
    float pdf = exp_scalar(-0.5f * x * x) * 0.39894228040143268f;
    return g * (cdf + x * pdf);
}

static void exp_portable(const float *x, float *y, size_t n) { for (size_t i = 0; i < n; i++) y[i] = exp_scalar(x[i]); }
static void gelu_portable(const float *x, float *y, size_t n) {
    for (size_t i = 0; i < n; i++) y[i] = gelu_scalar(x[i]);
}
static void sigmoid_portable(const float *x, float *y, size_t n) {
    for (size_t i = 0; i < n; i++) y[i] = 1.0f / (1.0f + exp_scalar(-x[i]));
}
static void softmax_portable(const float *x, float *y, size_t rows, size_t cols, int lg) {
    for (size_t r = 0; r < rows; r++) {
        const float *xr = x + r * cols;
        float *yr = y + r * cols;
        float m = -INFINITY;
        for (size_t i = 0; i < cols; i++) if (xr[i] > m || xr[i] != xr[i]) m = xr[i];
        if (m == -INFINITY) m = 0;
        float s = 0;
        for (size_t i = 0; i < cols; i++) { float e = exp_scalar(xr[i] - m); if (!lg) yr[i] = e; s += e; }
        if (lg) { float ls = logf(s) + m; for (size_t i = 0; i < cols; i++) yr[i] = xr[i] - ls; }
        else { float inv = 1.0f / s; for (size_t i = 0; i < cols; i++) yr[i] *= inv; }
    }
}

static float sum_portable(const float *x, size_t n) {
    float a[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    size_t i = 0;
    for (; i + 8 <= n; i += 8)
        for (int k = 0; k < 8; k++) a[k] += x[i + k];
    float s = ((a[0] + a[1]) + (a[2] + a[3])) + ((a[4] + a[5]) + (a[6] + a[7]));
    for (; i < n; i++) s += x[i];
    return s;
}

static void layernorm_row_finish(const float *x, const float *w, const float *b, float *y, size_t n, float mean, float rstd) {
    for (size_t j = 0; j < n; j++) {
        float v = (x[j] - mean) * rstd;
        if (w) v *= w[j];
        if (b) v += b[j];
        y[j] = v;
    }
}

static void layernorm_portable(const float *x, const float *w, const float *b, float *y, size_t rows, size_t n, float eps) {
    for (size_t r = 0; r < rows; r++) {
        const float *xr = x + r * n;
        float mean = sum_portable(xr, n) / (float)n;
        float v = 0;
        for (size_t j = 0; j < n; j++) { float d = xr[j] - mean; v += d * d; }
        layernorm_row_finish(xr, w, b, y + r * n, n, mean, 1.0f / sqrtf(v / (float)n + eps));
    }
}

/* ---------------------------------------------------------------- streaming stores ------------------------- */

/* Elementwise kernels write outputs of at least this many bytes (per call, i.e. per thread's range) with
   non-temporal stores: half the last-level cache of cpu0 as Linux reports it (sysfs; glibc's sysconf gives the
   whole package's on some VMs), 16 MiB where unknown. A call that large streams more than the cache holds
   through it, so the output's first lines are evicted before it returns anyway; bypassing the cache saves the
   read-for-ownership of every output line, a third of the traffic of a unary op. */
static size_t streaming_bytes;

size_t st_streaming_threshold(void) {
    size_t t = __atomic_load_n(&streaming_bytes, __ATOMIC_RELAXED);
    if (t) return t;
    size_t bytes = 0;
#ifdef __linux__
    FILE *f = fopen("/sys/devices/system/cpu/cpu0/cache/index3/size", "r");
    if (f) {
        unsigned long v = 0;
        char unit = 0;
        if (fscanf(f, "%lu%c", &v, &unit) >= 1)
            bytes = unit == 'K' ? v << 10 : (unit == 'M' ? v << 20 : v);
        fclose(f);
    }
#endif
    t = bytes ? bytes / 2 : (size_t)16 << 20;
    __atomic_store_n(&streaming_bytes, t, __ATOMIC_RELAXED);
    return t;
}

void st_set_streaming_threshold(size_t bytes) { __atomic_store_n(&streaming_bytes, bytes, __ATOMIC_RELAXED); }

/* Whether a kernel writing n floats streams them. */
static inline int use_streaming(size_t n) { return n * sizeof(float) >= st_streaming_threshold(); }

/* How many of the n floats at y come before its first 64-byte boundary. */
static inline size_t align_head(const float *y, size_t n) {
    size_t h = ((64 - ((uintptr_t)y & 63)) & 63) / sizeof(float);
    return h < n ? h : n;
}

#ifdef ST_X86
/* ---------------------------------------------------------------- AVX2 + FMA -------------------------------- */

#define AVX2 __attribute__((target("avx2,fma")))

/* e^xc for xc in [-104, EXP_HI] or NaN (Cephes: xc = n ln2 + r, ln2 in two parts, a degree-6 polynomial for
   e^r, 2^n as two factors 2^(n/2)·2^(n - n/2) so that results down to the subnormal range are right; at -104
   the result rounds to 0; a NaN flows through the arithmetic). */
AVX2 static inline __m256 exp256_clamped(__m256 xc) {
    __m256 n = _mm256_round_ps(_mm256_mul_ps(xc, _mm256_set1_ps(1.44269504088896341f)), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693359375f), xc);
    r = _mm256_fnmadd_ps(n, _mm256_set1_ps(-2.12194440e-4f), r);
    __m256 p = _mm256_set1_ps(1.9875691500e-4f);
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.3981999507e-3f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(8.3334519073e-3f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(4.1665795894e-2f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.6666665459e-1f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(5.0000001201e-1f));
    p = _mm256_fmadd_ps(_mm256_mul_ps(p, r), r, _mm256_add_ps(r, _mm256_set1_ps(1.0f)));
    __m256i ni = _mm256_cvtps_epi32(n);
    __m256i n1 = _mm256_srai_epi32(ni, 1);
    __m256i n2 = _mm256_sub_epi32(ni, n1);
    __m256i b = _mm256_set1_epi32(127);
    __m256 s1 = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(n1, b), 23));
    __m256 s2 = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(n2, b), 23));
    return _mm256_mul_ps(_mm256_mul_ps(p, s1), s2);
}

/* e^x. The clamp keeps a NaN (vmaxps/vminps return their second operand when either is NaN) and maps everything
   below -104, -inf included, to -104; only overflow needs a select. Bit-identical to the version with NaN and
   underflow selects at every non-NaN float32 input (all 2^32 inputs checked; a NaN gives a NaN). */
AVX2 static inline __m256 exp256(__m256 x) {
    const __m256 hi = _mm256_set1_ps(EXP_HI);
    __m256 y = exp256_clamped(_mm256_min_ps(hi, _mm256_max_ps(_mm256_set1_ps(EXP_LO), x)));
    return _mm256_blendv_ps(y, _mm256_set1_ps(INFINITY), _mm256_cmp_ps(x, hi, _CMP_GT_OQ));
}

/* e^x for softmax's x - max (x <= 0, or NaN): exp256 without the overflow select, which cannot fire there. */
AVX2 static inline __m256 exp256_nonpositive(__m256 x) { return exp256_clamped(_mm256_max_ps(_mm256_set1_ps(EXP_LO), x)); }

AVX2 static inline __m256 erf256(__m256 x) {
    /* Rational approximation (see erf512). */
    __m256 xc = _mm256_min_ps(_mm256_max_ps(x, _mm256_set1_ps(-4.0f)), _mm256_set1_ps(4.0f));
    __m256 nanmask = _mm256_cmp_ps(x, x, _CMP_UNORD_Q);
    __m256 x2 = _mm256_mul_ps(xc, xc);
    __m256 p = _mm256_fmadd_ps(x2, _mm256_set1_ps(-2.72614225801306e-10f), _mm256_set1_ps(2.77068142495902e-08f));
    p = _mm256_fmadd_ps(x2, p, _mm256_set1_ps(-2.10102402082508e-06f));
    p = _mm256_fmadd_ps(x2, p, _mm256_set1_ps(-5.69250639462346e-05f));
    p = _mm256_fmadd_ps(x2, p, _mm256_set1_ps(-7.34990630326855e-04f));
    p = _mm256_fmadd_ps(x2, p, _mm256_set1_ps(-2.95459980854025e-03f));
    p = _mm256_fmadd_ps(x2, p, _mm256_set1_ps(-1.60960333262415e-02f));
    p = _mm256_mul_ps(xc, p);
    __m256 q = _mm256_fmadd_ps(x2, _mm256_set1_ps(-1.45660718464996e-05f), _mm256_set1_ps(-2.13374055278905e-04f));
    q = _mm256_fmadd_ps(x2, q, _mm256_set1_ps(-1.68282697438203e-03f));
    q = _mm256_fmadd_ps(x2, q, _mm256_set1_ps(-7.37332916720468e-03f));
    q = _mm256_fmadd_ps(x2, q, _mm256_set1_ps(-1.42647390514189e-02f));
    return _mm256_blendv_ps(_mm256_div_ps(p, q), x, nanmask);
}

/* See erfc_nr512 / gelu512. */
AVX2 static inline __m256 erfc_nr256(__m256 z) {
    __m256 t = _mm256_div_ps(_mm256_set1_ps(1.0f), _mm256_fmadd_ps(_mm256_set1_ps(0.5f), z, _mm256_set1_ps(1.0f)));
    __m256 p = _mm256_set1_ps(0.17087277f);
    p = _mm256_fmadd_ps(p, t, _mm256_set1_ps(-0.82215223f));
    p = _mm256_fmadd_ps(p, t, _mm256_set1_ps(1.48851587f));
    p = _mm256_fmadd_ps(p, t, _mm256_set1_ps(-1.13520398f));
    p = _mm256_fmadd_ps(p, t, _mm256_set1_ps(0.27886807f));
    p = _mm256_fmadd_ps(p, t, _mm256_set1_ps(-0.18628806f));
    p = _mm256_fmadd_ps(p, t, _mm256_set1_ps(0.09678418f));
    p = _mm256_fmadd_ps(p, t, _mm256_set1_ps(0.37409196f));
    p = _mm256_fmadd_ps(p, t, _mm256_set1_ps(1.00002368f));
    p = _mm256_fmadd_ps(p, t, _mm256_set1_ps(-1.26551223f));
    return _mm256_mul_ps(t, exp256(_mm256_fnmadd_ps(z, z, p)));
}

AVX2 static inline __m256 gelu256(__m256 v) {
    __m256 z = _mm256_mul_ps(v, _mm256_set1_ps(0.70710678118654752f));
    __m256 hv = _mm256_mul_ps(_mm256_set1_ps(0.5f), v);
    __m256 y = _mm256_fmadd_ps(hv, erf256(z), hv);
    __m256 tail = _mm256_cmp_ps(z, _mm256_set1_ps(-2.0f), _CMP_LT_OQ);
    if (_mm256_movemask_ps(tail)) {
        __m256 t = _mm256_mul_ps(hv, erfc_nr256(_mm256_sub_ps(_mm256_setzero_ps(), z)));
        y = _mm256_blendv_ps(y, t, tail);
    }
    return y;
}

AVX2 static inline __m256 gelu_grad256(__m256 v, __m256 g) {
    __m256 z = _mm256_mul_ps(v, _mm256_set1_ps(0.70710678118654752f));
    __m256 cdf = _mm256_fmadd_ps(_mm256_set1_ps(0.5f), erf256(z), _mm256_set1_ps(0.5f));
    __m256 tail = _mm256_cmp_ps(z, _mm256_set1_ps(-2.0f), _CMP_LT_OQ);
    if (_mm256_movemask_ps(tail)) {
        __m256 t = _mm256_mul_ps(_mm256_set1_ps(0.5f), erfc_nr256(_mm256_sub_ps(_mm256_setzero_ps(), z)));
        cdf = _mm256_blendv_ps(cdf, t, tail);
    }
    __m256 pdf = _mm256_mul_ps(exp256(_mm256_mul_ps(_mm256_set1_ps(-0.5f), _mm256_mul_ps(v, v))), _mm256_set1_ps(0.39894228040143268f));
    return _mm256_mul_ps(g, _mm256_fmadd_ps(v, pdf, cdf));
}

/* The lanes below k of an AVX2 vector, as the mask of vmaskmovps. */
AVX2 static inline __m256i lanes256(size_t k) {
    return _mm256_cmpgt_epi32(_mm256_set1_epi32((int)k), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

/* The body of an elementwise AVX2 kernel writing n floats to y, where AT(i, m) is the vector of results for y + i
   whose lanes in mask m are needed (read its inputs with masked loads, M_LOAD): as ELEMENTWISE_AVX512_BODY, whole
   vectors and a masked last one, with streaming stores from y's first 64-byte boundary on when the output is
   large (use_streaming). A full vector passes FULL, for which the loads are plain loads. Head and tail go through
   the same vector code as the body, so a result does not depend on where it lies. */
#define FULL256 ((__m256i *)0)
#define M_LOAD(m, p) ((m) ? _mm256_maskload_ps((p), *(m)) : _mm256_loadu_ps(p))
#define ELEMENTWISE_AVX2_BODY(AT)                                                                     \
    size_t i = 0;                                                                                     \
    if (use_streaming(n)) {                                                                           \
        size_t h = align_head(y, n);                                                                  \
        if (h) {                                                                                      \
            __m256i m = lanes256(h);                                                                  \
            _mm256_maskstore_ps(y, m, AT(0, &m));                                                     \
            if (h > 8) {                                                                              \
                __m256i m2 = lanes256(h - 8);                                                         \
                _mm256_maskstore_ps(y + 8, m2, AT(8, &m2));                                           \
            }                                                                                         \
        }                                                                                             \
        for (i = h; i + 8 <= n; i += 8) _mm256_stream_ps(y + i, AT(i, FULL256));                      \
        _mm_sfence();                                                                                 \
    } else {                                                                                          \
        for (; i + 8 <= n; i += 8) _mm256_storeu_ps(y + i, AT(i, FULL256));                           \
    }                                                                                                 \
    if (i < n) {                                                                                      \
        __m256i m = lanes256(n - i);                                                                  \
        _mm256_maskstore_ps(y + i, m, AT(i, &m));                                                     \
    }

#define X_AT256(i, m) M_LOAD(m, x + (i))
#define G_AT256(i, m) M_LOAD(m, g + (i))
#define EXP_AT256(i, m) exp256(X_AT256(i, m))
#define GELU_AT256(i, m) gelu256(X_AT256(i, m))
#define GELU_GRAD_AT256(i, m) gelu_grad256(X_AT256(i, m), G_AT256(i, m))

AVX2 static inline __m256 sigmoid256(__m256 v) {
    const __m256 one = _mm256_set1_ps(1.0f);
    return _mm256_div_ps(one, _mm256_add_ps(one, exp256(_mm256_sub_ps(_mm256_setzero_ps(), v))));
}
#define SIGMOID_AT256(i, m) sigmoid256(X_AT256(i, m))

AVX2 static void gelu_grad_avx2(const float *x, const float *g, float *y, size_t n) { ELEMENTWISE_AVX2_BODY(GELU_GRAD_AT256) }
AVX2 static void exp_avx2(const float *x, float *y, size_t n) { ELEMENTWISE_AVX2_BODY(EXP_AT256) }
AVX2 static void gelu_avx2(const float *x, float *y, size_t n) { ELEMENTWISE_AVX2_BODY(GELU_AT256) }
AVX2 static void sigmoid_avx2(const float *x, float *y, size_t n) { ELEMENTWISE_AVX2_BODY(SIGMOID_AT256) }
AVX2 static inline float hsum256(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_shuffle_ps(s, s, 1));
    return _mm_cvtss_f32(s);
}
AVX2 static inline float hmax256(__m256 v) {
    __m128 s = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_max_ps(s, _mm_movehl_ps(s, s));
    s = _mm_max_ss(s, _mm_shuffle_ps(s, s, 1));
    return _mm_cvtss_f32(s);
}
/* The softmax rows of softmax_avx512 with 256-bit vectors (the scratch row and streaming stores alike). */
#define SOFTMAX_SCRATCH 4096
AVX2 static void softmax_avx2(const float *x, float *y, size_t rows, size_t cols, int lg, int stream_request) {
    const int stream = stream_request && cols <= SOFTMAX_SCRATCH;
    float scratch[SOFTMAX_SCRATCH] __attribute__((aligned(64)));
    for (size_t r = 0; r < rows; r++) {
        const float *xr = x + r * cols;
        float *yr = y + r * cols;
        float *er = stream && !lg ? scratch : yr;
        size_t i = 0;
        /* No NaN test in the max pass: a NaN (which vmaxps may drop from the max), or a +inf max, makes some
           x - max NaN and so the sum NaN, and such a row is redone by the portable code. */
        __m256 vm = _mm256_set1_ps(-INFINITY);
        for (; i + 8 <= cols; i += 8) vm = _mm256_max_ps(vm, _mm256_loadu_ps(xr + i));
        float m = hmax256(vm);
        for (; i < cols; i++) if (xr[i] > m) m = xr[i];
        if (m == -INFINITY) m = 0;
        __m256 mv = _mm256_set1_ps(m), vs = _mm256_setzero_ps();
        for (i = 0; i + 8 <= cols; i += 8) {
            __m256 e = exp256_nonpositive(_mm256_sub_ps(_mm256_loadu_ps(xr + i), mv));
            if (!lg) _mm256_storeu_ps(er + i, e);
            vs = _mm256_add_ps(vs, e);
        }
        float s = hsum256(vs);
        for (; i < cols; i++) { float e = exp_scalar(xr[i] - m); if (!lg) er[i] = e; s += e; }
        if (s != s) { softmax_portable(xr, yr, 1, cols, lg); continue; }
        size_t h = stream ? align_head(yr, cols) : 0;
        if (lg) {
            float lss = logf(s) + m;
            __m256 ls = _mm256_set1_ps(lss);
            for (i = 0; i < h; i++) yr[i] = xr[i] - lss;
            if (stream)
                for (; i + 8 <= cols; i += 8) _mm256_stream_ps(yr + i, _mm256_sub_ps(_mm256_loadu_ps(xr + i), ls));
            for (; i + 8 <= cols; i += 8) _mm256_storeu_ps(yr + i, _mm256_sub_ps(_mm256_loadu_ps(xr + i), ls));
            for (; i < cols; i++) yr[i] = xr[i] - lss;
        } else {
            float invs = 1.0f / s;
            __m256 inv = _mm256_set1_ps(invs);
            for (i = 0; i < h; i++) yr[i] = er[i] * invs;
            if (stream)
                for (; i + 8 <= cols; i += 8) _mm256_stream_ps(yr + i, _mm256_mul_ps(_mm256_loadu_ps(er + i), inv));
            for (; i + 8 <= cols; i += 8) _mm256_storeu_ps(yr + i, _mm256_mul_ps(_mm256_loadu_ps(er + i), inv));
            for (; i < cols; i++) yr[i] = er[i] * invs;
        }
    }
    if (stream) _mm_sfence();
}

AVX2 static float sum_avx2(const float *x, size_t n) {
    __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
    size_t i = 0;
    for (; i + 32 <= n; i += 32) {
        a0 = _mm256_add_ps(a0, _mm256_loadu_ps(x + i));
        a1 = _mm256_add_ps(a1, _mm256_loadu_ps(x + i + 8));
        a2 = _mm256_add_ps(a2, _mm256_loadu_ps(x + i + 16));
        a3 = _mm256_add_ps(a3, _mm256_loadu_ps(x + i + 24));
    }
    for (; i + 8 <= n; i += 8) a0 = _mm256_add_ps(a0, _mm256_loadu_ps(x + i));
    float s = hsum256(_mm256_add_ps(_mm256_add_ps(a0, a1), _mm256_add_ps(a2, a3)));
    for (; i < n; i++) s += x[i];
    return s;
}

/* As layernorm_avx512: three passes over a row in L1, the output written once, with non-temporal stores when
   stream is set. */
AVX2 static void layernorm_avx2(const float *x, const float *w, const float *b, float *y, size_t rows, size_t n, float eps,
                                int stream) {
    for (size_t r = 0; r < rows; r++) {
        const float *xr = x + r * n;
        float *yr = y + r * n;
        float mean = sum_avx2(xr, n) / (float)n;
        __m256 mv = _mm256_set1_ps(mean), acc = _mm256_setzero_ps(), acc2 = _mm256_setzero_ps();
        size_t j = 0;
        for (; j + 16 <= n; j += 16) {
            __m256 d0 = _mm256_sub_ps(_mm256_loadu_ps(xr + j), mv), d1 = _mm256_sub_ps(_mm256_loadu_ps(xr + j + 8), mv);
            acc = _mm256_fmadd_ps(d0, d0, acc);
            acc2 = _mm256_fmadd_ps(d1, d1, acc2);
        }
        for (; j + 8 <= n; j += 8) { __m256 d = _mm256_sub_ps(_mm256_loadu_ps(xr + j), mv); acc = _mm256_fmadd_ps(d, d, acc); }
        float v = hsum256(_mm256_add_ps(acc, acc2));
        for (; j < n; j++) { float d = xr[j] - mean; v += d * d; }
        float rstd = 1.0f / sqrtf(v / (float)n + eps);
        __m256 rs = _mm256_set1_ps(rstd);
        j = 0;
        if (stream) {
            size_t h = align_head(yr, n);
            layernorm_row_finish(xr, w, b, yr, h, mean, rstd);
            for (j = h; j + 8 <= n; j += 8) {
                __m256 t = _mm256_mul_ps(_mm256_sub_ps(_mm256_loadu_ps(xr + j), mv), rs);
                if (w) t = _mm256_mul_ps(t, _mm256_loadu_ps(w + j));
                if (b) t = _mm256_add_ps(t, _mm256_loadu_ps(b + j));
                _mm256_stream_ps(yr + j, t);
            }
        }
        for (; j + 8 <= n; j += 8) {
            __m256 t = _mm256_mul_ps(_mm256_sub_ps(_mm256_loadu_ps(xr + j), mv), rs);
            if (w) t = _mm256_mul_ps(t, _mm256_loadu_ps(w + j));
            if (b) t = _mm256_add_ps(t, _mm256_loadu_ps(b + j));
            _mm256_storeu_ps(yr + j, t);
        }
        layernorm_row_finish(xr + j, w ? w + j : 0, b ? b + j : 0, yr + j, n - j, mean, rstd);
    }
    if (stream) _mm_sfence();
}

/* ---------------------------------------------------------------- AVX-512 ----------------------------------- */

#define AVX512 __attribute__((target("avx512f,avx512dq")))

AVX512 static inline __m512 exp512(__m512 x) {
    const __m512 hi = _mm512_set1_ps(EXP_HI), lo = _mm512_set1_ps(EXP_LO);
    __mmask16 nanmask = _mm512_cmp_ps_mask(x, x, _CMP_UNORD_Q);
    __mmask16 himask = _mm512_cmp_ps_mask(x, hi, _CMP_GT_OQ);
    __mmask16 lomask = _mm512_cmp_ps_mask(x, lo, _CMP_LT_OQ);
    __m512 xc = _mm512_min_ps(_mm512_max_ps(x, lo), hi);
    __m512 n = _mm512_roundscale_ps(_mm512_mul_ps(xc, _mm512_set1_ps(1.44269504088896341f)), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m512 r = _mm512_fnmadd_ps(n, _mm512_set1_ps(0.693359375f), xc);
    r = _mm512_fnmadd_ps(n, _mm512_set1_ps(-2.12194440e-4f), r);
    __m512 p = _mm512_set1_ps(1.9875691500e-4f);
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.3981999507e-3f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(8.3334519073e-3f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(4.1665795894e-2f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.6666665459e-1f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(5.0000001201e-1f));
    p = _mm512_fmadd_ps(_mm512_mul_ps(p, r), r, _mm512_add_ps(r, _mm512_set1_ps(1.0f)));
    __m512i ni = _mm512_cvtps_epi32(n);
    __m512i n1 = _mm512_srai_epi32(ni, 1);
    __m512i n2 = _mm512_sub_epi32(ni, n1);
    __m512i b = _mm512_set1_epi32(127);
    __m512 s1 = _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_add_epi32(n1, b), 23));
    __m512 s2 = _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_add_epi32(n2, b), 23));
    __m512 y = _mm512_mul_ps(_mm512_mul_ps(p, s1), s2);
    y = _mm512_mask_mov_ps(y, himask, _mm512_set1_ps(INFINITY));
    y = _mm512_mask_mov_ps(y, lomask, _mm512_setzero_ps());
    return _mm512_mask_mov_ps(y, nanmask, x);
}

/* erfc(z) for z >= 0 with relative error < 1.2e-7 (Numerical Recipes' Chebyshev fit): used for GELU's negative
   tail, where 1 + erf(x) cancels and the rational erf's absolute error would dominate. */
AVX512 static inline __m512 erfc_nr512(__m512 z) {
    __m512 t = _mm512_div_ps(_mm512_set1_ps(1.0f), _mm512_fmadd_ps(_mm512_set1_ps(0.5f), z, _mm512_set1_ps(1.0f)));
    __m512 p = _mm512_set1_ps(0.17087277f);
    p = _mm512_fmadd_ps(p, t, _mm512_set1_ps(-0.82215223f));
    p = _mm512_fmadd_ps(p, t, _mm512_set1_ps(1.48851587f));
    p = _mm512_fmadd_ps(p, t, _mm512_set1_ps(-1.13520398f));
    p = _mm512_fmadd_ps(p, t, _mm512_set1_ps(0.27886807f));
    p = _mm512_fmadd_ps(p, t, _mm512_set1_ps(-0.18628806f));
    p = _mm512_fmadd_ps(p, t, _mm512_set1_ps(0.09678418f));
    p = _mm512_fmadd_ps(p, t, _mm512_set1_ps(0.37409196f));
    p = _mm512_fmadd_ps(p, t, _mm512_set1_ps(1.00002368f));
    p = _mm512_fmadd_ps(p, t, _mm512_set1_ps(-1.26551223f));
    return _mm512_mul_ps(t, exp512(_mm512_fnmadd_ps(z, z, p)));
}

/* GELU through the piecewise polynomials of gelu_table.h: Φ(x) on [-2.9, 5.75] is a degree-5 polynomial on one of
   32 intervals of [-3, 6] (|error| <= 1.5e-7, relative <= 6.2e-7, float32 rounding included). The interval comes
   from one rounding: u = (x - lo)·32/9 - 0.5 plus 1.5·2^23 leaves round(u) in the low mantissa bits, whose low 5
   bits select each coefficient from a 32-entry table held in two registers (vpermt2ps). Above 5.75, Φ = 1 to
   float32 (1 - Φ < 4.5e-9) and GELU(x) = x. Below -2.9 the tail goes through erfc, relatively accurate, in a
   branch taken only when a lane needs it. NaN propagates through t; ±∞ go to the two ends. */
typedef struct { __m512 lo[6], hi[6]; } gelu_table512;

AVX512 static inline gelu_table512 gelu_table_load512(const float table[6][32]) {
    gelu_table512 t;
    for (int j = 0; j < 6; j++) {
        t.lo[j] = _mm512_load_ps(table[j]);
        t.hi[j] = _mm512_load_ps(table[j] + 16);
    }
    return t;
}

/* The table's polynomial at x (meaningful on [-3, 6]). */
AVX512 static inline __m512 gelu_table_eval512(const gelu_table512 *tb, __m512 x) {
    const __m512 magic = _mm512_set1_ps(12582912.0f);
    __m512 u = _mm512_fmadd_ps(x, _mm512_set1_ps(GELU_TABLE_INTERVALS_PER_UNIT),
                               _mm512_set1_ps(-GELU_TABLE_LO * GELU_TABLE_INTERVALS_PER_UNIT - 0.5f));
    __m512 s = _mm512_add_ps(u, magic);
    __m512i k = _mm512_castps_si512(s);
    __m512 t = _mm512_sub_ps(u, _mm512_sub_ps(s, magic));
    __m512 p = _mm512_permutex2var_ps(tb->lo[5], k, tb->hi[5]);
    for (int j = 4; j >= 0; j--) p = _mm512_fmadd_ps(p, t, _mm512_permutex2var_ps(tb->lo[j], k, tb->hi[j]));
    return p;
}

#define GELU_TAIL (-2.9f)
#define GELU_ONE 5.75f

AVX512 static inline __m512 gelu512(const gelu_table512 *tb, __m512 v) {
    __m512 y = _mm512_mul_ps(v, gelu_table_eval512(tb, v));
    y = _mm512_mask_mov_ps(y, _mm512_cmp_ps_mask(v, _mm512_set1_ps(GELU_ONE), _CMP_GT_OQ), v);
    __mmask16 tail = _mm512_cmp_ps_mask(v, _mm512_set1_ps(GELU_TAIL), _CMP_LT_OQ);
    if (tail) {
        __m512 z = _mm512_mul_ps(v, _mm512_set1_ps(-0.70710678118654752f));
        __m512 t = _mm512_mul_ps(_mm512_mul_ps(_mm512_set1_ps(0.5f), v), erfc_nr512(z));
        y = _mm512_mask_mov_ps(y, tail, t);
    }
    return y;
}

AVX512 static float sum_avx512(const float *x, size_t n) {
    __m512 a0 = _mm512_setzero_ps(), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
    size_t i = 0;
    for (; i + 128 <= n; i += 128) {
        a0 = _mm512_add_ps(a0, _mm512_loadu_ps(x + i));
        a1 = _mm512_add_ps(a1, _mm512_loadu_ps(x + i + 16));
        a2 = _mm512_add_ps(a2, _mm512_loadu_ps(x + i + 32));
        a3 = _mm512_add_ps(a3, _mm512_loadu_ps(x + i + 48));
        a4 = _mm512_add_ps(a4, _mm512_loadu_ps(x + i + 64));
        a5 = _mm512_add_ps(a5, _mm512_loadu_ps(x + i + 80));
        a6 = _mm512_add_ps(a6, _mm512_loadu_ps(x + i + 96));
        a7 = _mm512_add_ps(a7, _mm512_loadu_ps(x + i + 112));
    }
    a0 = _mm512_add_ps(a0, a4);
    a1 = _mm512_add_ps(a1, a5);
    a2 = _mm512_add_ps(a2, a6);
    a3 = _mm512_add_ps(a3, a7);
    for (; i + 16 <= n; i += 16) a0 = _mm512_add_ps(a0, _mm512_loadu_ps(x + i));
    if (i < n) a1 = _mm512_add_ps(a1, _mm512_maskz_loadu_ps((__mmask16)((1u << (n - i)) - 1), x + i));
    return _mm512_reduce_add_ps(_mm512_add_ps(_mm512_add_ps(a0, a1), _mm512_add_ps(a2, a3)));
}

/* Rows are normalised in L1 (three passes over a row); the output is written once, with non-temporal stores
   when stream is set (no read-for-ownership of the output lines: a third of the call's memory traffic), and one
   fence at the end. */
AVX512 static void layernorm_avx512(const float *x, const float *w, const float *b, float *y, size_t rows, size_t n, float eps,
                                    int stream) {
    for (size_t r = 0; r < rows; r++) {
        const float *xr = x + r * n;
        float *yr = y + r * n;
        float mean = sum_avx512(xr, n) / (float)n;
        __m512 mv = _mm512_set1_ps(mean), acc = _mm512_setzero_ps(), acc2 = _mm512_setzero_ps();
        size_t j = 0;
        for (; j + 32 <= n; j += 32) {
            __m512 d0 = _mm512_sub_ps(_mm512_loadu_ps(xr + j), mv), d1 = _mm512_sub_ps(_mm512_loadu_ps(xr + j + 16), mv);
            acc = _mm512_fmadd_ps(d0, d0, acc);
            acc2 = _mm512_fmadd_ps(d1, d1, acc2);
        }
        for (; j + 16 <= n; j += 16) { __m512 d = _mm512_sub_ps(_mm512_loadu_ps(xr + j), mv); acc = _mm512_fmadd_ps(d, d, acc); }
        float v = _mm512_reduce_add_ps(_mm512_add_ps(acc, acc2));
        for (; j < n; j++) { float d = xr[j] - mean; v += d * d; }
        float rstd = 1.0f / sqrtf(v / (float)n + eps);
        __m512 rs = _mm512_set1_ps(rstd);
        j = 0;
        if (stream) {
            size_t h = align_head(yr, n);
            layernorm_row_finish(xr, w, b, yr, h, mean, rstd);
            for (j = h; j + 16 <= n; j += 16) {
                __m512 t = _mm512_mul_ps(_mm512_sub_ps(_mm512_loadu_ps(xr + j), mv), rs);
                if (w) t = _mm512_mul_ps(t, _mm512_loadu_ps(w + j));
                if (b) t = _mm512_add_ps(t, _mm512_loadu_ps(b + j));
                _mm512_stream_ps(yr + j, t);
            }
        }
        for (; j + 16 <= n; j += 16) {
            __m512 t = _mm512_mul_ps(_mm512_sub_ps(_mm512_loadu_ps(xr + j), mv), rs);
            if (w) t = _mm512_mul_ps(t, _mm512_loadu_ps(w + j));
            if (b) t = _mm512_add_ps(t, _mm512_loadu_ps(b + j));
            _mm512_storeu_ps(yr + j, t);
        }
        layernorm_row_finish(xr + j, w ? w + j : 0, b ? b + j : 0, yr + j, n - j, mean, rstd);
    }
    if (stream) _mm_sfence();
}

/* The body of an elementwise AVX-512 kernel writing n floats to y, where AT(i, m) is the vector of results for
   y + i whose lanes in mask m are needed (read its inputs with masked loads): whole vectors and a masked last
   one, written with streaming stores from y's first 64-byte boundary on when the output is large
   (use_streaming). A full vector passes the constant mask 0xFFFF, for which the masked loads are plain loads. */
#define ELEMENTWISE_AVX512_BODY(AT)                                                                   \
    size_t i = 0;                                                                                     \
    if (use_streaming(n)) {                                                                           \
        size_t h = align_head(y, n);                                                                  \
        if (h) {                                                                                      \
            __mmask16 m = (__mmask16)((1u << h) - 1);                                                 \
            _mm512_mask_storeu_ps(y, m, AT(0, m));                                                    \
        }                                                                                             \
        for (i = h; i + 16 <= n; i += 16) _mm512_stream_ps(y + i, AT(i, (__mmask16)0xFFFF));          \
        _mm_sfence();                                                                                 \
    } else {                                                                                          \
        for (; i + 16 <= n; i += 16) _mm512_storeu_ps(y + i, AT(i, (__mmask16)0xFFFF));               \
    }                                                                                                 \
    if (i < n) {                                                                                      \
        __mmask16 m = (__mmask16)((1u << (n - i)) - 1);                                               \
        _mm512_mask_storeu_ps(y + i, m, AT(i, m));                                                    \
    }

/* The lanes of x (and of a second input g) at i that mask m selects. */
#define X_AT(i, m) _mm512_maskz_loadu_ps(m, x + (i))
#define G_AT(i, m) _mm512_maskz_loadu_ps(m, g + (i))
#define EXP_AT(i, m) exp512(X_AT(i, m))

AVX512 static void exp_avx512(const float *x, float *y, size_t n) { ELEMENTWISE_AVX512_BODY(EXP_AT) }
/* d/dx GELU = Φ(x) + x·φ(x) from its own table on [-2.9, 5.75] (|error| <= 2.2e-7), 1 above (x·φ(x) < 1.5e-7),
   and through erfc and exp below, times the incoming gradient. */
AVX512 static inline __m512 gelu_grad512(const gelu_table512 *tb, __m512 v, __m512 g) {
    __m512 d = gelu_table_eval512(tb, v);
    d = _mm512_mask_mov_ps(d, _mm512_cmp_ps_mask(v, _mm512_set1_ps(GELU_ONE), _CMP_GT_OQ), _mm512_set1_ps(1.0f));
    __mmask16 tail = _mm512_cmp_ps_mask(v, _mm512_set1_ps(GELU_TAIL), _CMP_LT_OQ);
    if (tail) {
        __m512 z = _mm512_mul_ps(v, _mm512_set1_ps(-0.70710678118654752f));
        __m512 cdf = _mm512_mul_ps(_mm512_set1_ps(0.5f), erfc_nr512(z));
        __m512 pdf = _mm512_mul_ps(exp512(_mm512_mul_ps(_mm512_set1_ps(-0.5f), _mm512_mul_ps(v, v))),
                                   _mm512_set1_ps(0.39894228040143268f));
        d = _mm512_mask_mov_ps(d, tail, _mm512_fmadd_ps(v, pdf, cdf));
    }
    return _mm512_mul_ps(g, d);
}

AVX512 static void gelu_grad_avx512(const float *x, const float *g, float *y, size_t n) {
    gelu_table512 tb = gelu_table_load512(gelu_derivative_table);
#define GELU_GRAD_AT(i, m) gelu_grad512(&tb, X_AT(i, m), G_AT(i, m))
    ELEMENTWISE_AVX512_BODY(GELU_GRAD_AT)
#undef GELU_GRAD_AT
}

AVX512 static void gelu_avx512(const float *x, float *y, size_t n) {
    gelu_table512 tb = gelu_table_load512(gelu_cdf_table);
#define GELU_AT(i, m) gelu512(&tb, X_AT(i, m))
    ELEMENTWISE_AVX512_BODY(GELU_AT)
#undef GELU_AT
}
AVX512 static inline __m512 sigmoid512(__m512 v) {
    const __m512 one = _mm512_set1_ps(1.0f);
    return _mm512_div_ps(one, _mm512_add_ps(one, exp512(_mm512_sub_ps(_mm512_setzero_ps(), v))));
}
#define SIGMOID_AT(i, m) sigmoid512(X_AT(i, m))
AVX512 static void sigmoid_avx512(const float *x, float *y, size_t n) { ELEMENTWISE_AVX512_BODY(SIGMOID_AT) }
/* With stream set, the exponentials of a row of up to SOFTMAX_SCRATCH floats go to a buffer on the stack, and
   the output row is written once, with non-temporal stores, from it: no read-for-ownership of the output lines.
   Wider rows write the exponentials to the output and scale them in place, as without streaming. */
AVX512 static void softmax_avx512(const float *x, float *y, size_t rows, size_t cols, int lg, int stream_request) {
    const int stream = stream_request && cols <= SOFTMAX_SCRATCH;
    float scratch[SOFTMAX_SCRATCH] __attribute__((aligned(64)));
    for (size_t r = 0; r < rows; r++) {
        const float *xr = x + r * cols;
        float *yr = y + r * cols;
        float *er = stream && !lg ? scratch : yr;
        size_t i = 0;
        __m512 vm = _mm512_set1_ps(-INFINITY);
        __mmask16 nan = 0;
        for (; i + 16 <= cols; i += 16) {
            __m512 v = _mm512_loadu_ps(xr + i);
            nan |= _mm512_cmp_ps_mask(v, v, _CMP_UNORD_Q);
            vm = _mm512_max_ps(vm, v);
        }
        float m = _mm512_reduce_max_ps(vm);
        int hasnan = nan != 0;
        for (; i < cols; i++) { if (xr[i] != xr[i]) hasnan = 1; if (xr[i] > m) m = xr[i]; }
        if (hasnan) { softmax_portable(xr, yr, 1, cols, lg); continue; }
        if (m == -INFINITY) m = 0;
        __m512 mv = _mm512_set1_ps(m), vs = _mm512_setzero_ps();
        for (i = 0; i + 16 <= cols; i += 16) {
            __m512 e = exp512(_mm512_sub_ps(_mm512_loadu_ps(xr + i), mv));
            if (!lg) _mm512_storeu_ps(er + i, e);
            vs = _mm512_add_ps(vs, e);
        }
        float s = _mm512_reduce_add_ps(vs);
        for (; i < cols; i++) { float e = exp_scalar(xr[i] - m); if (!lg) er[i] = e; s += e; }
        size_t h = stream ? align_head(yr, cols) : 0;
        if (lg) {
            float lss = logf(s) + m;
            __m512 ls = _mm512_set1_ps(lss);
            for (i = 0; i < h; i++) yr[i] = xr[i] - lss;
            if (stream)
                for (; i + 16 <= cols; i += 16) _mm512_stream_ps(yr + i, _mm512_sub_ps(_mm512_loadu_ps(xr + i), ls));
            for (; i + 16 <= cols; i += 16) _mm512_storeu_ps(yr + i, _mm512_sub_ps(_mm512_loadu_ps(xr + i), ls));
            for (; i < cols; i++) yr[i] = xr[i] - lss;
        } else {
            float invs = 1.0f / s;
            __m512 inv = _mm512_set1_ps(invs);
            for (i = 0; i < h; i++) yr[i] = er[i] * invs;
            if (stream)
                for (; i + 16 <= cols; i += 16) _mm512_stream_ps(yr + i, _mm512_mul_ps(_mm512_loadu_ps(er + i), inv));
            for (; i + 16 <= cols; i += 16) _mm512_storeu_ps(yr + i, _mm512_mul_ps(_mm512_loadu_ps(er + i), inv));
            for (; i < cols; i++) yr[i] = er[i] * invs;
        }
    }
    if (stream) _mm_sfence();
}
#endif

/* ---------------------------------------------------------------- dispatch ---------------------------------- */

enum { ISA_UNKNOWN = 0, ISA_PORTABLE, ISA_AVX2, ISA_AVX512 };
static int isa_level = ISA_UNKNOWN;
/* A per-thread override set by st_force_isa, so a test forcing an implementation does not change what other
   threads (other tests, the worker pool) run. */
static _Thread_local int isa_override = ISA_UNKNOWN;

static int detected_isa(void) {
    if (isa_level == ISA_UNKNOWN) {
        int level = ISA_PORTABLE;
#ifdef ST_X86
        __builtin_cpu_init();
        if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) level = ISA_AVX2;
        if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq")) level = ISA_AVX512;
#endif
        isa_level = level; /* benign race: every thread computes the same value */
    }
    return isa_level;
}

static inline int isa(void) { return isa_override != ISA_UNKNOWN ? isa_override : detected_isa(); }

int st_force_isa(const char *name) {
    int want = strcmp(name, "avx512") == 0 ? ISA_AVX512 : strcmp(name, "avx2") == 0 ? ISA_AVX2 : ISA_PORTABLE;
    if (want > detected_isa()) return 0;
    isa_override = want == detected_isa() ? ISA_UNKNOWN : want;
    return 1;
}

int st_isa_level(void) {
    switch (isa()) {
    case ISA_AVX512: return ST_ISA_AVX512;
    case ISA_AVX2: return ST_ISA_AVX2;
    default: return ST_ISA_PORTABLE;
    }
}

const char *st_kernel_isa(void) {
    switch (isa()) {
    case ISA_AVX512: return "avx512";
    case ISA_AVX2: return "avx2";
    default: return "portable";
    }
}

void st_exp_f32(const float *x, float *y, size_t n) {
#ifdef ST_X86
    switch (isa()) {
    case ISA_AVX512: exp_avx512(x, y, n); return;
    case ISA_AVX2: exp_avx2(x, y, n); return;
    }
#endif
    exp_portable(x, y, n);
}

void st_gelu_f32(const float *x, float *y, size_t n) {
#ifdef ST_X86
    switch (isa()) {
    case ISA_AVX512: gelu_avx512(x, y, n); return;
    case ISA_AVX2: gelu_avx2(x, y, n); return;
    }
#endif
    gelu_portable(x, y, n);
}

void st_gelu_backward_f32(const float *x, const float *g, float *y, size_t n) {
#ifdef ST_X86
    switch (isa()) {
    case ISA_AVX512: gelu_grad_avx512(x, g, y, n); return;
    case ISA_AVX2: gelu_grad_avx2(x, g, y, n); return;
    }
#endif
    for (size_t i = 0; i < n; i++) y[i] = gelu_grad_scalar(x[i], g[i]);
}

void st_sigmoid_f32(const float *x, float *y, size_t n) {
#ifdef ST_X86
    switch (isa()) {
    case ISA_AVX512: sigmoid_avx512(x, y, n); return;
    case ISA_AVX2: sigmoid_avx2(x, y, n); return;
    }
#endif
    sigmoid_portable(x, y, n);
}

void st_softmax_rows_f32(const float *x, float *y, size_t rows, size_t cols, int lg, int stream) {
#ifdef ST_X86
    switch (isa()) {
    case ISA_AVX512: softmax_avx512(x, y, rows, cols, lg, stream); return;
    case ISA_AVX2: softmax_avx2(x, y, rows, cols, lg, stream); return;
    }
#endif
    softmax_portable(x, y, rows, cols, lg);
}

float st_sum_f32(const float *x, size_t n) {
#ifdef ST_X86
    switch (isa()) {
    case ISA_AVX512: return sum_avx512(x, n);
    case ISA_AVX2: return sum_avx2(x, n);
    }
#endif
    return sum_portable(x, n);
}

void st_sum_rows_f32(const float *x, float *y, size_t rows, size_t cols) {
    for (size_t r = 0; r < rows; r++) y[r] = st_sum_f32(x + r * cols, cols);
}

void st_layernorm_rows_f32(const float *x, const float *w, const float *b, float *y, size_t rows, size_t cols, float eps,
                           int stream) {
#ifdef ST_X86
    switch (isa()) {
    case ISA_AVX512: layernorm_avx512(x, w, b, y, rows, cols, eps, stream); return;
    case ISA_AVX2: layernorm_avx2(x, w, b, y, rows, cols, eps, stream); return;
    }
#endif
    layernorm_portable(x, w, b, y, rows, cols, eps);
}

/* ---------------------------------------------------------------- binary arithmetic, relu ------------------- */

#define BINARY_LOOP(OPEXPR)                                                                 \
    if (as && bs) { for (size_t i = 0; i < n; i++) { float a_ = a[i], b_ = b[i]; y[i] = OPEXPR; } }  \
    else if (as) { float b_ = b[0]; for (size_t i = 0; i < n; i++) { float a_ = a[i]; y[i] = OPEXPR; } } \
    else if (bs) { float a_ = a[0]; for (size_t i = 0; i < n; i++) { float b_ = b[i]; y[i] = OPEXPR; } } \
    else { float a_ = a[0], b_ = b[0]; for (size_t i = 0; i < n; i++) y[i] = OPEXPR; }

static void binary_portable(int op, const float *a, const float *b, float *y, size_t n, int as, int bs) {
    switch (op) {
    case 0: BINARY_LOOP(a_ + b_) break;
    case 1: BINARY_LOOP(a_ - b_) break;
    case 2: BINARY_LOOP(a_ * b_) break;
    default: BINARY_LOOP(a_ / b_) break;
    }
}

#ifdef ST_X86
/* The entry points of a binary kernel NAME##_k (always inlined, with operand layout and stream mode constant),
   under the target attribute ISA: NAME for one range (streaming decided on its length), NAME##_rs for a matrix
   of rows in one stream mode, and NAME##_rows, which streams when the caller says so, with one fence after all
   rows. */
#define BINARY_ENTRIES(NAME, ISA)                                                            \
    ISA static void NAME(const float *a, const float *b, float *y, size_t n, int as, int bs) { \
        int st = use_streaming(n);                                                          \
        if (as && bs) NAME##_k(a, b, y, n, 1, 1, st);                                       \
        else if (as) NAME##_k(a, b, y, n, 1, 0, st);                                        \
        else if (bs) NAME##_k(a, b, y, n, 0, 1, st);                                        \
        else NAME##_k(a, b, y, n, 0, 0, st);                                                \
    }                                                                                       \
    __attribute__((always_inline)) ISA static inline void NAME##_rs(const float *a, ptrdiff_t a_row,          \
                                                                    const float *b, ptrdiff_t b_row,          \
                                                                    float *y, ptrdiff_t y_row, size_t rows,   \
                                                                    size_t cols, int as, int bs,              \
                                                                    const int stream) {                       \
        for (size_t r = 0; r < rows; r++) {                                                 \
            const float *ar = a + (ptrdiff_t)r * a_row, *br = b + (ptrdiff_t)r * b_row;       \
            float *yr = y + (ptrdiff_t)r * y_row;                                            \
            if (as && bs) NAME##_k(ar, br, yr, cols, 1, 1, stream);                         \
            else if (as) NAME##_k(ar, br, yr, cols, 1, 0, stream);                          \
            else if (bs) NAME##_k(ar, br, yr, cols, 0, 1, stream);                          \
            else NAME##_k(ar, br, yr, cols, 0, 0, stream);                                  \
        }                                                                                   \
    }                                                                                       \
    ISA static void NAME##_rows(const float *a, ptrdiff_t a_row, const float *b, ptrdiff_t b_row, float *y, \
                                ptrdiff_t y_row, size_t rows, size_t cols, int as, int bs, int stream) { \
        if (stream) {                                                                       \
            NAME##_rs(a, a_row, b, b_row, y, y_row, rows, cols, as, bs, 2);                  \
            _mm_sfence();                                                                   \
        } else {                                                                            \
            NAME##_rs(a, a_row, b, b_row, y, y_row, rows, cols, as, bs, 0);                  \
        }                                                                                   \
    }

/* NAME##_k is the loop, inlined with as, bs and stream constant (one copy per operand layout, no per-element
   select). stream 1: non-temporal stores and a fence; 2: the same stores without the fence, which the caller
   issues once after all rows (a fence per 4 KiB row halved the rows' speed). NAME is the entry for one range,
   NAME##_rows the one for a matrix of rows (a [4096,1024] + b [1024]): one dispatch for all rows, non-temporal
   stores when the call writes at least the streaming threshold. Each vector is stored right after its loads,
   four per iteration: loading two vectors ahead of their stores, with a software prefetch of the next page, ran
   the [4096,1024] rows at 54-58 GB/s against PyTorch's 57-63 on the same buffers in one process; this order
   without the prefetch runs 59-64 (with it, 50-52). See docs/benchmarks.md, "kernel against kernel". */
#define BINARY_AVX512(NAME, VOP, SOP)                                                        \
    __attribute__((always_inline)) AVX512 static inline void NAME##_k(const float *a, const float *b, float *y, \
                                                                      size_t n, const int as, const int bs, \
                                                                      const int stream) {           \
        size_t i = 0;                                                                       \
        __m512 va = _mm512_set1_ps(a[0]), vb = _mm512_set1_ps(b[0]);                         \
        if (stream) {                                                                       \
            for (size_t h = align_head(y, n); i < h; i++) {                                 \
                float a_ = as ? a[i] : a[0], b_ = bs ? b[i] : b[0]; y[i] = SOP;             \
            }                                                                               \
            for (; i + 16 <= n; i += 16)                                                    \
                _mm512_stream_ps(y + i, VOP(as ? _mm512_loadu_ps(a + i) : va, bs ? _mm512_loadu_ps(b + i) : vb)); \
            if (stream == 1) _mm_sfence();                                                  \
        }                                                                                   \
        for (; i + 64 <= n; i += 64) {                                                      \
            for (int u = 0; u < 64; u += 16)                                                \
                _mm512_storeu_ps(y + i + u, VOP(as ? _mm512_loadu_ps(a + i + u) : va,        \
                                                bs ? _mm512_loadu_ps(b + i + u) : vb));      \
        }                                                                                   \
        for (; i + 16 <= n; i += 16)                                                        \
            _mm512_storeu_ps(y + i, VOP(as ? _mm512_loadu_ps(a + i) : va, bs ? _mm512_loadu_ps(b + i) : vb)); \
        for (; i < n; i++) { float a_ = as ? a[i] : a[0], b_ = bs ? b[i] : b[0]; y[i] = SOP; } \
    }                                                                                       \
    BINARY_ENTRIES(NAME, AVX512)
BINARY_AVX512(add_avx512, _mm512_add_ps, a_ + b_)
BINARY_AVX512(sub_avx512, _mm512_sub_ps, a_ - b_)
BINARY_AVX512(mul_avx512, _mm512_mul_ps, a_ * b_)
BINARY_AVX512(div_avx512, _mm512_div_ps, a_ / b_)

/* As BINARY_AVX512, with 256-bit vectors. With ordinary stores, each iteration
   loads two vectors of each operand before its two stores: on Zen 3 (in one process, alternating 200 times, two
   threads on the [4096,1024] + [1024] rows) that ran at 12.0-14.4 GB/s against 9.7-11.4 for AVX-512's order
   (a store right after each vector's loads, four per iteration). */
#define BINARY_AVX2(NAME, VOP, SOP)                                                          \
    __attribute__((always_inline)) AVX2 static inline void NAME##_k(const float *a, const float *b, float *y, \
                                                                    size_t n, const int as, const int bs, \
                                                                    const int stream) {             \
        size_t i = 0;                                                                       \
        __m256 va = _mm256_set1_ps(a[0]), vb = _mm256_set1_ps(b[0]);                         \
        if (stream) {                                                                       \
            for (size_t h = align_head(y, n); i < h; i++) {                                 \
                float a_ = as ? a[i] : a[0], b_ = bs ? b[i] : b[0]; y[i] = SOP;             \
            }                                                                               \
            for (; i + 16 <= n; i += 16) {                                                  \
                _mm256_stream_ps(y + i, VOP(as ? _mm256_loadu_ps(a + i) : va, bs ? _mm256_loadu_ps(b + i) : vb)); \
                _mm256_stream_ps(y + i + 8, VOP(as ? _mm256_loadu_ps(a + i + 8) : va,        \
                                                bs ? _mm256_loadu_ps(b + i + 8) : vb));      \
            }                                                                               \
            if (stream == 1) _mm_sfence();                                                  \
        }                                                                                   \
        for (; i + 16 <= n; i += 16) {                                                      \
            __m256 x0 = as ? _mm256_loadu_ps(a + i) : va, x1 = as ? _mm256_loadu_ps(a + i + 8) : va; \
            __m256 y0 = bs ? _mm256_loadu_ps(b + i) : vb, y1 = bs ? _mm256_loadu_ps(b + i + 8) : vb; \
            _mm256_storeu_ps(y + i, VOP(x0, y0));                                            \
            _mm256_storeu_ps(y + i + 8, VOP(x1, y1));                                        \
        }                                                                                   \
        for (; i + 8 <= n; i += 8)                                                          \
            _mm256_storeu_ps(y + i, VOP(as ? _mm256_loadu_ps(a + i) : va, bs ? _mm256_loadu_ps(b + i) : vb)); \
        for (; i < n; i++) { float a_ = as ? a[i] : a[0], b_ = bs ? b[i] : b[0]; y[i] = SOP; } \
    }                                                                                       \
    BINARY_ENTRIES(NAME, AVX2)
BINARY_AVX2(add_avx2, _mm256_add_ps, a_ + b_)
BINARY_AVX2(sub_avx2, _mm256_sub_ps, a_ - b_)
BINARY_AVX2(mul_avx2, _mm256_mul_ps, a_ * b_)
BINARY_AVX2(div_avx2, _mm256_div_ps, a_ / b_)

/* max(v, 0) with NaN kept: select 0 only where v < 0 (ordered). */
AVX512 static inline __m512 relu512(__m512 v) {
    const __m512 z = _mm512_setzero_ps();
    return _mm512_mask_mov_ps(v, _mm512_cmp_ps_mask(v, z, _CMP_LT_OQ), z);
}
#define RELU_AT(i, m) relu512(X_AT(i, m))
AVX512 static void relu_avx512(const float *x, float *y, size_t n) { ELEMENTWISE_AVX512_BODY(RELU_AT) }
AVX2 static inline __m256 relu256(__m256 v) {
    const __m256 z = _mm256_setzero_ps();
    return _mm256_blendv_ps(v, z, _mm256_cmp_ps(v, z, _CMP_LT_OQ));
}
#define RELU_AT256(i, m) relu256(X_AT256(i, m))
AVX2 static void relu_avx2(const float *x, float *y, size_t n) { ELEMENTWISE_AVX2_BODY(RELU_AT256) }
#endif

void st_binary_f32(int op, const float *a, const float *b, float *y, size_t n, int a_step, int b_step) {
#ifdef ST_X86
    switch (isa()) {
    case ISA_AVX512:
        switch (op) {
        case 0: add_avx512(a, b, y, n, a_step, b_step); return;
        case 1: sub_avx512(a, b, y, n, a_step, b_step); return;
        case 2: mul_avx512(a, b, y, n, a_step, b_step); return;
        default: div_avx512(a, b, y, n, a_step, b_step); return;
        }
    case ISA_AVX2:
        switch (op) {
        case 0: add_avx2(a, b, y, n, a_step, b_step); return;
        case 1: sub_avx2(a, b, y, n, a_step, b_step); return;
        case 2: mul_avx2(a, b, y, n, a_step, b_step); return;
        default: div_avx2(a, b, y, n, a_step, b_step); return;
        }
    }
#endif
    binary_portable(op, a, b, y, n, a_step, b_step);
}

void st_relu_f32(const float *x, float *y, size_t n) {
#ifdef ST_X86
    switch (isa()) {
    case ISA_AVX512: relu_avx512(x, y, n); return;
    case ISA_AVX2: relu_avx2(x, y, n); return;
    }
#endif
    for (size_t i = 0; i < n; i++) y[i] = x[i] < 0 ? 0.0f : x[i];
}

/* y += alpha * x with one rounding per element (fused multiply-add), as PyTorch's vectorised add with alpha. */
#ifdef ST_X86
AVX512 static void axpy_avx512(float alpha, const float *x, float *y, size_t n) {
    const __m512 va = _mm512_set1_ps(alpha);
    size_t i = 0;
    for (; i + 16 <= n; i += 16)
        _mm512_storeu_ps(y + i, _mm512_fmadd_ps(va, _mm512_loadu_ps(x + i), _mm512_loadu_ps(y + i)));
    if (i < n) {
        __mmask16 m = (__mmask16)((1u << (n - i)) - 1);
        _mm512_mask_storeu_ps(y + i, m, _mm512_fmadd_ps(va, _mm512_maskz_loadu_ps(m, x + i), _mm512_maskz_loadu_ps(m, y + i)));
    }
}
AVX2 static void axpy_avx2(float alpha, const float *x, float *y, size_t n) {
    const __m256 va = _mm256_set1_ps(alpha);
    size_t i = 0;
    for (; i + 8 <= n; i += 8)
        _mm256_storeu_ps(y + i, _mm256_fmadd_ps(va, _mm256_loadu_ps(x + i), _mm256_loadu_ps(y + i)));
    for (; i < n; i++) y[i] = fmaf(alpha, x[i], y[i]);
}
#endif

void st_axpy_f32(float alpha, const float *x, float *y, size_t n) {
#ifdef ST_X86
    switch (isa()) {
    case ISA_AVX512: axpy_avx512(alpha, x, y, n); return;
    case ISA_AVX2: axpy_avx2(alpha, x, y, n); return;
    }
#endif
    for (size_t i = 0; i < n; i++) y[i] = fmaf(alpha, x[i], y[i]);
}

void st_binary_rows_f32(int op, const float *a, ptrdiff_t a_row, const float *b, ptrdiff_t b_row, float *y,
                        ptrdiff_t y_row, size_t rows, size_t cols, int a_step, int b_step) {
#ifdef ST_X86
    const int stream = use_streaming(rows * cols);
    switch (isa()) {
    case ISA_AVX512:
        switch (op) {
        case 0: add_avx512_rows(a, a_row, b, b_row, y, y_row, rows, cols, a_step, b_step, stream); return;
        case 1: sub_avx512_rows(a, a_row, b, b_row, y, y_row, rows, cols, a_step, b_step, stream); return;
        case 2: mul_avx512_rows(a, a_row, b, b_row, y, y_row, rows, cols, a_step, b_step, stream); return;
        default: div_avx512_rows(a, a_row, b, b_row, y, y_row, rows, cols, a_step, b_step, stream); return;
        }
    case ISA_AVX2:
        switch (op) {
        case 0: add_avx2_rows(a, a_row, b, b_row, y, y_row, rows, cols, a_step, b_step, stream); return;
        case 1: sub_avx2_rows(a, a_row, b, b_row, y, y_row, rows, cols, a_step, b_step, stream); return;
        case 2: mul_avx2_rows(a, a_row, b, b_row, y, y_row, rows, cols, a_step, b_step, stream); return;
        default: div_avx2_rows(a, a_row, b, b_row, y, y_row, rows, cols, a_step, b_step, stream); return;
        }
    }
#endif
    for (size_t r = 0; r < rows; r++)
        st_binary_f32(op, a + (ptrdiff_t)r * a_row, b + (ptrdiff_t)r * b_row, y + (ptrdiff_t)r * y_row, cols, a_step, b_step);
}
