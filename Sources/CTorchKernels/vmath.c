/* Vectorised float32 exp / erf-GELU / sigmoid / softmax with run-time ISA selection.
 *
 * exp: Cephes expf (x = n ln2 + r with ln2 split in two parts, degree-6 polynomial for e^r); 2^n is applied as
 * two factors 2^(n/2)·2^(n - n/2) so results down to the subnormal range are correct. Inputs above 88.7228 give
 * +inf, below -104 give 0, NaN passes through.
 * erf: Abramowitz & Stegun 7.1.26 (absolute error <= 1.5e-7, as ATen's vectorised erf), on the exp above.
 */
#include "CTorchKernels.h"
#include <math.h>
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
    /* Abramowitz & Stegun 7.1.26 (see erf512). */
    if (x != x) return x;
    float z = fabsf(x);
    float t = 1.0f / (1.0f + 0.3275911f * z);
    float p = 1.061405429f;
    p = p * t - 1.453152027f;
    p = p * t + 1.421413741f;
    p = p * t - 0.284496736f;
    p = p * t + 0.254829592f;
    float r = 1.0f - p * t * exp_scalar(-z * z);
    return x < 0 ? -r : r;
}

static void exp_portable(const float *x, float *y, size_t n) { for (size_t i = 0; i < n; i++) y[i] = exp_scalar(x[i]); }
static void gelu_portable(const float *x, float *y, size_t n) {
    for (size_t i = 0; i < n; i++) y[i] = 0.5f * x[i] * (1.0f + erf_scalar(x[i] * 0.70710678118654752f));
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

#ifdef ST_X86
/* ---------------------------------------------------------------- AVX2 + FMA -------------------------------- */

#define AVX2 __attribute__((target("avx2,fma")))

AVX2 static inline __m256 exp256(__m256 x) {
    const __m256 hi = _mm256_set1_ps(EXP_HI), lo = _mm256_set1_ps(EXP_LO);
    __m256 nanmask = _mm256_cmp_ps(x, x, _CMP_UNORD_Q);
    __m256 himask = _mm256_cmp_ps(x, hi, _CMP_GT_OQ);
    __m256 lomask = _mm256_cmp_ps(x, lo, _CMP_LT_OQ);
    __m256 xc = _mm256_min_ps(_mm256_max_ps(x, lo), hi);
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
    __m256 y = _mm256_mul_ps(_mm256_mul_ps(p, s1), s2);
    y = _mm256_blendv_ps(y, _mm256_set1_ps(INFINITY), himask);
    y = _mm256_blendv_ps(y, _mm256_setzero_ps(), lomask);
    return _mm256_blendv_ps(y, x, nanmask);
}

AVX2 static inline __m256 erf256(__m256 x) {
    /* Abramowitz & Stegun 7.1.26 (see erf512). */
    __m256 sign = _mm256_and_ps(x, _mm256_set1_ps(-0.0f));
    __m256 z = _mm256_andnot_ps(_mm256_set1_ps(-0.0f), x);
    __m256 d = _mm256_fmadd_ps(_mm256_set1_ps(0.3275911f), z, _mm256_set1_ps(1.0f));
    __m256 t = _mm256_rcp_ps(d);
    t = _mm256_mul_ps(t, _mm256_fnmadd_ps(d, t, _mm256_set1_ps(2.0f)));
    t = _mm256_mul_ps(t, _mm256_fnmadd_ps(d, t, _mm256_set1_ps(2.0f)));
    __m256 p = _mm256_set1_ps(1.061405429f);
    p = _mm256_fmadd_ps(p, t, _mm256_set1_ps(-1.453152027f));
    p = _mm256_fmadd_ps(p, t, _mm256_set1_ps(1.421413741f));
    p = _mm256_fmadd_ps(p, t, _mm256_set1_ps(-0.284496736f));
    p = _mm256_fmadd_ps(p, t, _mm256_set1_ps(0.254829592f));
    p = _mm256_mul_ps(p, t);
    __m256 e = exp256(_mm256_mul_ps(_mm256_sub_ps(_mm256_setzero_ps(), z), z));
    __m256 r = _mm256_fnmadd_ps(p, e, _mm256_set1_ps(1.0f));
    __m256 res = _mm256_or_ps(r, sign);
    __m256 nanmask = _mm256_cmp_ps(x, x, _CMP_UNORD_Q);
    return _mm256_blendv_ps(res, x, nanmask);
}

AVX2 static void exp_avx2(const float *x, float *y, size_t n) {
    size_t i = 0;
    for (; i + 8 <= n; i += 8) _mm256_storeu_ps(y + i, exp256(_mm256_loadu_ps(x + i)));
    for (; i < n; i++) y[i] = exp_scalar(x[i]);
}
AVX2 static void gelu_avx2(const float *x, float *y, size_t n) {
    size_t i = 0;
    const __m256 h = _mm256_set1_ps(0.5f), k = _mm256_set1_ps(0.70710678118654752f), one = _mm256_set1_ps(1.0f);
    for (; i + 8 <= n; i += 8) {
        __m256 v = _mm256_loadu_ps(x + i);
        __m256 e = erf256(_mm256_mul_ps(v, k));
        _mm256_storeu_ps(y + i, _mm256_mul_ps(_mm256_mul_ps(h, v), _mm256_add_ps(one, e)));
    }
    for (; i < n; i++) y[i] = 0.5f * x[i] * (1.0f + erf_scalar(x[i] * 0.70710678118654752f));
}
AVX2 static void sigmoid_avx2(const float *x, float *y, size_t n) {
    size_t i = 0;
    const __m256 one = _mm256_set1_ps(1.0f);
    for (; i + 8 <= n; i += 8) {
        __m256 e = exp256(_mm256_sub_ps(_mm256_setzero_ps(), _mm256_loadu_ps(x + i)));
        _mm256_storeu_ps(y + i, _mm256_div_ps(one, _mm256_add_ps(one, e)));
    }
    for (; i < n; i++) y[i] = 1.0f / (1.0f + exp_scalar(-x[i]));
}
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
AVX2 static void softmax_avx2(const float *x, float *y, size_t rows, size_t cols, int lg) {
    for (size_t r = 0; r < rows; r++) {
        const float *xr = x + r * cols;
        float *yr = y + r * cols;
        size_t i = 0;
        __m256 vm = _mm256_set1_ps(-INFINITY);
        int hasnan = 0;
        for (; i + 8 <= cols; i += 8) {
            __m256 v = _mm256_loadu_ps(xr + i);
            hasnan |= _mm256_movemask_ps(_mm256_cmp_ps(v, v, _CMP_UNORD_Q));
            vm = _mm256_max_ps(vm, v);
        }
        float m = hmax256(vm);
        for (; i < cols; i++) { if (xr[i] != xr[i]) hasnan = 1; if (xr[i] > m) m = xr[i]; }
        if (hasnan) { softmax_portable(xr, yr, 1, cols, lg); continue; }
        if (m == -INFINITY) m = 0;
        __m256 mv = _mm256_set1_ps(m), vs = _mm256_setzero_ps();
        for (i = 0; i + 8 <= cols; i += 8) {
            __m256 e = exp256(_mm256_sub_ps(_mm256_loadu_ps(xr + i), mv));
            if (!lg) _mm256_storeu_ps(yr + i, e);
            vs = _mm256_add_ps(vs, e);
        }
        float s = hsum256(vs);
        for (; i < cols; i++) { float e = exp_scalar(xr[i] - m); if (!lg) yr[i] = e; s += e; }
        if (lg) {
            __m256 ls = _mm256_set1_ps(logf(s) + m);
            for (i = 0; i + 8 <= cols; i += 8) _mm256_storeu_ps(yr + i, _mm256_sub_ps(_mm256_loadu_ps(xr + i), ls));
            float lss = logf(s) + m;
            for (; i < cols; i++) yr[i] = xr[i] - lss;
        } else {
            __m256 inv = _mm256_set1_ps(1.0f / s);
            for (i = 0; i + 8 <= cols; i += 8) _mm256_storeu_ps(yr + i, _mm256_mul_ps(_mm256_loadu_ps(yr + i), inv));
            float invs = 1.0f / s;
            for (; i < cols; i++) yr[i] *= invs;
        }
    }
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

AVX512 static inline __m512 erf512(__m512 x) {
    /* Abramowitz & Stegun 7.1.26: erf(z) = 1 - t(a1 + t(a2 + t(a3 + t(a4 + t a5)))) e^(-z^2), t = 1/(1 + p z);
       absolute error <= 1.5e-7. */
    __m512 z = _mm512_abs_ps(x);
    __m512 d = _mm512_fmadd_ps(_mm512_set1_ps(0.3275911f), z, _mm512_set1_ps(1.0f));
    __m512 t0 = _mm512_rcp14_ps(d);
    __m512 t = _mm512_mul_ps(t0, _mm512_fnmadd_ps(d, t0, _mm512_set1_ps(2.0f)));
    __m512 p = _mm512_set1_ps(1.061405429f);
    p = _mm512_fmadd_ps(p, t, _mm512_set1_ps(-1.453152027f));
    p = _mm512_fmadd_ps(p, t, _mm512_set1_ps(1.421413741f));
    p = _mm512_fmadd_ps(p, t, _mm512_set1_ps(-0.284496736f));
    p = _mm512_fmadd_ps(p, t, _mm512_set1_ps(0.254829592f));
    p = _mm512_mul_ps(p, t);
    __m512 e = exp512(_mm512_mul_ps(_mm512_sub_ps(_mm512_setzero_ps(), z), z));
    __m512 r = _mm512_fnmadd_ps(p, e, _mm512_set1_ps(1.0f));
    __mmask16 neg = _mm512_cmp_ps_mask(x, _mm512_setzero_ps(), _CMP_LT_OQ);
    r = _mm512_mask_sub_ps(r, neg, _mm512_setzero_ps(), r);
    __mmask16 nanmask = _mm512_cmp_ps_mask(x, x, _CMP_UNORD_Q);
    return _mm512_mask_mov_ps(r, nanmask, x);
}

AVX512 static void exp_avx512(const float *x, float *y, size_t n) {
    size_t i = 0;
    for (; i + 16 <= n; i += 16) _mm512_storeu_ps(y + i, exp512(_mm512_loadu_ps(x + i)));
    if (i < n) {
        __mmask16 m = (__mmask16)((1u << (n - i)) - 1);
        _mm512_mask_storeu_ps(y + i, m, exp512(_mm512_maskz_loadu_ps(m, x + i)));
    }
}
AVX512 static void gelu_avx512(const float *x, float *y, size_t n) {
    const __m512 h = _mm512_set1_ps(0.5f), k = _mm512_set1_ps(0.70710678118654752f), one = _mm512_set1_ps(1.0f);
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        __m512 v = _mm512_loadu_ps(x + i);
        _mm512_storeu_ps(y + i, _mm512_mul_ps(_mm512_mul_ps(h, v), _mm512_add_ps(one, erf512(_mm512_mul_ps(v, k)))));
    }
    if (i < n) {
        __mmask16 m = (__mmask16)((1u << (n - i)) - 1);
        __m512 v = _mm512_maskz_loadu_ps(m, x + i);
        _mm512_mask_storeu_ps(y + i, m, _mm512_mul_ps(_mm512_mul_ps(h, v), _mm512_add_ps(one, erf512(_mm512_mul_ps(v, k)))));
    }
}
AVX512 static void sigmoid_avx512(const float *x, float *y, size_t n) {
    const __m512 one = _mm512_set1_ps(1.0f);
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        __m512 e = exp512(_mm512_sub_ps(_mm512_setzero_ps(), _mm512_loadu_ps(x + i)));
        _mm512_storeu_ps(y + i, _mm512_div_ps(one, _mm512_add_ps(one, e)));
    }
    for (; i < n; i++) y[i] = 1.0f / (1.0f + exp_scalar(-x[i]));
}
AVX512 static void softmax_avx512(const float *x, float *y, size_t rows, size_t cols, int lg) {
    for (size_t r = 0; r < rows; r++) {
        const float *xr = x + r * cols;
        float *yr = y + r * cols;
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
            if (!lg) _mm512_storeu_ps(yr + i, e);
            vs = _mm512_add_ps(vs, e);
        }
        float s = _mm512_reduce_add_ps(vs);
        for (; i < cols; i++) { float e = exp_scalar(xr[i] - m); if (!lg) yr[i] = e; s += e; }
        if (lg) {
            float lss = logf(s) + m;
            __m512 ls = _mm512_set1_ps(lss);
            for (i = 0; i + 16 <= cols; i += 16) _mm512_storeu_ps(yr + i, _mm512_sub_ps(_mm512_loadu_ps(xr + i), ls));
            for (; i < cols; i++) yr[i] = xr[i] - lss;
        } else {
            float invs = 1.0f / s;
            __m512 inv = _mm512_set1_ps(invs);
            for (i = 0; i + 16 <= cols; i += 16) _mm512_storeu_ps(yr + i, _mm512_mul_ps(_mm512_loadu_ps(yr + i), inv));
            for (; i < cols; i++) yr[i] *= invs;
        }
    }
}
#endif

