import RealModule

// MARK: - minimum

struct MinimumFunction: BinaryFunction {
    @inline(__always) func callAsFunction<T: FloatingScalar>(_ a: T, _ b: T) -> T { a.isNaN || b.isNaN ? T.nan : Swift.min(a, b) }
    @inline(__always) func integer<T: IntegerScalar>(_ a: T, _ b: T) -> T { Swift.min(a, b) }
}

extension Tensor {
    /// Elementwise the smaller value (NaN propagates) of `self` and `other`, with broadcasting and type promotion (`torch.minimum`).
    /// - Parameter other: the second operand.
    @_disfavoredOverload public func minimum(_ other: Tensor) -> Tensor {
        let out = binaryMap(MinimumFunction(), self, other, dtype: resultType(self, other), op: "minimum")
        if shouldRecord(self, other) {
            record("minimum", inputs: [self, other], outputs: [out], saving: [self, other]) { ctx in
                let g = ctx.grad, a = ctx.saved[0], b = ctx.saved[1]
                return maxMinBackward(g, a, b, isMax: false)
            }
        }
        return out
    }

    /// Elementwise the smaller value (NaN propagates) with a scalar.
    /// - Parameter other: the scalar operand.
    public func minimum(_ other: Double) -> Tensor { minimum(.wrapped(other, dtype: .float64)) }
}

/// Elementwise the smaller value (NaN propagates) (`torch.minimum`).
/// - Parameters:
///   - a: the first operand.
///   - b: the second operand.
public func minimum(_ a: Tensor, _ b: Tensor) -> Tensor { a.minimum(b) }

extension OpInfo {
    static let minimum = OpInfo(name: "minimum", kind: .binary, dtypes: .numeric, differentiable: true,
                            elementwise: .binary("st_nanmin(a, b)", integer: "st_min(a, b)"),
                            inputs: [.init([3, 4], .real), .init([4], .real)]) { $0[0].minimum($0[1]) }
}
