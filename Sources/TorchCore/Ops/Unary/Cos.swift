import RealModule

// MARK: - cos

struct CosFunction: UnaryFloatingFunction {
    @inline(__always) func callAsFunction<T: FloatingScalar>(_ x: T) -> T { T.cos(x) }
}

extension Tensor {
    /// Elementwise the cosine (`torch.cos`); integer inputs give `float32`.
    public func cos() -> Tensor {
        recordUnary("cos", floatingMap(CosFunction(), self, op: "cos")) { g, x, y in -(g * x.sin()) }
    }
}

/// Elementwise the cosine (`torch.cos`).
/// - Parameter x: the input.
public func cos(_ x: Tensor) -> Tensor { x.cos() }

extension OpInfo {
    static let cos = OpInfo(name: "cos", kind: .unary, dtypes: .floating, differentiable: true,
                            elementwise: .unary("cos(x)"),
                            inputs: [.init([3, 4], .real)]) { $0[0].cos() }
}
