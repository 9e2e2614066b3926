import TorchCore

// MARK: - Convolution and pooling kernels

/// `im2col` (one thread per column element, zero padding), `col2im` in gather form (one thread per image element
/// summing the column entries that read it, so no atomics and a deterministic order), and 2-D max pooling with
/// argmax indices (a larger value or a NaN takes over, as on the CPU). float32 and float64; the convolution itself
/// is the batched product of cuBLAS over these columns.
enum ConvKernelSource: KernelProgram {
    static let name = "conv"
    static let entries: [String] = ["f32", "f64"].flatMap { ["st_im2col_\($0)", "st_col2im_\($0)", "st_maxpool2d_\($0)"] }

    static let text = KernelPrelude.text + #"""
    struct st_window { long long n, c, h, w, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow; };

    template <typename T> __device__ void st_im2col(const T* __restrict__ x, T* __restrict__ cols, st_window g) {
        const long long l = g.oh * g.ow, rows = g.c * g.kh * g.kw, total = g.n * rows * l;
        for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < total; i += (long long)blockDim.x * gridDim.x) {
            const long long p = i % l, r = (i / l) % rows, b = i / (l * rows);
            const long long kj = r % g.kw, ki = (r / g.kw) % g.kh, ch = r / (g.kw * g.kh);
            const long long oy = p / g.ow, ox = p % g.ow;
            const long long iy = oy * g.sh - g.ph + ki * g.dh, ix = ox * g.sw - g.pw + kj * g.dw;
            cols[i] = (iy >= 0 && iy < g.h && ix >= 0 && ix < g.w) ? x[((b * g.c + ch) * g.h + iy) * g.w + ix] : (T)0;
        }
    }

    template <typename T> __device__ void st_col2im(const T* __restrict__ cols, T* __restrict__ x, st_window g) {
        const long long l = g.oh * g.ow, rows = g.c * g.kh * g.kw, total = g.n * g.c * g.h * g.w;
        for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < total; i += (long long)blockDim.x * gridDim.x) {
            const long long ix = i % g.w, iy = (i / g.w) % g.h, ch = (i / (g.w * g.h)) % g.c, b = i / (g.w * g.h * g.c);
            T acc = 0;
            for (long long ki = 0; ki < g.kh; ++ki) {
                const long long ty = iy + g.ph - ki * g.dh;
                if (ty < 0 || ty % g.sh != 0) continue;
                const long long oy = ty / g.sh;
                if (oy >= g.oh) continue;
                for (long long kj = 0; kj < g.kw; ++kj) {
                    const long long tx = ix + g.pw - kj * g.dw;
                    if (tx < 0 || tx % g.sw != 0) continue;
                    const long long ox = tx / g.sw;
                    if (ox >= g.ow) continue;
                    acc += cols[(b * rows + (ch * g.kh + ki) * g.kw + kj) * l + oy * g.ow + ox];
                }
            }
            x[i] = acc;
        }
    }

    template <typename T> __device__ void st_maxpool2d(const T* __restrict__ x, T* __restrict__ out, long long* __restrict__ indices, st_window g) {
        const long long total = g.n * g.c * g.oh * g.ow;
        for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < total; i += (long long)blockDim.x * gridDim.x) {
            const long long ox = i % g.ow, oy = (i / g.ow) % g.oh, plane = i / (g.ow * g.oh);
            const T* src = x + plane * g.h * g.w;
            T best = 0;
            long long at = -1;
            for (long long ki = 0; ki < g.kh; ++ki) {
                const long long iy = oy * g.sh - g.ph + ki * g.dh;
                if (iy < 0 || iy >= g.h) continue;
                for (long long kj = 0; kj < g.kw; ++kj) {
                    const long long ix = ox * g.sw - g.pw + kj * g.dw;
                    if (ix < 0 || ix >= g.w) continue;
                    const T v = src[iy * g.w + ix];
                    if (at < 0 || v > best || v != v) { best = v; at = iy * g.w + ix; }
                }
            }
            out[i] = best;
            if (indices) indices[i] = at;
        }
    }

    #define ST_CONV_KERNELS(T, TAG) \
    extern "C" __global__ void st_im2col_##TAG(const T* x, T* cols, st_window g) { st_im2col<T>(x, cols, g); } \
    extern "C" __global__ void st_col2im_##TAG(const T* cols, T* x, st_window g) { st_col2im<T>(cols, x, g); } \
    extern "C" __global__ void st_maxpool2d_##TAG(const T* x, T* out, long long* indices, st_window g) { st_maxpool2d<T>(x, out, indices, g); }
    ST_CONV_KERNELS(float, f32)
    ST_CONV_KERNELS(double, f64)

    """#
}
