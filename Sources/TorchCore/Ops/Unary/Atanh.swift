import RealModule

// MARK: - atanh

struct AtanhFunction: UnaryFloatingFunction {
    @inline(__always) func callAsFunction<T: FloatingScalar>(_ x: T) -> T { T.atanh(x) }
}

extension Tensor {
    /// Elementwise the inverse hyperbolic tangent (`torch.atanh`); integer inputs give `float32`.
    public func atanh() -> Tensor {
        recordUnary("atanh", floatingMap(AtanhFunction(), self, op: "atanh")) { g, x, y in g / (1 - x * x) }
    }
}

/// Elementwise the inverse hyperbolic tangent (`torch.atanh`).
/// - Parameter x: the input.
public func atanh(_ x: Tensor) -> Tensor { x.atanh() }

extension OpInfo {
    static let atanh = OpInfo(name: "atanh", kind: .unary, dtypes: .floating, differentiable: true,
                            elementwise: .unary("atanh(x)"),
                            inputs: [.init([3, 4], .unit)]) { $0[0].atanh() }
}
