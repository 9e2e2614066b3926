import RealModule

// MARK: - sin

struct SinFunction: UnaryFloatingFunction {
    @inline(__always) func callAsFunction<T: FloatingScalar>(_ x: T) -> T { T.sin(x) }
}

extension Tensor {
    /// Elementwise the sine (`torch.sin`); integer inputs give `float32`.
    public func sin() -> Tensor {
        recordUnary("sin", floatingMap(SinFunction(), self, op: "sin")) { g, x, y in g * x.cos() }
    }
}

/// Elementwise the sine (`torch.sin`).
/// - Parameter x: the input.
public func sin(_ x: Tensor) -> Tensor { x.sin() }

extension OpInfo {
    static let sin = OpInfo(name: "sin", kind: .unary, dtypes: .floating, differentiable: true,
                            elementwise: .unary("sin(x)"),
                            inputs: [.init([3, 4], .real)]) { $0[0].sin() }
}
