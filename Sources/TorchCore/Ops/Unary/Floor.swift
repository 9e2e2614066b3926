import RealModule

// MARK: - floor

struct FloorFunction: UnaryNumericFunction {
    @inline(__always) func callAsFunction<T: FloatingScalar>(_ x: T) -> T { x.rounded(.down) }
    @inline(__always) func integer<T: IntegerScalar>(_ x: T) -> T { x }
}

extension Tensor {
    /// Elementwise ⌊x⌋ (`torch.floor`); keeps integer dtypes.
    public func floor() -> Tensor {
        recordUnary("floor", numericMap(FloorFunction(), self, op: "floor")) { g, x, y in g * 0 }
    }
}

/// Elementwise ⌊x⌋ (`torch.floor`).
/// - Parameter x: the input.
public func floor(_ x: Tensor) -> Tensor { x.floor() }

extension OpInfo {
    static let floor = OpInfo(name: "floor", kind: .unary, dtypes: .numeric, differentiable: false,
                            elementwise: .unary("floor(x)", integer: "x"),
                            inputs: [.init([3, 4], .real)]) { $0[0].floor() }
}
