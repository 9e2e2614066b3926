// MARK: - logicalAnd / logicalOr / logicalXor / logicalNot, isnan / isinf / isfinite

extension Tensor {
    /// The tensor as truth values (nonzero is true).
    private var truth: Tensor { cast(.bool) }

    /// Elementwise logical and (`torch.logical_and`).
    /// - Parameter other: the other operand (broadcast).
    public func logicalAnd(_ other: Tensor) -> Tensor {
        let shape = broadcastShapes(shape, other.shape, op: "logicalAnd")
        if let out = deviceLogical("logicalAnd", [self, other], shape: shape) { return out }
        let out = Tensor(uninitializedShape: shape, dtype: .bool)
        mapBinary(truth, other.truth, out: out) { (a: Bool, b: Bool) in a && b }
        return out
    }
    /// Elementwise logical or (`torch.logical_or`).
    /// - Parameter other: the other operand (broadcast).
    public func logicalOr(_ other: Tensor) -> Tensor {
        let shape = broadcastShapes(shape, other.shape, op: "logicalOr")
        if let out = deviceLogical("logicalOr", [self, other], shape: shape) { return out }
        let out = Tensor(uninitializedShape: shape, dtype: .bool)
        mapBinary(truth, other.truth, out: out) { (a: Bool, b: Bool) in a || b }
        return out
    }
    /// Elementwise logical exclusive or (`torch.logical_xor`).
    /// - Parameter other: the other operand (broadcast).
    public func logicalXor(_ other: Tensor) -> Tensor {
        let shape = broadcastShapes(shape, other.shape, op: "logicalXor")
        if let out = deviceLogical("logicalXor", [self, other], shape: shape) { return out }
        let out = Tensor(uninitializedShape: shape, dtype: .bool)
        mapBinary(truth, other.truth, out: out) { (a: Bool, b: Bool) in a != b }
        return out
    }
    /// Elementwise logical not (`torch.logical_not`).
    public func logicalNot() -> Tensor {
        if let out = deviceLogical("logicalNot", [self], shape: shape) { return out }
        let out = Tensor(uninitializedShape: shape, dtype: .bool)
        mapUnary(truth, out: out) { (a: Bool) in !a }
        return out
    }

    /// True where the element is NaN (`torch.isnan`).
    public func isnan() -> Tensor { floatPredicate("isnan") { $0.isNaN } }
    /// True where the element is ±infinity (`torch.isinf`).
    public func isinf() -> Tensor { floatPredicate("isinf") { $0.isInfinite } }
    /// True where the element is finite (`torch.isfinite`); always true for integers.
    public func isfinite() -> Tensor {
        if !dtype.isFloatingPoint { return Tensor.ones(shape, dtype: .bool, device: device) }
        return floatPredicate("isfinite") { $0.isFinite }
    }

    /// On a device, the logical op `op` over the operands' truth values (the backend's elementwise kernel, or the
    /// CPU on copies); nil on the CPU.
    private func deviceLogical(_ op: String, _ operands: [Tensor], shape: [Int]) -> Tensor? {
        let device = commonDevice(operands, op: op)
        guard device != .cpu else { return nil }
        let truths = operands.map { $0.transferred(to: device).truth }
        let out = Tensor(uninitializedShape: shape, dtype: .bool, device: device)
        if deviceElementwise(op, [], truths, out, device) { return out }
        return hostStaged(op, truths, device: device) { h in
            switch op {
            case "logicalAnd": return h[0].logicalAnd(h[1])
            case "logicalOr": return h[0].logicalOr(h[1])
            case "logicalXor": return h[0].logicalXor(h[1])
            default: return h[0].logicalNot()
            }
        }
    }

    private func floatPredicate(_ op: String, _ p: (Double) -> Bool) -> Tensor {
        if device != .cpu {
            guard dtype.isFloatingPoint else { return Tensor.zeros(shape, dtype: .bool, device: device) }
            let out = Tensor(uninitializedShape: shape, dtype: .bool, device: device)
            if deviceElementwise(op, [], [self], out, device) { return out }
            return hostStaged(op, [self], device: device) { $0[0].floatPredicate(op, p) }
        }
        let out = Tensor(uninitializedShape: shape, dtype: .bool)
        if !dtype.isFloatingPoint {
            out.fillRaw(0)
            return out
        }
        if dtype == .float32 {
            mapUnary(self, out: out) { (x: Float) in p(Double(x)) }
        } else {
            mapUnary(cast(.float64), out: out) { (x: Double) in p(x) }
        }
        return out
    }

