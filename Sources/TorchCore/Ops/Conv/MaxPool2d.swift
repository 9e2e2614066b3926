// MARK: - maxPool2d

extension Tensor {
    /// 2-D max pooling (`F.max_pool2d`) of `[N, C, H, W]` (or `[C, H, W]`); the gradient goes to the first
    /// maximum of each window. Padding counts as −∞.
    /// - Parameters:
    ///   - kernel: window size.
    ///   - stride: step (defaults to the kernel size).
    ///   - padding: implicit −∞ padding.
    ///   - dilation: dilation.
    public func maxPool2d(_ kernel: (Int, Int), stride: (Int, Int)? = nil, padding: (Int, Int) = (0, 0),
                          dilation: (Int, Int) = (1, 1)) -> Tensor {
        if rank == 3 { return unsqueeze(0).maxPool2d(kernel, stride: stride, padding: padding, dilation: dilation).squeeze(0) }
        precondition(rank == 4, "maxPool2d: expected a 3-D or 4-D input, got \(shape)")
        precondition(padding.0 * 2 <= kernel.0 && padding.1 * 2 <= kernel.1, "maxPool2d: pad should be at most half of effective kernel size")
        let window = Window2d(kernel: kernel, dilation: dilation, padding: padding, stride: stride ?? kernel)
        let (n, c, h, w) = (shape[0], shape[1], shape[2], shape[3])
        let (oh, ow) = window.outputSize(h, w)
        precondition(oh > 0 && ow > 0, "maxPool2d: output size is too small for input \(h)×\(w) and kernel \(kernel)")
        let work = dtype == .float64 ? DType.float64 : .float32
        let x = cast(work).contiguous()
        let out = Tensor(uninitializedShape: [n, c, oh, ow], dtype: work)
        let indices = Tensor(uninitializedShape: [n, c, oh, ow], dtype: .int64)
        if work == .float32 { maxPoolKernel(x, out, indices, window, Float.self) } else { maxPoolKernel(x, out, indices, window, Double.self) }
        let result = out.cast(dtype)
        if shouldRecord(self) {
            let inShape = shape
            record("maxPool2d", inputs: [self], outputs: [result], saving: [indices]) { ctx in
                // Scatter into the flattened planes at the argmax positions.
                let g = ctx.grad.reshape([n, c, oh * ow])
                let idx = ctx.saved[0].reshape([n, c, oh * ow])
                return [Tensor.zeros([n, c, h * w], dtype: g.dtype).scatterAdd(2, idx, g).reshape(inShape)]
            }
        }
        return result
    }
}

private func maxPoolKernel<T: FloatingScalar>(_ x: Tensor, _ out: Tensor, _ idx: Tensor, _ win: Window2d, _: T.Type) {
    let (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
    let (oh, ow) = win.outputSize(h, w)
    let src = x.pointer(as: T.self), dst = out.pointer(as: T.self), ind = idx.pointer(as: Int64.self)
    ThreadPool.parallelFor(n * c, grain: 1) { range in
        for nc in range {
            let plane = src + nc * h * w
            for y in 0..<oh {
                for xx in 0..<ow {
                    var best = -T.infinity
                    var bestIndex = -1
                    for i in 0..<win.kernel.0 {
                        let iy = y * win.stride.0 - win.padding.0 + i * win.dilation.0
                        if iy < 0 || iy >= h { continue }
                        for j in 0..<win.kernel.1 {
                            let ix = xx * win.stride.1 - win.padding.1 + j * win.dilation.1
                            if ix < 0 || ix >= w { continue }
                            let v = plane[iy * w + ix]
                            if v > best || v.isNaN || bestIndex < 0 {
                                best = v
                                bestIndex = iy * w + ix
                                if v.isNaN { break }
                            }
                        }
                    }
                    let o = nc * oh * ow + y * ow + xx
                    dst[o] = best
                    ind[o] = Int64(bestIndex)
                }
            }
        }
    }
}

extension OpInfo {
    static let maxPool2d = OpInfo(name: "maxPool2d", kind: .reduction, dtypes: .floating, differentiable: true,
                                  inputs: [.init([2, 3, 5, 6], .real)]) { $0[0].maxPool2d((2, 3), stride: (2, 2), padding: (1, 1)) }
}
