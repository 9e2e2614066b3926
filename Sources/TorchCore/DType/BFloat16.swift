// MARK: - BFloat16

/// The brain floating-point format: the top 16 bits of an IEEE `Float`.
///
/// Conversion from `Float` rounds to nearest, ties to even (as PyTorch does); NaN stays NaN.
public struct BFloat16: Sendable, Hashable, CustomStringConvertible, Comparable {
    /// The raw 16 bits.
    public var bitPattern: UInt16

    /// Creates a value from its raw bits.
    /// - Parameter bitPattern: the 16 bits (sign, 8 exponent bits, 7 mantissa bits).
    public init(bitPattern: UInt16) { self.bitPattern = bitPattern }

    /// Rounds a `Float` to the nearest `BFloat16` (ties to even).
    /// - Parameter value: the value to round.
    @inlinable
    public init(_ value: Float) {
        let bits = value.bitPattern
        if value.isNaN {
            bitPattern = UInt16(truncatingIfNeeded: bits >> 16) | 0x0040  // quiet NaN, keep sign
        } else {
            let lsb = (bits >> 16) & 1
            let rounded = bits &+ 0x7FFF &+ lsb
            bitPattern = UInt16(truncatingIfNeeded: rounded >> 16)
        }
    }

    /// Converts a `Double` through `Float`.
    /// - Parameter value: the value to round.
    @inlinable
    public init(_ value: Double) { self.init(Float(value)) }

    /// The value widened exactly to `Float`.
    @inlinable
    public var floatValue: Float { Float(bitPattern: UInt32(bitPattern) << 16) }

    /// The value printed as a `Float`.
    public var description: String { floatValue.description }

    /// Compares the values (NaN compares false).
    public static func < (lhs: BFloat16, rhs: BFloat16) -> Bool { lhs.floatValue < rhs.floatValue }
}

extension Float {
    /// Widens a ``BFloat16`` exactly.
    /// - Parameter value: the bfloat16 value.
    @inlinable
    public init(_ value: BFloat16) { self = value.floatValue }
}
