import RealModule

// MARK: - atan2

struct Atan2Function: BinaryFunction {
    @inline(__always) func callAsFunction<T: FloatingScalar>(_ a: T, _ b: T) -> T { T.atan2(y: a, x: b) }
    @inline(__always) func integer<T: IntegerScalar>(_ a: T, _ b: T) -> T { a }
}

extension Tensor {
    /// Elementwise atan2(self, other), the angle of (other, self) of `self` and `other`, with broadcasting and type promotion (`torch.atan2`).
    /// - Parameter other: the second operand.
    @_disfavoredOverload public func atan2(_ other: Tensor) -> Tensor {
        let out = binaryMap(Atan2Function(), self, other, dtype: floatResultType(self, other), op: "atan2")
        if shouldRecord(self, other) {
            record("atan2", inputs: [self, other], outputs: [out], saving: [self, other]) { ctx in
                let g = ctx.grad, a = ctx.saved[0], b = ctx.saved[1]
                return [g * b / (a * a + b * b), -(g * a / (a * a + b * b))]
            }
        }
        return out
    }

    /// Elementwise atan2(self, other), the angle of (other, self) with a scalar.
    /// - Parameter other: the scalar operand.
    public func atan2(_ other: Double) -> Tensor { atan2(.wrapped(other, dtype: .float64)) }
}

/// Elementwise atan2(self, other), the angle of (other, self) (`torch.atan2`).
/// - Parameters:
///   - a: the first operand.
///   - b: the second operand.
public func atan2(_ a: Tensor, _ b: Tensor) -> Tensor { a.atan2(b) }

extension OpInfo {
    static let atan2 = OpInfo(name: "atan2", kind: .binary, dtypes: .numeric, differentiable: true,
                            elementwise: .binary("atan2(a, b)"),
                            inputs: [.init([3, 4], .real), .init([4], .nonzero)]) { $0[0].atan2($0[1]) }
}
