import RealModule

// MARK: - abs

struct AbsFunction: UnaryNumericFunction {
    @inline(__always) func callAsFunction<T: FloatingScalar>(_ x: T) -> T { Swift.abs(x) }
    @inline(__always) func integer<T: IntegerScalar>(_ x: T) -> T { x < 0 ? 0 &- x : x }
}

extension Tensor {
    /// Elementwise |x| (`torch.abs`); keeps integer dtypes.
    public func abs() -> Tensor {
        recordUnary("abs", numericMap(AbsFunction(), self, op: "abs")) { g, x, y in g * x.sign() }
    }
}

/// Elementwise |x| (`torch.abs`).
/// - Parameter x: the input.
public func abs(_ x: Tensor) -> Tensor { x.abs() }

extension OpInfo {
    static let abs = OpInfo(name: "abs", kind: .unary, dtypes: .numeric, differentiable: true,
                            elementwise: .unary("fabs(x)", integer: "(x < 0 ? -x : x)"),
                            inputs: [.init([3, 4], .nonzero)]) { $0[0].abs() }
}
