import RealModule

// MARK: - TensorScalar

/// A Swift type that can be an element of a tensor. Typed access such as `x.toArray(of: Float.self)` is generic
/// over this protocol.
public protocol TensorScalar: Sendable {
    /// The dtype whose elements have this type.
    static var dtype: DType { get }
    /// Converts from `Double` the way PyTorch casts (truncation toward zero for integers, wrapping on overflow).
    init(fromDouble value: Double)
    /// The value as a `Double`.
    var doubleValue: Double { get }
    /// True for the integer types (conversions between them are exact, wrapping like C casts).
    static var isIntegral: Bool { get }
    /// The value as an `Int64` (integers exactly; floats truncated toward zero).
    var int64Value: Int64 { get }
    /// Converts from `Int64`, wrapping for narrower integers.
    init(fromInt64 value: Int64)
}

extension TensorScalar {
    public static var isIntegral: Bool { false }
    public var int64Value: Int64 { Int64(fromDouble: doubleValue) }
    public init(fromInt64 value: Int64) { self.init(fromDouble: Double(value)) }
}

extension IntegerScalar {
    public static var isIntegral: Bool { true }
    public var int64Value: Int64 { Int64(truncatingIfNeeded: self) }
    public init(fromInt64 value: Int64) { self.init(truncatingIfNeeded: value) }
}

/// Floating-point element types that kernels compute in directly (`Float`, `Double`).
public protocol FloatingScalar: TensorScalar, Real, BinaryFloatingPoint {}

/// Integer element types.
public protocol IntegerScalar: TensorScalar, FixedWidthInteger {}

extension Float: FloatingScalar {
    public static var dtype: DType { .float32 }
    @inlinable public init(fromDouble value: Double) { self = Float(value) }
    @inlinable public var doubleValue: Double { Double(self) }
}

extension Double: FloatingScalar {
    public static var dtype: DType { .float64 }
    @inlinable public init(fromDouble value: Double) { self = value }
    @inlinable public var doubleValue: Double { self }
}

extension Float16: TensorScalar {
    public static var dtype: DType { .float16 }
    @inlinable public init(fromDouble value: Double) { self = Float16(Float(value)) }
    @inlinable public var doubleValue: Double { Double(Float(self)) }
}

extension BFloat16: TensorScalar {
    public static var dtype: DType { .bfloat16 }
    @inlinable public init(fromDouble value: Double) { self = BFloat16(Float(value)) }
    @inlinable public var doubleValue: Double { Double(floatValue) }
}

@inlinable
func castToInteger<T: FixedWidthInteger>(_ value: Double) -> T {
    if value.isNaN { return 0 }
    let t = value.rounded(.towardZero)
    if t >= -9.2233720368547758e18 && t < 9.2233720368547758e18 {
        return T(truncatingIfNeeded: Int64(t))
    }
    return t < 0 ? T(truncatingIfNeeded: Int64.min) : T(truncatingIfNeeded: Int64.min)
}

extension Int64: IntegerScalar {
    public static var dtype: DType { .int64 }
    @inlinable public init(fromDouble value: Double) { self = castToInteger(value) }
    @inlinable public var doubleValue: Double { Double(self) }
}

extension Int32: IntegerScalar {
    public static var dtype: DType { .int32 }
    @inlinable public init(fromDouble value: Double) { self = castToInteger(value) }
    @inlinable public var doubleValue: Double { Double(self) }
}

extension Int16: IntegerScalar {
    public static var dtype: DType { .int16 }
    @inlinable public init(fromDouble value: Double) { self = castToInteger(value) }
    @inlinable public var doubleValue: Double { Double(self) }
}

extension Int8: IntegerScalar {
    public static var dtype: DType { .int8 }
    @inlinable public init(fromDouble value: Double) { self = castToInteger(value) }
    @inlinable public var doubleValue: Double { Double(self) }
}

extension UInt8: IntegerScalar {
    public static var dtype: DType { .uint8 }
    @inlinable public init(fromDouble value: Double) { self = castToInteger(value) }
    @inlinable public var doubleValue: Double { Double(self) }
}

extension Int: TensorScalar {
    public static var isIntegral: Bool { true }
    public var int64Value: Int64 { Int64(self) }
    public init(fromInt64 value: Int64) { self = Int(value) }
    public static var dtype: DType { .int64 }
    @inlinable public init(fromDouble value: Double) { self = Int(Int64(fromDouble: value)) }
    @inlinable public var doubleValue: Double { Double(self) }
}

extension Bool: TensorScalar {
    public var int64Value: Int64 { self ? 1 : 0 }
    public init(fromInt64 value: Int64) { self = value != 0 }
    public static var dtype: DType { .bool }
    @inlinable public init(fromDouble value: Double) { self = value != 0 }
    @inlinable public var doubleValue: Double { self ? 1 : 0 }
}
