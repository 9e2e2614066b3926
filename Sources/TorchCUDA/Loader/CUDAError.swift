// MARK: - Errors

/// Why a CUDA library, device or call failed; every case says what and where.
public enum CUDAError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A library was found nowhere; `searched` lists the places tried.
    case libraryNotFound(name: String, searched: [String])
    /// A library file exists but could not be opened (wrong architecture, missing dependency…).
    case libraryNotLoaded(name: String, reason: String)
    /// A library lacks an entry point SwiftTorch needs (too old a version).
    case missingSymbol(library: String, symbol: String)
    /// A driver API call returned an error code.
    case driver(call: String, code: Int32, name: String, message: String)
    /// An NVRTC call failed; `log` holds the compiler's output for compile errors.
    case nvrtc(call: String, code: Int32, message: String, log: String)
    /// A cuBLAS call returned an error status.
    case cublas(call: String, code: Int32)
    /// The driver loaded but reports no device (or not the one asked for).
    case noDevice(String)
    /// The device allocator could not find memory; the figures say how much was in use.
    case outOfMemory(requested: Int, allocated: Int, reserved: Int, free: Int, total: Int)

    public var description: String {
        switch self {
        case let .libraryNotFound(name, searched):
            return "\(name) was not found (looked in: \(searched.isEmpty ? "nothing" : searched.joined(separator: ", ")))"
        case let .libraryNotLoaded(name, reason):
            return "\(name) could not be loaded: \(reason)"
        case let .missingSymbol(library, symbol):
            return "\(library) has no entry point \(symbol) (too old a version?)"
        case let .driver(call, code, name, message):
            return "CUDA driver: \(call) failed with \(name) (\(code)): \(message)"
        case let .nvrtc(call, code, message, log):
            return "NVRTC: \(call) failed with \(message) (\(code))" + (log.isEmpty ? "" : "\n\(log)")
        case let .cublas(call, code):
            return "cuBLAS: \(call) failed with status \(code) (\(cublasStatusName(code)))"
        case let .noDevice(why):
            return "no CUDA device: \(why)"
        case let .outOfMemory(requested, allocated, reserved, free, total):
            return "CUDA out of memory: tried to allocate \(mib(requested)); \(mib(allocated)) allocated by SwiftTorch, "
                + "\(mib(reserved)) reserved by its cache, \(mib(free)) free of \(mib(total)) on the device"
        }
    }
}

/// A byte count in MiB with two decimals.
func mib(_ bytes: Int) -> String {
    let hundredths = (bytes * 100 + (1 << 19)) >> 20
    let frac = hundredths % 100
    return "\(hundredths / 100).\(frac < 10 ? "0" : "")\(frac) MiB"
}

/// cuBLAS status codes by name (cublas_api.h).
func cublasStatusName(_ code: Int32) -> String {
    switch code {
    case 0: return "CUBLAS_STATUS_SUCCESS"
    case 1: return "CUBLAS_STATUS_NOT_INITIALIZED"
    case 3: return "CUBLAS_STATUS_ALLOC_FAILED"
    case 7: return "CUBLAS_STATUS_INVALID_VALUE"
    case 8: return "CUBLAS_STATUS_ARCH_MISMATCH"
    case 11: return "CUBLAS_STATUS_MAPPING_ERROR"
    case 13: return "CUBLAS_STATUS_EXECUTION_FAILED"
    case 14: return "CUBLAS_STATUS_INTERNAL_ERROR"
    case 15: return "CUBLAS_STATUS_NOT_SUPPORTED"
    case 16: return "CUBLAS_STATUS_LICENSE_ERROR"
    default: return "unknown status"
    }
}
