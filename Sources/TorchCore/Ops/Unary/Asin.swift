import RealModule

// MARK: - asin

struct AsinFunction: UnaryFloatingFunction {
    @inline(__always) func callAsFunction<T: FloatingScalar>(_ x: T) -> T { T.asin(x) }
}

extension Tensor {
    /// Elementwise the arcsine (`torch.asin`); integer inputs give `float32`.
    public func asin() -> Tensor {
        recordUnary("asin", floatingMap(AsinFunction(), self, op: "asin")) { g, x, y in g * (1 - x * x).rsqrt() }
    }
}

/// Elementwise the arcsine (`torch.asin`).
/// - Parameter x: the input.
public func asin(_ x: Tensor) -> Tensor { x.asin() }

extension OpInfo {
    static let asin = OpInfo(name: "asin", kind: .unary, dtypes: .floating, differentiable: true,
                            elementwise: .unary("asin(x)"),
                            inputs: [.init([3, 4], .unit)]) { $0[0].asin() }
}
