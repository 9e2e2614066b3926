import RealModule

// MARK: - exp2

struct Exp2Function: UnaryFloatingFunction {
    @inline(__always) func callAsFunction<T: FloatingScalar>(_ x: T) -> T { T.exp2(x) }
}

extension Tensor {
    /// Elementwise 2ˣ (`torch.exp2`); integer inputs give `float32`.
    public func exp2() -> Tensor {
        recordUnary("exp2", floatingMap(Exp2Function(), self, op: "exp2")) { g, x, y in g * y * Foundationless.ln2 }
    }
}

/// Elementwise 2ˣ (`torch.exp2`).
/// - Parameter x: the input.
public func exp2(_ x: Tensor) -> Tensor { x.exp2() }

extension OpInfo {
    static let exp2 = OpInfo(name: "exp2", kind: .unary, dtypes: .floating, differentiable: true,
                            elementwise: .unary("exp2(x)"),
                            inputs: [.init([3, 4], .real)]) { $0[0].exp2() }
}
