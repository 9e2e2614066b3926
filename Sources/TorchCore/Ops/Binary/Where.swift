// MARK: - where / maskedFill

/// Elementwise `condition ? a : b` with broadcasting and type promotion (`torch.where`).
/// - Parameters:
///   - condition: a `bool` tensor.
///   - a: values where the condition holds.
///   - b: values elsewhere.
public func where_(_ condition: Tensor, _ a: Tensor, _ b: Tensor) -> Tensor {
    if let d = cpuFallbackDevice("where", [condition, a, b]) { return where_(condition.cpu(), a.cpu(), b.cpu()).to(d) }
    let shape = broadcastShapes(broadcastShapes(condition.shape, a.shape, op: "where"), b.shape, op: "where")
    let dt = resultType(a, b)
    let x = a.cast(dt), y = b.cast(dt), c = condition.cast(.bool)
    let out = Tensor(uninitializedShape: shape, dtype: dt)
    switch dt.itemSize {
    case 1: mapTernary(c, x, y, out: out) { (k: Bool, p: UInt8, q: UInt8) in k ? p : q }
    case 2: mapTernary(c, x, y, out: out) { (k: Bool, p: UInt16, q: UInt16) in k ? p : q }
    case 4: mapTernary(c, x, y, out: out) { (k: Bool, p: UInt32, q: UInt32) in k ? p : q }
    default: mapTernary(c, x, y, out: out) { (k: Bool, p: UInt64, q: UInt64) in k ? p : q }
    }
    if shouldRecord(a, b) {
        record("where", inputs: [a, b], outputs: [out], saving: [c]) { ctx in
            let g = ctx.grad, m = ctx.saved[0]
            let zero = Tensor.zeros([], dtype: g.dtype)
            return [where_(m, g, zero), where_(m, zero, g)]
        }
    }
    return out
}

/// Elementwise `condition ? a : b` (`torch.where`), PyTorch's spelling as a static function.
extension Tensor {
    /// Elementwise `condition ? a : b` (`torch.where`).
    /// - Parameters:
    ///   - condition: a `bool` tensor.
    ///   - a: values where the condition holds.
    ///   - b: values elsewhere.
    public static func `where`(_ condition: Tensor, _ a: Tensor, _ b: Tensor) -> Tensor { where_(condition, a, b) }

    /// `self` with `value` written where `mask` is true (`masked_fill`).
    /// - Parameters:
    ///   - mask: a `bool` tensor broadcastable to `self`.
    ///   - value: the fill value.
    public func maskedFill(_ mask: Tensor, _ value: Double) -> Tensor {
        if let d = cpuFallbackDevice("maskedFill", [self, mask]) { return cpu().maskedFill(mask.cpu(), value).to(d) }
        precondition(mask.dtype == .bool, "maskedFill: expected a bool mask, got \(mask.dtype)")
        let v = Tensor.full([], value, dtype: dtype)
        let out = where_(mask, v, self)
        return out.shape == shape ? out : out
    }

    /// `self` with `value` (a 0-d tensor) written where `mask` is true.
    /// - Parameters:
    ///   - mask: a `bool` tensor broadcastable to `self`.
    ///   - value: a 0-d tensor.
    @_disfavoredOverload public func maskedFill(_ mask: Tensor, _ value: Tensor) -> Tensor {
        where_(mask, value.to(dtype), self)
    }
}

extension OpInfo {
    static let whereOp = OpInfo(name: "where", kind: .binary, dtypes: .all, differentiable: true,
                                inputs: [.init([3, 4], .real), .init([4], .real)]) { t in
        where_(t[0].gt(0), t[0], t[1])
    }
}
