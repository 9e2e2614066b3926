import Synchronization
import TorchCore

// MARK: - Row kernels: reductions, softmax, layerNorm

/// Hand-written kernels over the rows of a dense `[rows, n]` tensor, one thread block (256 threads) per row with
/// a grid-stride loop over rows: sums (float32 in float, float64 in double, int64 in 64-bit integers), NaN-propagating
/// max/min, softmax/logSoftmax (max, then the sum of exponentials, then the outputs) and layer normalisation
/// (two passes for the mean and the biased variance). Compiled once per device by NVRTC.
enum RowKernelSource: KernelProgram {
    static let name = "rows"
    /// The entry points, `st_<kernel>_<dtype>`.
    static let entries: [String] = ["f32", "f64"].flatMap { t in
        ["st_rowsum_\(t)", "st_rowmax_\(t)", "st_rowmin_\(t)", "st_rowprod_\(t)", "st_rowargmax_\(t)", "st_rowargmin_\(t)",
         "st_softmax_\(t)", "st_layernorm_\(t)"]
    } + ["st_rowsum_i64", "st_rowprod_i64", "st_scan_f64", "st_scan_i64", "st_argsort_f64"]

    /// The longest row ``st_argsort_f64`` sorts (in shared memory: 2048 doubles and 2048 ints).
    static let maxSortLength = 2048

    /// The program: the elementwise prelude, block-reduction helpers and the kernels.
    static let text = KernelPrelude.text + #"""
    struct st_op_sum { template <typename T> __device__ __forceinline__ T operator()(T a, T b) const { return a + b; } };
    struct st_op_prod { template <typename T> __device__ __forceinline__ T operator()(T a, T b) const { return a * b; } };
    struct st_op_max { template <typename T> __device__ __forceinline__ T operator()(T a, T b) const { return st_nanmax(a, b); } };
    struct st_op_min { template <typename T> __device__ __forceinline__ T operator()(T a, T b) const { return st_nanmin(a, b); } };
    template <typename T> __device__ __forceinline__ T st_infinity();
    template <> __device__ __forceinline__ float st_infinity<float>() { return __int_as_float(0x7f800000); }
    template <> __device__ __forceinline__ double st_infinity<double>() { return __longlong_as_double(0x7ff0000000000000LL); }

    // Reduces one value per thread over the block (blockDim.x a multiple of 32, at most 1024); every thread gets
    // the result. `identity` fills the lanes of the second stage that have no warp behind them.
    template <typename T, typename Op> __device__ T st_block_reduce(T v, Op op, T identity) {
        // A one-thread block (the host emulation of the tests) has nothing to combine.
        if (blockDim.x == 1) return v;
        __shared__ __align__(8) unsigned char raw[32 * sizeof(double)];
        T* shared = reinterpret_cast<T*>(raw);
        const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = blockDim.x >> 5;
        for (int o = 16; o > 0; o >>= 1) v = op(v, __shfl_down_sync(0xffffffffu, v, o));
        if (lane == 0) shared[warp] = v;
        __syncthreads();
        if (warp == 0) {
            v = lane < warps ? shared[lane] : identity;
            for (int o = 16; o > 0; o >>= 1) v = op(v, __shfl_down_sync(0xffffffffu, v, o));
            if (lane == 0) shared[0] = v;
        }
        __syncthreads();
        v = shared[0];
        __syncthreads();
        return v;
    }

    template <typename T, typename A> __device__ void st_rowsum(const T* __restrict__ x, T* __restrict__ out, long long rows, long long n) {
        for (long long r = blockIdx.x; r < rows; r += gridDim.x) {
            const T* row = x + r * n;
            A acc = 0;
            for (long long i = threadIdx.x; i < n; i += blockDim.x) acc += (A)row[i];
            acc = st_block_reduce(acc, st_op_sum(), (A)0);
            if (threadIdx.x == 0) out[r] = (T)acc;
        }
    }

    template <typename T, typename A> __device__ void st_rowprod(const T* __restrict__ x, T* __restrict__ out, long long rows, long long n) {
        for (long long r = blockIdx.x; r < rows; r += gridDim.x) {
            const T* row = x + r * n;
            A acc = 1;
            for (long long i = threadIdx.x; i < n; i += blockDim.x) acc = (A)(acc * (A)row[i]);
            acc = st_block_reduce(acc, st_op_prod(), (A)1);
            if (threadIdx.x == 0) out[r] = (T)acc;
        }
    }

