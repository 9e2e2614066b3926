// MARK: - conv2d (primitive: per-image im2col + GEMM, with its own backward)

/// The sizes of one 2-D convolution.
struct ConvGeometry {
    let n: Int, c: Int, h: Int, w: Int
    let cout: Int, groups: Int
    let window: Window2d
    let oh: Int, ow: Int

    /// Window positions per image.
    var l: Int { oh * ow }
    /// Input channels per group.
    var cPer: Int { c / groups }
    /// Output channels per group.
    var coutPer: Int { cout / groups }
    /// Rows of one group's column matrix (`C/g · kh · kw`).
    var kPer: Int { cPer * window.kernel.0 * window.kernel.1 }
    /// Rows of the whole column matrix of one image.
    var rows: Int { c * window.kernel.0 * window.kernel.1 }
    /// Elements of one input image.
    var imageIn: Int { c * h * w }
    /// Elements of one output image.
    var imageOut: Int { cout * l }
    /// A 1×1 kernel with stride 1 and no padding: the image itself is the column matrix.
    var isPointwise: Bool {
        window.kernel == (1, 1) && window.stride == (1, 1) && window.padding == (0, 0)
    }
}

extension Tensor {
    /// 2-D cross-correlation (`F.conv2d`): input `[N, C, H, W]`, weight `[Cout, C/groups, kh, kw]`, optional bias
    /// `[Cout]`.
    ///
    /// Note (conv kernel): float32 3×3 layers with 32 or more channels take Winograd F(4×4, 3×3)
    /// (``Winograd43``), other stride-1 float32 layers the direct AVX-512 kernel (``DirectConv``). Otherwise each
    /// image is unfolded into a column matrix in a per-thread scratch buffer that stays in cache and multiplied by
    /// the filters with one GEMM per group, written straight into the NCHW output (the bias is preloaded into it). Images are split over the threads. Backward recomputes the columns instead
    /// of saving them. When a graph of the backward is being built (`createGraph`), the gradients are written
    /// with differentiable ops instead (``conv2dReference(_:bias:stride:padding:dilation:groups:)``'s
    /// formulas), so higher-order gradients work.
    /// - Parameters:
    ///   - weight: the filters.
    ///   - bias: optional per-output-channel bias.
    ///   - stride: stride.
    ///   - padding: zero padding.
    ///   - dilation: dilation.
    ///   - groups: channel groups.
    public func conv2d(_ weight: Tensor, bias: Tensor? = nil, stride: (Int, Int) = (1, 1), padding: (Int, Int) = (0, 0),
                       dilation: (Int, Int) = (1, 1), groups: Int = 1) -> Tensor {
        if commonDevice([self, weight] + [bias].compactMap { $0 }, op: "conv2d") != .cpu {
            // On a device: the composite definition (im2col, a batched product per group, bias), whose ops the
            // backend runs and whose gradients are those of its ops.
            return conv2dReference(weight, bias: bias, stride: stride, padding: padding, dilation: dilation, groups: groups)
        }
        let geo = convGeometry(weight, bias: bias, stride: stride, padding: padding, dilation: dilation, groups: groups)
        precondition(dtype == weight.dtype && (bias.map { $0.dtype == dtype } ?? true),
                     "conv2d: input (\(dtype)), weight (\(weight.dtype)) and bias (\(bias?.dtype.description ?? "none")) should have the same dtype")
        let work = dtype == .float64 ? DType.float64 : .float32
        let x = cast(work).contiguous(), wt = weight.cast(work).contiguous(), b = bias?.cast(work).contiguous()
        let out = Tensor(uninitializedShape: [geo.n, geo.cout, geo.oh, geo.ow], dtype: work)
        if Winograd43.applies(geo, work) {
            let u = Winograd43.filters(wt.pointer(as: Float.self), k: geo.cout, c: geo.c, flip: false)
            Winograd43.forward(x.pointer(as: Float.self), u.pointer(as: Float.self), bias: b.map { UnsafePointer($0.pointer(as: Float.self)) },
                               out.pointer(as: Float.self), n: geo.n, c: geo.c, h: geo.h, w: geo.w, k: geo.cout, oh: geo.oh, ow: geo.ow,
                               padding: geo.window.padding)
        } else if DirectConv.applies(geo, work) {
            DirectConv.forward(x.pointer(as: Float.self), wt.pointer(as: Float.self), bias: b.map { UnsafePointer($0.pointer(as: Float.self)) },
                               out.pointer(as: Float.self), geo)
        } else if work == .float32 {
            convForward(x, wt, b, out, geo, Float.self)
        } else {
            convForward(x, wt, b, out, geo, Double.self)
        }
        let result = work == dtype ? out : out.cast(dtype)
        let inputs = bias.map { [self, weight, $0] } ?? [self, weight]
        if shouldRecord(inputs) {
            record("conv2d", inputs: inputs, outputs: [result], saving: [self, weight]) { ctx in
                let x = ctx.saved[0], w = ctx.saved[1]
                let needs = (ctx.needsInputGrad(0), ctx.needsInputGrad(1), inputs.count > 2 && ctx.needsInputGrad(2))
                if GradMode.isEnabled { return conv2dBackwardGraph(ctx.grad, x, w, geo, hasBias: inputs.count > 2) }
                return conv2dBackwardFast(ctx.grad, x, w, geo, needs: needs, hasBias: inputs.count > 2)
            }
        }
        return result
    }

