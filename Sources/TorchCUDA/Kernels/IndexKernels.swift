import TorchCore

// MARK: - Index kernels: gather and scatter

/// Gather and scatter along one dimension for strided tensors of up to 8 dimensions: one thread per position of
/// the iteration shape (the output for gather, the index for scatter), with the offsets of the three operands
/// computed from `st_geometry` (operand 0 the output/destination, 1 the source, 2 the index) and the indexed
/// dimension's offset taken from the index. Gather and plain scatter move elements by size; scatter-add
/// accumulates with `atomicAdd` (float32, float64, int32, int64).
enum IndexKernelSource: KernelProgram {
    static let name = "index"
    static let entries: [String] = [1, 2, 4, 8].flatMap { ["st_gather_b\($0)", "st_scatter_b\($0)"] }
        + ["f32", "f64", "i32", "i64"].map { "st_scatter_add_\($0)" }

    static let text = KernelPrelude.text + #"""
    // Offsets of operand k (0 output/destination, 1 source, 2 index) of linear position i; the indexed dimension is
    // left out of operand `skip` (whose offset along it comes from the index).
    __device__ __forceinline__ void st_offsets(long long i, const st_geometry& g, int skip, int dim, long long* o) {
        o[0] = 0; o[1] = 0; o[2] = 0;
        for (int d = g.ndim - 1; d >= 0; --d) {
            const long long idx = i % g.size[d]; i /= g.size[d];
            for (int k = 0; k < 3; ++k) if (!(k == skip && d == dim)) o[k] += idx * g.stride[k][d];
        }
    }

    template <typename T> __device__ void st_gather(T* out, const T* src, const long long* index, long long n, st_geometry g, int dim, long long dimStride) {
        for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += (long long)blockDim.x * gridDim.x) {
            long long o[3];
            st_offsets(i, g, 1, dim, o);
            out[o[0]] = src[o[1] + index[o[2]] * dimStride];
        }
    }

    template <typename T> __device__ void st_scatter(T* dst, const T* src, const long long* index, long long n, st_geometry g, int dim, long long dimStride) {
        for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += (long long)blockDim.x * gridDim.x) {
            long long o[3];
            st_offsets(i, g, 0, dim, o);
            dst[o[0] + index[o[2]] * dimStride] = src[o[1]];
        }
    }

    template <typename T, typename U> __device__ void st_scatter_add(T* dst, const T* src, const long long* index, long long n, st_geometry g, int dim, long long dimStride) {
        for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += (long long)blockDim.x * gridDim.x) {
            long long o[3];
            st_offsets(i, g, 0, dim, o);
            atomicAdd((U*)(dst + o[0] + index[o[2]] * dimStride), (U)src[o[1]]);
        }
    }

    #define ST_MOVE_KERNELS(T, B) \
    extern "C" __global__ void st_gather_b##B(T* out, const T* src, const long long* index, long long n, st_geometry g, int dim, long long dimStride) { st_gather<T>(out, src, index, n, g, dim, dimStride); } \
    extern "C" __global__ void st_scatter_b##B(T* dst, const T* src, const long long* index, long long n, st_geometry g, int dim, long long dimStride) { st_scatter<T>(dst, src, index, n, g, dim, dimStride); }
    ST_MOVE_KERNELS(unsigned char, 1)
    ST_MOVE_KERNELS(unsigned short, 2)
    ST_MOVE_KERNELS(unsigned int, 4)
    ST_MOVE_KERNELS(unsigned long long, 8)

    #define ST_ADD_KERNEL(T, U, TAG) \
    extern "C" __global__ void st_scatter_add_##TAG(T* dst, const T* src, const long long* index, long long n, st_geometry g, int dim, long long dimStride) { st_scatter_add<T, U>(dst, src, index, n, g, dim, dimStride); }
    ST_ADD_KERNEL(float, float, f32)
    ST_ADD_KERNEL(double, double, f64)
    ST_ADD_KERNEL(int, int, i32)
    ST_ADD_KERNEL(long long, unsigned long long, i64)

    """#
}
