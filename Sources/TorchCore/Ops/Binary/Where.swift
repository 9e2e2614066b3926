// MARK: - where / maskedFill

/// Elementwise `condition ? a : b` with broadcasting and type promotion (`torch.where`).
/// - Parameters:
///   - condition: a `bool` tensor.
///   - a: values where the condition holds.
///   - b: values elsewhere.
public func where_(_ condition: Tensor, _ a: Tensor, _ b: Tensor) -> Tensor {
    let device = commonDevice(condition, a, b, op: "where")
    let shape = broadcastShapes(broadcastShapes(condition.shape, a.shape, op: "where"), b.shape, op: "where")
    let dt = resultType(a, b)
    let x = a.transferred(to: device).cast(dt), y = b.transferred(to: device).cast(dt), c = condition.transferred(to: device).cast(.bool)
    let out = Tensor(uninitializedShape: shape, dtype: dt, device: device)
    if device != .cpu {
        // The backend's `where` kernel reads the condition in the values' dtype (0 or 1).
        if !deviceElementwise("where", [], [c.cast(dt), x, y], out, device) {
            copyElements(from: hostStaged("where", [c, x, y], device: device) { h in noGrad { where_(h[0], h[1], h[2]) } }, to: out)
        }
    } else { switch dt.itemSize {
    case 1: mapTernary(c, x, y, out: out) { (k: Bool, p: UInt8, q: UInt8) in k ? p : q }
    case 2: mapTernary(c, x, y, out: out) { (k: Bool, p: UInt16, q: UInt16) in k ? p : q }
    case 4: mapTernary(c, x, y, out: out) { (k: Bool, p: UInt32, q: UInt32) in k ? p : q }
    default: mapTernary(c, x, y, out: out) { (k: Bool, p: UInt64, q: UInt64) in k ? p : q }
    } }
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
