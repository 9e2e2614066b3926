import RealModule

// MARK: - rsqrt

struct RsqrtFunction: UnaryFloatingFunction {
    @inline(__always) func callAsFunction<T: FloatingScalar>(_ x: T) -> T { 1 / x.squareRoot() }
}

extension Tensor {
    /// Elementwise 1/√x (`torch.rsqrt`); integer inputs give `float32`.
    public func rsqrt() -> Tensor {
        recordUnary("rsqrt", floatingMap(RsqrtFunction(), self, op: "rsqrt"), savesInput: false) { g, x, y in g * y * y * y * -0.5 }
    }
}

/// Elementwise 1/√x (`torch.rsqrt`).
/// - Parameter x: the input.
public func rsqrt(_ x: Tensor) -> Tensor { x.rsqrt() }

extension OpInfo {
    static let rsqrt = OpInfo(name: "rsqrt", kind: .unary, dtypes: .floating, differentiable: true,
                            elementwise: .unary("(C)1 / sqrt(x)"),
                            inputs: [.init([3, 4], .positive)]) { $0[0].rsqrt() }
}
