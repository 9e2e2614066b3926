import TorchCore

/// NumPy `.npz` archives (`np.savez`, `np.savez_compressed`, `np.load`): a ZIP of `.npy` members, stored or
/// deflated. Names are the members' without `.npy`.
public enum Npz {
    /// Reads every array, in archive order.
    /// - Parameter path: the file.
    /// - Throws: ``SerializationError`` naming the file and the member that is corrupt, compressed with another
    ///   method, or not a valid `.npy` (object arrays included).
    public static func read(_ path: String) throws -> [(String, Tensor)] { try decode(try FileIO.read(path), path: path) }

    /// Decodes the bytes of an `.npz` file.
    /// - Parameters:
    ///   - bytes: the whole file.
    ///   - path: the name used in error messages.
    public static func decode(_ bytes: [UInt8], path: String = "<memory>") throws -> [(String, Tensor)] {
        let zip = try ZipArchive(bytes, path: path)
        var seen = Set<String>()
        return try zip.entries.map { entry in
            guard entry.name.hasSuffix(".npy") else {
                throw SerializationError.invalidFormat(path: path, reason: "member '\(entry.name)' is not a .npy array")
            }
            let name = String(entry.name.dropLast(4))
            guard seen.insert(name).inserted else { throw SerializationError.invalidFormat(path: path, reason: "member '\(entry.name)' appears twice") }
            return (name, try Npy.decode(try zip.contents(entry), path: path + ":" + entry.name))
        }
    }

    /// Writes arrays atomically as `np.savez` (stored) or `np.savez_compressed` (deflated) does.
    /// - Parameters:
    ///   - arrays: names (member names without `.npy`) and tensors.
    ///   - path: the destination.
    ///   - compressed: deflate the members.
    public static func write(_ arrays: [(String, Tensor)], to path: String, compressed: Bool = false) throws {
        var names = Set<String>()
        let members = try arrays.map { name, tensor -> (String, [UInt8]) in
            guard !name.isEmpty, names.insert(name).inserted else {
                throw SerializationError.io(path: path, reason: "array names must be unique and non-empty (got '\(name)')")
            }
            return (name + ".npy", try Npy.encode(tensor).flatMap { $0 })
        }
        try FileIO.writeAtomically(path, [ZipWriter.archive(members, deflated: compressed)])
    }
}
