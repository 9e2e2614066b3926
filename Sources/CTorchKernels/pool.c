/* Max pooling of 2x2 windows with stride 2, with the argmax (the indices max_pool2d returns).
 *
 * The running-maximum rule (v > best || isnan(v)) is evaluated into an all-ones/all-zeros mask and the value and
 * index are blended with bit operations: with random data a branch per comparison mispredicts half the time.
 */
#include "CTorchKernels.h"
#include <stdint.h>
#include <string.h>

static inline uint32_t bits_of(float f) { uint32_t u; memcpy(&u, &f, 4); return u; }
static inline float float_of(uint32_t u) { float f; memcpy(&f, &u, 4); return f; }

/* Folds candidate (v, at) into (best, best_at). */
static inline void take(float v, int64_t at, float *best, int64_t *best_at) {
    uint32_t t = (uint32_t)((v > *best) | (v != v));
    uint32_t m = 0u - t;
    uint64_t m64 = 0ull - (uint64_t)t;
    *best = float_of((bits_of(v) & m) | (bits_of(*best) & ~m));
    *best_at = (int64_t)(((uint64_t)at & m64) | ((uint64_t)*best_at & ~m64));
}

void st_maxpool2x2_f32(const float *plane, ptrdiff_t w, float *out, int64_t *idx, ptrdiff_t oh, ptrdiff_t ow) {
    for (ptrdiff_t y = 0; y < oh; y++) {
        const float *r0 = plane + 2 * y * w, *r1 = r0 + w;
        float *o = out + y * ow;
        int64_t base = (int64_t)(2 * y * w);
        if (idx) {
            int64_t *oi = idx + y * ow;
            for (ptrdiff_t x = 0; x < ow; x++) {
                float best = r0[2 * x];
                int64_t at = base + 2 * x;
                take(r0[2 * x + 1], base + 2 * x + 1, &best, &at);
                take(r1[2 * x], base + w + 2 * x, &best, &at);
                take(r1[2 * x + 1], base + w + 2 * x + 1, &best, &at);
                o[x] = best;
                oi[x] = at;
            }
        } else {
            for (ptrdiff_t x = 0; x < ow; x++) {
                float best = r0[2 * x];
                int64_t at = 0;
                take(r0[2 * x + 1], 0, &best, &at);
                take(r1[2 * x], 0, &best, &at);
                take(r1[2 * x + 1], 0, &best, &at);
                o[x] = best;
            }
        }
    }
}

static int (*st_device_registrar)(void) = 0;
void st_set_device_registrar(int (*registrar)(void)) { st_device_registrar = registrar; }
int st_call_device_registrar(void) { return st_device_registrar ? st_device_registrar() : -1; }
int st_has_device_registrar(void) { return st_device_registrar != 0; }
