import RealModule

// MARK: - logSigmoid

struct LogSigmoidFunction: UnaryFloatingFunction {
    @inline(__always) func callAsFunction<T: FloatingScalar>(_ x: T) -> T { Swift.min(x, 0) - T.log(onePlus: T.exp(-Swift.abs(x))) }
}

extension Tensor {
    /// Elementwise log(sigmoid(x)) (`torch.nn.functional.logsigmoid`); integer inputs give `float32`.
    public func logSigmoid() -> Tensor {
        recordUnary("logSigmoid", floatingMap(LogSigmoidFunction(), self, op: "logSigmoid")) { g, x, y in g * (-x).sigmoid() }
    }
}

/// Elementwise log(sigmoid(x)) (`torch.logSigmoid`).
/// - Parameter x: the input.
public func logSigmoid(_ x: Tensor) -> Tensor { x.logSigmoid() }

extension OpInfo {
    static let logSigmoid = OpInfo(name: "logSigmoid", kind: .unary, dtypes: .floating, differentiable: true,
                            elementwise: .unary("st_min(x, (C)0) - log1p(exp(-fabs(x)))"),
                            inputs: [.init([3, 4], .real)]) { $0[0].logSigmoid() }
}
