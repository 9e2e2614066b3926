import RealModule

// MARK: - frac

struct FracFunction: UnaryNumericFunction {
    @inline(__always) func callAsFunction<T: FloatingScalar>(_ x: T) -> T { x - x.rounded(.towardZero) }
    @inline(__always) func integer<T: IntegerScalar>(_ x: T) -> T { 0 }
}

extension Tensor {
    /// Elementwise x − trunc(x) (`torch.frac`); keeps integer dtypes.
    public func frac() -> Tensor {
        recordUnary("frac", numericMap(FracFunction(), self, op: "frac")) { g, x, y in g }
    }
}

/// Elementwise x − trunc(x) (`torch.frac`).
/// - Parameter x: the input.
public func frac(_ x: Tensor) -> Tensor { x.frac() }

extension OpInfo {
    static let frac = OpInfo(name: "frac", kind: .unary, dtypes: .numeric, differentiable: true,
                            elementwise: .unary("x - trunc(x)", integer: "(C)0"),
                            inputs: [.init([3, 4], .real)]) { $0[0].frac() }
}
