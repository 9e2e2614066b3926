import RealModule

// MARK: - reciprocal

struct ReciprocalFunction: UnaryFloatingFunction {
    @inline(__always) func callAsFunction<T: FloatingScalar>(_ x: T) -> T { 1 / x }
}

extension Tensor {
    /// Elementwise 1/x (`torch.reciprocal`); integer inputs give `float32`.
    public func reciprocal() -> Tensor {
        recordUnary("reciprocal", floatingMap(ReciprocalFunction(), self, op: "reciprocal"), savesInput: false) { g, x, y in -(g * y * y) }
    }
}

/// Elementwise 1/x (`torch.reciprocal`).
/// - Parameter x: the input.
public func reciprocal(_ x: Tensor) -> Tensor { x.reciprocal() }

extension OpInfo {
    static let reciprocal = OpInfo(name: "reciprocal", kind: .unary, dtypes: .floating, differentiable: true,
                            elementwise: .unary("(C)1 / x"),
                            inputs: [.init([3, 4], .nonzero)]) { $0[0].reciprocal() }
}