    /// Checks the operands of a convolution and returns its sizes.
    func convGeometry(_ weight: Tensor, bias: Tensor?, stride: (Int, Int), padding: (Int, Int), dilation: (Int, Int),
                      groups: Int) -> ConvGeometry {
        precondition(rank == 4 && weight.rank == 4, "conv2d: expected 4-D input and weight, got \(shape) and \(weight.shape)")
        let (n, c, h, w) = (shape[0], shape[1], shape[2], shape[3])
        let cout = weight.shape[0], kh = weight.shape[2], kw = weight.shape[3]
        precondition(groups >= 1 && c % groups == 0 && cout % groups == 0 && weight.shape[1] == c / groups,
                     "conv2d: input \(shape) with groups=\(groups) expects weight [\(cout), \(c / Swift.max(groups, 1)), kh, kw], got \(weight.shape)")
        if let bias { precondition(bias.shape == [cout], "conv2d: bias should have shape [\(cout)], got \(bias.shape)") }
        precondition(stride.0 > 0 && stride.1 > 0 && dilation.0 > 0 && dilation.1 > 0 && padding.0 >= 0 && padding.1 >= 0,
                     "conv2d: stride \(stride) and dilation \(dilation) must be positive and padding \(padding) non-negative")
        let window = Window2d(kernel: (kh, kw), dilation: dilation, padding: padding, stride: stride)
        let (oh, ow) = window.outputSize(h, w)
        precondition(oh > 0 && ow > 0, "conv2d: kernel \(kh)×\(kw) (dilation \(dilation), padding \(padding)) is larger than the input \(h)×\(w)")
        return ConvGeometry(n: n, c: c, h: h, w: w, cout: cout, groups: groups, window: window, oh: oh, ow: ow)
    }

    /// The composite definition of ``conv2d(_:bias:stride:padding:dilation:groups:)``: `im2col`, one matrix product
    /// per group, permute and bias. It is the reference the fast kernel is tested against, and its gradients are
    /// those of its ops.
    /// - Parameters:
    ///   - weight: the filters.
    ///   - bias: optional bias.
    ///   - stride: stride.
    ///   - padding: zero padding.
    ///   - dilation: dilation.
    ///   - groups: channel groups.
    func conv2dReference(_ weight: Tensor, bias: Tensor? = nil, stride: (Int, Int) = (1, 1), padding: (Int, Int) = (0, 0),
                         dilation: (Int, Int) = (1, 1), groups: Int = 1) -> Tensor {
        let geo = convGeometry(weight, bias: bias, stride: stride, padding: padding, dilation: dilation, groups: groups)
        let cols = im2col(geo.window)  // [N, C·kh·kw, L]
        var outs: [Tensor] = []
        for g in 0..<groups {
            let gc = groups == 1 ? cols : cols.narrow(1, g * geo.kPer, geo.kPer)
            let colsMat = gc.permute(1, 0, 2).reshape([geo.kPer, geo.n * geo.l])
            let wMat = (groups == 1 ? weight : weight.narrow(0, g * geo.coutPer, geo.coutPer)).reshape([geo.coutPer, geo.kPer])
            outs.append(wMat.mm(colsMat))  // [Cout/g, N·L]
        }
        let y = (groups == 1 ? outs[0] : Tensor.cat(outs, dim: 0)).reshape([geo.cout, geo.n, geo.oh, geo.ow]).permute(1, 0, 2, 3)
        let out = bias.map { y + $0.reshape([1, geo.cout, 1, 1]) } ?? y
        return out.contiguous()
    }
}

