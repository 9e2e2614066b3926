import CTorchKernels
import RealModule

// MARK: - gelu

/// How ``Tensor/gelu(approximate:)`` evaluates the Gaussian CDF.
public enum GeluApproximation: String, Sendable {
    /// The exact form with `erf`.
    case none
    /// The `tanh` approximation.
    case tanh
}

struct GeluErfFunction: UnaryFloatingFunction {
    @inline(__always) func callAsFunction<T: FloatingScalar>(_ x: T) -> T {
        x * (1 + T.verf(x * T(fromDouble: 0.707_106_781_186_547_6))) / 2
    }
    var contiguousFloat32: ((UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int) -> Void)? { { st_gelu_f32($0, $1, $2) } }
}

struct GeluTanhFunction: UnaryFloatingFunction {
    @inline(__always) func callAsFunction<T: FloatingScalar>(_ x: T) -> T {
        let k = T(fromDouble: 0.797_884_560_802_865_4)
        return x * (1 + T.tanh(k * (x + T(fromDouble: 0.044715) * x * x * x))) / 2
    }
}

extension Tensor {
    /// Elementwise GELU, `x·Φ(x)` (`torch.nn.functional.gelu`).
    /// - Parameter approximate: `.none` for the exact erf form, `.tanh` for the tanh approximation.
    public func gelu(approximate: GeluApproximation = .none) -> Tensor {
        switch approximate {
        case .none:
            return recordUnary("gelu", floatingMap(GeluErfFunction(), self, op: "gelu")) { g, x, _ in
                if let fused = geluBackwardFused(g, x) { return fused }
                let cdf = (x * 0.707_106_781_186_547_6).erf() * 0.5 + 0.5
                let pdf = (x * x * -0.5).exp() * 0.398_942_280_401_432_7
                return g * (cdf + x * pdf)
            }
        case .tanh:
            return recordUnary("gelu", floatingMap(GeluTanhFunction(), self, op: "gelu(tanh)")) { g, x, _ in
                let k = 0.797_884_560_802_865_4
                let t = ((x + x * x * x * 0.044715) * k).tanh()
                let dinner = (x * x * (3 * 0.044715) + 1) * k
                return g * ((t + 1) * 0.5 + x * 0.5 * (1 - t * t) * dinner)
            }
        }
    }
}

/// The erf GELU's gradient `g·(Φ(x) + x·φ(x))` in one vectorised pass (float32, no graph of the backward being
/// recorded); nil where the composite formula has to run (other dtypes, `createGraph`, broadcast gradients).
/// Its composite form stays the reference (`CompositeReferenceTests`).
func geluBackwardFused(_ g: Tensor, _ x: Tensor) -> Tensor? {
    guard !GradMode.isEnabled, x.device == .cpu, g.device == .cpu, x.dtype == .float32, g.dtype == .float32, g.shape == x.shape else { return nil }
    let xc = x.contiguous(), gc = g.contiguous()
    let out = Tensor(uninitializedShape: x.shape, dtype: .float32)
    let px = UnsafePointer(xc.pointer(as: Float.self)), pg = UnsafePointer(gc.pointer(as: Float.self))
    let po = out.pointer(as: Float.self)
    ThreadPool.parallelFor(x.count, grain: 1 << 15) { r in
        st_gelu_backward_f32(px + r.lowerBound, pg + r.lowerBound, po + r.lowerBound, r.count)
    }
    return out
}

/// Elementwise GELU (`torch.nn.functional.gelu`).
/// - Parameters:
///   - x: the input.
///   - approximate: `.none` (erf) or `.tanh`.
public func gelu(_ x: Tensor, approximate: GeluApproximation = .none) -> Tensor { x.gelu(approximate: approximate) }

extension OpInfo {
    static let gelu = OpInfo(name: "gelu", kind: .unary, dtypes: .floating, differentiable: true,
                             elementwise: .unary("x * ((C)1 + erf(x * (C)0.7071067811865476)) / (C)2"),
                             inputs: [.init([3, 4], .real)]) { $0[0].gelu() }
    static let geluTanh = OpInfo(name: "gelu(tanh)", kind: .unary, dtypes: .floating, differentiable: true,
                                 elementwise: .unary("x * ((C)1 + tanh((C)0.7978845608028654 * (x + (C)0.044715 * x * x * x))) / (C)2"),
                                 inputs: [.init([3, 4], .real)]) { $0[0].gelu(approximate: .tanh) }
}
