import RealModule

// MARK: - erfc

struct ErfcFunction: UnaryFloatingFunction {
    @inline(__always) func callAsFunction<T: FloatingScalar>(_ x: T) -> T { T.erfc(x) }
}

extension Tensor {
    /// Elementwise the complementary error function (`torch.erfc`); integer inputs give `float32`.
    public func erfc() -> Tensor {
        recordUnary("erfc", floatingMap(ErfcFunction(), self, op: "erfc")) { g, x, y in -(g * (-(x * x)).exp() * (2 / Double.pi.squareRoot())) }
    }
}

/// Elementwise the complementary error function (`torch.erfc`).
/// - Parameter x: the input.
public func erfc(_ x: Tensor) -> Tensor { x.erfc() }

extension OpInfo {
    static let erfc = OpInfo(name: "erfc", kind: .unary, dtypes: .floating, differentiable: true,
                            elementwise: .unary("erfc(x)"),
                            inputs: [.init([3, 4], .real)]) { $0[0].erfc() }
}