/// Gradients of a convolution written with differentiable ops (used when `createGraph` records the backward).
private func conv2dBackwardGraph(_ gy: Tensor, _ x: Tensor, _ w: Tensor, _ geo: ConvGeometry, hasBias: Bool) -> [Tensor?] {
    let cols = x.im2col(geo.window)                    // [N, C·k, L]
    let gyMat = gy.reshape([geo.n, geo.cout, geo.l])   // [N, Cout, L]
    var gw: [Tensor] = [], gcols: [Tensor] = []
    for g in 0..<geo.groups {
        let gyG = geo.groups == 1 ? gyMat : gyMat.narrow(1, g * geo.coutPer, geo.coutPer)
        let colsG = geo.groups == 1 ? cols : cols.narrow(1, g * geo.kPer, geo.kPer)
        let wG = (geo.groups == 1 ? w : w.narrow(0, g * geo.coutPer, geo.coutPer)).reshape([geo.coutPer, geo.kPer])
        gw.append(gyG.matmul(colsG.transpose(1, 2)).sum([0]))  // [Cout/g, kPer]
        gcols.append(wG.t().matmul(gyG))                        // [N, kPer, L]
    }
    let gx = (geo.groups == 1 ? gcols[0] : Tensor.cat(gcols, dim: 1)).col2im(x.shape, geo.window)
    let gW = (geo.groups == 1 ? gw[0] : Tensor.cat(gw, dim: 0)).reshape(w.shape)
    return hasBias ? [gx, gW, gy.sum([0, 2, 3])] : [gx, gW]
}

/// Gradients of a convolution with the fast kernels (no graph of the backward).
private func conv2dBackwardFast(_ gy: Tensor, _ x: Tensor, _ w: Tensor, _ geo: ConvGeometry,
                                needs: (Bool, Bool, Bool), hasBias: Bool) -> [Tensor?] {
    let work = x.dtype == .float64 ? DType.float64 : .float32
    let g = gy.cast(work).contiguous(), xc = x.cast(work).contiguous(), wc = w.cast(work).contiguous()
    let gx = needs.0 ? Tensor(uninitializedShape: x.shape, dtype: work) : nil
    let gw = needs.1 ? Tensor(uninitializedShape: w.shape, dtype: work) : nil
    // The bias gradient is a plain (vectorised) reduction over the batch and the positions.
    let gb = needs.2 ? g.sum([0, 2, 3]) : nil
    if Winograd43.applies(geo, work) {
        let pg = g.pointer(as: Float.self), px = xc.pointer(as: Float.self), pad = geo.window.padding
        if let gx {
            // The input gradient is the convolution of gy with the rotated, transposed filters.
            let u = Winograd43.filters(wc.pointer(as: Float.self), k: geo.cout, c: geo.c, flip: true)
            Winograd43.forward(pg, u.pointer(as: Float.self), bias: nil, gx.pointer(as: Float.self), n: geo.n, c: geo.cout,
                               h: geo.oh, w: geo.ow, k: geo.c, oh: geo.h, ow: geo.w, padding: (2 - pad.0, 2 - pad.1))
        }
        if let gw {
            Winograd43.weightGradient(px, pg, gw.pointer(as: Float.self), n: geo.n, c: geo.c, h: geo.h, w: geo.w, k: geo.cout,
                                      oh: geo.oh, ow: geo.ow, padding: pad)
        }
    } else if DirectConv.applies(geo, work) && (gx == nil || DirectConv.inputGradientPadding(geo) != nil) {
        DirectConv.backward(g.pointer(as: Float.self), xc.pointer(as: Float.self), wc.pointer(as: Float.self),
                            gx: gx?.pointer(as: Float.self), gw: gw?.pointer(as: Float.self), geo)
    } else if work == .float32 {
        convBackward(g, xc, wc, gx, gw, geo, Float.self)
    } else {
        convBackward(g, xc, wc, gx, gw, geo, Double.self)
    }
    let back = { (t: Tensor?) in t.map { $0.dtype == x.dtype ? $0 : $0.cast(x.dtype) } }
    return hasBias ? [back(gx), back(gw), back(gb)] : [back(gx), back(gw)]
}

