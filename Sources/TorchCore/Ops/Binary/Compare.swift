// MARK: - Comparisons: eq ne lt le gt ge

struct EqFunction: CompareFunction { @inline(__always) func callAsFunction<T: Comparable>(_ a: T, _ b: T) -> Bool { a == b } }
struct NeFunction: CompareFunction { @inline(__always) func callAsFunction<T: Comparable>(_ a: T, _ b: T) -> Bool { a != b } }
struct LtFunction: CompareFunction { @inline(__always) func callAsFunction<T: Comparable>(_ a: T, _ b: T) -> Bool { a < b } }
struct LeFunction: CompareFunction { @inline(__always) func callAsFunction<T: Comparable>(_ a: T, _ b: T) -> Bool { a <= b } }
struct GtFunction: CompareFunction { @inline(__always) func callAsFunction<T: Comparable>(_ a: T, _ b: T) -> Bool { a > b } }
struct GeFunction: CompareFunction { @inline(__always) func callAsFunction<T: Comparable>(_ a: T, _ b: T) -> Bool { a >= b } }

extension Tensor {
    /// Elementwise `==` as a `bool` tensor (`torch.eq`).
    /// - Parameter other: the other operand (broadcast).
    @_disfavoredOverload public func eq(_ other: Tensor) -> Tensor { compareMap(EqFunction(), self, other, op: "eq") }
    /// Elementwise `!=` (`torch.ne`).
    /// - Parameter other: the other operand (broadcast).
    @_disfavoredOverload public func ne(_ other: Tensor) -> Tensor { compareMap(NeFunction(), self, other, op: "ne") }
    /// Elementwise `<` (`torch.lt`).
    /// - Parameter other: the other operand (broadcast).
    @_disfavoredOverload public func lt(_ other: Tensor) -> Tensor { compareMap(LtFunction(), self, other, op: "lt") }
    /// Elementwise `<=` (`torch.le`).
    /// - Parameter other: the other operand (broadcast).
    @_disfavoredOverload public func le(_ other: Tensor) -> Tensor { compareMap(LeFunction(), self, other, op: "le") }
    /// Elementwise `>` (`torch.gt`).
    /// - Parameter other: the other operand (broadcast).
    @_disfavoredOverload public func gt(_ other: Tensor) -> Tensor { compareMap(GtFunction(), self, other, op: "gt") }
    /// Elementwise `>=` (`torch.ge`).
    /// - Parameter other: the other operand (broadcast).
    @_disfavoredOverload public func ge(_ other: Tensor) -> Tensor { compareMap(GeFunction(), self, other, op: "ge") }

    /// Elementwise `== value`.
    /// - Parameter value: the scalar.
    public func eq(_ value: Double) -> Tensor { eq(.wrapped(value, dtype: .float64)) }
    /// Elementwise `!= value`.
    /// - Parameter value: the scalar.
    public func ne(_ value: Double) -> Tensor { ne(.wrapped(value, dtype: .float64)) }
    /// Elementwise `< value`.
    /// - Parameter value: the scalar.
    public func lt(_ value: Double) -> Tensor { lt(.wrapped(value, dtype: .float64)) }
    /// Elementwise `<= value`.
    /// - Parameter value: the scalar.
    public func le(_ value: Double) -> Tensor { le(.wrapped(value, dtype: .float64)) }
    /// Elementwise `> value`.
    /// - Parameter value: the scalar.
    public func gt(_ value: Double) -> Tensor { gt(.wrapped(value, dtype: .float64)) }
    /// Elementwise `>= value`.
    /// - Parameter value: the scalar.
    public func ge(_ value: Double) -> Tensor { ge(.wrapped(value, dtype: .float64)) }

