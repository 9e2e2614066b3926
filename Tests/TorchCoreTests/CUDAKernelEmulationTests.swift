#if canImport(Glibc)
import Glibc
#endif
import Testing
@testable import TorchCUDA
import TorchCore
import TorchOptim
import _TestSupport

/// The hand-written and generated CUDA kernels compiled for the host by clang++ with a small shim (one-thread
/// blocks, so every grid-stride loop visits every element in turn), run on small inputs and compared with
/// TorchCore's CPU ops. This checks their index arithmetic — im2col/col2im, pooling windows, gather/scatter
/// offsets, broadcast strides, row reductions — on machines without a GPU; the GPU self-test checks them on
/// the device.
@Suite struct CUDAKernelEmulationTests {
    static let compiler: String? = ["/usr/bin/clang++", "/opt/swift/usr/bin/clang++", "/usr/bin/g++"].first { access($0, X_OK) == 0 }

    /// Host definitions of the CUDA built-ins the kernels use.
    static let shim = #"""
    #include <cstdio>
    #include <cmath>
    #include <cstring>
    #include <cstdlib>
    using std::exp; using std::log; using std::sqrt; using std::fmod; using std::pow; using std::tanh; using std::erf;
    #define __global__
    #define __device__
    #define __forceinline__ inline
    #define __restrict__ __restrict
    #define __shared__ static
    #define __align__(n) __attribute__((aligned(n)))
    #define asm(...)
    struct st_dim { unsigned int x; };
    static st_dim blockIdx = {0}, threadIdx = {0}, blockDim = {1}, gridDim = {1};
    inline void __syncthreads() {}
    template <typename T> inline T __shfl_down_sync(unsigned, T v, int) { return v; }
    inline float __int_as_float(int i) { float f; memcpy(&f, &i, 4); return f; }
    inline float __uint_as_float(unsigned u) { float f; memcpy(&f, &u, 4); return f; }
    inline unsigned __float_as_uint(float f) { unsigned u; memcpy(&u, &f, 4); return u; }
    inline double __longlong_as_double(long long i) { double d; memcpy(&d, &i, 8); return d; }
    template <typename T> inline T atomicAdd(T* p, T v) { T old = *p; *p += v; return old; }