// MARK: Kernels

/// How many threads share the images of a batch (each gets a contiguous run of images).
func imageChunks(_ geo: ConvGeometry) -> Int {
    let flops = geo.n * geo.cout * geo.kPer * geo.l
    return flops < 1 << 18 ? 1 : Swift.max(1, Swift.min(Torch.numThreads, geo.n))
}

/// The column matrix of image `i`: unfolded into `buf`, or the image itself for a pointwise kernel (no `buf`).
@inline(__always)
private func imageColumns<T: FloatingScalar>(_ x: UnsafePointer<T>, _ i: Int, _ buf: UnsafeMutablePointer<T>?,
                                             _ geo: ConvGeometry) -> UnsafePointer<T> {
    guard let buf else { return x + i * geo.imageIn }
    im2colImage(x + i * geo.imageIn, buf, geo.c, geo.h, geo.w, geo.window)
    return UnsafePointer(buf)
}

private func convForward<T: FloatingScalar>(_ x: Tensor, _ w: Tensor, _ b: Tensor?, _ out: Tensor, _ geo: ConvGeometry, _: T.Type) {
    let px = UnsafePointer(x.pointer(as: T.self)), pw = UnsafePointer(w.pointer(as: T.self)), po = out.pointer(as: T.self)
    let pb = b.map { UnsafePointer($0.pointer(as: T.self)) }
    let l = geo.l
    let chunks = imageChunks(geo)
    // With fewer images than threads, one image's GEMM is split by output columns instead.
    let splitColumns = geo.n < Torch.numThreads && geo.cout * geo.kPer * l >= 1 << 18
    let scratch = geo.isPointwise ? nil : Tensor(uninitializedShape: [chunks * geo.rows * l], dtype: T.dtype)
    let ps = scratch?.pointer(as: T.self)
    func image(_ i: Int, _ buf: UnsafeMutablePointer<T>?) {
        let cols = imageColumns(px, i, buf, geo)
        let y = po + i * geo.imageOut
        if let pb {
            for co in 0..<geo.cout { (y + co * l).update(repeating: pb[co], count: l) }
        }
        let beta: T = pb == nil ? 0 : 1
        func columns(_ c0: Int, _ c1: Int) {
            for g in 0..<geo.groups {
                gemmRaw(transA: false, transB: false, m: geo.coutPer, n: c1 - c0, k: geo.kPer,
                        a: pw + g * geo.coutPer * geo.kPer, lda: geo.kPer, b: cols + g * geo.kPer * l + c0, ldb: l,
                        beta: beta, c: y + g * geo.coutPer * l + c0, ldc: l)
            }
        }
        if splitColumns {
            let blocks = Swift.max(1, l / 64)
            ThreadPool.parallelFor(blocks, grain: 1) { r in columns(l * r.lowerBound / blocks, l * r.upperBound / blocks) }
        } else {
            columns(0, l)
        }
    }
    ThreadPool.parallelFor(chunks, grain: 1) { r in
        for ch in r {
            let buf = ps.map { $0 + ch * geo.rows * l }
            for i in (geo.n * ch / chunks)..<(geo.n * (ch + 1) / chunks) { image(i, buf) }
        }
    }
}

