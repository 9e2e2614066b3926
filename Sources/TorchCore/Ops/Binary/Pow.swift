#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// MARK: - pow

/// C's `pow`: defined for negative bases with integral exponents (`(-2)^3 = -8`), NaN for a negative base
/// with a fractional exponent, `pow(x, 0) = 1` — as `torch.pow`. (swift-numerics' `Double.pow(_:_:)` is
/// defined for non-negative bases only and returns NaN for `(-2)^4`.)
@inline(__always) func libmPow(_ a: Double, _ b: Double) -> Double {
    #if canImport(Glibc)
    return Glibc.pow(a, b)
    #else
    return Darwin.pow(a, b)
    #endif
}

struct PowFunction: BinaryFunction {
    @inline(__always) func callAsFunction<T: FloatingScalar>(_ a: T, _ b: T) -> T {
        if b == 2 { return a * a }
        if b == 1 { return a }
        if b == 0.5 { return a.squareRoot() }
        return T(fromDouble: libmPow(a.doubleValue, b.doubleValue))
    }
    @inline(__always) func integer<T: IntegerScalar>(_ a: T, _ b: T) -> T {
        precondition(b >= 0, "pow: Integers to negative integer powers are not allowed.")
        var result: T = 1, base = a, e = b
        while e > 0 {
            if e & 1 == 1 { result = result &* base }
            base = base &* base
            e >>= 1
        }
        return result
    }
}

struct PowScalarFunction: UnaryFloatingFunction {
    let exponent: Double
    var parameters: [Double] { [exponent] }
    @inline(__always) func callAsFunction<T: FloatingScalar>(_ x: T) -> T {
        if exponent == 2 { return x * x }
        if exponent == 3 { return x * x * x }
        if exponent == 0.5 { return x.squareRoot() }
        if exponent == -1 { return 1 / x }
        return T(fromDouble: libmPow(x.doubleValue, exponent))
    }
}

extension Tensor {
    /// Elementwise `self ** other` with broadcasting (`torch.pow`).
    /// - Parameter other: the exponent.
    @_disfavoredOverload public func pow(_ other: Tensor) -> Tensor {
        let out = binaryMap(PowFunction(), self, other, dtype: resultType(self, other), op: "pow")
        if shouldRecord(self, other) {
            record("pow", inputs: [self, other], outputs: [out], saving: [self, other], savingOutputs: [0]) { ctx in
                let g = ctx.grad, a = ctx.saved[0], b = ctx.saved[1], y = ctx.saved[2]
                let ga = g * b * a.pow(b - 1)
                // d/db a^b = a^b log a, taken as 0 where a == 0 (PyTorch's convention).
                let safeLog = a.maskedFill(a.eq(0), 1).log()
                let gb = g * y * safeLog
                return [ga, gb]
            }
        }
        return out
    }

    /// Elementwise `self ** exponent` (`torch.pow` with a scalar exponent).
    /// - Parameter exponent: the exponent.
    public func pow(_ exponent: Double) -> Tensor {
        if !dtype.isFloatingPoint && exponent == exponent.rounded() && exponent >= 0 {
            return pow(Tensor.wrapped(exponent, dtype: .int64))
        }
        return recordUnary("pow", floatingMap(PowScalarFunction(exponent: exponent), self, op: "pow(scalar)")) { g, x, _ in
            exponent == 0 ? g * 0 : g * x.pow(exponent - 1) * exponent
        }
    }
}

/// Elementwise power (`torch.pow`).
/// - Parameters:
///   - a: the base.
///   - b: the exponent.
public func pow(_ a: Tensor, _ b: Tensor) -> Tensor { a.pow(b) }

/// Elementwise power with a scalar exponent (`torch.pow`).
/// - Parameters:
///   - a: the base.
///   - exponent: the exponent.
public func pow(_ a: Tensor, _ exponent: Double) -> Tensor { a.pow(exponent) }

extension OpInfo {
    static let pow = OpInfo(name: "pow", kind: .binary, dtypes: .numeric, differentiable: true,
                            elementwise: .binary("st_pow(a, b)", integer: "st_ipow(a, b)"),
                            inputs: [.init([3, 4], .positive), .init([4], .real)]) { $0[0].pow($0[1]) }
    static let powScalar = OpInfo(name: "pow(scalar)", kind: .unary, dtypes: .numeric, differentiable: true,
                                  elementwise: .unary("st_pow(x, p0)", parameters: [2.5]),
                                  inputs: [.init([3, 4], .positive)]) { $0[0].pow(2.5) }
}
