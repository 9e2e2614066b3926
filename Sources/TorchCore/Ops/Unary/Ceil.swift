import RealModule

// MARK: - ceil

struct CeilFunction: UnaryNumericFunction {
    @inline(__always) func callAsFunction<T: FloatingScalar>(_ x: T) -> T { x.rounded(.up) }
    @inline(__always) func integer<T: IntegerScalar>(_ x: T) -> T { x }
}

extension Tensor {
    /// Elementwise ⌈x⌉ (`torch.ceil`); keeps integer dtypes.
    public func ceil() -> Tensor {
        recordUnary("ceil", numericMap(CeilFunction(), self, op: "ceil")) { g, x, y in g * 0 }
    }
}

/// Elementwise ⌈x⌉ (`torch.ceil`).
/// - Parameter x: the input.
public func ceil(_ x: Tensor) -> Tensor { x.ceil() }

extension OpInfo {
    static let ceil = OpInfo(name: "ceil", kind: .unary, dtypes: .numeric, differentiable: false,
                            elementwise: .unary("ceil(x)", integer: "x"),
                            inputs: [.init([3, 4], .real)]) { $0[0].ceil() }
}
