// MARK: - Shared machinery of view ops

extension Tensor {
    /// A tensor sharing this one's storage with new geometry (no recording).
    func aliased(shape: [Int], strides: [Int], offset: Int) -> Tensor {
        Tensor(storage: storage, shape: shape, strides: strides, offset: offset, dtype: dtype)
    }

    /// Creates a view of `self` and records it, with the functions `functions` makes: `backward` maps the view's
    /// gradient to `self`'s.
    ///
    /// Note (view replay): `replay` re-creates this view from any tensor shaped like `self` with the same
    /// logical ops. Composed along a chain of views it maps the differentiable base to the view, which is what
    /// an in-place write through the view needs to route gradients (whatever the base's memory layout).
    ///
    /// Note (unrecorded views): the two closures are made by `functions`, a non-escaping closure called only
    /// when the view is recorded, so a view taken under `noGrad` (every transpose of a backward pass) allocates
    /// its tensor and nothing else.
    func makeView(_ op: String, shape: [Int], strides: [Int], offset: Int,
                  functions: () -> ViewFunctions) -> Tensor {
        let out = aliased(shape: shape, strides: strides, offset: offset)
        if shouldRecord(self) {
            let f = functions()
            let replay = f.replay, backward = f.backward
            record(op, inputs: [self], outputs: [out]) { ctx in [backward(ctx.grad)] }
            let meta = out.impl.meta
            meta.viewVersion = storage.version
            if let parentBase = impl.autograd?.viewBase {
                meta.viewBase = parentBase
                if let parentReplay = impl.autograd?.viewReplay { meta.viewReplay = { replay(parentReplay($0)) } }
            } else {
                meta.viewBase = self
                // A view of a leaf never needs replaying: writing through it is an error (as in PyTorch), and
                // skipping the closure keeps `w.t()` in a linear layer cheap.
                if !isLeaf { meta.viewReplay = replay }
            }
        }
        return out
    }
}

/// The two functions of a recorded view (see ``Tensor/makeView(_:shape:strides:offset:functions:)``).
struct ViewFunctions {
    /// Re-creates the view from a tensor shaped like its input.
    let replay: (Tensor) -> Tensor
    /// Maps the view's gradient to its input's.
    let backward: (Tensor) -> Tensor
}

/// The gradient of a slicing view: `grad` added into zeros of `baseShape` at the positions `view` selects.
///
/// Overlapping views (`unfold`, `asStrided`, `expand`) accumulate, so the scatter runs on one thread. Its own
/// backward applies `view` again, which makes double backward through views work.
func viewScatterAdd(_ grad: Tensor, baseShape: [Int], view: @escaping (Tensor) -> Tensor) -> Tensor {
    if grad.device != .cpu {
        return viewScatterAdd(grad.transferred(to: .cpu), baseShape: baseShape, view: view).transferred(to: grad.device)
    }
    let out = Tensor.zeros(baseShape, dtype: grad.dtype)
    let region = view(noGrad { out.detach() })
    accumulateInto(region, grad)
    if shouldRecord(grad) {
        record("viewScatterAdd", inputs: [grad], outputs: [out]) { ctx in [view(ctx.grad)] }
    }
    return out
}

/// `dst += src` element by element on one thread, so that overlapping destinations accumulate.
func accumulateInto(_ dst: Tensor, _ src: Tensor) {
    let s = src.dtype == dst.dtype ? src : src.to(dst.dtype)
    switch dst.dtype {
    case .float64: accumulateLoop(dst, s, Double.self)
    case .float32: accumulateLoop(dst, s, Float.self)
    default:
        let tmp = (dst.to(.float32) + s.to(.float32))
        copyElements(from: tmp, to: dst)
    }
}

private func accumulateLoop<T: FloatingScalar>(_ dst: Tensor, _ src: Tensor, _: T.Type) {
    let ss = broadcastStrides(dst.shape, src.shape, src.strides)
    let it = StridedIter(shape: dst.shape, strides: [dst.strides, ss])
    let pd = dst.pointer(as: T.self), ps = src.pointer(as: T.self)
    let sd = it.innerStride(0), s1 = it.innerStride(1)
    it.forEachRow(0..<it.rowCount) { off, n in
        let d = pd + off[0], x = ps + off[1]
        for i in 0..<n { d[i * sd] += x[i * s1] }
    }
}

/// A function re-creating the view `region` (of a tensor laid out like `base`, contiguous) on any tensor of
/// `base`'s shape: used by the backward of writes into views.
func regionView(of region: Tensor, in base: Tensor) -> (Tensor) -> Tensor {
    let size = region.shape, st = region.strides, rel = region.storageOffset - base.storageOffset
    return { t in
        let c = t.contiguous()
        return c.asStrided(size, st, storageOffset: c.storageOffset + rel)
    }
}

/// The gradient of overwriting `view(base)` with a value: zero inside the region for the old base, the
/// region's gradient for the value.
func overwriteBackward(_ g: Tensor, _ view: (Tensor) -> Tensor) -> [Tensor?] {
    let keep = noGrad { () -> Tensor in
        let m = Tensor.ones(g.shape, dtype: g.dtype, device: g.device)
        let region = view(m)
        precondition(region.storage === m.storage,
                     "in-place write through a view: this chain of views cannot be replayed as a view of its base (a reshape had to copy); clone the base first")
        region.fillRaw(0)
        return m
    }
    return [g * keep, view(g)]
}

/// Shape with a `-1` entry inferred from `count`.
func inferShape(_ shape: [Int], count: Int, op: String) -> [Int] {
    var out = shape
    let neg = shape.indices.filter { shape[$0] == -1 }
    precondition(neg.count <= 1, "\(op): only one dimension can be inferred")
    if let i = neg.first {
        let known = shape.enumerated().filter { $0.offset != i }.reduce(1) { $0 * $1.element }
        precondition(known != 0 && count % known == 0, "\(op): shape '\(shape)' is invalid for input of size \(count)")
        out[i] = count / known
    }
    precondition(shapeCount(out) == count && out.allSatisfy({ $0 >= 0 }),
                 "\(op): shape '\(shape)' is invalid for input of size \(count)")
    return out
}

/// Strides for viewing a tensor of `oldShape`/`oldStrides` as `newShape` without copying, or nil when impossible
/// (PyTorch's `computeStride`).
func viewStrides(_ oldShape: [Int], _ oldStrides: [Int], _ newShape: [Int]) -> [Int]? {
    if oldShape.isEmpty { return filledInts(1, newShape.count) }
    let numel = shapeCount(oldShape)
    if numel == 0 { return oldShape == newShape ? oldStrides : contiguousStrides(newShape) }
    var newStrides = filledInts(0, newShape.count)
    var viewD = newShape.count - 1
    var chunkBase = oldStrides[oldStrides.count - 1]
    var tensorNumel = 1
    var viewNumel = 1
    for tensorD in stride(from: oldShape.count - 1, through: 0, by: -1) {
        tensorNumel *= oldShape[tensorD]
        if tensorD == 0 || (oldShape[tensorD - 1] != 1 && oldStrides[tensorD - 1] != tensorNumel * chunkBase) {
            while viewD >= 0 && (viewNumel < tensorNumel || newShape[viewD] == 1) {
                newStrides[viewD] = viewNumel * chunkBase
                viewNumel *= newShape[viewD]
                viewD -= 1
            }
            if viewNumel != tensorNumel { return nil }
            if tensorD > 0 {
                chunkBase = oldStrides[tensorD - 1]
                tensorNumel = 1
                viewNumel = 1
            }
        }
    }
    return viewD == -1 ? newStrides : nil
}
