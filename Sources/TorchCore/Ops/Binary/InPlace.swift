import CTorchKernels
// MARK: - In-place ops

extension Tensor {
    /// Writes `result` (computed out of place from this tensor's value) into this tensor and moves the tensor's
    /// autograd history onto it, as PyTorch's in-place ops do.
    ///
    /// Note (in-place autograd): the recorded computation reads a recorded clone of the old value, so the
    /// in-place write cannot invalidate what the new node saved. When this tensor is a differentiable view, its
    /// base gets a `copySlices` node: the base's gradient flows to the old base everywhere except the view's
    /// region, whose gradient flows to `result`.
    @discardableResult
    func commitInPlace(_ op: String, _ result: Tensor) -> Tensor {
        precondition(result.shape == shape,
                     "\(op): output with shape \(shape) doesn't match the broadcast shape \(result.shape)")
        precondition(!(isLeaf && requiresGrad && GradMode.isEnabled),
                     "\(op): a leaf Variable that requires grad is being used in an in-place operation.")
        precondition(dtype.isFloatingPoint || !result.dtype.isFloatingPoint || result.dtype == dtype,
                     "\(op): result type \(result.dtype) can't be cast to the desired output type \(dtype)")
        copyElements(from: result, to: self)
        storage.bumpVersion()
        if result.requiresGrad && GradMode.isEnabled {
            if let base = impl.autograd?.viewBase {
                precondition(!(base.isLeaf && base.requiresGrad),
                             "\(op): a view of a leaf Variable that requires grad is being used in an in-place operation.")
                rebaseView(base: base, newValue: result, op: op)
            } else {
                impl.meta.gradFn = result.gradFn
                impl.meta.outputNr = result.outputNr
                impl.meta.requiresGrad = true
            }
        }
        return self
    }

    /// The value to compute an in-place op from: a recorded clone when recording, else `self`.
    var inPlaceSource: Tensor { shouldRecord(self) ? clone() : self }

    private func rebaseView(base: Tensor, newValue: Tensor, op: String) {
        guard let region = impl.autograd?.viewReplay else {
            preconditionFailure("\(op): internal error: a differentiable view without its replay function")
        }
        let node = FunctionNode(opName: "copySlices", inputs: [base, newValue], saved: [], numOutputs: 1) { ctx in
            overwriteBackward(ctx.grad, region)
        }
        base.impl.meta.gradFn = node
        base.impl.meta.outputNr = 0
        base.impl.meta.requiresGrad = true
        // The view's own history becomes the replayed view of the rebased base.
        let v = region(base)
        impl.meta.gradFn = v.impl.autograd?.gradFn
        impl.meta.outputNr = v.impl.autograd?.outputNr ?? 0
        impl.meta.requiresGrad = true
        impl.meta.viewVersion = storage.version
    }

    /// `self += alpha·other` in one pass, without a scaled copy of `other`, for contiguous float32 CPU tensors of
    /// one shape outside recording (an optimizer's `p.add_(g, alpha: -lr)`): one fused multiply-add per element,
    /// as PyTorch's vectorised kernel computes it. Returns false, changing nothing, for anything else (partly
    /// overlapping operands included), which the caller then computes as `self + other * alpha`.
    private func scaledAddDirectly(_ other: Tensor, _ alpha: Double) -> Bool {
        guard dtype == .float32, other.dtype == .float32, device == .cpu, other.device == .cpu, other.shape == shape,
              isContiguous, other.isContiguous, !shouldRecord(self, other) else { return false }
        let y = pointer(as: Float.self), x = UnsafePointer(other.pointer(as: Float.self))
        if other.storage === storage && UnsafeRawPointer(x) != UnsafeRawPointer(y) { return false }
        let a = Float(alpha), n = count
        if n <= elementwiseGrain {
            st_axpy_f32(a, x, y, n)
        } else {
            ThreadPool.parallelFor(n, grain: elementwiseGrain) { r in st_axpy_f32(a, x + r.lowerBound, y + r.lowerBound, r.count) }
        }
        storage.bumpVersion()
        return true
    }

