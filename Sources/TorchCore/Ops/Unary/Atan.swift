import RealModule

// MARK: - atan

struct AtanFunction: UnaryFloatingFunction {
    @inline(__always) func callAsFunction<T: FloatingScalar>(_ x: T) -> T { T.atan(x) }
}

extension Tensor {
    /// Elementwise the arctangent (`torch.atan`); integer inputs give `float32`.
    public func atan() -> Tensor {
        recordUnary("atan", floatingMap(AtanFunction(), self, op: "atan")) { g, x, y in g / (x * x + 1) }
    }
}

/// Elementwise the arctangent (`torch.atan`).
/// - Parameter x: the input.
public func atan(_ x: Tensor) -> Tensor { x.atan() }

extension OpInfo {
    static let atan = OpInfo(name: "atan", kind: .unary, dtypes: .floating, differentiable: true,
                            elementwise: .unary("atan(x)"),
                            inputs: [.init([3, 4], .real)]) { $0[0].atan() }
}
