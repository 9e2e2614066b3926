#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// MARK: - File access without Foundation

enum FileIO {
    /// Reads a whole file.
    static func read(_ path: String) throws -> [UInt8] {
        guard let f = fopen(path, "rb") else { throw SerializationError.io(path: path, reason: "cannot open: \(errnoText())") }
        defer { fclose(f) }
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = fread(&chunk, 1, chunk.count, f)
            if n > 0 { out.append(contentsOf: chunk[0..<n]) }
            if n < chunk.count {
                if ferror(f) != 0 { throw SerializationError.io(path: path, reason: "read failed: \(errnoText())") }
                break
            }
        }
        return out
    }

    /// Writes `bytes` atomically: a temporary file in the same folder, flushed to disk, then renamed over `path`,
    /// so a crash never leaves a partial file.
    static func writeAtomically(_ path: String, _ parts: [[UInt8]]) throws {
        let tmp = path + ".tmp-\(getpid())-\(UInt64.random(in: 0...UInt64.max))"
        let fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL, 0o644)
        guard fd >= 0 else { throw SerializationError.io(path: path, reason: "cannot create \(tmp): \(errnoText())") }
        var ok = false
        defer { if !ok { unlink(tmp) } }
        for part in parts {
            var offset = 0
            while offset < part.count {
                let n = part.withUnsafeBytes { write(fd, $0.baseAddress! + offset, part.count - offset) }
                if n < 0 {
                    if errno == EINTR { continue }
                    close(fd)
                    throw SerializationError.io(path: path, reason: "write failed: \(errnoText())")
                }
                offset += n
            }
        }
        guard fsync(fd) == 0 else {
            close(fd)
            throw SerializationError.io(path: path, reason: "fsync failed: \(errnoText())")
        }
        close(fd)
        guard rename(tmp, path) == 0 else { throw SerializationError.io(path: path, reason: "rename failed: \(errnoText())") }
        ok = true
    }

    static func errnoText() -> String { String(cString: strerror(errno)) }
}

/// Creates a folder and its parents when missing (shared with the command line, hence `package`).
/// - Parameter path: the folder.
/// - Throws: ``SerializationError`` naming the part that could not be created.
package func makeDirectories(_ path: String) throws {
    var current = path.hasPrefix("/") ? "" : "."
    for part in path.split(separator: "/") {
        current += "/" + part
        if mkdir(current, 0o755) != 0 && errno != EEXIST {
            throw SerializationError.io(path: current, reason: "cannot create folder: \(FileIO.errnoText())")
        }
    }
}
