import RealModule

// MARK: - leakyRelu / elu / softplus / hardtanh / celu

struct LeakyReluFunction: UnaryFloatingFunction {
    let slope: Double
    var parameters: [Double] { [slope] }
    @inline(__always) func callAsFunction<T: FloatingScalar>(_ x: T) -> T { x > 0 ? x : x * T(fromDouble: slope) }
}

struct EluFunction: UnaryFloatingFunction {
    let alpha: Double
    var parameters: [Double] { [alpha] }
    @inline(__always) func callAsFunction<T: FloatingScalar>(_ x: T) -> T { x > 0 ? x : T(fromDouble: alpha) * T.expMinusOne(x) }
}

struct SoftplusFunction: UnaryFloatingFunction {
    let beta: Double
    let threshold: Double
    var parameters: [Double] { [beta, threshold] }
    @inline(__always) func callAsFunction<T: FloatingScalar>(_ x: T) -> T {
        let b = T(fromDouble: beta)
        return x * b > T(fromDouble: threshold) ? x : T.log(onePlus: T.exp(x * b)) / b
    }
}

struct HardtanhFunction: UnaryNumericFunction {
    let lo: Double
    let hi: Double
    var parameters: [Double] { [lo, hi] }
    @inline(__always) func callAsFunction<T: FloatingScalar>(_ x: T) -> T {
        Swift.min(Swift.max(x, T(fromDouble: lo)), T(fromDouble: hi))
    }
    @inline(__always) func integer<T: IntegerScalar>(_ x: T) -> T {
        Swift.min(Swift.max(x, T(fromDouble: lo)), T(fromDouble: hi))
    }
}

extension Tensor {
    /// Elementwise `x` for positive `x`, `slope·x` otherwise (`torch.nn.functional.leaky_relu`).
    /// - Parameter negativeSlope: the slope for negative inputs.
    public func leakyRelu(negativeSlope: Double = 0.01) -> Tensor {
        recordUnary("leakyRelu", floatingMap(LeakyReluFunction(slope: negativeSlope), self, op: "leakyRelu")) { g, x, _ in
            g * (x.gt(0).to(g.dtype) + x.le(0).to(g.dtype) * negativeSlope)
        }
    }

    /// Elementwise ELU: `x` for positive `x`, `α(eˣ − 1)` otherwise (`torch.nn.functional.elu`).
    /// - Parameter alpha: α.
    public func elu(alpha: Double = 1) -> Tensor {
        recordUnary("elu", floatingMap(EluFunction(alpha: alpha), self, op: "elu")) { g, x, _ in
            g * (x.gt(0).to(g.dtype) + x.le(0).to(g.dtype) * x.exp() * alpha)
        }
    }

    /// Elementwise CELU: `max(0,x) + min(0, α(e^{x/α} − 1))` (`torch.nn.functional.celu`).
    /// - Parameter alpha: α.
    public func celu(alpha: Double = 1) -> Tensor {
        (self / alpha).elu(alpha: 1) * alpha
    }

    /// Elementwise `log(1 + e^{βx})/β`, linear above `threshold` (`torch.nn.functional.softplus`).
    /// - Parameters:
    ///   - beta: β.
    ///   - threshold: above `β·x > threshold` the function is `x`.
    public func softplus(beta: Double = 1, threshold: Double = 20) -> Tensor {
        recordUnary("softplus", floatingMap(SoftplusFunction(beta: beta, threshold: threshold), self, op: "softplus")) { g, x, _ in
            let above = (x * beta).gt(threshold).to(g.dtype)
            return g * (above + (1 - above) * (x * beta).sigmoid())
        }
    }

    /// Elementwise clamp to `[minVal, maxVal]` with gradient 1 inside (`torch.nn.functional.hardtanh`).
    /// - Parameters:
    ///   - minVal: the lower bound.
    ///   - maxVal: the upper bound.
    public func hardtanh(minVal: Double = -1, maxVal: Double = 1) -> Tensor {
        recordUnary("hardtanh", numericMap(HardtanhFunction(lo: minVal, hi: maxVal), self, op: "hardtanh")) { g, x, _ in
            g * x.gt(minVal).logicalAnd(x.lt(maxVal)).to(g.dtype)
        }
    }
}

/// Leaky ReLU (`torch.nn.functional.leaky_relu`).
/// - Parameters:
///   - x: the input.
///   - negativeSlope: the slope for negative inputs.
public func leakyRelu(_ x: Tensor, negativeSlope: Double = 0.01) -> Tensor { x.leakyRelu(negativeSlope: negativeSlope) }
/// ELU (`torch.nn.functional.elu`).
/// - Parameters:
///   - x: the input.
///   - alpha: α.
public func elu(_ x: Tensor, alpha: Double = 1) -> Tensor { x.elu(alpha: alpha) }
/// Softplus (`torch.nn.functional.softplus`).
/// - Parameters:
///   - x: the input.
///   - beta: β.
///   - threshold: the linear threshold.
public func softplus(_ x: Tensor, beta: Double = 1, threshold: Double = 20) -> Tensor { x.softplus(beta: beta, threshold: threshold) }
/// Hardtanh (`torch.nn.functional.hardtanh`).
/// - Parameters:
///   - x: the input.
///   - minVal: the lower bound.
///   - maxVal: the upper bound.
public func hardtanh(_ x: Tensor, minVal: Double = -1, maxVal: Double = 1) -> Tensor { x.hardtanh(minVal: minVal, maxVal: maxVal) }

extension OpInfo {
    static let leakyRelu = OpInfo(name: "leakyRelu", kind: .unary, dtypes: .floating, differentiable: true,
                                  elementwise: .unary("(x > 0 ? x : x * p0)", parameters: [0.1]),
                                  inputs: [.init([3, 4], .nonzero)]) { $0[0].leakyRelu(negativeSlope: 0.1) }
    static let elu = OpInfo(name: "elu", kind: .unary, dtypes: .floating, differentiable: true,
                            elementwise: .unary("(x > 0 ? x : p0 * expm1(x))", parameters: [1.5]),
                            inputs: [.init([3, 4], .nonzero)]) { $0[0].elu(alpha: 1.5) }
    static let softplus = OpInfo(name: "softplus", kind: .unary, dtypes: .floating, differentiable: true,
                                 elementwise: .unary("(x * p0 > p1 ? x : log1p(exp(x * p0)) / p0)", parameters: [2, 20]),
                                 inputs: [.init([3, 4], .real)]) { $0[0].softplus(beta: 2) }
    static let hardtanh = OpInfo(name: "hardtanh", kind: .unary, dtypes: .numeric, differentiable: true,
                                 elementwise: .unary("st_min(st_max(x, p0), p1)", integer: "st_min(st_max(x, p0), p1)", parameters: [-1, 1]),
                                 inputs: [.init([3, 4], .kinkfree1)]) { $0[0].hardtanh() }
}
