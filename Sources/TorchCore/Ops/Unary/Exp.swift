import CTorchKernels
import RealModule

// MARK: - exp

struct ExpFunction: UnaryFloatingFunction {
    @inline(__always) func callAsFunction<T: FloatingScalar>(_ x: T) -> T { T.vexp(x) }
    var contiguousFloat32: ((UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int) -> Void)? { { st_exp_f32($0, $1, $2) } }
}

extension Tensor {
    /// Elementwise eˣ (`torch.exp`); integer inputs give `float32`.
    public func exp() -> Tensor {
        recordUnary("exp", floatingMap(ExpFunction(), self, op: "exp"), savesInput: false) { g, x, y in g * y }
    }
}

/// Elementwise eˣ (`torch.exp`).
/// - Parameter x: the input.
public func exp(_ x: Tensor) -> Tensor { x.exp() }

extension OpInfo {
    static let exp = OpInfo(name: "exp", kind: .unary, dtypes: .floating, differentiable: true,
                            elementwise: .unary("exp(x)"),
                            inputs: [.init([3, 4], .real)]) { $0[0].exp() }
}
