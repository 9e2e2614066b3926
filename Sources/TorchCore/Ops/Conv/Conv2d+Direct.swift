import CTorchKernels

// MARK: - Direct convolution for stride-1 float32 layers

/// Note (direct convolution): a stride-1 convolution computed without a column matrix. The kernel
/// (`directconv.c`) keeps 4 output channels × 96 positions in AVX-512 registers for all of a position's taps,
/// reading the (padded) input as one contiguous vector per tap. First written for thin layers (the first layer of
/// a CNN: `C·kh·kw` of 25 or 27, where an im2col GEMM is mostly packing), it measured faster than the im2col GEMM
/// path for every stride-1 shape tried, up to 64 channels with 5×5 filters (`C·kh·kw` = 1600), forward and
/// backward (docs/benchmarks.md, "Direct convolution"), so it serves all of them; 3×3 layers with 32 or more
/// channels take Winograd first, 1×1 ones a GEMM on the image itself, strided ones im2col.
enum DirectConv {
    /// Whether the CPU has the kernel's instruction set (the C library's choice, which tests can override per
    /// thread).
    static var available: Bool { st_conv2d_direct_f32(nil, 0, 0, 0, nil, 1, 1, 1, 1, nil, nil, 0, 0) != 0 }

    /// Whether a convolution takes this path: float32, stride 1 and a kernel larger than 1×1 (a pointwise
    /// convolution is one GEMM on the image itself), on a CPU with AVX-512.
    static func applies(_ geo: ConvGeometry, _ dtype: DType) -> Bool {
        dtype == .float32 && geo.window.stride == (1, 1) && geo.window.kernel != (1, 1) && available
    }

    /// `out [N, Cout, OH, OW] = conv(x, w) + bias` for float32 contiguous operands.
    static func forward(_ x: UnsafePointer<Float>, _ w: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
                        _ y: UnsafeMutablePointer<Float>, _ geo: ConvGeometry) {
        let (ph, pw) = geo.window.padding, (kh, kw) = geo.window.kernel, (dh, dw) = geo.window.dilation
        let hp = geo.h + 2 * ph, wp = geo.w + 2 * pw
        let padded = ph > 0 || pw > 0
        // Images are split over the threads; with fewer images than threads each image's channels are split too.
        let threads = Torch.numThreads
        let chunks = imageChunks(geo)
        let small = geo.n * geo.cout * geo.kPer * geo.l < 1 << 18
        let channelSplits = small || geo.n >= threads ? 1 : Swift.max(1, Swift.min(threads / geo.n, geo.coutPer / 4))
        let scratch = padded ? Tensor(uninitializedShape: [chunks * channelSplits * geo.c * hp * wp], dtype: .float32) : nil
        let ps = scratch?.pointer(as: Float.self)
        ThreadPool.parallelFor(chunks * channelSplits, grain: 1) { r in
            for unit in r {
                let ch = unit / channelSplits, split = unit % channelSplits
                let k0 = geo.coutPer * split / channelSplits, k1 = geo.coutPer * (split + 1) / channelSplits
                let buf = ps.map { $0 + unit * geo.c * hp * wp }
                for i in (geo.n * ch / chunks)..<(geo.n * (ch + 1) / chunks) {
                    let img = paddedImage(x, i, geo, into: buf)
                    for g in 0..<geo.groups {
                        _ = st_conv2d_direct_f32(img + g * geo.cPer * hp * wp, geo.cPer, hp, wp, w + g * geo.coutPer * geo.kPer,
                                                 kh, kw, dh, dw, bias.map { $0 + g * geo.coutPer },
                                                 y + i * geo.imageOut + g * geo.coutPer * geo.l, k0, k1)
                    }
                }
            }
        }
    }

    /// Image `i` of `x`, copied with the convolution's zero padding into `buf` when it has padding (`buf` is then
    /// non-nil), or `x`'s own memory.
    private static func paddedImage(_ x: UnsafePointer<Float>, _ i: Int, _ geo: ConvGeometry,
                                    into buf: UnsafeMutablePointer<Float>?) -> UnsafePointer<Float> {
        let image = x + i * geo.imageIn
        guard let buf else { return image }
        st_pad_planes_f32(image, geo.c, geo.h, geo.w, geo.window.padding.0, geo.window.padding.1, buf)
        return UnsafePointer(buf)
    }

