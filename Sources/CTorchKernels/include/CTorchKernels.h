#ifndef CTORCHKERNELS_H
#define CTORCHKERNELS_H
#include <stddef.h>
#include <stdint.h>

/* Vectorised float32 kernels for contiguous buffers. Each entry point picks an AVX-512, AVX2+FMA or portable
   implementation at run time (the library itself is built for the baseline target). */

/* c = alpha·op(a)·op(b) + beta·c for row-major float32 buffers, on the calling thread (sgemm.c): op(a) is m × k
   (a stored k × m with leading dimension lda when trans_a), op(b) is k × n (b stored n × k when trans_b); c is not
   read when beta is 0. AVX-512 where the CPU has it, a plain loop otherwise. */
void st_sgemm_f32(int trans_a, int trans_b, size_t m, size_t n, size_t k, float alpha, const float *a, size_t lda,
                  const float *b, size_t ldb, float beta, float *c, size_t ldc);
/* 1 when st_sgemm_f32 should be used instead of the BLAS library: the CPU has AVX-512 and the kernels were
   compiled with optimisation (an unoptimised build keeps the library's GEMM). */
int st_sgemm_f32_preferred(void);

/* y[i] = exp(x[i]) */
void st_exp_f32(const float *x, float *y, size_t n);
/* y[i] = 0.5 x (1 + erf(x / sqrt 2)) */
void st_gelu_f32(const float *x, float *y, size_t n);
/* y[i] = g[i] * (Φ(x[i]) + x[i] φ(x[i])): the gradient of the erf GELU */
void st_gelu_backward_f32(const float *x, const float *g, float *y, size_t n);
/* y[i] = 1 / (1 + exp(-x[i])) */
void st_sigmoid_f32(const float *x, float *y, size_t n);
/* rows x cols, row-major: y = softmax(x) (log_softmax when log != 0) along each row. With stream != 0 the AVX-512
   kernel writes y with non-temporal stores (rows of up to 4096 floats): the caller sets it when the whole
   operation's output, of which this call may be one thread's share, is at least st_streaming_threshold(). */
void st_softmax_rows_f32(const float *x, float *y, size_t rows, size_t cols, int log, int stream);
/* y = a (op) b elementwise; op: 0 add, 1 sub, 2 mul, 3 div. a_step / b_step are 1 for arrays and 0 for a single
   broadcast element. */
void st_binary_f32(int op, const float *a, const float *b, float *y, size_t n, int a_step, int b_step);
/* rows × cols version of st_binary_f32: row r reads a + r*a_row, b + r*b_row and writes y + r*y_row (with
   non-temporal stores when this call writes at least the streaming threshold, as st_binary_f32). */
void st_binary_rows_f32(int op, const float *a, ptrdiff_t a_row, const float *b, ptrdiff_t b_row, float *y,
                        ptrdiff_t y_row, size_t rows, size_t cols, int a_step, int b_step);
/* y[i] += alpha * x[i], one rounding per element (a fused multiply-add, as PyTorch's vectorised add with alpha) */
void st_axpy_f32(float alpha, const float *x, float *y, size_t n);
/* y = max(x, 0) (NaN propagates) */
void st_relu_f32(const float *x, float *y, size_t n);
/* sum of n floats */
float st_sum_f32(const float *x, size_t n);
/* y[r] = sum of row r (rows x cols, row-major) */
void st_sum_rows_f32(const float *x, float *y, size_t rows, size_t cols);
/* per row: y = (x - mean) / sqrt(var + eps) * w + b (biased variance); w and b may be NULL. stream as for
   st_softmax_rows_f32. */
void st_layernorm_rows_f32(const float *x, const float *w, const float *b, float *y, size_t rows, size_t cols, float eps,
                           int stream);
/* Which implementation runs: "avx512", "avx2" or "portable". */
const char *st_kernel_isa(void);
/* The output size in bytes from which the AVX-512 elementwise kernels (exp, GELU and its gradient, sigmoid, relu,
   add/sub/mul/div) write with non-temporal stores: half the last-level cache, detected on first use. */
size_t st_streaming_threshold(void);
/* Sets that size for the process (for testing; 0 detects it again on next use). */
void st_set_streaming_threshold(size_t bytes);
/* Forces an implementation ("avx512", "avx2", "portable") on the calling thread, for testing; returns 0 if the
   CPU lacks it. */
int st_force_isa(const char *name);

/* 2x2 / stride-2 max pooling of one plane (rows of width w) to oh x ow, with PyTorch's rule (a larger value or a
   NaN takes over, scanning row by row); writes the values and, when idx is not NULL, the argmax as row*w + col. */
void st_maxpool2x2_f32(const float *plane, ptrdiff_t w, float *out, int64_t *idx, ptrdiff_t oh, ptrdiff_t ow);

