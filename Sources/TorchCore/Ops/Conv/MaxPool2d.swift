import CTorchKernels

// MARK: - maxPool2d

extension Tensor {
    /// 2-D max pooling (`F.max_pool2d`) of `[N, C, H, W]` (or `[C, H, W]`); the gradient goes to the maximum of
    /// each window (a NaN counts as the maximum, as in PyTorch). Padding counts as −∞.
    /// - Parameters:
    ///   - kernel: window size.
    ///   - stride: step (defaults to the kernel size).
    ///   - padding: implicit −∞ padding.
    ///   - dilation: dilation.
    ///   - ceilMode: round the output size up, so a last window may hang over the bottom/right edge.
    public func maxPool2d(_ kernel: (Int, Int), stride: (Int, Int)? = nil, padding: (Int, Int) = (0, 0),
                          dilation: (Int, Int) = (1, 1), ceilMode: Bool = false) -> Tensor {
        maxPool2dImpl(kernel, stride: stride, padding: padding, dilation: dilation, ceilMode: ceilMode, wantIndices: false).values
    }

    /// 2-D max pooling that also returns where each maximum came from (`F.max_pool2d(return_indices=True)`):
    /// `int64` positions within each `H × W` plane, as `maxUnpool2d` and PyTorch expect them.
    /// - Parameters:
    ///   - kernel: window size.
    ///   - stride: step (defaults to the kernel size).
    ///   - padding: implicit −∞ padding.
    ///   - dilation: dilation.
    ///   - ceilMode: round the output size up.
    public func maxPool2dWithIndices(_ kernel: (Int, Int), stride: (Int, Int)? = nil, padding: (Int, Int) = (0, 0),
                                     dilation: (Int, Int) = (1, 1), ceilMode: Bool = false) -> (values: Tensor, indices: Tensor) {
        let r = maxPool2dImpl(kernel, stride: stride, padding: padding, dilation: dilation, ceilMode: ceilMode, wantIndices: true)
        return (r.values, r.indices!)
    }

    private func maxPool2dImpl(_ kernel: (Int, Int), stride: (Int, Int)?, padding: (Int, Int), dilation: (Int, Int),
                               ceilMode: Bool, wantIndices: Bool) -> (values: Tensor, indices: Tensor?) {
        if rank == 3 {
            let r = unsqueeze(0).maxPool2dImpl(kernel, stride: stride, padding: padding, dilation: dilation, ceilMode: ceilMode,
                                                wantIndices: wantIndices)
            return (r.values.squeeze(0), r.indices?.squeeze(0))
        }
        precondition(rank == 4, "maxPool2d: expected a 3-D or 4-D input, got \(shape)")
        let stride = stride ?? kernel
        precondition(kernel.0 > 0 && kernel.1 > 0 && stride.0 > 0 && stride.1 > 0 && dilation.0 > 0 && dilation.1 > 0,
                     "maxPool2d: kernel \(kernel), stride \(stride) and dilation \(dilation) must be positive")
        precondition(padding.0 >= 0 && padding.1 >= 0 && padding.0 * 2 <= kernel.0 && padding.1 * 2 <= kernel.1,
                     "maxPool2d: pad should be at most half of effective kernel size, got kernel \(kernel) and padding \(padding)")
        let window = Window2d(kernel: kernel, dilation: dilation, padding: padding, stride: stride)
        let (n, c, h, w) = (shape[0], shape[1], shape[2], shape[3])
        let oh = pooledSize(h, kernel.0, stride.0, padding.0, dilation.0, ceilMode)
        let ow = pooledSize(w, kernel.1, stride.1, padding.1, dilation.1, ceilMode)
        precondition(oh > 0 && ow > 0, "maxPool2d: output size is too small for input \(h)×\(w) and kernel \(kernel)")
        let recording = shouldRecord(self)
        let work = dtype == .float64 ? DType.float64 : .float32
        let x = cast(work).contiguous()
        let out = Tensor(uninitializedShape: [n, c, oh, ow], dtype: work, device: device)
        let indices = recording || wantIndices ? Tensor(uninitializedShape: [n, c, oh, ow], dtype: .int64, device: device) : nil
        let geo = PoolGeometry(planes: n * c, h: h, w: w, oh: oh, ow: ow, window: window)
        if device != .cpu {
            if !DeviceBackends.require(device, op: "maxPool2d").maxPool2d(x, window: window, output: out, indices: indices) {
                let host = hostStaged("maxPool2d", [x], device: device) { h in
                    let r = noGrad { h[0].maxPool2dWithIndices(kernel, stride: stride, padding: padding, dilation: dilation, ceilMode: ceilMode) }
                    return Tensor.cat([r.values.reshape([-1]), r.indices.to(work).reshape([-1])])
                }
                let m = out.count
                copyElements(from: host.narrow(0, 0, m).reshape(out.shape), to: out)
                if let indices { copyElements(from: host.narrow(0, m, m).reshape(out.shape), to: indices) }
            }
        } else if work == .float32 { maxPoolKernel(x, out, indices, geo, Float.self) } else { maxPoolKernel(x, out, indices, geo, Double.self) }
        let result = work == dtype ? out : out.cast(dtype)
        if recording, let indices {
            let inShape = shape
            record("maxPool2d", inputs: [self], outputs: [result], saving: [indices]) { ctx in
                let idx = ctx.saved[0]
                if GradMode.isEnabled || idx.device != .cpu {
                    // Differentiable form (for higher-order gradients): scatter into the flattened planes.
                    let g = ctx.grad.reshape([n, c, oh * ow])
                    return [Tensor.zeros([n, c, h * w], dtype: g.dtype, device: g.device).scatterAdd(2, idx.reshape([n, c, oh * ow]), g).reshape(inShape)]
                }
                return [maxPoolBackward(ctx.grad, idx, geo, inShape)]
            }
        }
        return (result, indices)
    }
}

