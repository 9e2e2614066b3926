import CTorchKernels
import RealModule

// MARK: - relu

struct ReluFunction: UnaryNumericFunction {
    var contiguousFloat32: ((UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int) -> Void)? { { st_relu_f32($0, $1, $2) } }
    @inline(__always) func callAsFunction<T: FloatingScalar>(_ x: T) -> T { x > 0 ? x : 0 }
    @inline(__always) func integer<T: IntegerScalar>(_ x: T) -> T { x > 0 ? x : 0 }
}

extension Tensor {
    /// Elementwise max(x, 0) (`torch.relu`); keeps integer dtypes.
    public func relu() -> Tensor {
        recordUnary("relu", numericMap(ReluFunction(), self, op: "relu"), savesInput: false) { g, x, y in thresholdBackward(g, y) }
    }
}

/// Elementwise max(x, 0) (`torch.relu`).
/// - Parameter x: the input.
public func relu(_ x: Tensor) -> Tensor { x.relu() }

extension OpInfo {
    static let relu = OpInfo(name: "relu", kind: .unary, dtypes: .numeric, differentiable: true,
                            elementwise: .unary("(x > 0 ? x : (C)0)", integer: "(x > 0 ? x : (C)0)"),
                            inputs: [.init([3, 4], .nonzero)]) { $0[0].relu() }
}
