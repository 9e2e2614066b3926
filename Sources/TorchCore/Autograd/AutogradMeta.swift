// MARK: - AutogradMeta

/// Autograd state of one tensor: created lazily, so plain tensors carry none.
final class AutogradMeta {
    var requiresGrad = false
    var grad: Tensor?
    var gradFn: Node?
    var outputNr = 0
    var retainsGrad = false
    /// The accumulator node of a leaf, shared by every use of the leaf in every graph.
    var gradAccumulator: AccumulateGrad?
    /// Hooks of a leaf, run before accumulation.
    var leafHooks: [TensorHook] = []
    /// For a differentiable view: the tensor it views (for in-place ops on views).
    var viewBase: Tensor?
    /// For a differentiable view: re-creates the view from a tensor shaped like `viewBase`.
    var viewReplay: ((Tensor) -> Tensor)?
    /// The storage version when this view's `gradFn` was set; a later in-place write anywhere in the storage
    /// (through the base or another view) makes the history stale.
    var viewVersion = 0
}

/// A tensor hook: receives the gradient and may return a replacement.
public typealias TensorHook = (Tensor) -> Tensor?

// MARK: - Autograd accessors on Tensor

extension Tensor {
    /// Whether autograd records ops on this tensor. Set it on leaves (`requires_grad`).
    public var requiresGrad: Bool {
        get { impl.autograd?.requiresGrad ?? false }
        nonmutating set {
            precondition(isLeaf || newValue,
                         "requiresGrad: you can only change requiresGrad flags of leaf variables; use detach() for a non-leaf")
            precondition(!newValue || dtype.isFloatingPoint,
                         "requiresGrad: only tensors of floating point dtype can require gradients (got \(dtype))")
            impl.meta.requiresGrad = newValue
        }
    }

    /// Sets ``requiresGrad`` and returns the tensor (PyTorch's `requires_grad_()`).
    /// - Parameter requiresGrad: the new flag.
    @discardableResult
    public func requiresGrad_(_ requiresGrad: Bool = true) -> Tensor {
        self.requiresGrad = requiresGrad
        return self
    }

    /// The accumulated gradient of a leaf (or of a tensor that called ``retainGrad()``).
    public var grad: Tensor? {
        get { impl.autograd?.grad }
        nonmutating set { impl.meta.grad = newValue }
    }

    /// The node that created this tensor, or nil for leaves.
    public var gradFn: Node? {
        refreshViewHistory()
        return impl.autograd?.gradFn
    }

    /// Note (view history): after an in-place write to a base (directly or through another view), every other
    /// differentiable view of it must differentiate through the write. As in PyTorch, a view whose recorded
    /// storage version is stale re-derives its `gradFn` by replaying its view ops on the (rebased) base.
    func refreshViewHistory() {
        guard let m = impl.autograd, let base = m.viewBase, let replay = m.viewReplay,
              m.viewVersion != impl.storage.version else { return }
        m.viewVersion = impl.storage.version
        guard base.requiresGrad else { return }
        let v = enableGrad { replay(base) }
        m.gradFn = v.impl.autograd?.gradFn
        m.outputNr = v.impl.autograd?.outputNr ?? 0
        m.requiresGrad = true
    }

    /// True for tensors not created by a recorded op.
    public var isLeaf: Bool { impl.autograd?.gradFn == nil }

    /// Which output of ``gradFn`` this tensor is.
    var outputNr: Int { impl.autograd?.outputNr ?? 0 }

    /// Keeps the gradient of a non-leaf tensor in ``grad`` after backward.
    public func retainGrad() {
        guard !isLeaf else { return }
        guard let meta = impl.autograd, !meta.retainsGrad else { return }
        meta.retainsGrad = true
        let weakImpl = WeakImpl(impl)
        gradFn!.retainHooks[outputNr] = { g in
            if let target = weakImpl.impl?.autograd {
                if let old = target.grad { target.grad = old + g } else { target.grad = g.detach().contiguousCopy() }
            }
        }
    }

    /// Registers a hook called with this tensor's gradient during backward; returning a tensor replaces it.
    /// - Parameter hook: the hook.
    public func registerHook(_ hook: @escaping TensorHook) {
        precondition(requiresGrad, "registerHook: cannot register a hook on a tensor that doesn't require gradient")
        if let fn = gradFn {
            fn.addPreHook(outputNr, hook)
        } else {
            impl.meta.leafHooks.append(hook)
        }
    }

    /// A new tensor sharing storage with this one but cut from the graph (`detach()`).
    public func detach() -> Tensor {
        Tensor(impl: TensorImpl(storage: impl.storage, shape: impl.shape, strides: impl.strides,
                                offset: impl.offset, dtype: impl.dtype))
    }

    /// Cuts this tensor from the graph in place and makes it a leaf (`detach_()`).
    @discardableResult
    public func detach_() -> Tensor {
        if let m = impl.autograd {
            m.gradFn = nil
            m.requiresGrad = false
            m.viewBase = nil
            m.viewReplay = nil
        }
        return self
    }

    /// Zeroes or drops the gradient.
    func attachGradFn(_ node: Node, outputNr: Int) {
        let m = impl.meta
        m.gradFn = node
        m.outputNr = outputNr
        m.requiresGrad = true
    }

    /// The accumulator node of a leaf that requires grad (created on first use).
    func gradAccumulator() -> AccumulateGrad {
        let m = impl.meta
        if let acc = m.gradAccumulator { return acc }
        let acc = AccumulateGrad(leaf: impl)
        m.gradAccumulator = acc
        return acc
    }

    /// The edge in the graph that a gradient for this tensor flows along, or nil when it needs none.
    var gradientEdge: Edge? {
        refreshViewHistory()
        guard let m = impl.autograd, m.requiresGrad else { return nil }
        if let fn = m.gradFn { return Edge(node: fn, inputNr: m.outputNr) }
        return Edge(node: gradAccumulator(), inputNr: 0)
    }
}

final class WeakImpl: @unchecked Sendable {
    weak var impl: TensorImpl?
    init(_ impl: TensorImpl) { self.impl = impl }
}
