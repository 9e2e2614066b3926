import RealModule

// MARK: - cosh

struct CoshFunction: UnaryFloatingFunction {
    @inline(__always) func callAsFunction<T: FloatingScalar>(_ x: T) -> T { T.cosh(x) }
}

extension Tensor {
    /// Elementwise the hyperbolic cosine (`torch.cosh`); integer inputs give `float32`.
    public func cosh() -> Tensor {
        recordUnary("cosh", floatingMap(CoshFunction(), self, op: "cosh")) { g, x, y in g * x.sinh() }
    }
}

/// Elementwise the hyperbolic cosine (`torch.cosh`).
/// - Parameter x: the input.
public func cosh(_ x: Tensor) -> Tensor { x.cosh() }

extension OpInfo {
    static let cosh = OpInfo(name: "cosh", kind: .unary, dtypes: .floating, differentiable: true,
                            elementwise: .unary("cosh(x)"),
                            inputs: [.init([3, 4], .real)]) { $0[0].cosh() }
}
