#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

// MARK: - NVRTC

/// The CUDA runtime compiler, opened at run time. It compiles CUDA C++ to PTX or to a device binary (CUBIN) and
/// needs no GPU, so kernel generation is tested on every machine that has the library.
public final class NVRTC: Sendable {
    typealias Program = OpaquePointer
    typealias VersionFn = @convention(c) (UnsafeMutablePointer<Int32>?, UnsafeMutablePointer<Int32>?) -> Int32
    typealias CreateFn = @convention(c) (UnsafeMutablePointer<Program?>?, UnsafePointer<CChar>?, UnsafePointer<CChar>?, Int32,
                                         UnsafePointer<UnsafePointer<CChar>?>?, UnsafePointer<UnsafePointer<CChar>?>?) -> Int32
    typealias DestroyFn = @convention(c) (UnsafeMutablePointer<Program?>?) -> Int32
    typealias CompileFn = @convention(c) (Program?, Int32, UnsafePointer<UnsafePointer<CChar>?>?) -> Int32
    typealias SizeFn = @convention(c) (Program?, UnsafeMutablePointer<Int>?) -> Int32
    typealias GetFn = @convention(c) (Program?, UnsafeMutablePointer<CChar>?) -> Int32
    typealias ErrorStringFn = @convention(c) (Int32) -> UnsafePointer<CChar>?
    typealias CountFn = @convention(c) (UnsafeMutablePointer<Int32>?) -> Int32
    typealias ArchsFn = @convention(c) (UnsafeMutablePointer<Int32>?) -> Int32

    /// Where the library was loaded from.
    public let path: String
    /// NVRTC's version, e.g. (12, 9).
    public let version: (major: Int, minor: Int)
    /// The `sm_XY` architectures this NVRTC can compile for, as `10 * major + minor`.
    public let supportedArchitectures: [Int]

    private let create: CreateFn, destroy: DestroyFn, compileProgram: CompileFn
    private let ptxSize: SizeFn, getPTX: GetFn, cubinSize: SizeFn, getCUBIN: GetFn
    private let logSize: SizeFn, getLog: GetFn, errorString: ErrorStringFn

    init(library: DynamicLibraryHandle, path: String) throws(CUDAError) {
        let lib = library.library
        self.path = path
        let versionFn: VersionFn = try lib.symbol("nvrtcVersion")
        create = try lib.symbol("nvrtcCreateProgram")
        destroy = try lib.symbol("nvrtcDestroyProgram")
        compileProgram = try lib.symbol("nvrtcCompileProgram")
        ptxSize = try lib.symbol("nvrtcGetPTXSize")
        getPTX = try lib.symbol("nvrtcGetPTX")
        cubinSize = try lib.symbol("nvrtcGetCUBINSize")
        getCUBIN = try lib.symbol("nvrtcGetCUBIN")
        logSize = try lib.symbol("nvrtcGetProgramLogSize")
        getLog = try lib.symbol("nvrtcGetProgramLog")
        errorString = try lib.symbol("nvrtcGetErrorString")
        var major: Int32 = 0, minor: Int32 = 0
        _ = versionFn(&major, &minor)
        version = (Int(major), Int(minor))
        if let count: CountFn = lib.optionalSymbol("nvrtcGetNumSupportedArchs"),
           let archs: ArchsFn = lib.optionalSymbol("nvrtcGetSupportedArchs") {
            var n: Int32 = 0
            _ = count(&n)
            var list = [Int32](repeating: 0, count: Int(max(n, 0)))
            _ = archs(&list)
            supportedArchitectures = list.map(Int.init)
        } else {
            supportedArchitectures = []
        }
    }

    /// What a compilation produces.
    public enum Target: Sendable, Equatable {
        /// PTX for a virtual architecture (`compute_XY`), which the driver compiles when loading.
        case ptx(architecture: Int)
        /// A device binary for a real architecture (`sm_XY`), loadable by a driver older than this NVRTC.
        case cubin(architecture: Int)
    }

    /// Compiles one CUDA C++ source.
    /// - Parameters:
    ///   - source: the program text.
    ///   - name: a file name for messages.
    ///   - target: PTX or CUBIN, and the architecture.
    ///   - options: further compiler options.
    /// - Returns: the PTX text (NUL-terminated) or the CUBIN bytes.
    public func compile(_ source: String, name: String, target: Target, options: [String] = []) throws(CUDAError) -> [UInt8] {
        var program: Program?
        var code = source.withCString { src in name.withCString { nm in create(&program, src, nm, 0, nil, nil) } }
        try check(code, "nvrtcCreateProgram(\(name))")
        defer { _ = destroy(&program) }
        let arch: String
        switch target {
        case .ptx(let a): arch = "--gpu-architecture=compute_\(a)"
        case .cubin(let a): arch = "--gpu-architecture=sm_\(a)"
        }
        let all = [arch, "--std=c++17", "-default-device"] + options
        let cStrings = all.map { strdup($0) }
        defer { cStrings.forEach { free($0) } }
        code = cStrings.map { UnsafePointer($0) }.withUnsafeBufferPointer { compileProgram(program, Int32(all.count), $0.baseAddress) }
        if code != 0 {
            throw .nvrtc(call: "nvrtcCompileProgram(\(name), \(arch))", code: code, message: message(code), log: log(program))
        }
        var size = 0
        var bytes: [UInt8]
        switch target {
        case .ptx:
            try check(ptxSize(program, &size), "nvrtcGetPTXSize")
            bytes = [UInt8](repeating: 0, count: size)
            try check(bytes.withUnsafeMutableBytes { getPTX(program, $0.baseAddress?.assumingMemoryBound(to: CChar.self)) }, "nvrtcGetPTX")
        case .cubin:
            try check(cubinSize(program, &size), "nvrtcGetCUBINSize")
            bytes = [UInt8](repeating: 0, count: size)
            try check(bytes.withUnsafeMutableBytes { getCUBIN(program, $0.baseAddress?.assumingMemoryBound(to: CChar.self)) }, "nvrtcGetCUBIN")
        }
        return bytes
    }

    /// The best target for a device of compute capability `architecture` (`10 * major + minor`): a CUBIN when this
    /// NVRTC knows the architecture (so a driver older than NVRTC still loads it), else PTX for the newest
    /// architecture it knows that is not above the device's.
    /// - Parameter architecture: the device's compute capability.
    public func target(forDevice architecture: Int) -> Target {
        if supportedArchitectures.contains(architecture) { return .cubin(architecture: architecture) }
        let lower = supportedArchitectures.filter { $0 <= architecture }.max()
        return .ptx(architecture: lower ?? architecture)
    }

    private func check(_ code: Int32, _ call: String) throws(CUDAError) {
        if code != 0 { throw .nvrtc(call: call, code: code, message: message(code), log: "") }
    }

    private func message(_ code: Int32) -> String {
        errorString(code).map { String(cString: $0) } ?? "NVRTC error \(code)"
    }

    private func log(_ program: Program?) -> String {
        var size = 0
        guard logSize(program, &size) == 0, size > 1 else { return "" }
        var buf = [CChar](repeating: 0, count: size)
        guard getLog(program, &buf) == 0 else { return "" }
        return String(decoding: buf.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
