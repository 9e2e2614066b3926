import RealModule

// MARK: - trunc

struct TruncFunction: UnaryNumericFunction {
    @inline(__always) func callAsFunction<T: FloatingScalar>(_ x: T) -> T { x.rounded(.towardZero) }
    @inline(__always) func integer<T: IntegerScalar>(_ x: T) -> T { x }
}

extension Tensor {
    /// Elementwise x rounded toward zero (`torch.trunc`); keeps integer dtypes.
    public func trunc() -> Tensor {
        recordUnary("trunc", numericMap(TruncFunction(), self, op: "trunc")) { g, x, y in g * 0 }
    }
}

/// Elementwise x rounded toward zero (`torch.trunc`).
/// - Parameter x: the input.
public func trunc(_ x: Tensor) -> Tensor { x.trunc() }

extension OpInfo {
    static let trunc = OpInfo(name: "trunc", kind: .unary, dtypes: .numeric, differentiable: false,
                            elementwise: .unary("trunc(x)", integer: "x"),
                            inputs: [.init([3, 4], .real)]) { $0[0].trunc() }
}
