import RealModule

// MARK: - log2

struct Log2Function: UnaryFloatingFunction {
    @inline(__always) func callAsFunction<T: FloatingScalar>(_ x: T) -> T { T.log2(x) }
}

extension Tensor {
    /// Elementwise the base-2 logarithm (`torch.log2`); integer inputs give `float32`.
    public func log2() -> Tensor {
        recordUnary("log2", floatingMap(Log2Function(), self, op: "log2")) { g, x, y in g / (x * Foundationless.ln2) }
    }
}

/// Elementwise the base-2 logarithm (`torch.log2`).
/// - Parameter x: the input.
public func log2(_ x: Tensor) -> Tensor { x.log2() }

extension OpInfo {
    static let log2 = OpInfo(name: "log2", kind: .unary, dtypes: .floating, differentiable: true,
                            elementwise: .unary("log2(x)"),
                            inputs: [.init([3, 4], .positive)]) { $0[0].log2() }
}
