import RealModule

// MARK: - remainder

struct RemainderFunction: BinaryFunction {
    @inline(__always) func callAsFunction<T: FloatingScalar>(_ a: T, _ b: T) -> T { pyRemainder(a, b) }
    @inline(__always) func integer<T: IntegerScalar>(_ a: T, _ b: T) -> T { intRemainder(a, b) }
}

extension Tensor {
    /// Elementwise the Python-style remainder (sign of the divisor) of `self` and `other`, with broadcasting and type promotion (`torch.remainder`).
    /// - Parameter other: the second operand.
    @_disfavoredOverload public func remainder(_ other: Tensor) -> Tensor {
        let out = binaryMap(RemainderFunction(), self, other, dtype: resultType(self, other), op: "remainder")
        if shouldRecord(self, other) {
            record("remainder", inputs: [self, other], outputs: [out], saving: [self, other]) { ctx in
                let g = ctx.grad, a = ctx.saved[0], b = ctx.saved[1]
                return [g, -(g * (a / b).floor())]
            }
        }
        return out
    }

    /// Elementwise the Python-style remainder (sign of the divisor) with a scalar.
    /// - Parameter other: the scalar operand.
    public func remainder(_ other: Double) -> Tensor { remainder(.wrapped(other, dtype: .float64)) }
}

/// Elementwise the Python-style remainder (sign of the divisor) (`torch.remainder`).
/// - Parameters:
///   - a: the first operand.
///   - b: the second operand.
public func remainder(_ a: Tensor, _ b: Tensor) -> Tensor { a.remainder(b) }

extension OpInfo {
    static let remainder = OpInfo(name: "remainder", kind: .binary, dtypes: .numeric, differentiable: true,
                            elementwise: .binary("st_remainder(a, b)", integer: "st_iremainder(a, b)"),
                            inputs: [.init([3, 4], .real), .init([4], .nonzero)]) { $0[0].remainder($0[1]) }
}
