import RealModule

// MARK: - neg

struct NegFunction: UnaryNumericFunction {
    @inline(__always) func callAsFunction<T: FloatingScalar>(_ x: T) -> T { -x }
    @inline(__always) func integer<T: IntegerScalar>(_ x: T) -> T { 0 &- x }
}

extension Tensor {
    /// Elementwise −x (`torch.neg`); keeps integer dtypes.
    public func neg() -> Tensor {
        recordUnary("neg", numericMap(NegFunction(), self, op: "neg")) { g, x, y in -g }
    }
}

/// Elementwise −x (`torch.neg`).
/// - Parameter x: the input.
public func neg(_ x: Tensor) -> Tensor { x.neg() }

extension OpInfo {
    static let neg = OpInfo(name: "neg", kind: .unary, dtypes: .numeric, differentiable: true,
                            elementwise: .unary("-x", integer: "-x"),
                            inputs: [.init([3, 4], .real)]) { $0[0].neg() }
}
