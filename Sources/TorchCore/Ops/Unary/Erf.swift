import RealModule

// MARK: - erf

struct ErfFunction: UnaryFloatingFunction {
    @inline(__always) func callAsFunction<T: FloatingScalar>(_ x: T) -> T { T.verf(x) }
}

extension Tensor {
    /// Elementwise the error function (`torch.erf`); integer inputs give `float32`.
    public func erf() -> Tensor {
        recordUnary("erf", floatingMap(ErfFunction(), self, op: "erf")) { g, x, y in g * (-(x * x)).exp() * (2 / Double.pi.squareRoot()) }
    }
}

/// Elementwise the error function (`torch.erf`).
/// - Parameter x: the input.
public func erf(_ x: Tensor) -> Tensor { x.erf() }

extension OpInfo {
    static let erf = OpInfo(name: "erf", kind: .unary, dtypes: .floating, differentiable: true,
                            elementwise: .unary("erf(x)"),
                            inputs: [.init([3, 4], .real)]) { $0[0].erf() }
}
