import RealModule

// MARK: - hardsigmoid

struct HardsigmoidFunction: UnaryFloatingFunction {
    @inline(__always) func callAsFunction<T: FloatingScalar>(_ x: T) -> T { Swift.min(Swift.max(x + 3, 0), 6) / 6 }
}

extension Tensor {
    /// Elementwise relu6(x + 3)/6 (`torch.hardsigmoid`); integer inputs give `float32`.
    public func hardsigmoid() -> Tensor {
        recordUnary("hardsigmoid", floatingMap(HardsigmoidFunction(), self, op: "hardsigmoid")) { g, x, y in g * (x.gt(-3).logicalAnd(x.lt(3))).to(g.dtype) / 6 }
    }
}

/// Elementwise relu6(x + 3)/6 (`torch.hardsigmoid`).
/// - Parameter x: the input.
public func hardsigmoid(_ x: Tensor) -> Tensor { x.hardsigmoid() }

extension OpInfo {
    static let hardsigmoid = OpInfo(name: "hardsigmoid", kind: .unary, dtypes: .floating, differentiable: true,
                            elementwise: .unary("st_min(st_max(x + (C)3, (C)0), (C)6) / (C)6"),
                            inputs: [.init([3, 4], .kinkfree3)]) { $0[0].hardsigmoid() }
}