private func convBackward<T: FloatingScalar>(_ gy: Tensor, _ x: Tensor, _ w: Tensor, _ gx: Tensor?, _ gw: Tensor?,
                                             _ geo: ConvGeometry, _: T.Type) {
    let pg = UnsafePointer(gy.pointer(as: T.self)), px = UnsafePointer(x.pointer(as: T.self))
    let pw = UnsafePointer(w.pointer(as: T.self))
    let l = geo.l
    if gx == nil && gw == nil { return }
    let chunks = imageChunks(geo)
    let wSize = geo.cout * geo.kPer
    // Per-chunk weight-gradient accumulators (chunk 0 writes the result), summed in chunk order.
    let gwParts = gw != nil && chunks > 1 ? Tensor(uninitializedShape: [(chunks - 1) * wSize], dtype: T.dtype) : nil
    let pointwise = geo.isPointwise
    let colScratch = gw != nil && !pointwise ? Tensor(uninitializedShape: [chunks * geo.rows * l], dtype: T.dtype) : nil
    let gcolScratch = gx != nil && !pointwise ? Tensor(uninitializedShape: [chunks * geo.rows * l], dtype: T.dtype) : nil
    let pgw = gw?.pointer(as: T.self), pparts = gwParts?.pointer(as: T.self), pgx = gx?.pointer(as: T.self)
    let pcs = colScratch?.pointer(as: T.self), pgs = gcolScratch?.pointer(as: T.self)
    ThreadPool.parallelFor(chunks, grain: 1) { r in
        for ch in r {
            let acc = ch == 0 ? pgw : pparts.map { $0 + (ch - 1) * wSize }
            let colBuf = pcs.map { $0 + ch * geo.rows * l }, gcolBuf = pgs.map { $0 + ch * geo.rows * l }
            var first = true
            for i in (geo.n * ch / chunks)..<(geo.n * (ch + 1) / chunks) {
                let gyi = pg + i * geo.imageOut
                if let acc {
                    let cols = imageColumns(px, i, colBuf, geo)
                    for g in 0..<geo.groups {
                        gemmRaw(transA: false, transB: true, m: geo.coutPer, n: geo.kPer, k: l,
                                a: gyi + g * geo.coutPer * l, lda: l, b: cols + g * geo.kPer * l, ldb: l,
                                beta: first ? 0 : 1, c: acc + g * geo.coutPer * geo.kPer, ldc: geo.kPer)
                    }
                    first = false
                }
                if let pgx {
                    let target = gcolBuf ?? (pgx + i * geo.imageIn)
                    for g in 0..<geo.groups {
                        gemmRaw(transA: true, transB: false, m: geo.kPer, n: l, k: geo.coutPer,
                                a: pw + g * geo.coutPer * geo.kPer, lda: geo.kPer, b: gyi + g * geo.coutPer * l, ldb: l,
                                c: target + g * geo.kPer * l, ldc: l)
                    }
                    if let gcolBuf {
                        let img = pgx + i * geo.imageIn
                        img.update(repeating: 0, count: geo.imageIn)
                        col2imImage(UnsafePointer(gcolBuf), img, geo.c, geo.h, geo.w, geo.window)
                    }
                }
            }
            // A chunk without images (not possible while chunks ≤ n) still contributes zeros.
            if first, let acc { acc.update(repeating: 0, count: wSize) }
        }
    }
    if let pgw, let pparts {
        for part in 0..<(chunks - 1) {
            let src = pparts + part * wSize
            for j in 0..<wSize { pgw[j] += src[j] }
        }
    }
}

extension OpInfo {
    static let conv2d = OpInfo(name: "conv2d", kind: .linalg, dtypes: .floating, differentiable: true,
                               inputs: [.init([2, 4, 5, 5], .real), .init([6, 2, 3, 2], .real), .init([6], .real)]) {
        $0[0].conv2d($0[1], bias: $0[2], stride: (2, 1), padding: (1, 1), dilation: (1, 2), groups: 2)
    }
}
