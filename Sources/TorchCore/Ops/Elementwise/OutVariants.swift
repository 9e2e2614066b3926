// MARK: - out= variants (write into a preallocated tensor, not recorded)

extension Tensor {
    /// Writes `self + other` into `out` (`torch.add(a, b, out=c)`); `out` must have the broadcast shape.
    /// - Parameters:
    ///   - other: the addend.
    ///   - out: the destination.
    public func add(_ other: Tensor, out: Tensor) { writeBinary(AddFunction(), other, out, "add") }
    /// Writes `self − other` into `out`.
    /// - Parameters:
    ///   - other: the subtrahend.
    ///   - out: the destination.
    public func sub(_ other: Tensor, out: Tensor) { writeBinary(SubFunction(), other, out, "sub") }
    /// Writes `self · other` into `out`.
    /// - Parameters:
    ///   - other: the factor.
    ///   - out: the destination.
    public func mul(_ other: Tensor, out: Tensor) { writeBinary(MulFunction(), other, out, "mul") }
    /// Writes `self / other` into `out`.
    /// - Parameters:
    ///   - other: the divisor.
    ///   - out: the destination.
    public func div(_ other: Tensor, out: Tensor) { writeBinary(TrueDivFunction(), other, out, "div") }

    /// Writes `relu(self)` into `out`.
    /// - Parameter out: the destination (same shape and dtype).
    public func relu(out: Tensor) { floatingMap(ReluFunction(), self, out: out, op: "relu") }
    /// Writes `exp(self)` into `out`.
    /// - Parameter out: the destination (same shape and dtype).
    public func exp(out: Tensor) { floatingMap(ExpFunction(), self, out: out, op: "exp") }
    /// Writes `gelu(self)` (exact) into `out`.
    /// - Parameter out: the destination (same shape and dtype).
    public func gelu(out: Tensor) { floatingMap(GeluErfFunction(), self, out: out, op: "gelu") }
    /// Writes `sigmoid(self)` into `out`.
    /// - Parameter out: the destination (same shape and dtype).
    public func sigmoid(out: Tensor) { floatingMap(SigmoidFunction(), self, out: out, op: "sigmoid") }
    /// Writes `tanh(self)` into `out`.
    /// - Parameter out: the destination (same shape and dtype).
    public func tanh(out: Tensor) { floatingMap(TanhFunction(), self, out: out, op: "tanh") }

    private func writeBinary<F: BinaryFunction>(_ f: F, _ other: Tensor, _ out: Tensor, _ op: String) {
        let shape = broadcastShapes(self.shape, other.shape, op: op)
        precondition(out.shape == shape, "\(op): out= tensor has shape \(out.shape) but the result has shape \(shape)")
        precondition(!(GradMode.isEnabled && (requiresGrad || other.requiresGrad)),
                     "\(op)(): functions with out=... arguments don't support automatic differentiation")
        _ = binaryMap(f, self, other, dtype: out.dtype, op: op, out: out)
        out.storage.bumpVersion()
    }
}
