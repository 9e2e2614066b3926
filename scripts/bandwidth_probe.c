/* bandwidth_probe.c -- the memory roofline that the 16M-element benchmark rows are judged against.
 *
 * Build and run (scripts/bandwidth_probe.sh does both):
 *     gcc -O2 -march=native -pthread -o bandwidth_probe scripts/bandwidth_probe.c && ./bandwidth_probe [reps]
 * (512-bit vectors where the build machine has AVX-512, 256-bit AVX ones otherwise: either moves a cache line
 * per one or two instructions, far below what memory can supply).
 *
 * For 2^24 floats (64 MiB per buffer, twice the L3), at 1 and 2 threads, each thread taking one contiguous half:
 *   read      y = sum(x)                                   bytes counted: 4n      (as red_sum_16m)
 *   copy      y[i] = x[i], ordinary stores                 bytes counted: 8n      (as the ew_*_16m_out rows)
 *   copy_nt   y[i] = x[i], non-temporal stores             bytes counted: 8n
 * Each figure is the median of `reps` timed calls after two warm-up calls (GB = 1e9 bytes), one JSON line each.
 * No kernel can move the same bytes faster than the better copy line, whatever it computes in between: that is
 * the ceiling for every `_16m_out` row of SwiftTorch and of PyTorch alike.
 */
#include <immintrin.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define N (1u << 24)

#ifdef __AVX512F__
#define W 16
typedef __m512 vec;
#define VZERO _mm512_setzero_ps
#define VADD _mm512_add_ps
#define VLOAD _mm512_load_ps
#define VSTORE _mm512_store_ps
#define VSTREAM _mm512_stream_ps
static inline float vsum(vec v) { return _mm512_reduce_add_ps(v); }
#else
#define W 8
typedef __m256 vec;
#define VZERO _mm256_setzero_ps
#define VADD _mm256_add_ps
#define VLOAD _mm256_load_ps
#define VSTORE _mm256_store_ps
#define VSTREAM _mm256_stream_ps
static inline float vsum(vec v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    return _mm_cvtss_f32(_mm_add_ss(s, _mm_shuffle_ps(s, s, 1)));
}
#endif

static float *x, *y;
static float sums[2];

struct job { int kind, part, parts; };

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

static void *work(void *arg) {
    const struct job *j = arg;
    size_t lo = (size_t)N / j->parts * j->part, hi = (size_t)N / j->parts * (j->part + 1);
    if (j->kind == 0) {
        vec a0 = VZERO(), a1 = a0, a2 = a0, a3 = a0;
        for (size_t i = lo; i < hi; i += 4 * W) {
            a0 = VADD(a0, VLOAD(x + i));
            a1 = VADD(a1, VLOAD(x + i + W));
            a2 = VADD(a2, VLOAD(x + i + 2 * W));
            a3 = VADD(a3, VLOAD(x + i + 3 * W));
        }
        sums[j->part] = vsum(VADD(VADD(a0, a1), VADD(a2, a3)));
    } else if (j->kind == 1) {
        for (size_t i = lo; i < hi; i += 2 * W) {
            VSTORE(y + i, VLOAD(x + i));
            VSTORE(y + i + W, VLOAD(x + i + W));
        }
    } else {
        for (size_t i = lo; i < hi; i += 2 * W) {
            VSTREAM(y + i, VLOAD(x + i));
            VSTREAM(y + i + W, VLOAD(x + i + W));
        }
        _mm_sfence();
    }
    return NULL;
}

static double call(int kind, int threads) {
    pthread_t t[2];
    struct job j[2];
    double t0 = now();
    for (int p = 0; p < threads; p++) {
        j[p] = (struct job){kind, p, threads};
        if (p > 0) pthread_create(&t[p], NULL, work, &j[p]);
    }
    work(&j[0]);
    for (int p = 1; p < threads; p++) pthread_join(t[p], NULL);
    return now() - t0;
}

static int cmp(const void *a, const void *b) {
    double u = *(const double *)a, v = *(const double *)b;
    return (u > v) - (u < v);
}

int main(int argc, char **argv) {
    int reps = argc > 1 ? atoi(argv[1]) : 21;
    if (reps < 1 || reps > 1000) reps = 21;
    x = aligned_alloc(1 << 21, (size_t)N * 4);
    y = aligned_alloc(1 << 21, (size_t)N * 4);
    if (!x || !y) return 1;
    for (size_t i = 0; i < N; i++) x[i] = y[i] = (float)(i & 1023) * 0.001f;
    const char *names[3] = {"read", "copy", "copy_nt"};
    const double bytes[3] = {4.0 * N, 8.0 * N, 8.0 * N};
    double *ts = malloc(sizeof(double) * (size_t)reps);
    for (int threads = 1; threads <= 2; threads++)
        for (int kind = 0; kind < 3; kind++) {
            call(kind, threads);
            call(kind, threads);
            for (int r = 0; r < reps; r++) ts[r] = call(kind, threads);
            qsort(ts, (size_t)reps, sizeof(double), cmp);
            printf("{\"id\": \"%s_16m\", \"threads\": %d, \"value\": %.2f, \"best\": %.2f, \"unit\": \"GB/s\"}\n",
                   names[kind], threads, bytes[kind] / ts[reps / 2] / 1e9, bytes[kind] / ts[0] / 1e9);
        }
    fprintf(stderr, "checksum %g\n", (double)(sums[0] + sums[1]));
    free(ts);
    return 0;
}
