import RealModule

// MARK: - fmod

struct FmodFunction: BinaryFunction {
    @inline(__always) func callAsFunction<T: FloatingScalar>(_ a: T, _ b: T) -> T { T(fromDouble: a.doubleValue.truncatingRemainder(dividingBy: b.doubleValue)) }
    @inline(__always) func integer<T: IntegerScalar>(_ a: T, _ b: T) -> T { intFmod(a, b) }
}

extension Tensor {
    /// Elementwise the C-style remainder (sign of the dividend) of `self` and `other`, with broadcasting and type promotion (`torch.fmod`).
    /// - Parameter other: the second operand.
    @_disfavoredOverload public func fmod(_ other: Tensor) -> Tensor {
        let out = binaryMap(FmodFunction(), self, other, dtype: resultType(self, other), op: "fmod")
        if shouldRecord(self, other) {
            record("fmod", inputs: [self, other], outputs: [out], saving: [self, other]) { ctx in
                let g = ctx.grad, a = ctx.saved[0], b = ctx.saved[1]
                return [g, -(g * (a / b).trunc())]
            }
        }
        return out
    }

    /// Elementwise the C-style remainder (sign of the dividend) with a scalar.
    /// - Parameter other: the scalar operand.
    public func fmod(_ other: Double) -> Tensor { fmod(.wrapped(other, dtype: .float64)) }
}

/// Elementwise the C-style remainder (sign of the dividend) (`torch.fmod`).
/// - Parameters:
///   - a: the first operand.
///   - b: the second operand.
public func fmod(_ a: Tensor, _ b: Tensor) -> Tensor { a.fmod(b) }

extension OpInfo {
    static let fmod = OpInfo(name: "fmod", kind: .binary, dtypes: .numeric, differentiable: true,
                            elementwise: .binary("fmod(a, b)", integer: "a % b"),
                            inputs: [.init([3, 4], .real), .init([4], .nonzero)]) { $0[0].fmod($0[1]) }
}
