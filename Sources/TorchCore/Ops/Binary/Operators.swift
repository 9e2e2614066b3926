// MARK: - Arithmetic operators
//
// Note (scalar overloads): the scalar forms are disfavoured so that in a mixed expression such as
// `x.item() + 1` Swift prefers plain `Double` arithmetic over turning the literal into a tensor; a literal
// operand of a tensor still works (it becomes a wrapped number with the same semantics as the scalar form).

extension Tensor {
    /// Elementwise sum with broadcasting and type promotion.
    public static func + (lhs: Tensor, rhs: Tensor) -> Tensor { lhs.add(rhs) }
    /// Elementwise difference.
    public static func - (lhs: Tensor, rhs: Tensor) -> Tensor { lhs.sub(rhs) }
    /// Elementwise product.
    public static func * (lhs: Tensor, rhs: Tensor) -> Tensor { lhs.mul(rhs) }
    /// Elementwise true division (integers give `float32`).
    public static func / (lhs: Tensor, rhs: Tensor) -> Tensor { lhs.div(rhs) }
    /// Elementwise negation.
    public static prefix func - (x: Tensor) -> Tensor { x.neg() }

    /// Tensor plus a floating-point scalar (a Python-float-like operand: `intTensor + 2.5` is `float32`).
    @_disfavoredOverload public static func + (lhs: Tensor, rhs: Double) -> Tensor { lhs.add(.wrapped(rhs, dtype: .float64)) }
    /// Scalar plus tensor.
    @_disfavoredOverload public static func + (lhs: Double, rhs: Tensor) -> Tensor { Tensor.wrapped(lhs, dtype: .float64).add(rhs) }
    /// Tensor minus scalar.
    @_disfavoredOverload public static func - (lhs: Tensor, rhs: Double) -> Tensor { lhs.sub(.wrapped(rhs, dtype: .float64)) }
    /// Scalar minus tensor.
    @_disfavoredOverload public static func - (lhs: Double, rhs: Tensor) -> Tensor { Tensor.wrapped(lhs, dtype: .float64).sub(rhs) }
    /// Tensor times scalar.
    @_disfavoredOverload public static func * (lhs: Tensor, rhs: Double) -> Tensor { lhs.mul(.wrapped(rhs, dtype: .float64)) }
    /// Scalar times tensor.
    @_disfavoredOverload public static func * (lhs: Double, rhs: Tensor) -> Tensor { Tensor.wrapped(lhs, dtype: .float64).mul(rhs) }
    /// Tensor divided by scalar.
    @_disfavoredOverload public static func / (lhs: Tensor, rhs: Double) -> Tensor { lhs.div(.wrapped(rhs, dtype: .float64)) }
    /// Scalar divided by tensor.
    @_disfavoredOverload public static func / (lhs: Double, rhs: Tensor) -> Tensor { Tensor.wrapped(lhs, dtype: .float64).div(rhs) }

    /// Tensor plus an integer scalar (keeps integer dtypes).
    @_disfavoredOverload public static func + (lhs: Tensor, rhs: Int) -> Tensor { lhs.add(.wrapped(Double(rhs), dtype: .int64)) }
    /// Integer scalar plus tensor.
    @_disfavoredOverload public static func + (lhs: Int, rhs: Tensor) -> Tensor { Tensor.wrapped(Double(lhs), dtype: .int64).add(rhs) }
    /// Tensor minus integer scalar.
    @_disfavoredOverload public static func - (lhs: Tensor, rhs: Int) -> Tensor { lhs.sub(.wrapped(Double(rhs), dtype: .int64)) }
    /// Integer scalar minus tensor.
    @_disfavoredOverload public static func - (lhs: Int, rhs: Tensor) -> Tensor { Tensor.wrapped(Double(lhs), dtype: .int64).sub(rhs) }
    /// Tensor times integer scalar.
    @_disfavoredOverload public static func * (lhs: Tensor, rhs: Int) -> Tensor { lhs.mul(.wrapped(Double(rhs), dtype: .int64)) }
    /// Integer scalar times tensor.
    @_disfavoredOverload public static func * (lhs: Int, rhs: Tensor) -> Tensor { Tensor.wrapped(Double(lhs), dtype: .int64).mul(rhs) }
    /// Tensor divided by integer scalar (true division).
    @_disfavoredOverload public static func / (lhs: Tensor, rhs: Int) -> Tensor { lhs.div(.wrapped(Double(rhs), dtype: .int64)) }
    /// Integer scalar divided by tensor (true division).
    @_disfavoredOverload public static func / (lhs: Int, rhs: Tensor) -> Tensor { Tensor.wrapped(Double(lhs), dtype: .int64).div(rhs) }

