import Testing
@testable import TorchCore
import _TestSupport

/// The conv2d kernel (per-image columns, GEMMs, own backward) agrees with its composite definition
/// (`im2col` + `mm`) in values and all three gradients, on 1 and 2 threads, for strided, dilated, grouped,
/// pointwise, single-image and non-contiguous cases (shapes the Winograd path does not take; see WinogradTests).
@Suite struct ConvKernelTests {
    struct Case: CustomStringConvertible, Sendable {
        let x: [Int], w: [Int]
        var stride = (1, 1), padding = (0, 0), dilation = (1, 1), groups = 1, bias = true
        var xNeedsGrad = true, transposedInput = false
        var description: String { "x\(x) w\(w) s\(stride) p\(padding) d\(dilation) g\(groups)" }
    }

    static let cases: [Case] = [
        Case(x: [3, 4, 7, 6], w: [5, 4, 3, 3], padding: (1, 1)),
        Case(x: [2, 4, 6, 7], w: [6, 2, 3, 2], stride: (2, 1), padding: (1, 0), dilation: (1, 2), groups: 2),
        Case(x: [3, 5, 4, 4], w: [7, 5, 1, 1], bias: false),
        Case(x: [1, 16, 20, 20], w: [32, 16, 3, 2], padding: (1, 1)),  // one image: columns split over threads (3×2: not Winograd)
        Case(x: [4, 3, 9, 9], w: [8, 3, 5, 5], stride: (2, 2), padding: (2, 2), xNeedsGrad: false),
        Case(x: [6, 8, 10, 10], w: [16, 8, 3, 3], padding: (1, 1), transposedInput: true),
        // First-layer shapes: one to three input channels, channel counts not a multiple of 4, wide rows.
        Case(x: [2, 3, 9, 10], w: [6, 3, 3, 3], padding: (1, 1)),
        Case(x: [3, 1, 12, 11], w: [5, 1, 5, 5], bias: false),
        Case(x: [2, 2, 5, 70], w: [3, 2, 3, 3], padding: (0, 1), transposedInput: true),
        // The direct kernel's cases (stride 1, at most 64 taps): dilation with uneven padding, one image whose
        // channels are split over two threads, depthwise groups, rows narrower than a vector.
        Case(x: [1, 3, 40, 37], w: [13, 3, 3, 3], padding: (2, 1), dilation: (2, 1)),
        Case(x: [2, 6, 11, 9], w: [12, 1, 3, 3], padding: (1, 1), groups: 6),
        Case(x: [5, 2, 6, 5], w: [9, 2, 2, 4], padding: (1, 2), bias: false),
        Case(x: [2, 3, 10, 10], w: [5, 3, 3, 3], xNeedsGrad: false),
        // Padding beyond the kernel's reach: the input gradient is a cropped correlation (GEMM path).
        Case(x: [2, 2, 8, 8], w: [4, 2, 2, 2], padding: (2, 2)),
    ]

    @Test(arguments: cases) func matchesComposite(_ c: Case) {
        GlobalSettings.exclusive {
            let before = Torch.numThreads
            defer { Torch.setNumThreads(before) }
            for threads in [1, 2] {
                Torch.setNumThreads(threads)
                for dtype in [DType.float32, .float64] {
                    check(c, dtype: dtype, threads: threads)
                }
            }
        }
    }

