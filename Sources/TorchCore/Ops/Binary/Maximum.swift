import RealModule

// MARK: - maximum

struct MaximumFunction: BinaryFunction {
    @inline(__always) func callAsFunction<T: FloatingScalar>(_ a: T, _ b: T) -> T { a.isNaN || b.isNaN ? T.nan : Swift.max(a, b) }
    @inline(__always) func integer<T: IntegerScalar>(_ a: T, _ b: T) -> T { Swift.max(a, b) }
}

extension Tensor {
    /// Elementwise the larger value (NaN propagates) of `self` and `other`, with broadcasting and type promotion (`torch.maximum`).
    /// - Parameter other: the second operand.
    @_disfavoredOverload public func maximum(_ other: Tensor) -> Tensor {
        let out = binaryMap(MaximumFunction(), self, other, dtype: resultType(self, other), op: "maximum")
        if shouldRecord(self, other) {
            record("maximum", inputs: [self, other], outputs: [out], saving: [self, other]) { ctx in
                let g = ctx.grad, a = ctx.saved[0], b = ctx.saved[1]
                return maxMinBackward(g, a, b, isMax: true)
            }
        }
        return out
    }

    /// Elementwise the larger value (NaN propagates) with a scalar.
    /// - Parameter other: the scalar operand.
    public func maximum(_ other: Double) -> Tensor { maximum(.wrapped(other, dtype: .float64)) }
}

/// Elementwise the larger value (NaN propagates) (`torch.maximum`).
/// - Parameters:
///   - a: the first operand.
///   - b: the second operand.
public func maximum(_ a: Tensor, _ b: Tensor) -> Tensor { a.maximum(b) }

extension OpInfo {
    static let maximum = OpInfo(name: "maximum", kind: .binary, dtypes: .numeric, differentiable: true,
                            elementwise: .binary("st_nanmax(a, b)", integer: "st_max(a, b)"),
                            inputs: [.init([3, 4], .real), .init([4], .real)]) { $0[0].maximum($0[1]) }
}
