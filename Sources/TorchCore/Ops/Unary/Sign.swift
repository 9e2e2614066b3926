import RealModule

// MARK: - sign

struct SignFunction: UnaryNumericFunction {
    @inline(__always) func callAsFunction<T: FloatingScalar>(_ x: T) -> T { x > 0 ? 1 : (x < 0 ? -1 : 0) }
    @inline(__always) func integer<T: IntegerScalar>(_ x: T) -> T { x > 0 ? 1 : (x < 0 ? 0 &- 1 : 0) }
}

extension Tensor {
    /// Elementwise the sign (−1, 0 or 1) (`torch.sign`); keeps integer dtypes.
    public func sign() -> Tensor {
        recordUnary("sign", numericMap(SignFunction(), self, op: "sign")) { g, x, y in g * 0 }
    }
}

/// Elementwise the sign (−1, 0 or 1) (`torch.sign`).
/// - Parameter x: the input.
public func sign(_ x: Tensor) -> Tensor { x.sign() }

extension OpInfo {
    static let sign = OpInfo(name: "sign", kind: .unary, dtypes: .numeric, differentiable: false,
                            elementwise: .unary("(x > 0 ? (C)1 : (x < 0 ? (C)-1 : (C)0))", integer: "(x > 0 ? (C)1 : (x < 0 ? (C)-1 : (C)0))"),
                            inputs: [.init([3, 4], .nonzero)]) { $0[0].sign() }
}
