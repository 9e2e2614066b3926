import RealModule

// MARK: - silu

struct SiluFunction: UnaryFloatingFunction {
    @inline(__always) func callAsFunction<T: FloatingScalar>(_ x: T) -> T { x / (1 + T.vexp(-x)) }
}

extension Tensor {
    /// Elementwise x·sigmoid(x) (swish) (`torch.silu`); integer inputs give `float32`.
    public func silu() -> Tensor {
        recordUnary("silu", floatingMap(SiluFunction(), self, op: "silu")) { g, x, y in siluBackward(g, x) }
    }
}

/// Elementwise x·sigmoid(x) (swish) (`torch.silu`).
/// - Parameter x: the input.
public func silu(_ x: Tensor) -> Tensor { x.silu() }

extension OpInfo {
    static let silu = OpInfo(name: "silu", kind: .unary, dtypes: .floating, differentiable: true,
                            elementwise: .unary("x / ((C)1 + exp(-x))"),
                            inputs: [.init([3, 4], .real)]) { $0[0].silu() }
}