    /// Pointwise comparison operators returning `bool` tensors.
    public static func .== (lhs: Tensor, rhs: Tensor) -> Tensor { lhs.eq(rhs) }
    /// Pointwise `!=`.
    public static func .!= (lhs: Tensor, rhs: Tensor) -> Tensor { lhs.ne(rhs) }
    /// Pointwise `<`.
    public static func .< (lhs: Tensor, rhs: Tensor) -> Tensor { lhs.lt(rhs) }
    /// Pointwise `<=`.
    public static func .<= (lhs: Tensor, rhs: Tensor) -> Tensor { lhs.le(rhs) }
    /// Pointwise `>`.
    public static func .> (lhs: Tensor, rhs: Tensor) -> Tensor { lhs.gt(rhs) }
    /// Pointwise `>=`.
    public static func .>= (lhs: Tensor, rhs: Tensor) -> Tensor { lhs.ge(rhs) }
    /// Pointwise `== scalar`.
    @_disfavoredOverload public static func .== (lhs: Tensor, rhs: Double) -> Tensor { lhs.eq(rhs) }
    /// Pointwise `!= scalar`.
    @_disfavoredOverload public static func .!= (lhs: Tensor, rhs: Double) -> Tensor { lhs.ne(rhs) }
    /// Pointwise `< scalar`.
    @_disfavoredOverload public static func .< (lhs: Tensor, rhs: Double) -> Tensor { lhs.lt(rhs) }
    /// Pointwise `<= scalar`.
    @_disfavoredOverload public static func .<= (lhs: Tensor, rhs: Double) -> Tensor { lhs.le(rhs) }
    /// Pointwise `> scalar`.
    @_disfavoredOverload public static func .> (lhs: Tensor, rhs: Double) -> Tensor { lhs.gt(rhs) }
    /// Pointwise `>= scalar`.
    @_disfavoredOverload public static func .>= (lhs: Tensor, rhs: Double) -> Tensor { lhs.ge(rhs) }

    // Integer and `Float` scalars (disfavoured like the arithmetic ones, so `x .> 2` takes the literal path).
    /// Pointwise `==` against an integer scalar.
    @_disfavoredOverload public static func .== (lhs: Tensor, rhs: Int) -> Tensor { lhs.eq(Tensor(integerLiteral: rhs)) }
    /// Pointwise `==` against a `Float` scalar.
    @_disfavoredOverload public static func .== (lhs: Tensor, rhs: Float) -> Tensor { lhs.eq(Double(rhs)) }
    /// Pointwise `!=` against an integer scalar.
    @_disfavoredOverload public static func .!= (lhs: Tensor, rhs: Int) -> Tensor { lhs.ne(Tensor(integerLiteral: rhs)) }
    /// Pointwise `!=` against a `Float` scalar.
    @_disfavoredOverload public static func .!= (lhs: Tensor, rhs: Float) -> Tensor { lhs.ne(Double(rhs)) }
    /// Pointwise `<` against an integer scalar.
    @_disfavoredOverload public static func .< (lhs: Tensor, rhs: Int) -> Tensor { lhs.lt(Tensor(integerLiteral: rhs)) }
    /// Pointwise `<` against a `Float` scalar.
    @_disfavoredOverload public static func .< (lhs: Tensor, rhs: Float) -> Tensor { lhs.lt(Double(rhs)) }
    /// Pointwise `<=` against an integer scalar.
    @_disfavoredOverload public static func .<= (lhs: Tensor, rhs: Int) -> Tensor { lhs.le(Tensor(integerLiteral: rhs)) }
    /// Pointwise `<=` against a `Float` scalar.
    @_disfavoredOverload public static func .<= (lhs: Tensor, rhs: Float) -> Tensor { lhs.le(Double(rhs)) }
    /// Pointwise `>` against an integer scalar.
    @_disfavoredOverload public static func .> (lhs: Tensor, rhs: Int) -> Tensor { lhs.gt(Tensor(integerLiteral: rhs)) }
    /// Pointwise `>` against a `Float` scalar.
    @_disfavoredOverload public static func .> (lhs: Tensor, rhs: Float) -> Tensor { lhs.gt(Double(rhs)) }
    /// Pointwise `>=` against an integer scalar.
    @_disfavoredOverload public static func .>= (lhs: Tensor, rhs: Int) -> Tensor { lhs.ge(Tensor(integerLiteral: rhs)) }
    /// Pointwise `>=` against a `Float` scalar.
    @_disfavoredOverload public static func .>= (lhs: Tensor, rhs: Float) -> Tensor { lhs.ge(Double(rhs)) }
}
