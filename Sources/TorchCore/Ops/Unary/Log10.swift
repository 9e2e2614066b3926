import RealModule

// MARK: - log10

struct Log10Function: UnaryFloatingFunction {
    @inline(__always) func callAsFunction<T: FloatingScalar>(_ x: T) -> T { T.log10(x) }
}

extension Tensor {
    /// Elementwise the base-10 logarithm (`torch.log10`); integer inputs give `float32`.
    public func log10() -> Tensor {
        recordUnary("log10", floatingMap(Log10Function(), self, op: "log10")) { g, x, y in g / (x * Foundationless.ln10) }
    }
}

/// Elementwise the base-10 logarithm (`torch.log10`).
/// - Parameter x: the input.
public func log10(_ x: Tensor) -> Tensor { x.log10() }

extension OpInfo {
    static let log10 = OpInfo(name: "log10", kind: .unary, dtypes: .floating, differentiable: true,
                            elementwise: .unary("log10(x)"),
                            inputs: [.init([3, 4], .positive)]) { $0[0].log10() }
}
