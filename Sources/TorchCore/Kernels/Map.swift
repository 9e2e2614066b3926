import CTorchKernels

// MARK: - Elementwise maps

/// Elements per thread below which an elementwise loop stays on the calling thread.
let elementwiseGrain = 32_768

/// The `stream` argument of the row kernels (`st_layernorm_rows_f32`, `st_softmax_rows_f32`) for an op writing
/// `count` floats in all: 1 (non-temporal stores) from `st_streaming_threshold()` bytes on. Decided on the whole
/// output, so every thread's share streams: for `layerNorm` of [4096, 1024] at two threads that measured 60 GB/s,
/// against 42 with each 8 MiB share deciding for itself (docs/benchmarks.md).
func streamingFlag(floats count: Int) -> Int32 { count * MemoryLayout<Float>.size >= st_streaming_threshold() ? 1 : 0 }

/// An elementwise function object of one argument. Kernels take function *types* rather than closures so
/// that, once specialised, the per-element call is static and the row loop vectorises.
protocol Map1 {
    associatedtype A
    associatedtype R
    func callAsFunction(_ a: A) -> R
}

/// An elementwise function object of two arguments.
protocol Map2 {
    associatedtype A
    associatedtype B
    associatedtype R
    func callAsFunction(_ a: A, _ b: B) -> R
    /// The `st_binary_f32` op code when `A`, `B` and `R` are `Float` and a vectorised kernel exists.
    var float32Op: Int32? { get }
}

extension Map2 {
    var float32Op: Int32? { nil }
}

/// Adapts a closure for the non-hot call sites.
struct ClosureMap1<A, R>: Map1 {
    let f: (A) -> R
    @inline(__always) func callAsFunction(_ a: A) -> R { f(a) }
}

/// Adapts a closure for the non-hot call sites.
struct ClosureMap2<A, B, R>: Map2 {
    let f: (A, B) -> R
    @inline(__always) func callAsFunction(_ a: A, _ b: B) -> R { f(a, b) }
}

/// `out[i] = f(x[i])` for a closure (convenience for cold paths).
func mapUnary<A, R>(_ x: Tensor, out: Tensor, _ f: (A) -> R) {
    withoutActuallyEscaping(f) { g in mapUnary(x, out: out, ClosureMap1(f: g)) }
}

/// `out[i] = f(a[i], b[i])` for a closure (convenience for cold paths).
func mapBinary<A, B, R>(_ a: Tensor, _ b: Tensor, out: Tensor, _ f: (A, B) -> R) {
    withoutActuallyEscaping(f) { g in mapBinary(a, b, out: out, ClosureMap2(f: g)) }
}

/// `out[i] = f(x[i])` with `x` broadcast to `out`'s shape; any strides.
@inline(__always)
func mapUnary<F: Map1>(_ x: Tensor, out: Tensor, _ f: F) {
    typealias A = F.A
    typealias R = F.R
    // Fast path: both dense with the same shape — one flat loop, no iteration-space set-up.
    if out.impl.isContiguous && x.impl.isContiguous && x.impl.shape == out.impl.shape {
        let po = out.pointer(as: R.self), px = x.pointer(as: A.self)
        let n = out.count
        if n <= elementwiseGrain {
            for i in 0..<n { po[i] = f(px[i]) }
        } else {
            ThreadPool.parallelFor(n, grain: elementwiseGrain) { r in
                for i in r { po[i] = f(px[i]) }
            }
        }
        return
    }
    let xs = broadcastStrides(out.shape, x.shape, x.strides)
    let it = StridedIter(shape: out.shape, strides: [out.strides, xs])
    let po = out.pointer(as: R.self)
    let px = x.pointer(as: A.self)
    let so = it.innerStride(0), sx = it.innerStride(1)
    it.run { off, n in
        let o = po + off[0], a = px + off[1]
        if so == 1 && sx == 1 {
            for i in 0..<n { o[i] = f(a[i]) }
        } else if so == 1 && sx == 0 {
            let v = f(a[0])
            for i in 0..<n { o[i] = v }
        } else {
            for i in 0..<n { o[i * so] = f(a[i * sx]) }
        }
    }
}