    // (value, index) pairs for argmax/argmin: the first NaN wins, then the extreme value, then the lower index.
    template <typename T> __device__ __forceinline__ bool st_arg_takes(T v, long long i, T bv, long long bi, bool largest) {
        const bool vn = v != v, bn = bv != bv;
        if (vn || bn) return vn && (!bn || i < bi);
        if (v == bv) return i < bi;
        return largest ? v > bv : v < bv;
    }

    template <typename T> __device__ void st_rowargextreme(const T* __restrict__ x, long long* __restrict__ out, long long rows, long long n, bool largest) {
        __shared__ __align__(8) unsigned char rawv[32 * sizeof(double)];
        __shared__ long long sharedi[32];
        T* sharedv = reinterpret_cast<T*>(rawv);
        const long long none = 0x7fffffffffffffffLL;
        for (long long r = blockIdx.x; r < rows; r += gridDim.x) {
            const T* row = x + r * n;
            T bv = largest ? -st_infinity<T>() : st_infinity<T>();
            long long bi = none;
            for (long long i = threadIdx.x; i < n; i += blockDim.x) {
                if (st_arg_takes(row[i], i, bv, bi, largest)) { bv = row[i]; bi = i; }
            }
            if (blockDim.x > 1) {
                const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = blockDim.x >> 5;
                for (int o = 16; o > 0; o >>= 1) {
                    const T ov = __shfl_down_sync(0xffffffffu, bv, o);
                    const long long oi = __shfl_down_sync(0xffffffffu, bi, o);
                    if (st_arg_takes(ov, oi, bv, bi, largest)) { bv = ov; bi = oi; }
                }
                if (lane == 0) { sharedv[warp] = bv; sharedi[warp] = bi; }
                __syncthreads();
                if (warp == 0) {
                    bv = lane < warps ? sharedv[lane] : (largest ? -st_infinity<T>() : st_infinity<T>());
                    bi = lane < warps ? sharedi[lane] : none;
                    for (int o = 16; o > 0; o >>= 1) {
                        const T ov = __shfl_down_sync(0xffffffffu, bv, o);
                        const long long oi = __shfl_down_sync(0xffffffffu, bi, o);
                        if (st_arg_takes(ov, oi, bv, bi, largest)) { bv = ov; bi = oi; }
                    }
                }
                __syncthreads();
            }
            // A row of only ±infinity equal to the start value keeps index 0, as on the CPU.
            if (threadIdx.x == 0) out[r] = bi == none ? 0 : bi;
        }
    }

    // One thread per row: a sequential running sum or product (float64 or int64, as TorchCore computes them).
    template <typename T> __device__ void st_scan(const T* __restrict__ x, T* __restrict__ out, long long rows, long long n, int product) {
        for (long long r = (long long)blockIdx.x * blockDim.x + threadIdx.x; r < rows; r += (long long)blockDim.x * gridDim.x) {
            const T* row = x + r * n;
            T* dst = out + r * n;
            T acc = product ? (T)1 : (T)0;
            for (long long i = 0; i < n; ++i) { acc = product ? (T)(acc * row[i]) : (T)(acc + row[i]); dst[i] = acc; }
        }
    }

    // Whether element (ka, ia) goes before (kb, ib) in a row of n: padding (index ≥ n) last, NaN largest, ties by
    // index (a stable sort).
    __device__ __forceinline__ bool st_sort_before(double ka, int ia, double kb, int ib, long long n, int descending) {
        if (ia >= n) return false;
        if (ib >= n) return true;
        const bool an = ka != ka, bn = kb != kb;
        if (an || bn) { if (an && bn) return ia < ib; return descending ? an : bn; }
        if (ka == kb) return ia < ib;
        return descending ? ka > kb : ka < kb;
    }

    // One block per row: a bitonic sort of (value, index) pairs in shared memory, padded to a power of two.
    extern "C" __global__ void st_argsort_f64(const double* __restrict__ x, long long* __restrict__ out, long long rows, long long n, int descending) {
        __shared__ double keys[2048];
        __shared__ int idx[2048];
        int p = 1;
        while (p < n) p <<= 1;
        for (long long r = blockIdx.x; r < rows; r += gridDim.x) {
            const double* row = x + r * n;
            for (int t = threadIdx.x; t < p; t += blockDim.x) { keys[t] = t < n ? row[t] : 0.0; idx[t] = t; }
            __syncthreads();
            for (int k = 2; k <= p; k <<= 1) {
                for (int j = k >> 1; j > 0; j >>= 1) {
                    for (int t = threadIdx.x; t < p; t += blockDim.x) {
                        const int u = t ^ j;
                        if (u > t) {
                            const bool up = (t & k) == 0;
                            const bool swap = up ? st_sort_before(keys[u], idx[u], keys[t], idx[t], n, descending)
                                                 : st_sort_before(keys[t], idx[t], keys[u], idx[u], n, descending);
                            if (swap) {
                                const double kt = keys[t]; keys[t] = keys[u]; keys[u] = kt;
                                const int it = idx[t]; idx[t] = idx[u]; idx[u] = it;
                            }
                        }
                    }
                    __syncthreads();
                }
            }
            for (int t = threadIdx.x; t < n; t += blockDim.x) out[r * n + t] = idx[t];
            __syncthreads();
        }
    }