    func check(_ c: Case, dtype: DType, threads: Int) {
        let g = Generator(seed: 31)
        var x = Tensor.randn(c.transposedInput ? [c.x[0], c.x[1], c.x[3], c.x[2]] : c.x, dtype: dtype, generator: g)
        if c.transposedInput { x = x.transpose(2, 3) }
        #expect(x.isContiguous == !c.transposedInput)
        x = x.detach().requiresGrad_(c.xNeedsGrad)
        let w = Tensor.randn(c.w, dtype: dtype, generator: g).requiresGrad_()
        let b = c.bias ? Tensor.randn([c.w[0]], dtype: dtype, generator: g).requiresGrad_() : nil
        let fast = x.conv2d(w, bias: b, stride: c.stride, padding: c.padding, dilation: c.dilation, groups: c.groups)
        let reference = x.conv2dReference(w, bias: b, stride: c.stride, padding: c.padding, dilation: c.dilation, groups: c.groups)
        let tol = dtype == .float64 ? 1e-12 : 2e-5
        let v = compareClose(fast, reference.detach().toArray(of: Double.self), shape: reference.shape, rtol: tol, atol: tol)
        #expect(v.isClose, "\(c) \(dtype) T=\(threads) forward: \(v.message)")
        #expect(fast.gradFn?.name == "Conv2dBackward0")
        let gy = Tensor.randn(reference.shape, dtype: dtype, generator: g)
        let inputs = [x, w] + (b.map { [$0] } ?? [])
        let wanted = c.xNeedsGrad ? inputs : Array(inputs.dropFirst())
        let gf = Torch.grad(outputs: [fast], inputs: wanted, gradOutputs: [gy])
        let gr = Torch.grad(outputs: [reference], inputs: wanted, gradOutputs: [gy])
        for i in wanted.indices {
            let r = compareClose(gf[i]!, gr[i]!.toArray(of: Double.self), shape: wanted[i].shape, rtol: tol * 10, atol: tol * 10)
            #expect(r.isClose, "\(c) \(dtype) T=\(threads) gradient \(i): \(r.message)")
        }
    }

    /// The direct kernel (AVX-512) gives the im2col GEMM path's values: the same cases run with the kernel and with
    /// it switched off on this thread (one thread, so every kernel runs here).
    @Test func directKernelMatchesGEMMPath() {
        guard Torch._forceVectorISA("avx512") else { return }  // no AVX-512: the direct kernel never runs
        GlobalSettings.exclusive {
            let before = Torch.numThreads
            defer { Torch.setNumThreads(before); _ = Torch._forceVectorISA("avx512") }
            Torch.setNumThreads(1)
            let g = Generator(seed: 33)
            for (xs, ws, pad, dil, groups) in [([64, 1, 28, 28], [32, 1, 5, 5], (0, 0), (1, 1), 1),
                                               ([4, 3, 32, 32], [64, 3, 3, 3], (1, 1), (1, 1), 1),
                                               ([3, 4, 13, 50], [8, 2, 3, 5], (2, 0), (1, 3), 2)] {
                let x = Tensor.randn(xs, generator: g), w = Tensor.randn(ws, generator: g), b = Tensor.randn([ws[0]], generator: g)
                _ = Torch._forceVectorISA("avx512")
                let geo = x.convGeometry(w, bias: b, stride: (1, 1), padding: pad, dilation: dil, groups: groups)
                #expect(DirectConv.applies(geo, .float32), "\(xs) \(ws) should take the direct kernel")
                let direct = x.conv2d(w, bias: b, padding: pad, dilation: dil, groups: groups)
                _ = Torch._forceVectorISA("avx2")
                #expect(!DirectConv.applies(geo, .float32))
                let gemm = x.conv2d(w, bias: b, padding: pad, dilation: dil, groups: groups)
                let c = compareClose(direct, gemm.toArray(of: Double.self), shape: gemm.shape, rtol: 2e-5, atol: 2e-5)
                #expect(c.isClose, "\(xs) \(ws): \(c.message)")
            }
        }
    }

    /// Half-precision inputs run in float32 and come back in their own dtype, with gradients in it too.
    @Test func halfPrecision() {
        let g = Generator(seed: 32)
        let x = Tensor.randn([2, 3, 5, 5], generator: g), w = Tensor.randn([4, 3, 3, 3], generator: g)
        for dtype in [DType.float16, .bfloat16] {
            let xh = x.to(dtype).requiresGrad_(), wh = w.to(dtype).requiresGrad_()
            let y = xh.conv2d(wh, padding: (1, 1))
            #expect(y.dtype == dtype)
            let expected = xh.detach().to(.float32).conv2d(wh.detach().to(.float32), padding: (1, 1))
            let c = compareClose(y, expected.toArray(of: Double.self), rtol: 2e-2, atol: 5e-2)
            #expect(c.isClose, "\(dtype): \(c.message)")
            y.sum().backward()
            #expect(xh.grad?.dtype == dtype && wh.grad?.dtype == dtype)
        }
    }
}