    /// Whether a direct in-place kernel may run (no graph to record, dtype already the result type).
    private func canWriteDirectly(_ other: Tensor, _ rt: DType) -> Bool {
        !shouldRecord(self, other) && rt == dtype && broadcastShapes(shape, other.shape, op: "inplace") == shape
    }

    /// In-place `self += other` (`add_`).
    /// - Parameters:
    ///   - other: the addend (broadcast to `self`).
    ///   - alpha: its scale.
    @discardableResult
    @_disfavoredOverload public func add_(_ other: Tensor, alpha: Double = 1) -> Tensor {
        if alpha != 1, scaledAddDirectly(other, alpha) { return self }
        let o = alpha == 1 ? other : other * alpha
        if canWriteDirectly(o, resultType(self, o)) {
            _ = binaryMap(AddFunction(), self, o, dtype: dtype, op: "add_", out: self)
            storage.bumpVersion()
            return self
        }
        return commitInPlace("add_", inPlaceSource.add(o))
    }

    /// In-place `self -= other` (`sub_`).
    /// - Parameters:
    ///   - other: the subtrahend (broadcast to `self`).
    ///   - alpha: its scale.
    @discardableResult
    @_disfavoredOverload public func sub_(_ other: Tensor, alpha: Double = 1) -> Tensor {
        if alpha != 1, scaledAddDirectly(other, -alpha) { return self }
        let o = alpha == 1 ? other : other * alpha
        if canWriteDirectly(o, resultType(self, o)) {
            _ = binaryMap(SubFunction(), self, o, dtype: dtype, op: "sub_", out: self)
            storage.bumpVersion()
            return self
        }
        return commitInPlace("sub_", inPlaceSource.sub(o))
    }

    /// In-place `self *= other` (`mul_`).
    /// - Parameter other: the factor (broadcast to `self`).
    @discardableResult
    @_disfavoredOverload public func mul_(_ other: Tensor) -> Tensor {
        if canWriteDirectly(other, resultType(self, other)) {
            _ = binaryMap(MulFunction(), self, other, dtype: dtype, op: "mul_", out: self)
            storage.bumpVersion()
            return self
        }
        return commitInPlace("mul_", inPlaceSource.mul(other))
    }

    /// In-place `self /= other` (`div_`).
    /// - Parameter other: the divisor (broadcast to `self`).
    @discardableResult
    @_disfavoredOverload public func div_(_ other: Tensor) -> Tensor {
        if canWriteDirectly(other, floatResultType(self, other)) {
            _ = binaryMap(TrueDivFunction(), self, other, dtype: dtype, op: "div_", out: self)
            storage.bumpVersion()
            return self
        }
        return commitInPlace("div_", inPlaceSource.div(other))
    }

    /// In-place scalar multiply (`mul_`).
    /// - Parameter value: the factor.
    @discardableResult
    public func mul_(_ value: Double) -> Tensor { mul_(.wrapped(value, dtype: .float64)) }

    /// In-place scalar add (`add_`).
    /// - Parameter value: the addend.
    @discardableResult
    public func add_(_ value: Double) -> Tensor { add_(.wrapped(value, dtype: .float64)) }

    /// In-place integer add (`add_`); keeps integer tensors integer.
    /// - Parameter value: the addend.
    @discardableResult
    public func add_(_ value: Int) -> Tensor { add_(.wrapped(Double(value), dtype: .int64, exact: Int64(value))) }

    /// In-place integer multiply (`mul_`); keeps integer tensors integer.
    /// - Parameter value: the factor.
    @discardableResult
    public func mul_(_ value: Int) -> Tensor { mul_(.wrapped(Double(value), dtype: .int64, exact: Int64(value))) }