/* Winograd F(4x4, 3x3) transforms (see winograd.c for the layouts; xs = distance between the 36 matrices). */
/* V[36][C][ldp] for tiles t0..t0+count of x [N][C][H][W] with the given padding and th x tw tiles per image. */
void st_wino43_input(const float *x, float *V, ptrdiff_t C, ptrdiff_t H, ptrdiff_t W, ptrdiff_t padH, ptrdiff_t padW,
                     ptrdiff_t th, ptrdiff_t tw, ptrdiff_t t0, ptrdiff_t count, ptrdiff_t ldp, ptrdiff_t xs);
/* y [N][K][OH][OW] (cropped tiles, plus bias[k] when bias is not NULL) from M[36][K][ldp]. */
void st_wino43_output(const float *M, float *y, const float *bias, ptrdiff_t K, ptrdiff_t OH, ptrdiff_t OW,
                      ptrdiff_t th, ptrdiff_t tw, ptrdiff_t t0, ptrdiff_t count, ptrdiff_t ldp, ptrdiff_t xs);
/* dM[36][K][ldp] = A dY A^T for tiles of the output gradient gy [N][K][OH][OW]. */
void st_wino43_grad_output(const float *gy, float *dM, ptrdiff_t K, ptrdiff_t OH, ptrdiff_t OW, ptrdiff_t th,
                           ptrdiff_t tw, ptrdiff_t t0, ptrdiff_t count, ptrdiff_t ldp, ptrdiff_t xs);
/* U[36][K][C] = G w G^T for w [K][C][3][3]; with flip, for the input gradient: w is [C][K][3][3] and rotated. */
void st_wino43_weights(const float *w, float *U, ptrdiff_t K, ptrdiff_t C, int flip, ptrdiff_t xs);
/* dw [K][C][3][3] = G^T dU G for dU[36][K][C]. */
void st_wino43_weight_grad(const float *dU, float *dw, ptrdiff_t K, ptrdiff_t C, ptrdiff_t xs);

/* Direct stride-1 convolution (directconv.c): y[k] for output channels k0 <= k < k1 of one image,
   y [K][OH][OW] = sum over c, ky, kx of w[k][c][ky][kx] * x[c][oy + ky*dh][ox + kx*dw] (+ bias[k] when bias is not
   NULL), with x [C][H][W] already padded, OH = H - dh*(kh-1) and OW = W - dw*(kw-1). Returns 0 without computing
   anything when the CPU has no AVX-512 (the caller takes another path). */
int st_conv2d_direct_f32(const float *x, ptrdiff_t C, ptrdiff_t H, ptrdiff_t W, const float *w, ptrdiff_t kh,
                         ptrdiff_t kw, ptrdiff_t dh, ptrdiff_t dw, const float *bias, float *y, ptrdiff_t k0,
                         ptrdiff_t k1);
/* The weight gradient of the direct convolution, in two steps so that a batch's images add up in vector
   accumulators: st_conv2d_direct_weight_grad_f32 adds one image's contribution for output channels k0 <= k < k1
   (x [C][H][W] padded as for the forward, gy [K][OH][OW]) to acc, a zeroed scratch of
   st_conv2d_direct_weight_grad_scratch(K, C*kh*kw) floats; `layout` (NULL, or a scratch of
   st_conv2d_direct_weight_grad_layout_scratch(...) floats) lets it lay out rows narrower than a vector over the
   input's rows. st_conv2d_direct_weight_grad_finish then adds the accumulated sums to gw [K][C][kh][kw]. Both
   return 0 without AVX-512. */
size_t st_conv2d_direct_weight_grad_scratch(ptrdiff_t K, ptrdiff_t taps);
size_t st_conv2d_direct_weight_grad_layout_scratch(ptrdiff_t K, ptrdiff_t H, ptrdiff_t W, ptrdiff_t kh, ptrdiff_t kw,
                                                   ptrdiff_t dh, ptrdiff_t dw);
int st_conv2d_direct_weight_grad_f32(const float *x, ptrdiff_t C, ptrdiff_t H, ptrdiff_t W, const float *gy,
                                     ptrdiff_t kh, ptrdiff_t kw, ptrdiff_t dh, ptrdiff_t dw, float *acc, ptrdiff_t k0,
                                     ptrdiff_t k1, float *layout);
int st_conv2d_direct_weight_grad_finish(const float *acc, float *gw, ptrdiff_t taps, ptrdiff_t k0, ptrdiff_t k1);
/* out [planes][h + 2 pad_h][w + 2 pad_w]: the planes of x [planes][h][w] with zeros around them. */
void st_pad_planes_f32(const float *x, ptrdiff_t planes, ptrdiff_t h, ptrdiff_t w, ptrdiff_t pad_h, ptrdiff_t pad_w,
                       float *out);

/* A device backend's registrar, installed at load time by a backend's C shim (TorchCUDA's): TorchCore calls it the
   first time a tensor goes to a CUDA device with no backend registered. Returns 1 when a backend was registered. */
void st_set_device_registrar(int (*registrar)(void));
/* Calls the registrar; -1 when none was installed. */
int st_call_device_registrar(void);
/* Whether a registrar was installed. */
int st_has_device_registrar(void);

#endif
