import RealModule

// MARK: - hypot

struct HypotFunction: BinaryFunction {
    @inline(__always) func callAsFunction<T: FloatingScalar>(_ a: T, _ b: T) -> T { T.hypot(a, b) }
    @inline(__always) func integer<T: IntegerScalar>(_ a: T, _ b: T) -> T { a }
}

extension Tensor {
    /// Elementwise √(self² + other²) of `self` and `other`, with broadcasting and type promotion (`torch.hypot`).
    /// - Parameter other: the second operand.
    @_disfavoredOverload public func hypot(_ other: Tensor) -> Tensor {
        let out = binaryMap(HypotFunction(), self, other, dtype: floatResultType(self, other), op: "hypot")
        if shouldRecord(self, other) {
            record("hypot", inputs: [self, other], outputs: [out], saving: [self, other], savingOutputs: [0]) { ctx in
                let g = ctx.grad, a = ctx.saved[0], b = ctx.saved[1]
                let y = ctx.saved[2]
                return [g * a / y, g * b / y]
            }
        }
        return out
    }

    /// Elementwise √(self² + other²) with a scalar.
    /// - Parameter other: the scalar operand.
    public func hypot(_ other: Double) -> Tensor { hypot(.wrapped(other, dtype: .float64)) }
}

/// Elementwise √(self² + other²) (`torch.hypot`).
/// - Parameters:
///   - a: the first operand.
///   - b: the second operand.
public func hypot(_ a: Tensor, _ b: Tensor) -> Tensor { a.hypot(b) }

extension OpInfo {
    static let hypot = OpInfo(name: "hypot", kind: .binary, dtypes: .numeric, differentiable: true,
                            elementwise: .binary("hypot(a, b)"),
                            inputs: [.init([3, 4], .nonzero), .init([4], .nonzero)]) { $0[0].hypot($0[1]) }
}