    template <typename T, typename Op> __device__ void st_rowextreme(const T* __restrict__ x, T* __restrict__ out, long long rows, long long n, Op op, T identity) {
        for (long long r = blockIdx.x; r < rows; r += gridDim.x) {
            const T* row = x + r * n;
            T acc = identity;
            for (long long i = threadIdx.x; i < n; i += blockDim.x) acc = op(acc, row[i]);
            acc = st_block_reduce(acc, op, identity);
            if (threadIdx.x == 0) out[r] = acc;
        }
    }

    template <typename T> __device__ void st_softmax(const T* __restrict__ x, T* __restrict__ out, long long rows, long long n, int logarithm) {
        for (long long r = blockIdx.x; r < rows; r += gridDim.x) {
            const T* row = x + r * n;
            T* dst = out + r * n;
            T m = -st_infinity<T>();
            for (long long i = threadIdx.x; i < n; i += blockDim.x) m = st_nanmax(m, row[i]);
            m = st_block_reduce(m, st_op_max(), -st_infinity<T>());
            T s = 0;
            for (long long i = threadIdx.x; i < n; i += blockDim.x) s += exp(row[i] - m);
            s = st_block_reduce(s, st_op_sum(), (T)0);
            if (logarithm) {
                const T shift = m + log(s);
                for (long long i = threadIdx.x; i < n; i += blockDim.x) dst[i] = row[i] - shift;
            } else {
                for (long long i = threadIdx.x; i < n; i += blockDim.x) dst[i] = exp(row[i] - m) / s;
            }
        }
    }

    template <typename T> __device__ void st_layernorm(const T* __restrict__ x, const T* __restrict__ w, const T* __restrict__ b,
                                                       T* __restrict__ out, long long rows, long long n, T eps) {
        for (long long r = blockIdx.x; r < rows; r += gridDim.x) {
            const T* row = x + r * n;
            T* dst = out + r * n;
            T s = 0;
            for (long long i = threadIdx.x; i < n; i += blockDim.x) s += row[i];
            const T mean = st_block_reduce(s, st_op_sum(), (T)0) / (T)n;
            T q = 0;
            for (long long i = threadIdx.x; i < n; i += blockDim.x) { const T d = row[i] - mean; q += d * d; }
            const T rstd = (T)1 / sqrt(st_block_reduce(q, st_op_sum(), (T)0) / (T)n + eps);
            for (long long i = threadIdx.x; i < n; i += blockDim.x) {
                T y = (row[i] - mean) * rstd;
                if (w) y *= w[i];
                if (b) y += b[i];
                dst[i] = y;
            }
        }
    }

    #define ST_ROW_KERNELS(T, TAG) \
    extern "C" __global__ void st_rowsum_##TAG(const T* x, T* out, long long rows, long long n) { st_rowsum<T, T>(x, out, rows, n); } \
    extern "C" __global__ void st_rowmax_##TAG(const T* x, T* out, long long rows, long long n) { st_rowextreme(x, out, rows, n, st_op_max(), -st_infinity<T>()); } \
    extern "C" __global__ void st_rowmin_##TAG(const T* x, T* out, long long rows, long long n) { st_rowextreme(x, out, rows, n, st_op_min(), st_infinity<T>()); } \
    extern "C" __global__ void st_rowprod_##TAG(const T* x, T* out, long long rows, long long n) { st_rowprod<T, T>(x, out, rows, n); } \
    extern "C" __global__ void st_rowargmax_##TAG(const T* x, long long* out, long long rows, long long n) { st_rowargextreme<T>(x, out, rows, n, true); } \
    extern "C" __global__ void st_rowargmin_##TAG(const T* x, long long* out, long long rows, long long n) { st_rowargextreme<T>(x, out, rows, n, false); } \
    extern "C" __global__ void st_softmax_##TAG(const T* x, T* out, long long rows, long long n, int logarithm) { st_softmax<T>(x, out, rows, n, logarithm); } \
    extern "C" __global__ void st_layernorm_##TAG(const T* x, const T* w, const T* b, T* out, long long rows, long long n, double eps) { st_layernorm<T>(x, w, b, out, rows, n, (T)eps); }
    ST_ROW_KERNELS(float, f32)
    ST_ROW_KERNELS(double, f64)
    extern "C" __global__ void st_rowsum_i64(const long long* x, long long* out, long long rows, long long n) { st_rowsum<long long, long long>(x, out, rows, n); }
    extern "C" __global__ void st_rowprod_i64(const long long* x, long long* out, long long rows, long long n) { st_rowprod<long long, unsigned long long>(x, out, rows, n); }
    extern "C" __global__ void st_scan_f64(const double* x, double* out, long long rows, long long n, int product) { st_scan<double>(x, out, rows, n, product); }
    extern "C" __global__ void st_scan_i64(const long long* x, long long* out, long long rows, long long n, int product) { st_scan<long long>(x, out, rows, n, product); }