/// The output length of a pooling sweep, with PyTorch's ceil-mode rule that the last window must start inside
/// the input or its left padding.
package func pooledSize(_ size: Int, _ kernel: Int, _ stride: Int, _ padding: Int, _ dilation: Int, _ ceilMode: Bool) -> Int {
    let span = size + 2 * padding - dilation * (kernel - 1) - 1
    if span < 0 { return 0 }
    var out = (ceilMode ? (span + stride - 1) / stride : span / stride) + 1
    if ceilMode && (out - 1) * stride >= size + padding { out -= 1 }
    return out
}

/// The sizes of one pooling: `planes` independent `h × w` planes pooled to `oh × ow`.
struct PoolGeometry {
    let planes: Int, h: Int, w: Int, oh: Int, ow: Int
    let window: Window2d
}

/// PyTorch's rule for the running maximum: a larger value or a NaN takes over.
/// (Both tests are evaluated and or-ed as integers, so the loops compile to selects rather than branches.)
@inline(__always)
private func takes<T: FloatingScalar>(_ v: T, over best: T) -> Bool { ((v > best ? 1 : 0) | (v != v ? 1 : 0)) != 0 }

private func maxPoolKernel<T: FloatingScalar>(_ x: Tensor, _ out: Tensor, _ idx: Tensor?, _ geo: PoolGeometry, _: T.Type) {
    let (h, w, oh, ow) = (geo.h, geo.w, geo.oh, geo.ow)
    let win = geo.window
    let src = UnsafePointer(x.pointer(as: T.self)), dst = out.pointer(as: T.self), ind = idx?.pointer(as: Int64.self)
    // Windows that never leave the input (no padding, no dilation, no ceil-mode overhang) take the fast loops.
    let inside = win.padding == (0, 0) && win.dilation == (1, 1)
        && (oh - 1) * win.stride.0 + win.kernel.0 <= h && (ow - 1) * win.stride.1 + win.kernel.1 <= w
    let grain = Swift.max(1, 16_384 / Swift.max(1, h * w))
    ThreadPool.parallelFor(geo.planes, grain: grain) { range in
        for p in range {
            let plane = src + p * h * w
            let o = dst + p * oh * ow
            let io = ind.map { $0 + p * oh * ow }
            if inside && win.kernel == (2, 2) && win.stride == (2, 2) {
                if T.self == Float.self {
                    st_maxpool2x2_f32(UnsafeRawPointer(plane).assumingMemoryBound(to: Float.self), w,
                                      UnsafeMutableRawPointer(o).assumingMemoryBound(to: Float.self), io, oh, ow)
                } else {
                    pool2x2(plane, w, o, io, oh, ow)
                }
            } else if inside {
                poolInside(plane, w, o, io, oh, ow, win)
            } else {
                poolGeneral(plane, h, w, o, io, oh, ow, win)
            }
        }
    }
}

/// 2×2 windows with stride 2, fully inside the plane.
@inline(__always)
private func pool2x2<T: FloatingScalar>(_ plane: UnsafePointer<T>, _ w: Int, _ o: UnsafeMutablePointer<T>,
                                        _ io: UnsafeMutablePointer<Int64>?, _ oh: Int, _ ow: Int) {
    for y in 0..<oh {
        let r0 = plane + 2 * y * w, r1 = r0 + w
        let out = o + y * ow
        if let io {
            let outIndex = io + y * ow
            let base = 2 * y * w
            // Selects instead of branches (random data defeats the branch predictor).
            for x in 0..<ow {
                let a = r0[2 &* x], b = r0[2 &* x &+ 1], c = r1[2 &* x], d = r1[2 &* x &+ 1]
                let tb = takes(b, over: a)
                var best = tb ? b : a
                var off = tb ? 1 : 0
                let tc = takes(c, over: best)
                best = tc ? c : best
                off = tc ? w : off
                let td = takes(d, over: best)
                best = td ? d : best
                off = td ? w &+ 1 : off
                out[x] = best
                outIndex[x] = Int64(base &+ 2 &* x &+ off)
            }
        } else {
            for x in 0..<ow {
                let a = r0[2 * x], b = r0[2 * x + 1], c = r1[2 * x], d = r1[2 * x + 1]
                let ab = takes(b, over: a) ? b : a, cd = takes(d, over: c) ? d : c
                out[x] = takes(cd, over: ab) ? cd : ab
            }
        }
    }
}

