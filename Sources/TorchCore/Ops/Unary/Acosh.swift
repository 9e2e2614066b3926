import RealModule

// MARK: - acosh

struct AcoshFunction: UnaryFloatingFunction {
    @inline(__always) func callAsFunction<T: FloatingScalar>(_ x: T) -> T { T.acosh(x) }
}

extension Tensor {
    /// Elementwise the inverse hyperbolic cosine (`torch.acosh`); integer inputs give `float32`.
    public func acosh() -> Tensor {
        recordUnary("acosh", floatingMap(AcoshFunction(), self, op: "acosh")) { g, x, y in g * (x * x - 1).rsqrt() }
    }
}

/// Elementwise the inverse hyperbolic cosine (`torch.acosh`).
/// - Parameter x: the input.
public func acosh(_ x: Tensor) -> Tensor { x.acosh() }

extension OpInfo {
    static let acosh = OpInfo(name: "acosh", kind: .unary, dtypes: .floating, differentiable: true,
                            elementwise: .unary("acosh(x)"),
                            inputs: [.init([3, 4], .aboveOne)]) { $0[0].acosh() }
}
