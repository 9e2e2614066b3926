import RealModule

// MARK: - sub

struct SubFunction: BinaryFunction {
    @inline(__always) func callAsFunction<T: FloatingScalar>(_ a: T, _ b: T) -> T { a - b }
    var float32Op: Int32? { 1 }
    @inline(__always) func integer<T: IntegerScalar>(_ a: T, _ b: T) -> T { a &- b }
}

extension Tensor {
    /// Elementwise the difference of `self` and `other`, with broadcasting and type promotion (`torch.sub`).
    /// - Parameter other: the second operand.
    @_disfavoredOverload public func sub(_ other: Tensor) -> Tensor {
        let out = binaryMap(SubFunction(), self, other, dtype: resultType(self, other), op: "sub")
        if shouldRecord(self, other) {
            record("sub", inputs: [self, other], outputs: [out]) { ctx in
                let g = ctx.grad
                return [g, -g]
            }
        }
        return out
    }

    /// Elementwise the difference with a scalar.
    /// - Parameter other: the scalar operand.
    public func sub(_ other: Double) -> Tensor { sub(.wrapped(other, dtype: .float64)) }
}

/// Elementwise the difference (`torch.sub`).
/// - Parameters:
///   - a: the first operand.
///   - b: the second operand.
public func sub(_ a: Tensor, _ b: Tensor) -> Tensor { a.sub(b) }

extension OpInfo {
    static let sub = OpInfo(name: "sub", kind: .binary, dtypes: .numeric, differentiable: true,
                            elementwise: .binary("a - b", integer: "a - b"),
                            inputs: [.init([3, 4], .real), .init([4], .real)]) { $0[0].sub($0[1]) }
}
