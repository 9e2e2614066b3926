/* Winograd F(4x4, 3x3) transforms for float32 3x3 convolutions with stride 1 (Lavin & Gray, "Fast Algorithms
 * for Convolutional Neural Networks", 2015). A 4x4 output tile is A^T [(G g G^T) . (B^T d B)] A for the 6x6 input
 * tile d: 36 products per tile and channel pair instead of 144. SwiftTorch multiplies the transformed tiles
 * with 36 GEMMs; these functions do the transforms. Tiles are processed eight at a time in a tile-minor local
 * array so that the arithmetic runs as vector operations across tiles.
 *
 * Layouts: U/dU [36][K][C], V [36][C][ldp], M/dM [36][K][ldp], the 36 matrices `xs` floats apart. The caller pads
 * xs to one cache line more than the matrix: with a multiple of 4 KiB all 36 rows a tile touches fall into one L1
 * set and evict each other (this made the transforms three times slower). Tile t of a batch is image t / (th*tw),
 * tile row (t % (th*tw)) / tw, tile column t % tw. Inputs are NCHW.
 */
#include "CTorchKernels.h"

#define VL 8

/* B^T d for six values (one column or row of a tile), vectorised over VL tiles. */
#define BT6(in, out, v)                                                                     \
    do {                                                                                    \
        float d0 = in(0, v), d1 = in(1, v), d2 = in(2, v), d3 = in(3, v), d4 = in(4, v), d5 = in(5, v); \
        out(0, v) = 4.0f * d0 - 5.0f * d2 + d4;                                             \
        out(1, v) = -4.0f * d1 - 4.0f * d2 + d3 + d4;                                       \
        out(2, v) = 4.0f * d1 - 4.0f * d2 - d3 + d4;                                        \
        out(3, v) = -2.0f * d1 - d2 + 2.0f * d3 + d4;                                       \
        out(4, v) = 2.0f * d1 - d2 - 2.0f * d3 + d4;                                        \
        out(5, v) = 4.0f * d1 - 5.0f * d3 + d5;                                             \
    } while (0)

void st_wino43_input(const float *x, float *V, ptrdiff_t C, ptrdiff_t H, ptrdiff_t W, ptrdiff_t padH, ptrdiff_t padW,
                     ptrdiff_t th, ptrdiff_t tw, ptrdiff_t t0, ptrdiff_t count, ptrdiff_t ldp, ptrdiff_t xs) {
    const ptrdiff_t per = th * tw, plane = H * W, xi = C * plane;
    for (ptrdiff_t g = 0; g < count; g += VL) {
        const ptrdiff_t n = count - g < VL ? count - g : VL;
        ptrdiff_t base[VL], oy[VL], ox[VL];
        for (ptrdiff_t v = 0; v < VL; v++) {
            ptrdiff_t t = t0 + g + (v < n ? v : 0);
            ptrdiff_t img = t / per, r = t % per;
            base[v] = img * xi;
            oy[v] = (r / tw) * 4 - padH;
            ox[v] = (r % tw) * 4 - padW;
        }
        for (ptrdiff_t c = 0; c < C; c++) {
            float d[6][6][VL], e[6][6][VL];
            for (ptrdiff_t v = 0; v < VL; v++) {
                const float *p = x + base[v] + c * plane;
                if (oy[v] >= 0 && oy[v] + 6 <= H && ox[v] >= 0 && ox[v] + 6 <= W) {
                    const float *q = p + oy[v] * W + ox[v];
                    for (int i = 0; i < 6; i++)
                        for (int j = 0; j < 6; j++) d[i][j][v] = q[i * W + j];
                    continue;
                }
                for (int i = 0; i < 6; i++) {
                    ptrdiff_t iy = oy[v] + i;
                    if (iy < 0 || iy >= H) {
                        for (int j = 0; j < 6; j++) d[i][j][v] = 0.0f;
                        continue;
                    }
                    for (int j = 0; j < 6; j++) {
                        ptrdiff_t ix = ox[v] + j;
                        d[i][j][v] = ix >= 0 && ix < W ? p[iy * W + ix] : 0.0f;
                    }
                }
            }
            /* Columns: e[:, j] = B^T d[:, j]; then rows: f[i, :] = e[i, :] B, written straight to V. */
            for (int j = 0; j < 6; j++) {
#define IN_COL(i, v) d[i][j][v]
#define OUT_COL(i, v) e[i][j][v]
                for (int v = 0; v < VL; v++) BT6(IN_COL, OUT_COL, v);
#undef IN_COL
#undef OUT_COL
            }
            for (int i = 0; i < 6; i++) {
                float f[6][VL];
#define IN_ROW(j, v) e[i][j][v]
#define OUT_ROW(j, v) f[j][v]
                for (int v = 0; v < VL; v++) BT6(IN_ROW, OUT_ROW, v);
#undef IN_ROW
#undef OUT_ROW
                for (int j = 0; j < 6; j++) {
                    float *dst = V + (ptrdiff_t)(i * 6 + j) * xs + c * ldp + g;
                    if (n == VL) {
                        for (int v = 0; v < VL; v++) dst[v] = f[j][v];
                    } else {
                        for (ptrdiff_t v = 0; v < n; v++) dst[v] = f[j][v];
                    }
                }
            }
        }
    }
}

