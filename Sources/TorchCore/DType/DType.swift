// MARK: - DType

/// The element type of a tensor, chosen at run time as in PyTorch (`torch.float32`, `torch.int64`, …).
public enum DType: String, Sendable, CaseIterable, Hashable, CustomStringConvertible {
    /// `torch.bool`: one byte per element, 0 or 1.
    case bool
    /// `torch.uint8`.
    case uint8
    /// `torch.int8`.
    case int8
    /// `torch.int16`.
    case int16
    /// `torch.int32`.
    case int32
    /// `torch.int64` (the default integer type).
    case int64
    /// `torch.float16` (IEEE half precision, Swift `Float16`).
    case float16
    /// `torch.bfloat16` (``BFloat16``).
    case bfloat16
    /// `torch.float32` (the default floating-point type).
    case float32
    /// `torch.float64`.
    case float64

    /// Bytes per element.
    public var itemSize: Int {
        switch self {
        case .bool, .uint8, .int8: return 1
        case .int16, .float16, .bfloat16: return 2
        case .int32, .float32: return 4
        case .int64, .float64: return 8
        }
    }

    /// True for `float16`, `bfloat16`, `float32` and `float64`.
    public var isFloatingPoint: Bool {
        switch self {
        case .float16, .bfloat16, .float32, .float64: return true
        default: return false
        }
    }

    /// True for the signed and unsigned integer types (not `bool`).
    public var isInteger: Bool {
        switch self {
        case .uint8, .int8, .int16, .int32, .int64: return true
        default: return false
        }
    }

    /// The name PyTorch prints, e.g. `torch.float32`.
    public var description: String { "torch.\(rawValue)" }

    /// The type PyTorch uses to compute ops on half types on CPU (`float32`); other types compute as themselves.
    var computeType: DType {
        switch self {
        case .float16, .bfloat16: return .float32
        default: return self
        }
    }

    /// Promotion category: 0 bool, 1 integer, 2 floating point.
    var category: Int { self == .bool ? 0 : (isFloatingPoint ? 2 : 1) }
}
