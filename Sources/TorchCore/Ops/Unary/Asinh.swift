import RealModule

// MARK: - asinh

struct AsinhFunction: UnaryFloatingFunction {
    @inline(__always) func callAsFunction<T: FloatingScalar>(_ x: T) -> T { T.asinh(x) }
}

extension Tensor {
    /// Elementwise the inverse hyperbolic sine (`torch.asinh`); integer inputs give `float32`.
    public func asinh() -> Tensor {
        recordUnary("asinh", floatingMap(AsinhFunction(), self, op: "asinh")) { g, x, y in g * (x * x + 1).rsqrt() }
    }
}

/// Elementwise the inverse hyperbolic sine (`torch.asinh`).
/// - Parameter x: the input.
public func asinh(_ x: Tensor) -> Tensor { x.asinh() }

extension OpInfo {
    static let asinh = OpInfo(name: "asinh", kind: .unary, dtypes: .floating, differentiable: true,
                            elementwise: .unary("asinh(x)"),
                            inputs: [.init([3, 4], .real)]) { $0[0].asinh() }
}
