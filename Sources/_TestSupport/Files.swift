#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A new empty folder under `/tmp`, named `<prefix>-XXXXXX`.
/// - Parameter prefix: the folder name's start.
public func temporaryFolder(_ prefix: String = "swifttorch-test") -> String {
    var template = Array("/tmp/\(prefix)-XXXXXX".utf8CString)
    guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
        preconditionFailure("temporaryFolder: mkdtemp failed for /tmp/\(prefix)")
    }
    return String(cString: made)
}

/// The paths of the files in `folder` whose names contain `pattern` (none when the folder is missing), sorted.
/// - Parameters:
///   - folder: the folder.
///   - pattern: a part of the file name (`tfevents`).
public func files(in folder: String, containing pattern: String) -> [String] {
    guard let d = opendir(folder) else { return [] }
    defer { closedir(d) }
    var out: [String] = []
    while let e = readdir(d) {
        let name = withUnsafeBytes(of: e.pointee.d_name) { String(cString: $0.bindMemory(to: CChar.self).baseAddress!) }
        if name.contains(pattern) { out.append(folder + "/" + name) }
    }
    return out.sorted()
}
