/// Errors from reading or writing files: what was wrong and where.
public enum SerializationError: Error, CustomStringConvertible, Equatable {
    /// The file could not be opened, read or written.
    case io(path: String, reason: String)
    /// The file's contents violate its format.
    case invalidFormat(path: String, reason: String)
    /// A dtype the format allows but SwiftTorch does not hold.
    case unsupportedDType(path: String, tensor: String, dtype: String)

    /// A one-line message naming the file and the problem.
    public var description: String {
        switch self {
        case .io(let path, let reason): return "\(path): \(reason)"
        case .invalidFormat(let path, let reason): return "\(path): invalid file: \(reason)"
        case .unsupportedDType(let path, let tensor, let dtype):
            return "\(path): tensor '\(tensor)' has dtype \(dtype), which SwiftTorch does not support"
        }
    }
}
