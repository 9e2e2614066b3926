#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// MARK: - Where CUDA libraries are looked for

/// The places a CUDA library is looked for, in order, and the loading of the first that opens.
///
/// Order: the folder named by `SWIFTTORCH_CUDA_LIBS`; each folder of `LD_LIBRARY_PATH`; the system's own search
/// (`dlopen` of the bare name: ldconfig cache, `/etc/ld.so.conf`); the usual CUDA folders (`/usr/local/cuda/lib64`,
/// `/usr/local/nvidia/lib64`, `/usr/lib/x86_64-linux-gnu`, …); then the `nvidia/*/lib` folders of Python
/// installations (where the `nvidia-*-cu12` wheels that PyTorch uses put them).
public struct LibrarySearch: Sendable {
    /// Environment variables as read at creation (injected in tests).
    public var environment: [String: String]
    /// Whether to try the system's own search and the fixed folders (off in tests that want a closed world).
    public var includeSystem: Bool

    /// A search over this process's environment.
    public init() {
        self.init(environment: processEnvironment(), includeSystem: true)
    }

    /// A search over a given environment.
    /// - Parameters:
    ///   - environment: the variables to read `SWIFTTORCH_CUDA_LIBS`, `LD_LIBRARY_PATH`, `VIRTUAL_ENV`,
    ///     `CONDA_PREFIX` and `HOME` from.
    ///   - includeSystem: whether to try the system's search and the fixed folders.
    public init(environment: [String: String], includeSystem: Bool) {
        self.environment = environment
        self.includeSystem = includeSystem
    }

    /// Folders named by the user: `SWIFTTORCH_CUDA_LIBS`, then `LD_LIBRARY_PATH`; searched before the system.
    public var explicitFolders: [String] {
        var out: [String] = []
        if let d = environment["SWIFTTORCH_CUDA_LIBS"], !d.isEmpty { out.append(d) }
        for d in (environment["LD_LIBRARY_PATH"] ?? "").split(separator: ":") where !d.isEmpty { out.append(String(d)) }
        return dedupe(out)
    }

    /// The usual CUDA folders and Python `nvidia/*/lib` folders, searched after the system (none when
    /// `includeSystem` is off).
    public var fallbackFolders: [String] {
        guard includeSystem else { return [] }
        let fixed = ["/usr/local/cuda/lib64", "/usr/local/cuda/targets/x86_64-linux/lib", "/usr/local/nvidia/lib64",
                     "/usr/local/nvidia/lib", "/usr/lib/x86_64-linux-gnu", "/usr/lib64", "/usr/lib/wsl/lib"]
        let explicit = Set(explicitFolders)
        return dedupe(fixed + pythonNvidiaFolders()).filter { !explicit.contains($0) }
    }

    /// The `nvidia/*/lib` folders of the Python installations in the usual places.
    func pythonNvidiaFolders() -> [String] {
        var sitePackages: [String] = []
        var prefixes = ["/usr", "/usr/local", "/opt/conda"]
        if let v = environment["VIRTUAL_ENV"] { prefixes.insert(v, at: 0) }
        if let c = environment["CONDA_PREFIX"] { prefixes.insert(c, at: 0) }
        if let home = environment["HOME"] {
            prefixes.append(home + "/.local")
            for v in listDirectory(home + "/.pyenv/versions") { prefixes.append(home + "/.pyenv/versions/" + v) }
        }
        for p in prefixes {
            for lib in ["lib", "lib64"] {
                for py in listDirectory(p + "/" + lib) where py.hasPrefix("python3") {
                    for sub in ["site-packages", "dist-packages"] { sitePackages.append("\(p)/\(lib)/\(py)/\(sub)") }
                }
            }
        }
        var out: [String] = []
        for sp in sitePackages {
            let nv = sp + "/nvidia"
            for pkg in listDirectory(nv).sorted() {
                for lib in ["lib", "lib64"] where isDirectory("\(nv)/\(pkg)/\(lib)") { out.append("\(nv)/\(pkg)/\(lib)") }
            }
        }
        return out
    }

    /// Opens the first of `names` found: in the explicit folders, then by the system's search, then in the
    /// fallback folders. A file that exists but fails to open is reported with the loader's message.
    /// - Parameter names: file names, preferred first (`libnvrtc.so.12`, `libnvrtc.so`).
    public func load(_ names: [String]) -> Result<(path: String, library: DynamicLibraryHandle), CUDAError> {
        var searched: [String] = []
        var firstFailure: CUDAError?
        func tryFolder(_ dir: String) -> DynamicLibrary? {
            for name in names + versionedVariants(of: names, in: dir) where fileExists(dir + "/" + name) {
                switch DynamicLibrary.open(dir + "/" + name) {
                case .success(let lib): return lib
                case .failure(let e): if firstFailure == nil { firstFailure = e }
                }
            }
            searched.append(dir)
            return nil
        }
        for dir in explicitFolders {
            if let lib = tryFolder(dir) { return .success((lib.path, DynamicLibraryHandle(lib))) }
        }
        if includeSystem {
            for name in names {
                if case .success(let lib) = DynamicLibrary.open(name) { return .success((name, DynamicLibraryHandle(lib))) }
            }
            searched.append("the system's library search")
        }
        for dir in fallbackFolders {
            if let lib = tryFolder(dir) { return .success((lib.path, DynamicLibraryHandle(lib))) }
        }
        if let f = firstFailure { return .failure(f) }
        return .failure(.libraryNotFound(name: names[0], searched: searched))
    }

    /// Files in `dir` named like `libnvrtc.so.12.9` for a wanted `libnvrtc.so.12` (wheels ship such names).
    private func versionedVariants(of names: [String], in dir: String) -> [String] {
        let entries = listDirectory(dir)
        var out: [String] = []
        for name in names {
            let stem = name.split(separator: ".").prefix(2).joined(separator: ".")  // libnvrtc.so
            for e in entries where e.hasPrefix(stem + ".") && !names.contains(e) && !e.contains(".alt.") && !out.contains(e) {
                out.append(e)
            }
        }
        return out.sorted(by: >)
    }
}

/// An opened library, opaque outside this module.
public struct DynamicLibraryHandle: @unchecked Sendable {
    let library: DynamicLibrary
    init(_ library: DynamicLibrary) { self.library = library }
}

// MARK: - File-system helpers (no Foundation)

/// This process's environment as a dictionary.
func processEnvironment() -> [String: String] {
    var out: [String: String] = [:]
    var p = environ
    while let entry = p.pointee {
        let s = String(cString: entry)
        if let eq = s.firstIndex(of: "=") { out[String(s[..<eq])] = String(s[s.index(after: eq)...]) }
        p += 1
    }
    return out
}

/// The names in a directory (without `.` and `..`); empty when it cannot be read.
func listDirectory(_ path: String) -> [String] {
    guard let d = opendir(path) else { return [] }
    defer { closedir(d) }
    var out: [String] = []
    while let e = readdir(d) {
        let name = withUnsafePointer(to: e.pointee.d_name) { p in
            p.withMemoryRebound(to: CChar.self, capacity: Int(NAME_MAX) + 1) { String(cString: $0) }
        }
        if name != "." && name != ".." { out.append(name) }
    }
    return out
}

/// Whether a file (or a link to one) exists.
func fileExists(_ path: String) -> Bool { access(path, F_OK) == 0 }

/// Whether a path is a directory.
func isDirectory(_ path: String) -> Bool {
    var st = stat()
    return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
}

private func dedupe(_ xs: [String]) -> [String] {
    var seen: Set<String> = []
    return xs.filter { seen.insert($0).inserted }
}