    """#

    /// Compiles `source` + `main` and returns the numbers the program prints.
    func emulate(_ source: String, main: String) throws -> [Double] {
        let compiler = try #require(Self.compiler)
        let dir = temporaryFolder("swifttorch-emulation")
        let cpp = dir + "/k.cpp", exe = dir + "/k", out = dir + "/out.txt", log = dir + "/log.txt"
        try writeFile(cpp, Self.shim + source + "\nint main() {\n" + main + "\nreturn 0;\n}\n")
        let rc = system("\(compiler) -std=c++17 -O1 -w -o \(exe) \(cpp) > \(log) 2>&1 && \(exe) > \(out)")
        #expect(rc == 0, "compile or run failed: \(readFile(log))")
        return readFile(out).split(separator: "\n").compactMap { Double(String($0)) }
    }

    func writeFile(_ path: String, _ text: String) throws {
        let f = try #require(fopen(path, "w"))
        fputs(text, f)
        fclose(f)
    }

    func readFile(_ path: String) -> String {
        guard let f = fopen(path, "r") else { return "" }
        defer { fclose(f) }
        var bytes: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 65_536)
        while true {
            let n = fread(&buf, 1, buf.count, f)
            if n <= 0 { break }
            bytes += buf[0..<n]
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// A C array initialiser of a tensor's values in memory order (its storage from the offset, `count` elements).
    func array(_ name: String, _ type: String, _ values: [Double]) -> String {
        "static \(type) \(name)[] = {" + values.map { v -> String in
            if v.isNaN { return "NAN" }
            if v.isInfinite { return v > 0 ? "INFINITY" : "-INFINITY" }
            return type == "double" || type == "float" ? "\(v)" : "\(Int64(v))"
        }.joined(separator: ", ") + "};\n"
    }

    func printArray(_ name: String, _ count: Int) -> String {
        "for (int i = 0; i < \(count); ++i) printf(\"%.17g\\n\", (double)\(name)[i]);\n"
    }

    func geometry(_ name: String, shape: [Int], strides: [[Int]]) -> String {
        var s = "st_geometry \(name); memset(&\(name), 0, sizeof(\(name))); \(name).ndim = \(shape.count);\n"
        for (d, v) in shape.enumerated() { s += "\(name).size[\(d)] = \(v);\n" }
        for (k, st) in strides.enumerated() { for (d, v) in st.enumerated() { s += "\(name).stride[\(k)][\(d)] = \(v);\n" } }
        return s
    }

    func expectClose(_ got: [Double], _ expected: Tensor, _ what: String, tol: Double = 1e-12) {
        let e = expected.to(.float64).contiguous().toArray(of: Double.self)
        #expect(got.count == e.count, "\(what): \(got.count) values, expected \(e.count)")
        for (i, (a, b)) in zip(got, e).enumerated() where !(a.isNaN && b.isNaN) && abs(a - b) > tol * max(1, abs(b)) {
            Issue.record("\(what): element \(i) is \(a), expected \(b)")
            return
        }
    }

    static let window = Window2d(kernel: (3, 2), dilation: (1, 2), padding: (1, 1), stride: (2, 1))

    func windowStruct(_ shape: [Int], _ w: Window2d, oh: Int, ow: Int) -> String {
        let f = [shape[0], shape[1], shape[2], shape[3], w.kernel.0, w.kernel.1, w.stride.0, w.stride.1, w.padding.0, w.padding.1,
                 w.dilation.0, w.dilation.1, oh, ow]
        return "st_window g = {" + f.map(String.init).joined(separator: ", ") + "};\n"
    }

    @Test(.enabled(if: compiler != nil, "no host C++ compiler")) func convKernelsMatchTheCPU() throws {
        let x = Tensor.randn([2, 3, 5, 6], dtype: .float64, generator: Generator(seed: 31))
        let w = Self.window
        let (oh, ow) = w.outputSize(5, 6)
        let cols = x.im2col(w)
        let grad = Tensor.randn(cols.shape, dtype: .float64, generator: Generator(seed: 32))
        var xs = x.toArray(of: Double.self)
        xs[7] = .nan
        let xn = Tensor(xs, shape: x.shape)
        let pool = Window2d(kernel: (2, 3), padding: (1, 1), stride: (2, 2))
        let pooled = xn.maxPool2dWithIndices((2, 3), stride: (2, 2), padding: (1, 1))
        let (ph, pw) = (pooled.values.shape[2], pooled.values.shape[3])
        let main = array("x", "double", x.toArray(of: Double.self)) + array("xn", "double", xs)
            + array("cols", "double", grad.toArray(of: Double.self))
            + "static double outc[\(cols.count)]; static double outx[\(x.count)]; static double outp[\(pooled.values.count)]; static long long idx[\(pooled.values.count)];\n"
            + "{ " + windowStruct(x.shape, w, oh: oh, ow: ow) + "st_im2col_f64(x, outc, g); st_col2im_f64(cols, outx, g); }\n"
            + "{ " + windowStruct(x.shape, pool, oh: ph, ow: pw) + "st_maxpool2d_f64(xn, outp, idx, g); }\n"
            + printArray("outc", cols.count) + printArray("outx", x.count) + printArray("outp", pooled.values.count) + printArray("idx", pooled.values.count)
        let r = try emulate(ConvKernelSource.text, main: main)
        guard r.count == cols.count + x.count + 2 * pooled.values.count else { Issue.record("got \(r.count) values"); return }
        expectClose(Array(r[0..<cols.count]), cols, "im2col")
        expectClose(Array(r[cols.count..<(cols.count + x.count)]), grad.col2im(x.shape, w), "col2im")
        let p0 = cols.count + x.count, m = pooled.values.count
        expectClose(Array(r[p0..<(p0 + m)]), pooled.values, "maxPool2d values")
        expectClose(Array(r[(p0 + m)...]), pooled.indices, "maxPool2d indices")
    }

    @Test(.enabled(if: compiler != nil, "no host C++ compiler")) func indexKernelsMatchTheCPU() throws {
        let g = Generator(seed: 33)
        // gather along dim 1 from a transposed (strided) source.
        let base = Tensor.randn([4, 3], dtype: .float64, generator: g)
        let src = base.t()  // [3, 4], strides [1, 3]
        let index = Tensor([Int64(0), 3, 1, 1, 2, 2], shape: [3, 2])
        let gathered = src.gather(1, index)
        // scatter-add along dim 0 with repeated targets, and a plain scatter.
        let values = Tensor.randn([2, 4], dtype: .float64, generator: g)
        let sindex = Tensor([Int64(0), 2, 1, 0, 0, 2, 1, 0], shape: [2, 4])
        let dst = Tensor.randn([3, 4], dtype: .float64, generator: g)
        let added = dst.scatterAdd(0, sindex, values)
        let replaced = dst.scatter(0, Tensor([Int64(0), 2, 1, 0, 1, 0, 2, 2], shape: [2, 4]), values)
        let main = array("b", "double", base.toArray(of: Double.self)) + array("ix", "long long", index.toArray(of: Double.self))
            + array("v", "double", values.toArray(of: Double.self)) + array("six", "long long", sindex.toArray(of: Double.self))
            + array("rix", "long long", [0, 2, 1, 0, 1, 0, 2, 2]) + array("d1", "double", dst.toArray(of: Double.self))
            + array("d2", "double", dst.toArray(of: Double.self)) + "static double out[6];\n"
            + "{ " + geometry("g", shape: [3, 2], strides: [[2, 1], [1, 3], [2, 1]])
            + "st_gather_b8((unsigned long long*)out, (const unsigned long long*)b, ix, 6, g, 1, 3); }\n"
            + "{ " + geometry("g", shape: [2, 4], strides: [[4, 1], [4, 1], [4, 1]])
            + "st_scatter_add_f64(d1, v, six, 8, g, 0, 4); st_scatter_b8((unsigned long long*)d2, (const unsigned long long*)v, rix, 8, g, 0, 4); }\n"
            + printArray("out", 6) + printArray("d1", 12) + printArray("d2", 12)
        let r = try emulate(IndexKernelSource.text, main: main)
        guard r.count == 30 else { Issue.record("got \(r.count) values"); return }
        expectClose(Array(r[0..<6]), gathered, "gather")
        expectClose(Array(r[6..<18]), added, "scatterAdd")
        expectClose(Array(r[18..<30]), replaced, "scatter")
    }

    @Test(.enabled(if: compiler != nil, "no host C++ compiler")) func rowKernelsMatchTheCPU() throws {
        let x = Tensor.randn([3, 7], dtype: .float64, generator: Generator(seed: 34))
        let w = Tensor.randn([7], dtype: .float64, generator: Generator(seed: 35)), b = Tensor.randn([7], dtype: .float64, generator: Generator(seed: 36))
        var xs = x.toArray(of: Double.self)
        xs[9] = .nan  // row 1 propagates NaN through max and min
        xs[17] = xs[15]  // row 2: a tie
        xs[19] = xs[15]
        let xn = Tensor(xs, shape: [3, 7])
        let ints = Tensor([Int64(3), -2, 5, 1, 0, 7, -4, 2, 2, 1, -1, 3], shape: [3, 4])
        let main = array("x", "double", x.toArray(of: Double.self)) + array("xn", "double", xs)
            + array("w", "double", w.toArray(of: Double.self)) + array("b", "double", b.toArray(of: Double.self))
            + array("ints", "long long", ints.toArray(of: Double.self))
            + "static double s[3], mx[3], mn[3], sm[21], lsm[21], ln[21], pr[3], cs[21], cp[21]; static long long am[3], an[3], ip[3], ics[12];\n"
            + "st_rowsum_f64(x, s, 3, 7); st_rowmax_f64(xn, mx, 3, 7); st_rowmin_f64(xn, mn, 3, 7);\n"
            + "st_softmax_f64(x, sm, 3, 7, 0); st_softmax_f64(x, lsm, 3, 7, 1); st_layernorm_f64(x, w, b, ln, 3, 7, 1e-5);\n"
            + "st_rowprod_f64(x, pr, 3, 7); st_rowargmax_f64(xn, am, 3, 7); st_rowargmin_f64(xn, an, 3, 7);\n"
            + "st_scan_f64(x, cs, 3, 7, 0); st_scan_f64(x, cp, 3, 7, 1); st_rowprod_i64(ints, ip, 3, 4); st_scan_i64(ints, ics, 3, 4, 0);\n"
            + ["s", "mx", "mn"].map { printArray($0, 3) }.joined() + ["sm", "lsm", "ln"].map { printArray($0, 21) }.joined()
            + ["pr", "am", "an", "ip"].map { printArray($0, 3) }.joined() + ["cs", "cp"].map { printArray($0, 21) }.joined() + printArray("ics", 12)
        let r = try emulate(RowKernelSource.text, main: main)
        guard r.count == 138 else { Issue.record("got \(r.count) values"); return }
        expectClose(Array(r[72..<75]), x.prod([1]), "prod")
        expectClose(Array(r[75..<78]), xn.argmax(dim: 1), "argmax (NaN first, ties to the first)")
        expectClose(Array(r[78..<81]), xn.argmin(dim: 1), "argmin")
        expectClose(Array(r[81..<84]), ints.prod([1]), "prod int64")
        expectClose(Array(r[84..<105]), x.cumsum(dim: 1), "cumsum")
        expectClose(Array(r[105..<126]), x.cumprod(dim: 1), "cumprod")
        expectClose(Array(r[126..<138]), ints.cumsum(dim: 1), "cumsum int64")
        expectClose(Array(r[0..<3]), x.sum([1]), "sum")
        expectClose(Array(r[3..<6]), xn.amax([1]), "amax")
        expectClose(Array(r[6..<9]), xn.amin([1]), "amin")
        expectClose(Array(r[9..<30]), x.softmax(dim: 1), "softmax")
        expectClose(Array(r[30..<51]), x.logSoftmax(dim: 1), "logSoftmax")
        expectClose(Array(r[51..<72]), x.layerNorm([7], weight: w, bias: b), "layerNorm", tol: 1e-10)
    }

    /// The fused Adam kernel makes the update of the optimizer's tensor ops (AdamW with decay, and Adam with L2 decay
    /// and `maximize`), three steps in float64.
    @Test(.enabled(if: compiler != nil, "no host C++ compiler")) func fusedAdamMatchesTheOptimizer() throws {
        let g = Generator(seed: 40)
        let p0 = Tensor.randn([10], dtype: .float64, generator: g)
        let grads = (0..<3).map { _ in Tensor.randn([10], dtype: .float64, generator: g) }
        func reference(decoupled: Bool, maximize: Bool) -> (Tensor, Tensor, Tensor) {
            var p = p0.clone(), m = Tensor.zerosLike(p0), v = Tensor.zerosLike(p0)
            let (lr, b1, b2, eps, wd) = (1e-2, 0.9, 0.999, 1e-8, 0.05)
            for (t, gr) in grads.enumerated() {
                var gi = maximize ? -gr : gr
                if decoupled { p = p * (1 - lr * wd) } else { gi = gi + p * wd }
                m = m + (gi - m) * (1 - b1)
                v = v * b2 + gi * gi * (1 - b2)
                let bias1 = 1 - Double.pow(b1, Double(t + 1)), bias2 = 1 - Double.pow(b2, Double(t + 1))
                p = p + m / (v.sqrt() / bias2.squareRoot() + eps) * (-lr / bias1)
            }
            return (p, m, v)
        }
        var main = array("p0", "double", p0.toArray(of: Double.self)) + "static double p[10], m[10], v[10], g[3][10];\n"
        for (t, gr) in grads.enumerated() { main += "{ " + array("gt", "double", gr.toArray(of: Double.self)) + "memcpy(g[\(t)], gt, sizeof gt); }\n" }
        for (decoupled, maximize) in [(1, 0), (0, 1)] {
            main += "memcpy(p, p0, sizeof p); memset(m, 0, sizeof m); memset(v, 0, sizeof v);\n"
            main += "for (int t = 0; t < 3; ++t) st_adam_f64(p, g[t], m, v, 10, 1e-2, 0.9, 0.999, 1e-8, 0.05, \(decoupled), \(maximize), 1 - pow(0.9, t + 1), 1 - pow(0.999, t + 1));\n"
            main += printArray("p", 10) + printArray("m", 10) + printArray("v", 10)
        }
        let r = try emulate(OptimKernelSource.text, main: main)
        guard r.count == 60 else { Issue.record("got \(r.count) values"); return }
        for (k, (decoupled, maximize)) in [(true, false), (false, true)].enumerated() {
            let (_, m, v) = reference(decoupled: decoupled, maximize: maximize)
            // The parameter as TorchOptim's Adam/AdamW updates it with its tensor ops.
            let p = p0.clone().requiresGrad_()
            let opt: Optimizer = decoupled ? AdamW([p], lr: 1e-2, weightDecay: 0.05)
                                           : Adam([p], lr: 1e-2, weightDecay: 0.05, maximize: true)
            for gr in grads {
                p.grad = gr
                opt.step()
            }
            expectClose(Array(r[(30 * k)..<(30 * k + 10)]), p.detach(), "adam p (decoupled \(decoupled))", tol: 1e-12)
            expectClose(Array(r[(30 * k + 10)..<(30 * k + 20)]), m, "adam m", tol: 1e-12)
            expectClose(Array(r[(30 * k + 20)..<(30 * k + 30)]), v, "adam v", tol: 1e-12)
        }
    }

    /// The bitonic argsort: ascending and descending, with ties (stable), NaN (largest) and a row length that is
    /// not a power of two.
    @Test(.enabled(if: compiler != nil, "no host C++ compiler")) func sortKernelMatchesTheCPU() throws {
        var v = Tensor.randn([3, 11], dtype: .float64, generator: Generator(seed: 39)).toArray(of: Double.self)
        v[2] = v[5]; v[7] = v[5]; v[13] = .nan; v[20] = .nan; v[25] = -.infinity
        let x = Tensor(v, shape: [3, 11])
        let main = array("x", "double", v) + "static long long up[33], down[33];\n"
            + "st_argsort_f64(x, up, 3, 11, 0); st_argsort_f64(x, down, 3, 11, 1);\n" + printArray("up", 33) + printArray("down", 33)
        let r = try emulate(RowKernelSource.text, main: main)
        guard r.count == 66 else { Issue.record("got \(r.count) values"); return }
        expectClose(Array(r[0..<33]), x.sort(dim: 1).indices, "argsort ascending")
        expectClose(Array(r[33...]), x.sort(dim: 1, descending: true).indices, "argsort descending")
    }

    /// The Philox kernel draws exactly TorchCore's host Philox: uniform and normal, float64 and float32.
    @Test(.enabled(if: compiler != nil, "no host C++ compiler")) func randomKernelsMatchTheHostPhilox() throws {
        let key: UInt64 = 0x0123_4567_89AB_CDEF
        let main = "static double u[64], z[64]; static float f[64];\n"
            + "st_random_f64(u, 64, \(key)ULL, 0, -2.0, 3.0); st_random_f64(z, 64, \(key)ULL, 1, 0.5, 2.0); st_random_f32(f, 64, \(key)ULL, 1, 0.0, 1.0);\n"
            + printArray("u", 64) + printArray("z", 64) + printArray("f", 64)
        let r = try emulate(RandomKernelSource.text, main: main)
        guard r.count == 192 else { Issue.record("got \(r.count) values"); return }
        let u = (0..<64).map { Philox.sample($0, key: key, .uniform(low: -2, high: 3)) }
        let z = (0..<64).map { Philox.sample($0, key: key, .normal(mean: 0.5, std: 2)) }
        let f = (0..<64).map { Double(Float(Philox.sample($0, key: key, .normal(mean: 0, std: 1)))) }
        expectClose(Array(r[0..<64]), Tensor(u), "uniform f64")
        expectClose(Array(r[64..<128]), Tensor(z), "normal f64", tol: 1e-14)
        expectClose(Array(r[128...]), Tensor(f), "normal f32", tol: 1e-7)
        #expect(u.allSatisfy { $0 >= -2 && $0 < 3 })
        // Known Philox4x32-10 answer (Random123's test vector for counter 0, key 0): 6627e8d5 e169c58d bc57ac4c 9b00dbd8.
        let w = Philox.block(counter: 0, key: 0)
        #expect([w.0, w.1, w.2, w.3] == [0x6627_E8D5, 0xE169_C58D, 0xBC57_AC4C, 0x9B00_DBD8])
    }

    @Test(.enabled(if: compiler != nil, "no host C++ compiler")) func generatedKernelsMatchTheCPU() throws {
        let add = try #require(OpRegistry.all.first { $0.name == "add" }?.elementwise)
        let spec = try #require(ElementwiseKernelSpec(op: "add", expression: add, dtype: .float32))
        let cast = ElementwiseKernelSpec(castFrom: .float64, to: .int32)
        let subOp = try #require(OpRegistry.all.first { $0.name == "sub" }?.elementwise)
        let subSpec = try #require(ElementwiseKernelSpec(op: "sub", expression: subOp, dtype: .float32))
        let bound = try #require(ElementwiseKernelSpec(binding: subSpec, scalarAt: 0))  // 2.5 - x
        let a = Tensor.randn([4, 3], generator: Generator(seed: 37)), bias = Tensor.randn([4], generator: Generator(seed: 38))
        let at = a.t()  // [3, 4] strided
        let sum = at + bias
        let d = Tensor([-2.7, -0.5, 0.5, 3.9, 100.2], shape: [5])
        let main = array("a", "float", a.toArray(of: Double.self)) + array("bias", "float", bias.toArray(of: Double.self))
            + array("d", "double", d.toArray(of: Double.self)) + "static float out[12]; static int ci[5]; static float bo[12];\n"
            + "{ " + geometry("g", shape: [3, 4], strides: [[4, 1], [1, 3], [0, 1]])
            + "\(spec.stridedEntry)(out, a, bias, 12, g, 0, 0); }\n"
            + "\(cast.contiguousEntry)(ci, d, 5, 0, 0);\n" + "\(bound.contiguousEntry)(bo, a, 12, 0, 2.5);\n"
            + printArray("out", 12) + printArray("ci", 5) + printArray("bo", 12)
        let r = try emulate(KernelSource.program([spec, cast, bound]), main: main)
        guard r.count == 29 else { Issue.record("got \(r.count) values"); return }
        expectClose(Array(r[17...]), 2.5 - a, "2.5 - x (scalar bound to p1)", tol: 1e-6)
        expectClose(Array(r[0..<12]), sum, "add (strided, broadcast)", tol: 1e-6)
        expectClose(Array(r[12..<17]), d.to(.int32), "cast float64 -> int32")
    }
}
