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
        let out = Tensor(uninitializedShape: [n, c * kh * kw, oh * ow], dtype: work, device: device)
        if device != .cpu {
            if !DeviceBackends.require(device, op: "im2col").im2col(x, window: window, output: out) {
                copyElements(from: hostStaged("im2col", [x], device: device) { h in noGrad { h[0].im2col(window) } }, to: out)
            }
        } else if work == .float32 { im2colKernel(x, out, window, Float.self) } else { im2colKernel(x, out, window, Double.self) }
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
        let out = Tensor.zeros(outputShape, dtype: work, device: device)
        if device != .cpu {
            if !DeviceBackends.require(device, op: "col2im").col2im(cols, window: window, output: out) {
                copyElements(from: hostStaged("col2im", [cols], device: device) { h in noGrad { h[0].col2im(outputShape, window) } }, to: out)
            }
        } else if work == .float32 { col2imKernel(cols, out, window, Float.self) } else { col2imKernel(cols, out, window, Double.self) }
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
    let src = UnsafePointer(x.pointer(as: T.self)), dst = out.pointer(as: T.self)
    let image = c * h * w, rows = c * win.kernel.0 * win.kernel.1, l = oh * ow
    ThreadPool.parallelFor(n, grain: 1) { range in
        for b in range { im2colImage(src + b * image, dst + b * rows * l, c, h, w, win) }
    }
}

private func col2imKernel<T: FloatingScalar>(_ cols: Tensor, _ out: Tensor, _ win: Window2d, _: T.Type) {
    let (n, c, h, w) = (out.shape[0], out.shape[1], out.shape[2], out.shape[3])
    let (oh, ow) = win.outputSize(h, w)
    let src = UnsafePointer(cols.pointer(as: T.self)), dst = out.pointer(as: T.self)
    let image = c * h * w, rows = c * win.kernel.0 * win.kernel.1, l = oh * ow
    // Each image is written by one thread only.
    ThreadPool.parallelFor(n, grain: 1) { range in
        for b in range { col2imImage(src + b * rows * l, dst + b * image, c, h, w, win) }
    }
}

/// Unfolds one image `[C, H, W]` into its column matrix `[C·kh·kw, L]`, writing every element (zeros where the
/// window lies in the padding).
func im2colImage<T: FloatingScalar>(_ src: UnsafePointer<T>, _ dst: UnsafeMutablePointer<T>, _ c: Int, _ h: Int, _ w: Int,
                                    _ win: Window2d) {
    let (oh, ow) = win.outputSize(h, w)
    let (kh, kw) = win.kernel
    let l = oh * ow
    for ch in 0..<c {
        let plane = src + ch * h * w
        for i in 0..<kh {
            for j in 0..<kw {
                let d = dst + ((ch * kh + i) * kw + j) * l
                let x0 = j * win.dilation.1 - win.padding.1
                for y in 0..<oh {
                    let o = d + y * ow
                    let iy = y * win.stride.0 - win.padding.0 + i * win.dilation.0
                    if iy < 0 || iy >= h {
                        o.update(repeating: 0, count: ow)
                        continue
                    }
                    let line = plane + iy * w
                    if win.stride.1 == 1 {
                        let lo = Swift.min(ow, Swift.max(0, -x0)), hi = Swift.max(lo, Swift.min(ow, w - x0))
                        // Plain loops: rows are short (a memcpy call per row cost more than the copy).
                        var xx = 0
                        while xx < lo { o[xx] = 0; xx += 1 }
                        let from = line + x0
                        while xx < hi { o[xx] = from[xx]; xx += 1 }
                        while xx < ow { o[xx] = 0; xx += 1 }
                    } else {
                        for xx in 0..<ow {
                            let ix = xx * win.stride.1 + x0
                            o[xx] = ix >= 0 && ix < w ? line[ix] : 0
                        }
                    }
                }
            }
        }
    }
}

/// Adds one image's column matrix `[C·kh·kw, L]` back into the image `[C, H, W]` (the adjoint of
/// ``im2colImage(_:_:_:_:_:_:)``); `dst` must be initialised.
func col2imImage<T: FloatingScalar>(_ src: UnsafePointer<T>, _ dst: UnsafeMutablePointer<T>, _ c: Int, _ h: Int, _ w: Int,
                                    _ win: Window2d) {
    let (oh, ow) = win.outputSize(h, w)
    let (kh, kw) = win.kernel
    let l = oh * ow
    for ch in 0..<c {
        let plane = dst + ch * h * w
        for i in 0..<kh {
            for j in 0..<kw {
                let s = src + ((ch * kh + i) * kw + j) * l
                let x0 = j * win.dilation.1 - win.padding.1
                for y in 0..<oh {
                    let iy = y * win.stride.0 - win.padding.0 + i * win.dilation.0
                    if iy < 0 || iy >= h { continue }
                    let line = plane + iy * w
                    let o = s + y * ow
                    if win.stride.1 == 1 {
                        let lo = Swift.min(ow, Swift.max(0, -x0)), hi = Swift.max(lo, Swift.min(ow, w - x0))
                        var xx = lo
                        while xx < hi { line[xx + x0] += o[xx]; xx += 1 }
                    } else {
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