    /// Replaces NaN, +inf and −inf (`torch.nan_to_num`).
    /// - Parameters:
    ///   - nan: the replacement for NaN.
    ///   - posinf: the replacement for +inf (the dtype's largest value when nil).
    ///   - neginf: the replacement for −inf (the dtype's lowest value when nil).
    public func nanToNum(nan: Double = 0, posinf: Double? = nil, neginf: Double? = nil) -> Tensor {
        if let d = cpuFallbackDevice("nanToNum", [self]) { return cpu().nanToNum(nan: nan, posinf: posinf, neginf: neginf).to(d) }
        guard dtype.isFloatingPoint else { return self }
        let big: Double
        switch dtype {
        case .float16: big = Double(Float(Float16.greatestFiniteMagnitude))
        case .bfloat16: big = Double(BFloat16(bitPattern: 0x7F7F).floatValue)
        case .float32: big = Double(Float.greatestFiniteMagnitude)
        default: big = Double.greatestFiniteMagnitude
        }
        let hi = posinf ?? big, lo = neginf ?? -big
        let y = where_(isnan(), Tensor.wrapped(nan, dtype: .float64).to(dtype),
                       where_(self.eq(Double.infinity), Tensor.wrapped(hi, dtype: .float64).to(dtype),
                              where_(self.eq(-Double.infinity), Tensor.wrapped(lo, dtype: .float64).to(dtype), self)))
        return y
    }

    /// True when every element is close: `|a − b| ≤ atol + rtol·|b|` (`torch.allclose`).
    /// - Parameters:
    ///   - other: the tensor to compare with (broadcast).
    ///   - rtol: relative tolerance.
    ///   - atol: absolute tolerance.
    ///   - equalNaN: whether NaNs in the same place count as equal.
    public func allclose(_ other: Tensor, rtol: Double = 1e-5, atol: Double = 1e-8, equalNaN: Bool = false) -> Bool {
        isclose(other, rtol: rtol, atol: atol, equalNaN: equalNaN).all().item(Bool.self)
    }

    /// Elementwise closeness (`torch.isclose`).
    /// - Parameters:
    ///   - other: the tensor to compare with (broadcast).
    ///   - rtol: relative tolerance.
    ///   - atol: absolute tolerance.
    ///   - equalNaN: whether NaNs in the same place count as equal.
    public func isclose(_ other: Tensor, rtol: Double = 1e-5, atol: Double = 1e-8, equalNaN: Bool = false) -> Tensor {
        noGrad {
            let a = cast(.float64), b = other.cast(.float64)
            var close = (a - b).abs().le((b.abs() * rtol) + atol).logicalOr(a.eq(b))
            if equalNaN { close = close.logicalOr(a.isnan().logicalAnd(b.isnan())) }
            return close
        }
    }

    /// True when both tensors have the same shape and elements (`torch.equal`).
    /// - Parameter other: the other tensor.
    public func equal(_ other: Tensor) -> Bool {
        shape == other.shape && eq(other).all().item(Bool.self)
    }
}

/// Elementwise logical and (`torch.logical_and`).
/// - Parameters:
///   - a: one operand.
///   - b: the other.
public func logicalAnd(_ a: Tensor, _ b: Tensor) -> Tensor { a.logicalAnd(b) }
/// Elementwise logical or (`torch.logical_or`).
/// - Parameters:
///   - a: one operand.
///   - b: the other.
public func logicalOr(_ a: Tensor, _ b: Tensor) -> Tensor { a.logicalOr(b) }
/// Elementwise logical not (`torch.logical_not`).
/// - Parameter a: the operand.
public func logicalNot(_ a: Tensor) -> Tensor { a.logicalNot() }
