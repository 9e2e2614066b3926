import RealModule

// MARK: - relu6

struct Relu6Function: UnaryNumericFunction {
    @inline(__always) func callAsFunction<T: FloatingScalar>(_ x: T) -> T { Swift.min(Swift.max(x, 0), 6) }
    @inline(__always) func integer<T: IntegerScalar>(_ x: T) -> T { Swift.min(Swift.max(x, 0), 6) }
}

extension Tensor {
    /// Elementwise min(max(x, 0), 6) (`torch.relu6`); keeps integer dtypes.
    public func relu6() -> Tensor {
        recordUnary("relu6", numericMap(Relu6Function(), self, op: "relu6")) { g, x, y in g * x.gt(0).logicalAnd(x.lt(6)).to(g.dtype) }
    }
}

/// Elementwise min(max(x, 0), 6) (`torch.relu6`).
/// - Parameter x: the input.
public func relu6(_ x: Tensor) -> Tensor { x.relu6() }

extension OpInfo {
    static let relu6 = OpInfo(name: "relu6", kind: .unary, dtypes: .numeric, differentiable: true,
                            elementwise: .unary("st_min(st_max(x, (C)0), (C)6)", integer: "st_min(st_max(x, (C)0), (C)6)"),
                            inputs: [.init([3, 4], .kinkfree6)]) { $0[0].relu6() }
}
