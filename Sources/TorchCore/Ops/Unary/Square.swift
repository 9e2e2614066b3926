import RealModule

// MARK: - square

struct SquareFunction: UnaryNumericFunction {
    @inline(__always) func callAsFunction<T: FloatingScalar>(_ x: T) -> T { x * x }
    @inline(__always) func integer<T: IntegerScalar>(_ x: T) -> T { x &* x }
}

extension Tensor {
    /// Elementwise x² (`torch.square`); keeps integer dtypes.
    public func square() -> Tensor {
        recordUnary("square", numericMap(SquareFunction(), self, op: "square")) { g, x, y in g * x * 2 }
    }
}

/// Elementwise x² (`torch.square`).
/// - Parameter x: the input.
public func square(_ x: Tensor) -> Tensor { x.square() }

extension OpInfo {
    static let square = OpInfo(name: "square", kind: .unary, dtypes: .numeric, differentiable: true,
                            elementwise: .unary("x * x", integer: "x * x"),
                            inputs: [.init([3, 4], .real)]) { $0[0].square() }
}
