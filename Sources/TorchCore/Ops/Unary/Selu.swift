import RealModule

// MARK: - selu

struct SeluFunction: UnaryFloatingFunction {
    @inline(__always) func callAsFunction<T: FloatingScalar>(_ x: T) -> T { x > 0 ? T(fromDouble: seluScale) * x : T(fromDouble: seluScale * seluAlpha) * T.expMinusOne(x) }
}

extension Tensor {
    /// Elementwise scale·(max(0,x) + min(0, α(eˣ−1))) (`torch.selu`); integer inputs give `float32`.
    public func selu() -> Tensor {
        recordUnary("selu", floatingMap(SeluFunction(), self, op: "selu")) { g, x, y in g * (x.gt(0).to(g.dtype) * seluScale + x.le(0).to(g.dtype) * x.exp() * (seluScale * seluAlpha)) }
    }
}

/// Elementwise scale·(max(0,x) + min(0, α(eˣ−1))) (`torch.selu`).
/// - Parameter x: the input.
public func selu(_ x: Tensor) -> Tensor { x.selu() }

extension OpInfo {
    static let selu = OpInfo(name: "selu", kind: .unary, dtypes: .floating, differentiable: true,
                            elementwise: .unary("(x > 0 ? (C)1.0507009873554805 * x : (C)(1.0507009873554805 * 1.6732632423543772) * expm1(x))"),
                            inputs: [.init([3, 4], .nonzero)]) { $0[0].selu() }
}
