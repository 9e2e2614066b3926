import RealModule

// MARK: - tan

struct TanFunction: UnaryFloatingFunction {
    @inline(__always) func callAsFunction<T: FloatingScalar>(_ x: T) -> T { T.tan(x) }
}

extension Tensor {
    /// Elementwise the tangent (`torch.tan`); integer inputs give `float32`.
    public func tan() -> Tensor {
        recordUnary("tan", floatingMap(TanFunction(), self, op: "tan")) { g, x, y in g * (y * y + 1) }
    }
}

/// Elementwise the tangent (`torch.tan`).
/// - Parameter x: the input.
public func tan(_ x: Tensor) -> Tensor { x.tan() }

extension OpInfo {
    static let tan = OpInfo(name: "tan", kind: .unary, dtypes: .floating, differentiable: true,
                            elementwise: .unary("tan(x)"),
                            inputs: [.init([3, 4], .unit)]) { $0[0].tan() }
}
