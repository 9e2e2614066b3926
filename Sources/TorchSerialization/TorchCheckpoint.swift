import TorchCore

// MARK: - PyTorch .pt files (torch.save zip archives)

/// Reading PyTorch checkpoints written by `torch.save` (`../shared/specs/pytorch-checkpoint.md`) with the
/// allowlist of `torch.load(weights_only=True)`: state dicts, nested containers, tensors of the supported dtypes
/// with views sharing storages, parameters and optimizer checkpoints. Nothing the file names is executed.
public enum TorchCheckpoint {
    /// Reads the object tree of a checkpoint.
    /// - Parameter path: the `.pt` file.
    /// - Throws: ``SerializationError`` naming the file and the problem (a refused opcode or global, a bad
    ///   size or offset, a missing record).
    public static func load(_ path: String) throws -> PickleValue {
        try decode(try FileIO.read(path), path: path)
    }

    /// The tensors of a state dict (`{name: tensor}` at the top level), in file order.
    /// - Parameter path: the `.pt` file.
    public static func loadStateDict(_ path: String) throws -> [(String, Tensor)] {
        let value = try load(path)
        guard case .dict = value else { throw SerializationError.invalidFormat(path: path, reason: "the checkpoint is not a dict (\(value))") }
        return value.tensors
    }

    /// Decodes the bytes of a checkpoint.
    /// - Parameters:
    ///   - bytes: the whole file.
    ///   - path: the name used in error messages.
    public static func decode(_ bytes: [UInt8], path: String = "<memory>") throws -> PickleValue {
        func fail(_ reason: String) -> SerializationError { .invalidFormat(path: path, reason: reason) }
        guard bytes.count >= 4, bytes[0] == 0x50, bytes[1] == 0x4B, bytes[2] == 3, bytes[3] == 4 else {
            if bytes.count >= 2 && bytes[0] == 0x80 { throw fail("legacy (pre-1.6) torch.save format is not supported") }
            throw fail("not a torch.save zip archive")
        }
        let zip = try ZipArchive(bytes, path: path)
        guard let first = zip.entries.first, let slash = first.name.firstIndex(of: "/") else { throw fail("empty archive or entries outside a folder") }
        let prefix = String(first.name[...slash])
        guard zip.entries.allSatisfy({ $0.name.hasPrefix(prefix) }) else { throw fail("file in archive is not in a subdirectory \(prefix)") }
        var bigEndian = false
        if zip.entries.contains(where: { $0.name == prefix + "byteorder" }) {
            let order = String(decoding: try zip.data(prefix + "byteorder"), as: UTF8.self)
            guard order == "little" || order == "big" else { throw fail("unknown byteorder '\(order)'") }
            bigEndian = order == "big"
        }
        let pickle = try zip.data(prefix + "data.pkl")
        var vm = Unpickler(pickle, path: path) { key, dtype, numel in
            guard !key.isEmpty, key.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else { throw fail("bad storage key '\(key)'") }
            let record = try zip.data(prefix + "data/" + key)
            let (expected, overflow) = numel.multipliedReportingOverflow(by: dtype.itemSize)
            guard !overflow, record.count == expected else {
                throw fail("storage record data/\(key) has \(record.count) bytes; \(numel) elements of \(dtype) need \(overflow ? -1 : expected)")
            }
            var raw = Array(record)
            if bigEndian && dtype.itemSize > 1 {
                let size = dtype.itemSize
                for e in 0..<numel { raw[(e * size)..<((e + 1) * size)].reverse() }
            }
            let t = Tensor.empty([numel], dtype: dtype == .bool ? .uint8 : dtype)
            raw.withUnsafeBytes { src in
                if expected > 0 { t.storage.data.copyMemory(from: src.baseAddress!, byteCount: expected) }
            }
            return dtype == .bool ? t.ne(0) : t
        }
        return try vm.run()
    }
}
