// MARK: - The prelude of every generated CUDA program

/// Helpers that generated kernels use: half and bfloat16 conversions (by PTX and bit operations, so no CUDA
/// header is needed and NVRTC runs anywhere), Swift's `min`/`max` semantics, NaN-propagating maximum/minimum,
/// Python's floor division and remainder, and the special cases of `pow` that the CPU kernels take.
enum KernelPrelude {
    /// The prelude's text.
    static let text = #"""
    // SwiftTorch generated CUDA code. Do not edit: see Sources/TorchCUDA/Kernels.
    typedef unsigned short st_half;
    typedef unsigned short st_bfloat16;
    __device__ __forceinline__ float st_h2f(st_half h) { float f; asm("cvt.f32.f16 %0, %1;" : "=f"(f) : "h"(h)); return f; }
    __device__ __forceinline__ st_half st_f2h(float f) { st_half h; asm("cvt.rn.f16.f32 %0, %1;" : "=h"(h) : "f"(f)); return h; }
    __device__ __forceinline__ float st_b2f(st_bfloat16 b) { return __uint_as_float(((unsigned int)b) << 16); }
    __device__ __forceinline__ st_bfloat16 st_f2b(float f) {
        unsigned int u = __float_as_uint(f);
        if ((u & 0x7fffffffu) > 0x7f800000u) return (st_bfloat16)((u >> 16) | 0x40u);
        u += 0x7fffu + ((u >> 16) & 1u);
        return (st_bfloat16)(u >> 16);
    }
    template <typename T> __device__ __forceinline__ T st_min(T x, T y) { return y < x ? y : x; }
    template <typename T> __device__ __forceinline__ T st_max(T x, T y) { return y >= x ? y : x; }
    template <typename T> __device__ __forceinline__ T st_nanmax(T a, T b) { return (a != a || b != b) ? a + b : st_max(a, b); }
    template <typename T> __device__ __forceinline__ T st_nanmin(T a, T b) { return (a != a || b != b) ? a + b : st_min(a, b); }
    template <typename T> __device__ __forceinline__ T st_floordiv(T a, T b) {
        T q = a / b;
        return (a % b != 0 && ((a < 0) != (b < 0))) ? (T)(q - 1) : q;
    }
    template <typename T> __device__ __forceinline__ T st_iremainder(T a, T b) {
        T r = a % b;
        return (r != 0 && ((r < 0) != (b < 0))) ? (T)(r + b) : r;
    }
    template <typename T> __device__ __forceinline__ T st_remainder(T a, T b) {
        T r = fmod(a, b);
        return (r != 0 && ((r < 0) != (b < 0))) ? r + b : r;
    }
    template <typename T> __device__ __forceinline__ T st_ipow(T a, T b) {
        T result = 1, base = a;
        while (b > 0) { if (b & 1) result = (T)(result * base); base = (T)(base * base); b >>= 1; }
        return result;
    }
    template <typename T> __device__ __forceinline__ T st_pow(T a, T b) {
        if (b == (T)2) return a * a;
        if (b == (T)1) return a;
        if (b == (T)0.5) return sqrt(a);
        if (b == (T)3) return a * a * a;
        if (b == (T)-1) return (T)1 / a;
        return pow(a, b);
    }
    struct st_geometry {
        long long size[8];
        long long stride[4][8];
        int ndim;
    };

    """#
}
