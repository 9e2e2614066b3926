import RealModule

// MARK: - tanh

struct TanhFunction: UnaryFloatingFunction {
    @inline(__always) func callAsFunction<T: FloatingScalar>(_ x: T) -> T { T.tanh(x) }
}

extension Tensor {
    /// Elementwise the hyperbolic tangent (`torch.tanh`); integer inputs give `float32`.
    public func tanh() -> Tensor {
        recordUnary("tanh", floatingMap(TanhFunction(), self, op: "tanh"), savesInput: false) { g, x, y in g * (1 - y * y) }
    }
}

/// Elementwise the hyperbolic tangent (`torch.tanh`).
/// - Parameter x: the input.
public func tanh(_ x: Tensor) -> Tensor { x.tanh() }

extension OpInfo {
    static let tanh = OpInfo(name: "tanh", kind: .unary, dtypes: .floating, differentiable: true,
                            elementwise: .unary("tanh(x)"),
                            inputs: [.init([3, 4], .real)]) { $0[0].tanh() }
}
