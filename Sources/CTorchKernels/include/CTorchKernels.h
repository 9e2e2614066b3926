#ifndef CTORCHKERNELS_H
#define CTORCHKERNELS_H
#include <stddef.h>
#include <stdint.h>

/* Vectorised float32 kernels for contiguous buffers. Each entry point picks an AVX-512, AVX2+FMA or portable
   implementation at run time (the library itself is built for the baseline target). */

/* y[i] = exp(x[i]) */
void st_exp_f32(const float *x, float *y, size_t n);
/* y[i] = 0.5 x (1 + erf(x / sqrt 2)) */
void st_gelu_f32(const float *x, float *y, size_t n);
/* y[i] = 1 / (1 + exp(-x[i])) */
void st_sigmoid_f32(const float *x, float *y, size_t n);
/* rows x cols, row-major: y = softmax(x) (log_softmax when log != 0) along each row */
void st_softmax_rows_f32(const float *x, float *y, size_t rows, size_t cols, int log);
/* y = a (op) b elementwise; op: 0 add, 1 sub, 2 mul, 3 div. a_step / b_step are 1 for arrays and 0 for a single
   broadcast element. */
void st_binary_f32(int op, const float *a, const float *b, float *y, size_t n, int a_step, int b_step);
/* rows × cols version of st_binary_f32: row r reads a + r*a_row, b + r*b_row and writes y + r*y_row. */
void st_binary_rows_f32(int op, const float *a, ptrdiff_t a_row, const float *b, ptrdiff_t b_row, float *y,
                        ptrdiff_t y_row, size_t rows, size_t cols, int a_step, int b_step);
/* y = max(x, 0) (NaN propagates) */
void st_relu_f32(const float *x, float *y, size_t n);
/* sum of n floats */
float st_sum_f32(const float *x, size_t n);
/* y[r] = sum of row r (rows x cols, row-major) */
void st_sum_rows_f32(const float *x, float *y, size_t rows, size_t cols);
/* per row: y = (x - mean) / sqrt(var + eps) * w + b (biased variance); w and b may be NULL */
void st_layernorm_rows_f32(const float *x, const float *w, const float *b, float *y, size_t rows, size_t cols, float eps);
/* Which implementation runs: "avx512", "avx2" or "portable". */
const char *st_kernel_isa(void);
/* Forces an implementation ("avx512", "avx2", "portable") on the calling thread, for testing; returns 0 if the
   CPU lacks it. */
int st_force_isa(const char *name);

/* 2x2 / stride-2 max pooling of one plane (rows of width w) to oh x ow, with PyTorch's rule (a larger value or a
   NaN takes over, scanning row by row); writes the values and, when idx is not NULL, the argmax as row*w + col. */
void st_maxpool2x2_f32(const float *plane, ptrdiff_t w, float *out, int64_t *idx, ptrdiff_t oh, ptrdiff_t ow);

#endif
