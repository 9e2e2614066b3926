import RealModule

// MARK: - erfinv

struct ErfinvFunction: UnaryFloatingFunction {
    @inline(__always) func callAsFunction<T: FloatingScalar>(_ x: T) -> T { erfinvScalar(x) }
}

extension Tensor {
    /// Elementwise the inverse error function (`torch.erfinv`); integer inputs give `float32`.
    public func erfinv() -> Tensor {
        recordUnary("erfinv", floatingMap(ErfinvFunction(), self, op: "erfinv")) { g, x, y in g * (y * y).exp() * (Double.pi.squareRoot() / 2) }
    }
}

/// Elementwise the inverse error function (`torch.erfinv`).
/// - Parameter x: the input.
public func erfinv(_ x: Tensor) -> Tensor { x.erfinv() }

extension OpInfo {
    static let erfinv = OpInfo(name: "erfinv", kind: .unary, dtypes: .floating, differentiable: true,
                            elementwise: .unary("erfinv(x)"),
                            inputs: [.init([3, 4], .unit)]) { $0[0].erfinv() }
}