/// `out[i] = f(a[i], b[i])` with `a`, `b` broadcast to `out`'s shape; any strides.
@inline(__always)
func mapBinary<F: Map2>(_ a: Tensor, _ b: Tensor, out: Tensor, _ f: F) {
    typealias A = F.A
    typealias B = F.B
    typealias R = F.R
    // Fast paths: dense operands of the output's shape, or one of them a single element.
    if out.impl.isContiguous && a.impl.isContiguous && b.impl.isContiguous {
        let sameA = a.impl.shape == out.impl.shape, sameB = b.impl.shape == out.impl.shape
        if (sameA || a.count == 1) && (sameB || b.count == 1) {
            let po = out.pointer(as: R.self), pa = a.pointer(as: A.self), pb = b.pointer(as: B.self)
            let n = out.count
            // Small float32 operands: one call, no closure context to allocate (the per-op overhead path).
            if n <= elementwiseGrain, let op = f.float32Op {
                let sa = sameA ? 1 : 0, sb = sameB ? 1 : 0
                st_binary_f32(op, UnsafeRawPointer(pa).assumingMemoryBound(to: Float.self), UnsafeRawPointer(pb).assumingMemoryBound(to: Float.self),
                              UnsafeMutableRawPointer(po).assumingMemoryBound(to: Float.self), n, Int32(sa), Int32(sb))
                return
            }
            let body: (Range<Int>) -> Void
            if let op = f.float32Op {
                let fa = UnsafeRawPointer(pa).assumingMemoryBound(to: Float.self)
                let fb = UnsafeRawPointer(pb).assumingMemoryBound(to: Float.self)
                let fo = UnsafeMutableRawPointer(po).assumingMemoryBound(to: Float.self)
                let sa = sameA ? 1 : 0, sb = sameB ? 1 : 0
                body = { r in st_binary_f32(op, fa + r.lowerBound * sa, fb + r.lowerBound * sb, fo + r.lowerBound, r.count, Int32(sa), Int32(sb)) }
            } else if sameA && sameB {
                body = { r in for i in r { po[i] = f(pa[i], pb[i]) } }
            } else if sameA {
                let v = pb[0]
                body = { r in for i in r { po[i] = f(pa[i], v) } }
            } else if sameB {
                let u = pa[0]
                body = { r in for i in r { po[i] = f(u, pb[i]) } }
            } else {
                let u = pa[0], v = pb[0]
                body = { r in for i in r { po[i] = f(u, v) } }
            }
            if n <= elementwiseGrain { body(0..<n) } else { ThreadPool.parallelFor(n, grain: elementwiseGrain, body) }
            return
        }
    }
    let sa = broadcastStrides(out.shape, a.shape, a.strides)
    let sb = broadcastStrides(out.shape, b.shape, b.strides)
    let it = StridedIter(shape: out.shape, strides: [out.strides, sa, sb])
    let po = out.pointer(as: R.self)
    let pa = a.pointer(as: A.self)
    let pb = b.pointer(as: B.self)
    let so = it.innerStride(0), s1 = it.innerStride(1), s2 = it.innerStride(2)
    if let op = f.float32Op, so == 1, s1 <= 1, s2 <= 1 {
        // Rows with unit or broadcast inner strides (e.g. a [4096,1024] + b [1024]) go to the vector kernel.
        let fa = UnsafeRawPointer(pa).assumingMemoryBound(to: Float.self)
        let fb = UnsafeRawPointer(pb).assumingMemoryBound(to: Float.self)
        let fo = UnsafeMutableRawPointer(po).assumingMemoryBound(to: Float.self)
        if it.dimensionCount == 2 {
            // A plain matrix of rows: one C call per chunk of rows. A call writing at least half the L3 uses
            // non-temporal stores, so that its output does not push the inputs out of the cache: a [4096,1024] +
            // b [1024] (16 MiB out) ran at 70-71 GB/s at one thread that way, against 59-61 with ordinary stores
            // and PyTorch's 60-62, on the same buffers in one process. At two threads each call writes 8 MiB and
            // keeps ordinary stores: streaming both halves gave medians of 76-80 GB/s over four alternating
            // rounds, against 112-113 without.
            let rows = it.rowCount, cols = it.rowLength
            let ra = it.outerStride(1), rb = it.outerStride(2), ro = it.outerStride(0)
            ThreadPool.parallelFor(rows, grain: Swift.max(1, elementwiseGrain / Swift.max(cols, 1))) { r in
                let lo = r.lowerBound
                st_binary_rows_f32(op, fa + lo * ra, ra, fb + lo * rb, rb, fo + lo * ro, ro, r.count, cols, Int32(s1), Int32(s2))
            }
        } else {
            it.run { off, n in st_binary_f32(op, fa + off[1], fb + off[2], fo + off[0], n, Int32(s1), Int32(s2)) }
        }
        return
    }
    it.run { off, n in
        let o = po + off[0], x = pa + off[1], y = pb + off[2]
        if so == 1 && s1 == 1 && s2 == 1 {
            for i in 0..<n { o[i] = f(x[i], y[i]) }
        } else if so == 1 && s1 == 1 && s2 == 0 {
            let v = y[0]
            for i in 0..<n { o[i] = f(x[i], v) }
        } else if so == 1 && s1 == 0 && s2 == 1 {
            let u = x[0]
            for i in 0..<n { o[i] = f(u, y[i]) }
        } else {
            for i in 0..<n { o[i * so] = f(x[i * s1], y[i * s2]) }
        }
    }
}

/// `out[i] = f(a[i], b[i], c[i])` with broadcasting; any strides.
@inline(__always)
func mapTernary<A, B, C, R>(_ a: Tensor, _ b: Tensor, _ c: Tensor, out: Tensor, _ f: (A, B, C) -> R) {
    let sa = broadcastStrides(out.shape, a.shape, a.strides)
    let sb = broadcastStrides(out.shape, b.shape, b.strides)
    let sc = broadcastStrides(out.shape, c.shape, c.strides)
    let it = StridedIter(shape: out.shape, strides: [out.strides, sa, sb, sc])
    let po = out.pointer(as: R.self)
    let pa = a.pointer(as: A.self), pb = b.pointer(as: B.self), pc = c.pointer(as: C.self)
    let so = it.innerStride(0), s1 = it.innerStride(1), s2 = it.innerStride(2), s3 = it.innerStride(3)
    it.run { off, n in
        let o = po + off[0], x = pa + off[1], y = pb + off[2], z = pc + off[3]
        if so == 1 && s1 == 1 && s2 == 1 && s3 == 1 {
            for i in 0..<n { o[i] = f(x[i], y[i], z[i]) }
        } else {
            for i in 0..<n { o[i * so] = f(x[i * s1], y[i * s2], z[i * s3]) }
        }
    }
}
