import RealModule

// MARK: - acos

struct AcosFunction: UnaryFloatingFunction {
    @inline(__always) func callAsFunction<T: FloatingScalar>(_ x: T) -> T { T.acos(x) }
}

extension Tensor {
    /// Elementwise the arccosine (`torch.acos`); integer inputs give `float32`.
    public func acos() -> Tensor {
        recordUnary("acos", floatingMap(AcosFunction(), self, op: "acos")) { g, x, y in -(g * (1 - x * x).rsqrt()) }
    }
}

/// Elementwise the arccosine (`torch.acos`).
/// - Parameter x: the input.
public func acos(_ x: Tensor) -> Tensor { x.acos() }

extension OpInfo {
    static let acos = OpInfo(name: "acos", kind: .unary, dtypes: .floating, differentiable: true,
                            elementwise: .unary("acos(x)"),
                            inputs: [.init([3, 4], .unit)]) { $0[0].acos() }
}
