// MARK: - im2col (unfold) / col2im (fold)

/// Geometry of a 2-D sliding window (kernel, dilation, padding, stride) over an `H × W` image.
public struct Window2d: Sendable, Equatable {
    /// Kernel height and width.
    public var kernel: (Int, Int)
    /// Dilation.
    public var dilation: (Int, Int)
    /// Zero padding on each side.
    public var padding: (Int, Int)
    /// Stride.
    public var stride: (Int, Int)

    /// Creates the geometry.
    /// - Parameters:
    ///   - kernel: kernel size (height, width).
    ///   - dilation: dilation.
    ///   - padding: padding.
    ///   - stride: stride.
    public init(kernel: (Int, Int), dilation: (Int, Int) = (1, 1), padding: (Int, Int) = (0, 0), stride: (Int, Int) = (1, 1)) {
        self.kernel = kernel
        self.dilation = dilation
        self.padding = padding
        self.stride = stride
    }

    /// The number of window positions along each axis for an `h × w` input.
    public func outputSize(_ h: Int, _ w: Int) -> (Int, Int) {
        ((h + 2 * padding.0 - dilation.0 * (kernel.0 - 1) - 1) / stride.0 + 1,
         (w + 2 * padding.1 - dilation.1 * (kernel.1 - 1) - 1) / stride.1 + 1)
    }

    public static func == (a: Window2d, b: Window2d) -> Bool {
        a.kernel == b.kernel && a.dilation == b.dilation && a.padding == b.padding && a.stride == b.stride
    }
}

extension Tensor {
    /// Extracts sliding windows (`F.unfold`): `[N, C, H, W]` → `[N, C·kh·kw, L]` with `L` window positions.
    /// - Parameter window: the window geometry.
    public func im2col(_ window: Window2d) -> Tensor {
        precondition(rank == 4, "im2col: expected a 4-D input [N, C, H, W], got \(shape)")
        let (n, c, h, w) = (shape[0], shape[1], shape[2], shape[3])
        let (oh, ow) = window.outputSize(h, w)
        precondition(oh > 0 && ow > 0, "im2col: the window (kernel \(window.kernel), dilation \(window.dilation), padding \(window.padding)) does not fit the input of size \(h)×\(w)")
        let (kh, kw) = window.kernel
        let work = dtype == .float64 ? DType.float64 : .float32
        let x = cast(work).contiguous()
        let out = Tensor.zeros([n, c * kh * kw, oh * ow], dtype: work)
        if work == .float32 { im2colKernel(x, out, window, Float.self) } else { im2colKernel(x, out, window, Double.self) }
        let result = out.cast(dtype)
        if shouldRecord(self) {
            let inShape = shape
            record("im2col", inputs: [self], outputs: [result]) { ctx in [ctx.grad.col2im(inShape, window)] }
        }
        return result
    }

    /// Sums sliding-window columns back into an image (`F.fold`): `[N, C·kh·kw, L]` → `shape` (`[N, C, H, W]`);
    /// the adjoint of ``im2col(_:)``.
    /// - Parameters:
    ///   - outputShape: `[N, C, H, W]`.
    ///   - window: the window geometry.
    public func col2im(_ outputShape: [Int], _ window: Window2d) -> Tensor {
        precondition(outputShape.count == 4, "col2im: expected an output shape [N, C, H, W], got \(outputShape)")
        let (n, c, h, w) = (outputShape[0], outputShape[1], outputShape[2], outputShape[3])
        let (oh, ow) = window.outputSize(h, w)
        precondition(shape == [n, c * window.kernel.0 * window.kernel.1, oh * ow],
                     "col2im: expected input of shape \([n, c * window.kernel.0 * window.kernel.1, oh * ow]), got \(shape)")
        let work = dtype == .float64 ? DType.float64 : .float32
        let cols = cast(work).contiguous()
        let out = Tensor.zeros(outputShape, dtype: work)
        if work == .float32 { col2imKernel(cols, out, window, Float.self) } else { col2imKernel(cols, out, window, Double.self) }
        let result = out.cast(dtype)
        if shouldRecord(self) {
            record("col2im", inputs: [self], outputs: [result]) { ctx in [ctx.grad.im2col(window)] }
        }
        return result
    }
}