/* A^T m for six values -> four. */
#define AT6(in, out, v)                                                                     \
    do {                                                                                    \
        float m0 = in(0, v), m1 = in(1, v), m2 = in(2, v), m3 = in(3, v), m4 = in(4, v), m5 = in(5, v); \
        float s12 = m1 + m2, d12 = m1 - m2, s34 = m3 + m4, d34 = m3 - m4;                   \
        out(0, v) = m0 + s12 + s34;                                                          \
        out(1, v) = d12 + 2.0f * d34;                                                        \
        out(2, v) = s12 + 4.0f * s34;                                                        \
        out(3, v) = d12 + 8.0f * d34 + m5;                                                   \
    } while (0)

void st_wino43_output(const float *M, float *y, const float *bias, ptrdiff_t K, ptrdiff_t OH, ptrdiff_t OW,
                      ptrdiff_t th, ptrdiff_t tw, ptrdiff_t t0, ptrdiff_t count, ptrdiff_t ldp, ptrdiff_t xs) {
    const ptrdiff_t per = th * tw, plane = OH * OW, yi = K * plane;
    for (ptrdiff_t g = 0; g < count; g += VL) {
        const ptrdiff_t n = count - g < VL ? count - g : VL;
        ptrdiff_t base[VL], oy[VL], ox[VL];
        for (ptrdiff_t v = 0; v < VL; v++) {
            ptrdiff_t t = t0 + g + (v < n ? v : 0);
            ptrdiff_t img = t / per, r = t % per;
            base[v] = img * yi;
            oy[v] = (r / tw) * 4;
            ox[v] = (r % tw) * 4;
        }
        for (ptrdiff_t k = 0; k < K; k++) {
            float m[6][6][VL], e[4][6][VL], o[4][4][VL];
            for (int i = 0; i < 6; i++)
                for (int j = 0; j < 6; j++) {
                    const float *src = M + (ptrdiff_t)(i * 6 + j) * xs + k * ldp + g;
                    if (n == VL) {
                        for (int v = 0; v < VL; v++) m[i][j][v] = src[v];
                    } else {
                        for (ptrdiff_t v = 0; v < VL; v++) m[i][j][v] = v < n ? src[v] : 0.0f;
                    }
                }
            for (int j = 0; j < 6; j++) {
#define IN_COL(i, v) m[i][j][v]
#define OUT_COL(i, v) e[i][j][v]
                for (int v = 0; v < VL; v++) AT6(IN_COL, OUT_COL, v);
#undef IN_COL
#undef OUT_COL
            }
            for (int i = 0; i < 4; i++) {
#define IN_ROW(j, v) e[i][j][v]
#define OUT_ROW(j, v) o[i][j][v]
                for (int v = 0; v < VL; v++) AT6(IN_ROW, OUT_ROW, v);
#undef IN_ROW
#undef OUT_ROW
            }
            const float b = bias ? bias[k] : 0.0f;
            for (ptrdiff_t v = 0; v < n; v++) {
                float *p = y + base[v] + k * plane + oy[v] * OW + ox[v];
                if (oy[v] + 4 <= OH && ox[v] + 4 <= OW) {
                    for (int i = 0; i < 4; i++)
                        for (int j = 0; j < 4; j++) p[i * OW + j] = o[i][j][v] + b;
                    continue;
                }
                for (int i = 0; i < 4 && oy[v] + i < OH; i++)
                    for (int j = 0; j < 4 && ox[v] + j < OW; j++) p[i * OW + j] = o[i][j][v] + b;
            }
        }
    }
}

/* A e for four values -> six. */
#define A4(in, out, v)                                                                      \
    do {                                                                                    \
        float e0 = in(0, v), e1 = in(1, v), e2 = in(2, v), e3 = in(3, v);                   \
        float s02 = e0 + e2, s13 = e1 + e3, q02 = e0 + 4.0f * e2, q13 = 2.0f * e1 + 8.0f * e3; \
        out(0, v) = e0;                                                                      \
        out(1, v) = s02 + s13;                                                               \
        out(2, v) = s02 - s13;                                                               \
        out(3, v) = q02 + q13;                                                               \
        out(4, v) = q02 - q13;                                                               \
        out(5, v) = e3;                                                                      \
    } while (0)

