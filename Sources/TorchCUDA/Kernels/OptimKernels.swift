import TorchCore

// MARK: - Optimizer kernels

/// Fused Adam/AdamW: one pass over a parameter updates it and both moments (the rule of ``AdamStep``), instead of
/// a dozen elementwise kernels per parameter and step.
enum OptimKernelSource: KernelProgram {
    static let name = "optim"
    static let entries = ["st_adam_f32", "st_adam_f64"]

    static let text = KernelPrelude.text + #"""
    template <typename T> __device__ void st_adam(T* __restrict__ p, const T* __restrict__ g, T* __restrict__ m, T* __restrict__ v, long long n,
                                                  double lr, double b1, double b2, double eps, double wd, int decoupled, int maximize,
                                                  double bias1, double bias2) {
        const T decay = (T)(1.0 - lr * wd), l2 = (T)wd, w1 = (T)(1.0 - b1), beta2 = (T)b2, w2 = (T)(1.0 - b2);
        const T root2 = (T)sqrt(bias2), e = (T)eps, rate = (T)(-lr / bias1);
        for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += (long long)blockDim.x * gridDim.x) {
            T gi = maximize ? -g[i] : g[i];
            T pi = p[i];
            if (wd != 0.0) { if (decoupled) pi = pi * decay; else gi = gi + pi * l2; }
            const T mi = m[i] + w1 * (gi - m[i]);
            const T vi = v[i] * beta2 + w2 * gi * gi;
            pi = pi + rate * mi / (sqrt(vi) / root2 + e);
            p[i] = pi; m[i] = mi; v[i] = vi;
        }
    }

    extern "C" __global__ void st_adam_f32(float* p, const float* g, float* m, float* v, long long n, double lr, double b1, double b2,
                                           double eps, double wd, int decoupled, int maximize, double bias1, double bias2) {
        st_adam<float>(p, g, m, v, n, lr, b1, b2, eps, wd, decoupled, maximize, bias1, bias2);
    }
    extern "C" __global__ void st_adam_f64(double* p, const double* g, double* m, double* v, long long n, double lr, double b1, double b2,
                                           double eps, double wd, int decoupled, int maximize, double bias1, double bias2) {
        st_adam<double>(p, g, m, v, n, lr, b1, b2, eps, wd, decoupled, maximize, bias1, bias2);
    }

    """#
}