    /// Fills with `value` in place (`fill_`).
    /// - Parameter value: the value.
    @discardableResult
    public func fill_(_ value: Double) -> Tensor {
        if shouldRecord(self) { return commitInPlace("fill_", Tensor.zerosLike(self) + value) }
        fillRaw(value)
        storage.bumpVersion()
        return self
    }

    /// Fills with zeros in place (`zero_`).
    @discardableResult
    public func zero_() -> Tensor { fill_(0) }

    /// Copies `src` (broadcast, converted) into this tensor in place (`copy_`); differentiable.
    /// - Parameter src: the source.
    @discardableResult
    public func copy_(_ src: Tensor) -> Tensor {
        if shouldRecord(self, src) {
            return commitInPlace("copy_", src.to(dtype).expand(shape) + Tensor.zerosLike(self).detach())
        }
        copyElements(from: src, to: self)
        storage.bumpVersion()
        return self
    }

    /// In-place clamp (`clamp_`).
    /// - Parameters:
    ///   - min: the lower bound.
    ///   - max: the upper bound.
    @discardableResult
    public func clamp_(min: Double? = nil, max: Double? = nil) -> Tensor {
        commitInPlace("clamp_", inPlaceSource.clamp(min: min, max: max))
    }

    /// In-place ReLU (`relu_`).
    @discardableResult
    public func relu_() -> Tensor { commitInPlace("relu_", inPlaceSource.relu()) }

    /// In-place negation (`neg_`).
    @discardableResult
    public func neg_() -> Tensor { commitInPlace("neg_", inPlaceSource.neg()) }

    /// In-place exponential (`exp_`).
    @discardableResult
    public func exp_() -> Tensor { commitInPlace("exp_", inPlaceSource.exp()) }

    /// In-place square root (`sqrt_`).
    @discardableResult
    public func sqrt_() -> Tensor { commitInPlace("sqrt_", inPlaceSource.sqrt()) }

    /// In-place sigmoid (`sigmoid_`).
    @discardableResult
    public func sigmoid_() -> Tensor { commitInPlace("sigmoid_", inPlaceSource.sigmoid()) }

    /// In-place tanh (`tanh_`).
    @discardableResult
    public func tanh_() -> Tensor { commitInPlace("tanh_", inPlaceSource.tanh()) }

    /// In-place `self += value·t1·t2` (`addcmul_`).
    /// - Parameters:
    ///   - t1: first factor.
    ///   - t2: second factor.
    ///   - value: the scale.
    @discardableResult
    public func addcmul_(_ t1: Tensor, _ t2: Tensor, value: Double = 1) -> Tensor {
        commitInPlace("addcmul_", inPlaceSource.addcmul(t1, t2, value: value))
    }

    /// In-place `self += value·t1/t2` (`addcdiv_`).
    /// - Parameters:
    ///   - t1: the numerator.
    ///   - t2: the denominator.
    ///   - value: the scale.
    @discardableResult
    public func addcdiv_(_ t1: Tensor, _ t2: Tensor, value: Double = 1) -> Tensor {
        commitInPlace("addcdiv_", inPlaceSource.addcdiv(t1, t2, value: value))
    }

    /// In-place `self = self + weight·(end − self)` (`lerp_`).
    /// - Parameters:
    ///   - end: the end points.
    ///   - weight: the weight.
    @discardableResult
    public func lerp_(_ end: Tensor, _ weight: Double) -> Tensor {
        commitInPlace("lerp_", inPlaceSource.lerp(end, weight))
    }

    /// In-place masked fill (`masked_fill_`).
    /// - Parameters:
    ///   - mask: a `bool` tensor broadcastable to `self`.
    ///   - value: the fill value.
    @discardableResult
    public func maskedFill_(_ mask: Tensor, _ value: Double) -> Tensor {
        commitInPlace("maskedFill_", inPlaceSource.maskedFill(mask, value).expand(shape))
    }
}