void st_wino43_grad_output(const float *gy, float *dM, ptrdiff_t K, ptrdiff_t OH, ptrdiff_t OW, ptrdiff_t th,
                           ptrdiff_t tw, ptrdiff_t t0, ptrdiff_t count, ptrdiff_t ldp, ptrdiff_t xs) {
    const ptrdiff_t per = th * tw, plane = OH * OW, yi = K * plane;
    for (ptrdiff_t g = 0; g < count; g += VL) {
        const ptrdiff_t n = count - g < VL ? count - g : VL;
        ptrdiff_t base[VL], oy[VL], ox[VL];
        for (ptrdiff_t v = 0; v < VL; v++) {
            ptrdiff_t t = t0 + g + (v < n ? v : 0);
            ptrdiff_t img = t / per, r = t % per;
            base[v] = img * yi;
            oy[v] = (r / tw) * 4;
            ox[v] = (r % tw) * 4;
        }
        for (ptrdiff_t k = 0; k < K; k++) {
            float d[4][4][VL], e[6][4][VL];
            for (ptrdiff_t v = 0; v < VL; v++) {
                const float *p = gy + base[v] + k * plane;
                for (int i = 0; i < 4; i++)
                    for (int j = 0; j < 4; j++)
                        d[i][j][v] = oy[v] + i < OH && ox[v] + j < OW ? p[(oy[v] + i) * OW + ox[v] + j] : 0.0f;
            }
            for (int j = 0; j < 4; j++) {
#define IN_COL(i, v) d[i][j][v]
#define OUT_COL(i, v) e[i][j][v]
                for (int v = 0; v < VL; v++) A4(IN_COL, OUT_COL, v);
#undef IN_COL
#undef OUT_COL
            }
            for (int i = 0; i < 6; i++) {
                float f[6][VL];
#define IN_ROW(j, v) e[i][j][v]
#define OUT_ROW(j, v) f[j][v]
                for (int v = 0; v < VL; v++) A4(IN_ROW, OUT_ROW, v);
#undef IN_ROW
#undef OUT_ROW
                for (int j = 0; j < 6; j++) {
                    float *dst = dM + (ptrdiff_t)(i * 6 + j) * xs + k * ldp + g;
                    if (n == VL) {
                        for (int v = 0; v < VL; v++) dst[v] = f[j][v];
                    } else {
                        for (ptrdiff_t v = 0; v < n; v++) dst[v] = f[j][v];
                    }
                }
            }
        }
    }
}

/* G g for three values -> six, and G^T u for six values -> three. */
static inline void g3(const float *g, ptrdiff_t s, float *u) {
    float g0 = g[0], g1 = g[s], g2 = g[2 * s];
    u[0] = g0 * 0.25f;
    u[1] = -(g0 + g1 + g2) * (1.0f / 6.0f);
    u[2] = -(g0 - g1 + g2) * (1.0f / 6.0f);
    u[3] = g0 * (1.0f / 24.0f) + g1 * (1.0f / 12.0f) + g2 * (1.0f / 6.0f);
    u[4] = g0 * (1.0f / 24.0f) - g1 * (1.0f / 12.0f) + g2 * (1.0f / 6.0f);
    u[5] = g2;
}

static inline void gt6(const float *u, ptrdiff_t s, float *w) {
    float v0 = u[0], v1 = u[s], v2 = u[2 * s], v3 = u[3 * s], v4 = u[4 * s], v5 = u[5 * s];
    w[0] = v0 * 0.25f - (v1 + v2) * (1.0f / 6.0f) + (v3 + v4) * (1.0f / 24.0f);
    w[1] = (v2 - v1) * (1.0f / 6.0f) + (v3 - v4) * (1.0f / 12.0f);
    w[2] = (v3 + v4 - v1 - v2) * (1.0f / 6.0f) + v5;
}

void st_wino43_weights(const float *w, float *U, ptrdiff_t K, ptrdiff_t C, int flip, ptrdiff_t xs) {
    for (ptrdiff_t k = 0; k < K; k++)
        for (ptrdiff_t c = 0; c < C; c++) {
            /* flip: the filter of the input gradient, w'[c][k] = w[k][c] rotated by 180 degrees (then K and C
               swap roles: w is [C][K][3][3] in the caller's terms). */
            float g[9];
            const float *src = flip ? w + (c * K + k) * 9 : w + (k * C + c) * 9;
            for (int i = 0; i < 9; i++) g[i] = flip ? src[8 - i] : src[i];
            float t[6][3], u[6][6];
            for (int j = 0; j < 3; j++) {
                float col[6];
                g3(g + j, 3, col);
                for (int i = 0; i < 6; i++) t[i][j] = col[i];
            }
            for (int i = 0; i < 6; i++) g3(&t[i][0], 1, u[i]);
            for (int i = 0; i < 6; i++)
                for (int j = 0; j < 6; j++) U[(ptrdiff_t)(i * 6 + j) * xs + k * C + c] = u[i][j];
        }
}

void st_wino43_weight_grad(const float *dU, float *dw, ptrdiff_t K, ptrdiff_t C, ptrdiff_t xs) {
    const ptrdiff_t s = xs;
    for (ptrdiff_t k = 0; k < K; k++)
        for (ptrdiff_t c = 0; c < C; c++) {
            const float *u = dU + k * C + c;
            float t[3][6];
            for (int j = 0; j < 6; j++) {
                float col[3];
                gt6(u + j * s, 6 * s, col);
                for (int i = 0; i < 3; i++) t[i][j] = col[i];
            }
            float *dst = dw + (k * C + c) * 9;
            for (int i = 0; i < 3; i++) gt6(&t[i][0], 1, dst + i * 3);
        }
}
