import RealModule

// MARK: - mul

struct MulFunction: BinaryFunction {
    @inline(__always) func callAsFunction<T: FloatingScalar>(_ a: T, _ b: T) -> T { a * b }
    var float32Op: Int32? { 2 }
    @inline(__always) func integer<T: IntegerScalar>(_ a: T, _ b: T) -> T { a &* b }
}

extension Tensor {
    /// Elementwise the product of `self` and `other`, with broadcasting and type promotion (`torch.mul`).
    /// - Parameter other: the second operand.
    @_disfavoredOverload public func mul(_ other: Tensor) -> Tensor {
        let out = binaryMap(MulFunction(), self, other, dtype: resultType(self, other), op: "mul")
        if shouldRecord(self, other) {
            record("mul", inputs: [self, other], outputs: [out], saving: [self, other]) { ctx in
                let g = ctx.grad, a = ctx.saved[0], b = ctx.saved[1]
                return [g * b, g * a]
            }
        }
        return out
    }

    /// Elementwise the product with a scalar.
    /// - Parameter other: the scalar operand.
    public func mul(_ other: Double) -> Tensor { mul(.wrapped(other, dtype: .float64)) }
}

/// Elementwise the product (`torch.mul`).
/// - Parameters:
///   - a: the first operand.
///   - b: the second operand.
public func mul(_ a: Tensor, _ b: Tensor) -> Tensor { a.mul(b) }

extension OpInfo {
    static let mul = OpInfo(name: "mul", kind: .binary, dtypes: .numeric, differentiable: true,
                            elementwise: .binary("a * b", integer: "a * b"),
                            inputs: [.init([3, 4], .real), .init([4], .real)]) { $0[0].mul($0[1]) }
}