    /// Tensor plus a `Float` scalar.
    @_disfavoredOverload public static func + (lhs: Tensor, rhs: Float) -> Tensor { lhs + Double(rhs) }
    /// Tensor minus a `Float` scalar.
    @_disfavoredOverload public static func - (lhs: Tensor, rhs: Float) -> Tensor { lhs - Double(rhs) }
    /// Tensor times a `Float` scalar.
    @_disfavoredOverload public static func * (lhs: Tensor, rhs: Float) -> Tensor { lhs * Double(rhs) }
    /// Tensor divided by a `Float` scalar.
    @_disfavoredOverload public static func / (lhs: Tensor, rhs: Float) -> Tensor { lhs / Double(rhs) }

    /// `self + alpha·other` (`torch.add` with `alpha`).
    /// - Parameters:
    ///   - other: the addend.
    ///   - alpha: its scale.
    public func add(_ other: Tensor, alpha: Double) -> Tensor { alpha == 1 ? add(other) : add(other * alpha) }

    /// Elementwise remainder with the sign of the divisor (Python's `%`).
    public static func % (lhs: Tensor, rhs: Tensor) -> Tensor { lhs.remainder(rhs) }
    /// Elementwise remainder by a scalar.
    public static func % (lhs: Tensor, rhs: Double) -> Tensor { lhs.remainder(rhs) }

    // MARK: Compound assignment (in place)

    /// In-place addition (`add_`).
    public static func += (lhs: inout Tensor, rhs: Tensor) { lhs.add_(rhs) }
    /// In-place subtraction (`sub_`).
    public static func -= (lhs: inout Tensor, rhs: Tensor) { lhs.sub_(rhs) }
    /// In-place multiplication (`mul_`).
    public static func *= (lhs: inout Tensor, rhs: Tensor) { lhs.mul_(rhs) }
    /// In-place division (`div_`).
    public static func /= (lhs: inout Tensor, rhs: Tensor) { lhs.div_(rhs) }
    /// In-place scalar addition.
    @_disfavoredOverload public static func += (lhs: inout Tensor, rhs: Double) { lhs.add_(.wrapped(rhs, dtype: .float64)) }
    /// In-place scalar subtraction.
    @_disfavoredOverload public static func -= (lhs: inout Tensor, rhs: Double) { lhs.sub_(.wrapped(rhs, dtype: .float64)) }
    /// In-place scalar multiplication.
    @_disfavoredOverload public static func *= (lhs: inout Tensor, rhs: Double) { lhs.mul_(.wrapped(rhs, dtype: .float64)) }
    /// In-place scalar division.
    @_disfavoredOverload public static func /= (lhs: inout Tensor, rhs: Double) { lhs.div_(.wrapped(rhs, dtype: .float64)) }
    /// In-place addition of an integer scalar.
    @_disfavoredOverload public static func += (lhs: inout Tensor, rhs: Int) { lhs.add_(Tensor(integerLiteral: rhs)) }
    /// In-place subtraction of an integer scalar.
    @_disfavoredOverload public static func -= (lhs: inout Tensor, rhs: Int) { lhs.sub_(Tensor(integerLiteral: rhs)) }
    /// In-place multiplication by an integer scalar.
    @_disfavoredOverload public static func *= (lhs: inout Tensor, rhs: Int) { lhs.mul_(Tensor(integerLiteral: rhs)) }
    /// In-place division by an integer scalar.
    @_disfavoredOverload public static func /= (lhs: inout Tensor, rhs: Int) { lhs.div_(Tensor(integerLiteral: rhs)) }
    /// In-place addition of a `Float` scalar.
    @_disfavoredOverload public static func += (lhs: inout Tensor, rhs: Float) { lhs += Double(rhs) }
    /// In-place subtraction of a `Float` scalar.
    @_disfavoredOverload public static func -= (lhs: inout Tensor, rhs: Float) { lhs -= Double(rhs) }
    /// In-place multiplication by a `Float` scalar.
    @_disfavoredOverload public static func *= (lhs: inout Tensor, rhs: Float) { lhs *= Double(rhs) }
    /// In-place division by a `Float` scalar.
    @_disfavoredOverload public static func /= (lhs: inout Tensor, rhs: Float) { lhs /= Double(rhs) }
}
