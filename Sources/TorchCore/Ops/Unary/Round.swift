import RealModule

// MARK: - round

struct RoundFunction: UnaryNumericFunction {
    @inline(__always) func callAsFunction<T: FloatingScalar>(_ x: T) -> T { x.rounded(.toNearestOrEven) }
    @inline(__always) func integer<T: IntegerScalar>(_ x: T) -> T { x }
}

extension Tensor {
    /// Elementwise x rounded half to even (`torch.round`); keeps integer dtypes.
    public func round() -> Tensor {
        recordUnary("round", numericMap(RoundFunction(), self, op: "round")) { g, x, y in g * 0 }
    }
}

/// Elementwise x rounded half to even (`torch.round`).
/// - Parameter x: the input.
public func round(_ x: Tensor) -> Tensor { x.round() }

extension OpInfo {
    static let round = OpInfo(name: "round", kind: .unary, dtypes: .numeric, differentiable: false,
                            elementwise: .unary("rint(x)", integer: "x"),
                            inputs: [.init([3, 4], .real)]) { $0[0].round() }
}