/// Any kernel and stride, windows fully inside the plane (no bounds checks).
@inline(__always)
private func poolInside<T: FloatingScalar>(_ plane: UnsafePointer<T>, _ w: Int, _ o: UnsafeMutablePointer<T>,
                                           _ io: UnsafeMutablePointer<Int64>?, _ oh: Int, _ ow: Int, _ win: Window2d) {
    let (kh, kw) = win.kernel, (sy, sx) = win.stride
    for y in 0..<oh {
        for x in 0..<ow {
            let start = y * sy * w + x * sx
            var best = plane[start], at = start
            for i in 0..<kh {
                let row = start + i * w
                for j in 0..<kw where takes(plane[row + j], over: best) {
                    best = plane[row + j]
                    at = row + j
                }
            }
            o[y * ow + x] = best
            io?[y * ow + x] = Int64(at)
        }
    }
}

/// Padding, dilation or ceil-mode windows: positions outside the plane are skipped (they count as −∞).
private func poolGeneral<T: FloatingScalar>(_ plane: UnsafePointer<T>, _ h: Int, _ w: Int, _ o: UnsafeMutablePointer<T>,
                                            _ io: UnsafeMutablePointer<Int64>?, _ oh: Int, _ ow: Int, _ win: Window2d) {
    for y in 0..<oh {
        for x in 0..<ow {
            var best = -T.infinity
            var at = -1
            for i in 0..<win.kernel.0 {
                let iy = y * win.stride.0 - win.padding.0 + i * win.dilation.0
                if iy < 0 || iy >= h { continue }
                for j in 0..<win.kernel.1 {
                    let ix = x * win.stride.1 - win.padding.1 + j * win.dilation.1
                    if ix < 0 || ix >= w { continue }
                    let v = plane[iy * w + ix]
                    if at < 0 || takes(v, over: best) {
                        best = v
                        at = iy * w + ix
                    }
                }
            }
            o[y * ow + x] = best
            io?[y * ow + x] = Int64(at)
        }
    }
}

/// The gradient of max pooling: each output gradient is added at its argmax (no graph of this is recorded).
private func maxPoolBackward(_ gy: Tensor, _ idx: Tensor, _ geo: PoolGeometry, _ inShape: [Int]) -> Tensor {
    let work = gy.dtype == .float64 ? DType.float64 : .float32
    let g = gy.cast(work).contiguous(), ix = idx.contiguous()
    let gx = Tensor.zeros(inShape, dtype: work)
    func run<T: FloatingScalar>(_: T.Type) {
        let pg = UnsafePointer(g.pointer(as: T.self)), pi = UnsafePointer(ix.pointer(as: Int64.self))
        let px = gx.pointer(as: T.self)
        let planeIn = geo.h * geo.w, planeOut = geo.oh * geo.ow
        let grain = Swift.max(1, 16_384 / Swift.max(1, planeIn))
        ThreadPool.parallelFor(geo.planes, grain: grain) { range in
            for p in range {
                let d = px + p * planeIn, s = pg + p * planeOut, at = pi + p * planeOut
                for o in 0..<planeOut { d[Int(at[o])] += s[o] }
            }
        }
    }
    if work == .float32 { run(Float.self) } else { run(Double.self) }
    return work == gy.dtype ? gx : gx.cast(gy.dtype)
}

extension OpInfo {
    static let maxPool2d = OpInfo(name: "maxPool2d", kind: .reduction, dtypes: .floating, differentiable: true,
                                  inputs: [.init([2, 3, 5, 6], .real)]) { $0[0].maxPool2d((2, 3), stride: (2, 2), padding: (1, 1)) }
    static let maxPool2dFast = OpInfo(name: "maxPool2d(2x2)", kind: .reduction, dtypes: .floating, differentiable: true,
                                      inputs: [.init([2, 3, 6, 4], .real)]) { $0[0].maxPool2d((2, 2)) }
    static let maxPool2dCeil = OpInfo(name: "maxPool2d(ceil)", kind: .reduction, dtypes: .floating, differentiable: true,
                                      inputs: [.init([1, 2, 7, 6], .real)]) { $0[0].maxPool2d((3, 2), stride: (2, 2), ceilMode: true) }
}