/// Max pooling: values and indices from PyTorch 2.13 (`F.max_pool2d(..., return_indices=True)`), the fast
/// 2×2 and in-bounds loops against the general one, and the gradient routed to the argmax.
@Suite struct MaxPoolKernelTests {
    @Test func pytorchValuesAndIndices() {
        let a = Tensor.arange(0, 25, dtype: .float32).reshape([1, 1, 5, 5])
        let r = a.maxPool2dWithIndices((3, 3), stride: (2, 2), ceilMode: true)
        #expect(r.values.shape == [1, 1, 2, 2] && r.values.toArray(of: Float.self) == [12, 14, 22, 24])
        #expect(r.indices.toArray(of: Int64.self) == [12, 14, 22, 24])
        // A NaN wins, and a later NaN takes over the index (PyTorch's `val > max || isnan(val)`).
        let n = Tensor([Float(1), .nan, .nan, 0], shape: [1, 1, 2, 2]).maxPool2dWithIndices((2, 2))
        #expect(n.values.item().isNaN && n.indices.toArray(of: Int64.self) == [2])
        let b = Tensor.arange(0, 30, dtype: .float32).reshape([1, 1, 5, 6]).flip([-1])
        let p = b.maxPool2dWithIndices((2, 3), stride: (2, 2), padding: (1, 1), ceilMode: true)
        #expect(p.values.toArray(of: Float.self) == [5, 4, 2, 0, 17, 16, 14, 12, 29, 28, 26, 24])
        #expect(p.indices.toArray(of: Int64.self) == [0, 1, 3, 5, 12, 13, 15, 17, 24, 25, 27, 29])
    }

    /// The fast loops (2×2, any window inside the plane) and the general one (padding, ceil mode) against a
    /// brute-force scan with PyTorch's rule, NaNs included.
    @Test(arguments: [((2, 2), (2, 2), (0, 0), false), ((3, 2), (1, 2), (0, 0), false), ((2, 3), (3, 1), (1, 1), true),
                      ((3, 3), (2, 2), (1, 0), true)])
    func loopsMatchBruteForce(_ kernel: (Int, Int), _ stride: (Int, Int), _ padding: (Int, Int), _ ceil: Bool) {
        let (h, w) = (9, 10)
        let x = Tensor.randn([3, 4, h, w], generator: Generator(seed: 41))
        x[0, 1, 2, 3] = Tensor(scalar: Float.nan)
        x[2, 3, 8, 9] = Tensor(scalar: Float.nan)
        let r = x.maxPool2dWithIndices(kernel, stride: stride, padding: padding, ceilMode: ceil)
        let (oh, ow) = (r.values.shape[2], r.values.shape[3])
        let data = x.toArray(of: Float.self)
        var values: [Float] = [], indices: [Int64] = []
        for plane in 0..<12 {
            for y in 0..<oh {
                for xx in 0..<ow {
                    var best = -Float.infinity, at = -1
                    for i in 0..<kernel.0 {
                        for j in 0..<kernel.1 {
                            let iy = y * stride.0 - padding.0 + i, ix = xx * stride.1 - padding.1 + j
                            guard iy >= 0 && iy < h && ix >= 0 && ix < w else { continue }
                            let v = data[plane * h * w + iy * w + ix]
                            if at < 0 || v > best || v.isNaN { best = v; at = iy * w + ix }
                        }
                    }
                    values.append(best)
                    indices.append(Int64(at))
                }
            }
        }
        #expect(r.values.toArray(of: Float.self).map(\.bitPattern) == values.map(\.bitPattern))
        #expect(r.indices.toArray(of: Int64.self) == indices)
        // Without indices (no gradient tracking) the values are the same.
        #expect(x.maxPool2d(kernel, stride: stride, padding: padding, ceilMode: ceil).toArray(of: Float.self).map(\.bitPattern)
                == values.map(\.bitPattern))
    }

    @Test func gradientGoesToTheArgmax() {
        let x = Tensor.randn([2, 3, 8, 8], dtype: .float64, generator: Generator(seed: 42)).requiresGrad_()
        let (v, idx) = x.maxPool2dWithIndices((2, 2))
        let gy = Tensor.randn(v.shape, dtype: .float64, generator: Generator(seed: 43))
        let g = Torch.grad(outputs: [x.maxPool2d((2, 2))], inputs: [x], gradOutputs: [gy])[0]!
        let expected = Tensor.zeros([2, 3, 64], dtype: .float64).scatterAdd(2, idx.reshape([2, 3, 16]), gy.reshape([2, 3, 16]))
        #expect(g.reshape([2, 3, 64]).equal(expected))
    }
}

