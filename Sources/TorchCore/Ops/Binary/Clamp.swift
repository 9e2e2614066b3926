// MARK: - clamp

extension Tensor {
    /// Clamps every element into `[min, max]` (`torch.clamp`); either bound may be nil. Keeps integer dtypes.
    /// - Parameters:
    ///   - min: the lower bound.
    ///   - max: the upper bound.
    public func clamp(min: Double? = nil, max: Double? = nil) -> Tensor {
        precondition(min != nil || max != nil, "clamp: At least one of 'min' or 'max' must not be None")
        let lo = min ?? -Double.infinity, hi = max ?? Double.infinity
        return recordUnary("clamp", numericMap(HardtanhFunction(lo: lo, hi: hi), self, op: "clamp")) { g, x, _ in
            g * x.ge(lo).logicalAnd(x.le(hi)).to(g.dtype)
        }
    }

    /// Clamps elementwise between tensors (`torch.clamp` with tensor bounds).
    /// - Parameters:
    ///   - min: lower bounds (broadcast).
    ///   - max: upper bounds (broadcast).
    @_disfavoredOverload public func clamp(min: Tensor, max: Tensor) -> Tensor { maximum(min).minimum(max) }

    /// Alias of ``clamp(min:max:)`` (`torch.clip`).
    /// - Parameters:
    ///   - min: the lower bound.
    ///   - max: the upper bound.
    public func clip(min: Double? = nil, max: Double? = nil) -> Tensor { clamp(min: min, max: max) }
}

extension OpInfo {
    static let clamp = OpInfo(name: "clamp", kind: .unary, dtypes: .numeric, differentiable: true,
                              elementwise: .unary("st_min(st_max(x, p0), p1)", integer: "st_min(st_max(x, p0), p1)", parameters: [-1, 1]),
                              inputs: [.init([3, 4], .kinkfree1)]) { $0[0].clamp(min: -1, max: 1) }
}
