import CTorchKernels
import RealModule

// MARK: - sigmoid

struct SigmoidFunction: UnaryFloatingFunction {
    @inline(__always) func callAsFunction<T: FloatingScalar>(_ x: T) -> T { 1 / (1 + T.vexp(-x)) }
    var contiguousFloat32: ((UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int) -> Void)? { { st_sigmoid_f32($0, $1, $2) } }
}

extension Tensor {
    /// Elementwise the logistic sigmoid 1/(1+e⁻ˣ) (`torch.sigmoid`); integer inputs give `float32`.
    public func sigmoid() -> Tensor {
        recordUnary("sigmoid", floatingMap(SigmoidFunction(), self, op: "sigmoid"), savesInput: false) { g, x, y in g * y * (1 - y) }
    }
}

/// Elementwise the logistic sigmoid 1/(1+e⁻ˣ) (`torch.sigmoid`).
/// - Parameter x: the input.
public func sigmoid(_ x: Tensor) -> Tensor { x.sigmoid() }

extension OpInfo {
    static let sigmoid = OpInfo(name: "sigmoid", kind: .unary, dtypes: .floating, differentiable: true,
                            elementwise: .unary("(C)1 / ((C)1 + exp(-x))"),
                            inputs: [.init([3, 4], .real)]) { $0[0].sigmoid() }
}
