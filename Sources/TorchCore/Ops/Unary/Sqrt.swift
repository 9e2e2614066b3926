import RealModule

// MARK: - sqrt

struct SqrtFunction: UnaryFloatingFunction {
    @inline(__always) func callAsFunction<T: FloatingScalar>(_ x: T) -> T { x.squareRoot() }
}

extension Tensor {
    /// Elementwise the square root (`torch.sqrt`); integer inputs give `float32`.
    public func sqrt() -> Tensor {
        recordUnary("sqrt", floatingMap(SqrtFunction(), self, op: "sqrt"), savesInput: false) { g, x, y in g / (y * 2) }
    }
}

/// Elementwise the square root (`torch.sqrt`).
/// - Parameter x: the input.
public func sqrt(_ x: Tensor) -> Tensor { x.sqrt() }

extension OpInfo {
    static let sqrt = OpInfo(name: "sqrt", kind: .unary, dtypes: .floating, differentiable: true,
                            elementwise: .unary("sqrt(x)"),
                            inputs: [.init([3, 4], .positive)]) { $0[0].sqrt() }
}
