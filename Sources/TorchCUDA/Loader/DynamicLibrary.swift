#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// MARK: - Dynamic library

/// A shared library opened with `dlopen`, kept open for the life of the process.
///
/// Note (why dlopen): SwiftTorch links no CUDA library at build time, so the package builds and runs on machines
/// without CUDA. The driver, NVRTC and cuBLAS are opened on first use and their entry points looked up by name.
final class DynamicLibrary: @unchecked Sendable {
    /// The path or name it was opened by.
    let path: String
    private let handle: UnsafeMutableRawPointer

    private init(path: String, handle: UnsafeMutableRawPointer) {
        self.path = path
        self.handle = handle
    }

    /// Opens `path` (a file path, or a bare name for the system's search), or returns the loader's message.
    /// - Parameter path: what to open.
    static func open(_ path: String) -> Result<DynamicLibrary, CUDAError> {
        _ = dlerror()
        if let h = dlopen(path, RTLD_NOW | RTLD_LOCAL) {
            return .success(DynamicLibrary(path: path, handle: h))
        }
        let message = dlerror().map { String(cString: $0) } ?? "dlopen failed"
        return .failure(.libraryNotLoaded(name: path, reason: message))
    }

    /// Looks up an exported function and casts it to the C function type `T`.
    /// - Parameters:
    ///   - name: the symbol.
    ///   - type: a `@convention(c)` function type.
    func symbol<T>(_ name: String, as type: T.Type = T.self) throws(CUDAError) -> T {
        guard let p = dlsym(handle, name) else { throw .missingSymbol(library: path, symbol: name) }
        return unsafeBitCast(p, to: T.self)
    }

    /// Like ``symbol(_:as:)`` but nil when absent (entry points that older versions lack).
    /// - Parameters:
    ///   - name: the symbol.
    ///   - type: a `@convention(c)` function type.
    func optionalSymbol<T>(_ name: String, as type: T.Type = T.self) -> T? {
        guard let p = dlsym(handle, name) else { return nil }
        return unsafeBitCast(p, to: T.self)
    }
}
