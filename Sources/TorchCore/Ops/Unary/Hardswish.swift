import RealModule

// MARK: - hardswish

struct HardswishFunction: UnaryFloatingFunction {
    @inline(__always) func callAsFunction<T: FloatingScalar>(_ x: T) -> T { x * Swift.min(Swift.max(x + 3, 0), 6) / 6 }
}

extension Tensor {
    /// Elementwise x·relu6(x + 3)/6 (`torch.hardswish`); integer inputs give `float32`.
    public func hardswish() -> Tensor {
        recordUnary("hardswish", floatingMap(HardswishFunction(), self, op: "hardswish")) { g, x, y in hardswishBackward(g, x) }
    }
}

/// Elementwise x·relu6(x + 3)/6 (`torch.hardswish`).
/// - Parameter x: the input.
public func hardswish(_ x: Tensor) -> Tensor { x.hardswish() }

extension OpInfo {
    static let hardswish = OpInfo(name: "hardswish", kind: .unary, dtypes: .floating, differentiable: true,
                            elementwise: .unary("x * st_min(st_max(x + (C)3, (C)0), (C)6) / (C)6"),
                            inputs: [.init([3, 4], .kinkfree3)]) { $0[0].hardswish() }
}
