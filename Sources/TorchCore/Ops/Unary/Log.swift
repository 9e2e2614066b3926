import RealModule

// MARK: - log

struct LogFunction: UnaryFloatingFunction {
    @inline(__always) func callAsFunction<T: FloatingScalar>(_ x: T) -> T { T.log(x) }
}

extension Tensor {
    /// Elementwise the natural logarithm (`torch.log`); integer inputs give `float32`.
    public func log() -> Tensor {
        recordUnary("log", floatingMap(LogFunction(), self, op: "log")) { g, x, y in g / x }
    }
}

/// Elementwise the natural logarithm (`torch.log`).
/// - Parameter x: the input.
public func log(_ x: Tensor) -> Tensor { x.log() }

extension OpInfo {
    static let log = OpInfo(name: "log", kind: .unary, dtypes: .floating, differentiable: true,
                            elementwise: .unary("log(x)"),
                            inputs: [.init([3, 4], .positive)]) { $0[0].log() }
}