private func im2colKernel<T: FloatingScalar>(_ x: Tensor, _ out: Tensor, _ win: Window2d, _: T.Type) {
    let (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
    let (oh, ow) = win.outputSize(h, w)
    let (kh, kw) = win.kernel
    let src = x.pointer(as: T.self), dst = out.pointer(as: T.self)
    let rows = c * kh * kw, l = oh * ow
    ThreadPool.parallelFor(n * c, grain: 1) { range in
        for nc in range {
            let b = nc / c, ch = nc % c
            let plane = src + nc * h * w
            for i in 0..<kh {
                for j in 0..<kw {
                    let row = (ch * kh + i) * kw + j
                    let d = dst + (b * rows + row) * l
                    for y in 0..<oh {
                        let iy = y * win.stride.0 - win.padding.0 + i * win.dilation.0
                        if iy < 0 || iy >= h { continue }
                        let line = plane + iy * w
                        let o = d + y * ow
                        let x0 = j * win.dilation.1 - win.padding.1
                        if win.stride.1 == 1 {
                            let lo = Swift.max(0, -x0), hi = Swift.min(ow, w - x0)
                            if lo < hi { for xx in lo..<hi { o[xx] = line[xx + x0] } }
                        } else {
                            for xx in 0..<ow {
                                let ix = xx * win.stride.1 + x0
                                if ix >= 0 && ix < w { o[xx] = line[ix] }
                            }
                        }
                    }
                }
            }
        }
    }
}

private func col2imKernel<T: FloatingScalar>(_ cols: Tensor, _ out: Tensor, _ win: Window2d, _: T.Type) {
    let (n, c, h, w) = (out.shape[0], out.shape[1], out.shape[2], out.shape[3])
    let (oh, ow) = win.outputSize(h, w)
    let (kh, kw) = win.kernel
    let src = cols.pointer(as: T.self), dst = out.pointer(as: T.self)
    let rows = c * kh * kw, l = oh * ow
    // Each (image, channel) plane is written by one thread only.
    ThreadPool.parallelFor(n * c, grain: 1) { range in
        for nc in range {
            let b = nc / c, ch = nc % c
            let plane = dst + nc * h * w
            for i in 0..<kh {
                for j in 0..<kw {
                    let row = (ch * kh + i) * kw + j
                    let s = src + (b * rows + row) * l
                    for y in 0..<oh {
                        let iy = y * win.stride.0 - win.padding.0 + i * win.dilation.0
                        if iy < 0 || iy >= h { continue }
                        let line = plane + iy * w
                        let o = s + y * ow
                        let x0 = j * win.dilation.1 - win.padding.1
                        for xx in 0..<ow {
                            let ix = xx * win.stride.1 + x0
                            if ix >= 0 && ix < w { line[ix] += o[xx] }
                        }
                    }
                }
            }
        }
    }
}

extension OpInfo {
    static let im2col = OpInfo(name: "im2col", kind: .shape, dtypes: .floating, differentiable: true,
                               inputs: [.init([2, 2, 4, 5], .real)]) {
        $0[0].im2col(Window2d(kernel: (2, 3), dilation: (1, 2), padding: (1, 1), stride: (2, 1)))
    }
    static let col2im = OpInfo(name: "col2im", kind: .shape, dtypes: .floating, differentiable: true,
                               inputs: [.init([1, 12, 8], .real)]) {
        $0[0].col2im([1, 2, 3, 4], Window2d(kernel: (2, 3), padding: (1, 0), stride: (1, 1)))
    }
}
