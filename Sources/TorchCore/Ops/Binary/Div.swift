import RealModule

// MARK: - div

/// How ``Tensor/div(_:roundingMode:)`` rounds the quotient.
public enum RoundingMode: Sendable {
    /// Round toward negative infinity (Python's `//`).
    case floor
    /// Round toward zero (C integer division).
    case trunc
}

struct TrueDivFunction: BinaryFunction {
    var float32Op: Int32? { 3 }
    @inline(__always) func callAsFunction<T: FloatingScalar>(_ a: T, _ b: T) -> T { a / b }
    @inline(__always) func integer<T: IntegerScalar>(_ a: T, _ b: T) -> T { a / b }
}

struct FloorDivFunction: BinaryFunction {
    @inline(__always) func callAsFunction<T: FloatingScalar>(_ a: T, _ b: T) -> T { (a / b).rounded(.down) }
    @inline(__always) func integer<T: IntegerScalar>(_ a: T, _ b: T) -> T {
        precondition(b != 0, "div: ZeroDivisionError (integer division by zero)")
        let q = a / b
        return (a % b != 0 && ((a < 0) != (b < 0))) ? q &- 1 : q
    }
}

struct TruncDivFunction: BinaryFunction {
    @inline(__always) func callAsFunction<T: FloatingScalar>(_ a: T, _ b: T) -> T { (a / b).rounded(.towardZero) }
    @inline(__always) func integer<T: IntegerScalar>(_ a: T, _ b: T) -> T {
        precondition(b != 0, "div: ZeroDivisionError (integer division by zero)")
        return a / b
    }
}

extension Tensor {
    /// Elementwise true division (`torch.div`); integer inputs give `float32`.
    /// - Parameter other: the divisor.
    public func div(_ other: Tensor) -> Tensor {
        let out = binaryMap(TrueDivFunction(), self, other, dtype: floatResultType(self, other), op: "div")
        if shouldRecord(self, other) {
            record("div", inputs: [self, other], outputs: [out], saving: [self, other]) { ctx in
                let g = ctx.grad, a = ctx.saved[0], b = ctx.saved[1]
                return [g / b, -(g * a / (b * b))]
            }
        }
        return out
    }

    /// Elementwise division with rounding (`torch.div(rounding_mode=)`); keeps integer dtypes. Not differentiable
    /// (its gradient is zero almost everywhere).
    /// - Parameters:
    ///   - other: the divisor.
    ///   - roundingMode: `.floor` (Python `//`) or `.trunc`.
    public func div(_ other: Tensor, roundingMode: RoundingMode) -> Tensor {
        let dt = resultType(self, other)
        switch roundingMode {
        case .floor: return binaryMap(FloorDivFunction(), self, other, dtype: dt, op: "floorDivide")
        case .trunc: return binaryMap(TruncDivFunction(), self, other, dtype: dt, op: "div(trunc)")
        }
    }

    /// Floor division (`torch.floor_divide`, Python's `//`).
    /// - Parameter other: the divisor.
    public func floorDivide(_ other: Tensor) -> Tensor { div(other, roundingMode: .floor) }
}

extension OpInfo {
    static let div = OpInfo(name: "div", kind: .binary, dtypes: .numeric, differentiable: true,
                            elementwise: .binary("a / b"),
                            inputs: [.init([3, 4], .real), .init([4], .nonzero)]) { $0[0].div($0[1]) }
    static let floorDivide = OpInfo(name: "floorDivide", kind: .binary, dtypes: .numeric, differentiable: false,
                                    elementwise: .binary("floor(a / b)", integer: "st_floordiv(a, b)"),
                                    inputs: [.init([3, 4], .real), .init([4], .nonzero)]) { $0[0].floorDivide($0[1]) }
}
