import RealModule

// MARK: - mish

struct MishFunction: UnaryFloatingFunction {
    @inline(__always) func callAsFunction<T: FloatingScalar>(_ x: T) -> T { x * T.tanh(x > 20 ? x : T.log(onePlus: T.exp(x))) }
}

extension Tensor {
    /// Elementwise x·tanh(softplus(x)) (`torch.mish`); integer inputs give `float32`.
    public func mish() -> Tensor {
        recordUnary("mish", floatingMap(MishFunction(), self, op: "mish")) { g, x, y in mishBackward(g, x) }
    }
}

/// Elementwise x·tanh(softplus(x)) (`torch.mish`).
/// - Parameter x: the input.
public func mish(_ x: Tensor) -> Tensor { x.mish() }

extension OpInfo {
    static let mish = OpInfo(name: "mish", kind: .unary, dtypes: .floating, differentiable: true,
                            elementwise: .unary("x * tanh(x > (C)20 ? x : log1p(exp(x)))"),
                            inputs: [.init([3, 4], .real)]) { $0[0].mish() }
}