/* ---------------------------------------------------------------- dispatch ---------------------------------- */

enum { ISA_UNKNOWN = 0, ISA_PORTABLE, ISA_AVX2, ISA_AVX512 };
static int isa_level = ISA_UNKNOWN;

static int isa(void) {
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

int st_force_isa(const char *name) {
    int want = strcmp(name, "avx512") == 0 ? ISA_AVX512 : strcmp(name, "avx2") == 0 ? ISA_AVX2 : ISA_PORTABLE;
    isa_level = ISA_UNKNOWN;
    if (want > isa()) return 0;
    isa_level = want;
    return 1;
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

void st_sigmoid_f32(const float *x, float *y, size_t n) {
#ifdef ST_X86
    switch (isa()) {
    case ISA_AVX512: sigmoid_avx512(x, y, n); return;
    case ISA_AVX2: sigmoid_avx2(x, y, n); return;
    }
#endif
    sigmoid_portable(x, y, n);
}

void st_softmax_rows_f32(const float *x, float *y, size_t rows, size_t cols, int lg) {
#ifdef ST_X86
    switch (isa()) {
    case ISA_AVX512: softmax_avx512(x, y, rows, cols, lg); return;
    case ISA_AVX2: softmax_avx2(x, y, rows, cols, lg); return;
    }
#endif
    softmax_portable(x, y, rows, cols, lg);
}