/// Winograd F(4×4, 3×3) (float32, 3×3, stride 1, ≥ 32 channels): values and all three gradients against the
/// float64 GEMM convolution of the same numbers, for each padding it takes, odd sizes (partial tiles), one image,
/// and 1 and 2 threads.
@Suite struct WinogradTests {
    static let cases: [([Int], Int, (Int, Int))] = [
        ([2, 32, 9, 11], 40, (1, 1)), ([3, 36, 8, 8], 32, (0, 0)), ([1, 32, 7, 13], 32, (2, 1)), ([4, 64, 16, 16], 48, (1, 1)),
    ]

    @Test(arguments: cases) func matchesFloat64(_ xs: [Int], _ k: Int, _ padding: (Int, Int)) {
        GlobalSettings.exclusive {
            let before = Torch.numThreads
            defer { Torch.setNumThreads(before) }
            let g = Generator(seed: 61)
            let x64 = Tensor.randn(xs, dtype: .float64, generator: g), w64 = Tensor.randn([k, xs[1], 3, 3], dtype: .float64, generator: g) * 0.2
            let b64 = Tensor.randn([k], dtype: .float64, generator: g)
            let y64 = x64.conv2d(w64, bias: b64, padding: padding)
            let gy64 = Tensor.randn(y64.shape, dtype: .float64, generator: g)
            let x = x64.to(.float32).requiresGrad_(), w = w64.to(.float32).requiresGrad_(), b = b64.to(.float32).requiresGrad_()
            let geo = x.convGeometry(w, bias: b, stride: (1, 1), padding: padding, dilation: (1, 1), groups: 1)
            #expect(Winograd43.applies(geo, .float32))
            let x64g = x64.requiresGrad_(), w64g = w64.detach().requiresGrad_(), b64g = b64.requiresGrad_()
            let ref = Torch.grad(outputs: [x64g.conv2d(w64g, bias: b64g, padding: padding)], inputs: [x64g, w64g, b64g], gradOutputs: [gy64])
            for threads in [1, 2] {
                Torch.setNumThreads(threads)
                let y = x.conv2d(w, bias: b, padding: padding)
                #expect(y.shape == y64.shape)
                let grads = Torch.grad(outputs: [y], inputs: [x, w, b], gradOutputs: [gy64.to(.float32)])
                for (name, got, want) in [("y", y, y64), ("dx", grads[0]!, ref[0]!), ("dw", grads[1]!, ref[1]!), ("db", grads[2]!, ref[2]!)] {
                    // Error relative to the result's scale (max |value|).
                    let scale = want.abs().max().item()
                    let err = (got.to(.float64) - want).abs().max().item() / scale
                    #expect(err < 2e-5, "\(xs) k=\(k) p=\(padding) T=\(threads) \(name): max error \(err) of scale \(scale)")
                }
            }
        }
    }
}