    """#
}

/// The loaded kernels of one program on one device, by entry name.
struct NamedKernels: @unchecked Sendable {
    let module: DriverAPI.Handle?
    let functions: [String: DriverAPI.Handle]
}

/// One argument of a kernel launch, passed by value.
enum KernelArgument {
    case address(UInt64)
    case int64(Int64)
    case int32(Int32)
    case double(Double)
    /// A struct of 64-bit fields (`st_geometry`, `st_window`), passed whole.
    case words([Int64])

    /// The argument's bytes as 64-bit words (a scalar in the low bytes of one word, as the driver reads it).
    var words: [UInt64] {
        switch self {
        case .address(let v): return [v]
        case .int64(let v): return [UInt64(bitPattern: v)]
        case .int32(let v): return [UInt64(UInt32(bitPattern: v))]
        case .double(let v): return [v.bitPattern]
        case .words(let w): return w.map { UInt64(bitPattern: $0) }
        }
    }
}

/// A hand-written CUDA program: its name, source and entry points.
protocol KernelProgram {
    /// A short name (`rows`), also the cache key.
    static var name: String { get }
    /// The CUDA source.
    static var text: String { get }
    /// The `extern "C"` kernels it defines.
    static var entries: [String] { get }
}

extension CUDADevice {
    /// The kernel `entry` of `program`, which is compiled by NVRTC and loaded on first use.
    /// - Parameters:
    ///   - entry: the kernel's name.
    ///   - program: the program that defines it.
    func kernel<P: KernelProgram>(_ entry: String, in program: P.Type) throws(CUDAError) -> DriverAPI.Handle {
        if let k = namedKernels.withLock({ $0[P.name] })?.functions[entry] { return k }
        let compiler = try CUDA.nvrtc()
        let image = try compiler.compile(P.text, name: P.name + ".cu", target: compiler.target(forDevice: computeCapability))
        try makeCurrent()
        var module: DriverAPI.Handle?
        let code = image.withUnsafeBytes { api.cuModuleLoadData(&module, $0.baseAddress) }
        try api.check(code, "cuModuleLoadData(\(P.name) kernels)")
        var functions: [String: DriverAPI.Handle] = [:]
        for name in P.entries {
            var f: DriverAPI.Handle?
            try api.check(api.cuModuleGetFunction(&f, module, name), "cuModuleGetFunction(\(name))")
            functions[name] = f
        }
        let loaded = NamedKernels(module: module, functions: functions)
        namedKernels.withLock { $0[P.name] = loaded }
        guard let k = functions[entry] else { preconditionFailure("kernel \(entry) is not in the \(P.name) program") }
        return k
    }

    /// Launches `function` with `blocks` × `threads` on the default stream.
    /// - Parameters:
    ///   - function: the kernel.
    ///   - name: its name, for errors.
    ///   - blocks: the grid size.
    ///   - threads: the block size.
    ///   - arguments: the kernel's parameters in order.
    func launch(_ function: DriverAPI.Handle, name: String, blocks: Int, threads: Int, arguments: [KernelArgument]) throws(CUDAError) {
        try makeCurrent()
        // All arguments in one buffer, each from its own 8-byte word; the driver reads each parameter's size from
        // the kernel.
        let parts = arguments.map(\.words)
        var buffer = parts.flatMap { $0 }
        let code: Int32 = buffer.withUnsafeMutableBufferPointer { buf in
            var start = 0
            var pointers: [UnsafeMutableRawPointer?] = parts.map { part in
                defer { start += part.count }
                return UnsafeMutableRawPointer(buf.baseAddress! + start)
            }
            return pointers.withUnsafeMutableBufferPointer { p in
                api.cuLaunchKernel(function, UInt32(max(blocks, 1)), 1, 1, UInt32(threads), 1, 1, 0, CUDA.currentStreamHandle, p.baseAddress, nil)
            }
        }
        try api.check(code, "cuLaunchKernel(\(name), \(blocks) blocks)")
    }
}
