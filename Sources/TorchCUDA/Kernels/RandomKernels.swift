import TorchCore

// MARK: - Random kernels: Philox4x32-10

/// Device random fills: element `i` from Philox4x32-10 with counter `i` and the fill's key, turned into a uniform
/// or normal value exactly as TorchCore's host `Philox` does (see "Note (device random numbers)").
enum RandomKernelSource: KernelProgram {
    static let name = "random"
    static let entries = ["st_random_f32", "st_random_f64"]

    static let text = KernelPrelude.text + #"""
    __device__ __forceinline__ void st_philox(unsigned long long counter, unsigned long long key, unsigned int* w) {
        unsigned int c0 = (unsigned int)counter, c1 = (unsigned int)(counter >> 32), c2 = 0, c3 = 0;
        unsigned int k0 = (unsigned int)key, k1 = (unsigned int)(key >> 32);
        for (int round = 0; round < 10; ++round) {
            if (round > 0) { k0 += 0x9E3779B9u; k1 += 0xBB67AE85u; }
            const unsigned long long p0 = (unsigned long long)0xD2511F53u * c0, p1 = (unsigned long long)0xCD9E8D57u * c2;
            const unsigned int hi0 = (unsigned int)(p0 >> 32), lo0 = (unsigned int)p0;
            const unsigned int hi1 = (unsigned int)(p1 >> 32), lo1 = (unsigned int)p1;
            const unsigned int n0 = hi1 ^ c1 ^ k0, n2 = hi0 ^ c3 ^ k1;
            c0 = n0; c1 = lo1; c2 = n2; c3 = lo0;
        }
        w[0] = c0; w[1] = c1; w[2] = c2; w[3] = c3;
    }

    __device__ __forceinline__ double st_unit(unsigned int a, unsigned int b) {
        return (double)(((((unsigned long long)a) << 32) | b) >> 11) * (1.0 / 9007199254740992.0);
    }

    // normal == 0: uniform in [p0, p1); normal == 1: mean p0, standard deviation p1.
    template <typename T> __device__ void st_random(T* __restrict__ out, long long n, unsigned long long key, int normal, double p0, double p1) {
        for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += (long long)blockDim.x * gridDim.x) {
            unsigned int w[4];
            st_philox((unsigned long long)i, key, w);
            double v;
            if (normal) {
                const double u1 = 1.0 - st_unit(w[0], w[1]), u2 = st_unit(w[2], w[3]);
                v = p0 + p1 * (sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2));
            } else {
                v = p0 + st_unit(w[0], w[1]) * (p1 - p0);
            }
            out[i] = (T)v;
        }
    }

    extern "C" __global__ void st_random_f32(float* out, long long n, unsigned long long key, int normal, double p0, double p1) { st_random<float>(out, n, key, normal, p0, p1); }
    extern "C" __global__ void st_random_f64(double* out, long long n, unsigned long long key, int normal, double p0, double p1) { st_random<double>(out, n, key, normal, p0, p1); }

    """#
}
