import RealModule

// MARK: - log1p

struct Log1pFunction: UnaryFloatingFunction {
    @inline(__always) func callAsFunction<T: FloatingScalar>(_ x: T) -> T { T.log(onePlus: x) }
}

extension Tensor {
    /// Elementwise log(1 + x) (`torch.log1p`); integer inputs give `float32`.
    public func log1p() -> Tensor {
        recordUnary("log1p", floatingMap(Log1pFunction(), self, op: "log1p")) { g, x, y in g / (x + 1) }
    }
}

/// Elementwise log(1 + x) (`torch.log1p`).
/// - Parameter x: the input.
public func log1p(_ x: Tensor) -> Tensor { x.log1p() }

extension OpInfo {
    static let log1p = OpInfo(name: "log1p", kind: .unary, dtypes: .floating, differentiable: true,
                            elementwise: .unary("log1p(x)"),
                            inputs: [.init([3, 4], .positive)]) { $0[0].log1p() }
}