    /// The padding of the output gradient for the input gradient (a full correlation with the rotated filters),
    /// or nil when the forward padding is larger than the kernel's reach (the gradient would be a cropped
    /// correlation, which this path does not do).
    static func inputGradientPadding(_ geo: ConvGeometry) -> (Int, Int)? {
        let (kh, kw) = geo.window.kernel, (dh, dw) = geo.window.dilation, (ph, pw) = geo.window.padding
        let p = (dh * (kh - 1) - ph, dw * (kw - 1) - pw)
        return p.0 >= 0 && p.1 >= 0 ? p : nil
    }

    /// The input and weight gradients of a convolution that takes this path (either may be nil: not wanted).
    /// The input gradient is the direct convolution of the padded output gradient with the rotated filters,
    /// `w'[c][k][ky][kx] = w[k][c][kh-1-ky][kw-1-kx]` per group; the weight gradient sums the products of the
    /// output gradient and the shifted input over all positions and images, per thread in vector accumulators,
    /// then adds the threads' sums in order (so the result does not depend on timing).
    static func backward(_ gy: UnsafePointer<Float>, _ x: UnsafePointer<Float>, _ w: UnsafePointer<Float>,
                         gx: UnsafeMutablePointer<Float>?, gw: UnsafeMutablePointer<Float>?, _ geo: ConvGeometry) {
        let (kh, kw) = geo.window.kernel
        if let gx, let p = inputGradientPadding(geo) {
            let taps = kh * kw, per = geo.coutPer * geo.kPer
            let rotated = Tensor(uninitializedShape: [geo.cout * geo.kPer], dtype: .float32)
            let pr = rotated.pointer(as: Float.self)
            for g in 0..<geo.groups {
                for k in 0..<geo.coutPer {
                    for c in 0..<geo.cPer {
                        let src = w + g * per + (k * geo.cPer + c) * taps
                        let dst = pr + g * per + (c * geo.coutPer + k) * taps
                        for t in 0..<taps { dst[t] = src[taps - 1 - t] }
                    }
                }
            }
            let window = Window2d(kernel: geo.window.kernel, dilation: geo.window.dilation, padding: p, stride: (1, 1))
            let back = ConvGeometry(n: geo.n, c: geo.cout, h: geo.oh, w: geo.ow, cout: geo.c, groups: geo.groups,
                                    window: window, oh: geo.h, ow: geo.w)
            forward(gy, UnsafePointer(pr), bias: nil, gx, back)
        }
        guard let gw else { return }
        let (ph, pw) = geo.window.padding, (dh, dw) = geo.window.dilation
        let hp = geo.h + 2 * ph, wp = geo.w + 2 * pw
        let padded = ph > 0 || pw > 0
        let chunks = imageChunks(geo)
        let accPerGroup = st_conv2d_direct_weight_grad_scratch(geo.coutPer, geo.kPer)
        let accSize = geo.groups * accPerGroup
        let layoutSize = st_conv2d_direct_weight_grad_layout_scratch(geo.coutPer, hp, wp, kh, kw, dh, dw)
        let padSize = padded ? geo.c * hp * wp : 0
        let scratch = Tensor.zeros([chunks * accSize], dtype: .float32)
        let work = Tensor(uninitializedShape: [chunks * (padSize + layoutSize)], dtype: .float32)
        let ps = scratch.pointer(as: Float.self), pwk = work.pointer(as: Float.self)
        ThreadPool.parallelFor(chunks, grain: 1) { r in
            for ch in r {
                let acc = ps + ch * accSize
                let buf = padded ? pwk + ch * (padSize + layoutSize) : nil
                let layout = pwk + ch * (padSize + layoutSize) + padSize
                for i in (geo.n * ch / chunks)..<(geo.n * (ch + 1) / chunks) {
                    let img = paddedImage(x, i, geo, into: buf)
                    for g in 0..<geo.groups {
                        _ = st_conv2d_direct_weight_grad_f32(img + g * geo.cPer * hp * wp, geo.cPer, hp, wp,
                                                             gy + i * geo.imageOut + g * geo.coutPer * geo.l, kh, kw, dh, dw,
                                                             acc + g * accPerGroup, 0, geo.coutPer, layout)
                    }
                }
            }
        }
        gw.update(repeating: 0, count: geo.cout * geo.kPer)
        for ch in 0..<chunks {
            for g in 0..<geo.groups {
                _ = st_conv2d_direct_weight_grad_finish(ps + ch * accSize + g * accPerGroup, gw + g * geo.coutPer * geo.kPer,
                                                        geo.kPer, 0, geo.coutPer)
            }
        }
    }
}
