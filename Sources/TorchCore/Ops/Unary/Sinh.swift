import RealModule

// MARK: - sinh

struct SinhFunction: UnaryFloatingFunction {
    @inline(__always) func callAsFunction<T: FloatingScalar>(_ x: T) -> T { T.sinh(x) }
}

extension Tensor {
    /// Elementwise the hyperbolic sine (`torch.sinh`); integer inputs give `float32`.
    public func sinh() -> Tensor {
        recordUnary("sinh", floatingMap(SinhFunction(), self, op: "sinh")) { g, x, y in g * x.cosh() }
    }
}

/// Elementwise the hyperbolic sine (`torch.sinh`).
/// - Parameter x: the input.
public func sinh(_ x: Tensor) -> Tensor { x.sinh() }

extension OpInfo {
    static let sinh = OpInfo(name: "sinh", kind: .unary, dtypes: .floating, differentiable: true,
                            elementwise: .unary("sinh(x)"),
                            inputs: [.init([3, 4], .real)]) { $0[0].sinh() }
}
