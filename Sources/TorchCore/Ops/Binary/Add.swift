import RealModule

// MARK: - add

struct AddFunction: BinaryFunction {
    @inline(__always) func callAsFunction<T: FloatingScalar>(_ a: T, _ b: T) -> T { a + b }
    var float32Op: Int32? { 0 }
    @inline(__always) func integer<T: IntegerScalar>(_ a: T, _ b: T) -> T { a &+ b }
}

extension Tensor {
    /// Elementwise the sum of `self` and `other`, with broadcasting and type promotion (`torch.add`).
    /// - Parameter other: the second operand.
    @_disfavoredOverload public func add(_ other: Tensor) -> Tensor {
        let out = binaryMap(AddFunction(), self, other, dtype: resultType(self, other), op: "add")
        if shouldRecord(self, other) {
            record("add", inputs: [self, other], outputs: [out]) { ctx in
                let g = ctx.grad
                return [g, g]
            }
        }
        return out
    }

    /// Elementwise the sum with a scalar.
    /// - Parameter other: the scalar operand.
    public func add(_ other: Double) -> Tensor { add(.wrapped(other, dtype: .float64)) }
}

/// Elementwise the sum (`torch.add`).
/// - Parameters:
///   - a: the first operand.
///   - b: the second operand.
public func add(_ a: Tensor, _ b: Tensor) -> Tensor { a.add(b) }

extension OpInfo {
    static let add = OpInfo(name: "add", kind: .binary, dtypes: .numeric, differentiable: true,
                            elementwise: .binary("a + b", integer: "a + b"),
                            inputs: [.init([3, 4], .real), .init([4], .real)]) { $0[0].add($0[1]) }
}
