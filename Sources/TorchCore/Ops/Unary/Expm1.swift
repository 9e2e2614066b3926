import RealModule

// MARK: - expm1

struct Expm1Function: UnaryFloatingFunction {
    @inline(__always) func callAsFunction<T: FloatingScalar>(_ x: T) -> T { T.expMinusOne(x) }
}

extension Tensor {
    /// Elementwise eˣ − 1 (`torch.expm1`); integer inputs give `float32`.
    public func expm1() -> Tensor {
        recordUnary("expm1", floatingMap(Expm1Function(), self, op: "expm1")) { g, x, y in g * (y + 1) }
    }
}

/// Elementwise eˣ − 1 (`torch.expm1`).
/// - Parameter x: the input.
public func expm1(_ x: Tensor) -> Tensor { x.expm1() }

extension OpInfo {
    static let expm1 = OpInfo(name: "expm1", kind: .unary, dtypes: .floating, differentiable: true,
                            elementwise: .unary("expm1(x)"),
                            inputs: [.init([3, 4], .real)]) { $0[0].expm1() }
}
