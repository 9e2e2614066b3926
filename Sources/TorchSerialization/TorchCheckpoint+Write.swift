import CZlib
import TorchCore

// MARK: - Writing .pt files that torch.load(weights_only=True) reads

extension TorchCheckpoint {
    static let storageNames: [DType: String] = [
        .float64: "DoubleStorage", .float32: "FloatStorage", .float16: "HalfStorage", .bfloat16: "BFloat16Storage",
        .int64: "LongStorage", .int32: "IntStorage", .int16: "ShortStorage", .int8: "CharStorage", .uint8: "ByteStorage",
        .bool: "BoolStorage",
    ]

    /// Writes a state dict (an OrderedDict of tensors) atomically as a `torch.save` zip archive. Tensors that
    /// share a storage are written once and stay views of each other when PyTorch loads the file.
    /// - Parameters:
    ///   - tensors: names and tensors, in order.
    ///   - path: the destination; the archive folder is the file's stem, as `torch.save` names it.
    public static func save(_ tensors: [(String, Tensor)], to path: String) throws {
        try save(.dict(tensors.map { (.string($0.0), .tensor($0.1)) }), to: path)
    }

    /// Writes any tree of dicts, lists, tuples, strings, numbers, booleans, `None` and tensors atomically as a
    /// `torch.save` archive that `torch.load(weights_only=True)` reads (a training checkpoint such as
    /// `{"model": …, "optimizer": …, "epoch": 3}`). A dict whose values are all tensors under string keys is
    /// written as an `OrderedDict`, like a module's `state_dict()`; tensors sharing a storage share it in the file.
    /// - Parameters:
    ///   - value: the object tree.
    ///   - path: the destination; the archive folder is the file's stem, as `torch.save` names it.
    /// - Throws: ``SerializationError`` for a value with no protocol-2 form (bytes, an unsupported tensor) or a
    ///   dtype without a storage type, naming it; nothing is written then.
    public static func save(_ value: PickleValue, to path: String) throws {
        let stem = path.split(separator: "/").last.map { name -> String in
            let s = String(name)
            return s.hasSuffix(".pt") ? String(s.dropLast(3)) : s
        } ?? "archive"
        let prefix = (stem.isEmpty || !stem.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" } ? "archive" : stem) + "/"
        var writer = ArchiveWriter(path: path)
        writer.pickle.op(0x80); writer.pickle.op(2)
        try writer.emit(value, name: "")
        writer.pickle.op(UInt8(ascii: "."))
        var entries: [(String, [UInt8])] = [(prefix + "data.pkl", writer.pickle.bytes), (prefix + "byteorder", Array("little".utf8))]
        entries += writer.records.map { (prefix + $0.0, $0.1) }
        entries.append((prefix + "version", Array("3\n".utf8)))
        try FileIO.writeAtomically(path, [ZipWriter.stored(entries)])
    }
}

/// The pickle of a checkpoint and the storage records it refers to.
struct ArchiveWriter {
    let path: String
    var pickle = PickleWriter()
    var records: [(String, [UInt8])] = []
    /// The record key of each storage written so far, by storage identity. Note (identity): the storage is kept
    /// with its key, because an identifier is unique only among live objects: a device tensor's CPU copy freed
    /// after writing could otherwise give its address to the next tensor's copy, which would then be written as
    /// a view of the first one's record.
    var keys: [ObjectIdentifier: (key: String, storage: Storage)] = [:]

    init(path: String) { self.path = path }

    mutating func emit(_ value: PickleValue, name: String) throws {
        let p = UInt8.init(ascii:)
        switch value {
        case .none: pickle.op(p("N"))
        case .bool(let b): pickle.op(b ? 0x88 : 0x89)
        case .int(let i): pickle.int(Int(i))
        case .float(let d):
            pickle.op(p("G"))
            for k in (0..<8).reversed() { pickle.bytes.append(UInt8(truncatingIfNeeded: d.bitPattern >> (8 * UInt64(k)))) }
        case .string(let s): pickle.unicode(s)
        case .tuple(let items):
            pickle.op(p("("))
            for (i, item) in items.enumerated() { try emit(item, name: "\(name)[\(i)]") }
            pickle.op(p("t"))
        case .list(let items):
            pickle.op(p("]"))
            guard !items.isEmpty else { return }
            pickle.op(p("("))
            for (i, item) in items.enumerated() { try emit(item, name: "\(name)[\(i)]") }
            pickle.op(p("e"))
        case .dict(let items):
            let stateDict = !items.isEmpty && items.allSatisfy { if case .string = $0.0, case .tensor = $0.1 { return true } else { return false } }
            if stateDict {
                pickle.global("collections", "OrderedDict"); pickle.op(p(")")); pickle.op(p("R"))
            } else {
                pickle.op(p("}"))
            }
            guard !items.isEmpty else { return }
            pickle.op(p("("))
            for (k, v) in items {
                try emit(k, name: name)
                try emit(v, name: name.isEmpty ? k.description : "\(name).\(k.description)")
            }
            pickle.op(p("u"))
        case .tensor(let t0):
            try emitTensor(t0.detach(), name: name)
        case .bigInt, .bytes, .unsupportedTensor:
            throw SerializationError.invalidFormat(path: path, reason: "\(name.isEmpty ? "the value" : name) (\(value)) has no protocol-2 pickle form")
        }
    }

    mutating func emitTensor(_ tensor: Tensor, name: String) throws {
        // Device tensors are written as CPU storages (what `torch.load` opens anywhere without `map_location`).
        let t = tensor.device == .cpu ? tensor : tensor.detach().cpu()
        let p = UInt8.init(ascii:)
        guard let storageName = TorchCheckpoint.storageNames[t.dtype] else {
            throw SerializationError.unsupportedDType(path: path, tensor: name, dtype: t.dtype.rawValue)
        }
        let id = ObjectIdentifier(t.storage)
        let key: String
        let numel = t.storage.byteCount / t.dtype.itemSize
        if let k = keys[id] {
            key = k.key
        } else {
            key = String(records.count)
            keys[id] = (key, t.storage)
            let bytes = [UInt8](UnsafeRawBufferPointer(start: t.storage.data, count: numel * t.dtype.itemSize))
            records.append(("data/" + key, t.dtype == .bool ? bytes.map { $0 != 0 ? 1 : 0 } : bytes))
        }
        pickle.global("torch._utils", "_rebuild_tensor_v2")
        pickle.op(p("("))
        pickle.op(p("("))
        pickle.unicode("storage"); pickle.global("torch", storageName); pickle.unicode(key); pickle.unicode("cpu"); pickle.int(numel)
        pickle.op(p("t")); pickle.op(p("Q"))
        pickle.int(t.storageOffset)
        pickle.op(p("(")); for s in t.shape { pickle.int(s) }; pickle.op(p("t"))
        pickle.op(p("(")); for s in t.strides { pickle.int(s) }; pickle.op(p("t"))
        pickle.op(0x89)
        pickle.global("collections", "OrderedDict"); pickle.op(p(")")); pickle.op(p("R"))
        pickle.op(p("t")); pickle.op(p("R"))
    }
}

/// Emits protocol-2 pickle opcodes.
struct PickleWriter {
    var bytes: [UInt8] = []
    mutating func op(_ b: UInt8) { bytes.append(b) }
    mutating func global(_ module: String, _ name: String) {
        op(UInt8(ascii: "c"))
        bytes += Array((module + "\n" + name + "\n").utf8)
    }
    mutating func unicode(_ s: String) {
        let u = Array(s.utf8)
        op(UInt8(ascii: "X"))
        for i in 0..<4 { bytes.append(UInt8(truncatingIfNeeded: u.count >> (8 * i))) }
        bytes += u
    }
    mutating func int(_ v: Int) {
        if v >= Int(Int32.min) && v <= Int(Int32.max) {
            op(UInt8(ascii: "J"))
            for i in 0..<4 { bytes.append(UInt8(truncatingIfNeeded: v >> (8 * i))) }
        } else {
            op(0x8A); op(8)
            for i in 0..<8 { bytes.append(UInt8(truncatingIfNeeded: v >> (8 * i))) }
        }
    }
}

/// Writes stored (uncompressed) ZIP archives with CRC-32s, readable by Python's zipfile and torch.
enum ZipWriter {
    static let crcTable: [UInt32] = (0..<256).map { n -> UInt32 in
        var c = UInt32(n)
        for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }

    static func crc32(_ data: [UInt8]) -> UInt32 {
        var c: UInt32 = 0xFFFF_FFFF
        for b in data { c = crcTable[Int((c ^ UInt32(b)) & 0xFF)] ^ (c >> 8) }
        return c ^ 0xFFFF_FFFF
    }

    static func le(_ v: Int, _ n: Int) -> [UInt8] { (0..<n).map { UInt8(truncatingIfNeeded: v >> (8 * $0)) } }

    static func stored(_ entries: [(String, [UInt8])]) -> [UInt8] { archive(entries, deflated: false) }

    /// A ZIP archive of `entries`, stored or deflated (raw deflate at zlib's default level, as Python's zipfile).
    static func archive(_ entries: [(String, [UInt8])], deflated: Bool) -> [UInt8] { archive(entries, deflated: deflated, zip64Above: 0xFFFF_FFFE) }

    /// The archive, with ZIP64 sizes and offsets for every value above `zip64Above` (a parameter so tests can reach
    /// the ZIP64 layout without writing 4 GiB).
    static func archive(_ entries: [(String, [UInt8])], deflated: Bool, zip64Above limit: Int) -> [UInt8] {
        var out: [UInt8] = []
        var central: [UInt8] = []
        for (name, data) in entries {
            let n = Array(name.utf8)
            let crc = Int(crc32(data))
            let payload = deflated ? rawDeflate(data) : data
            let method = deflated ? 8 : 0
            let offset = out.count
            let bigSizes = payload.count > limit || data.count > limit, bigOffset = offset > limit
            let version = bigSizes || bigOffset ? 45 : 20
            // Local header: signature, version, flags 0, method, time/date 0, CRC, sizes (or 0xFFFFFFFF and a ZIP64
            // extra field with both), name.
            let localExtra = bigSizes ? le(1, 2) + le(16, 2) + le(data.count, 8) + le(payload.count, 8) : []
            out += le(0x0403_4B50, 4) + le(version, 2) + le(0, 2) + le(method, 2) + le(0, 4) + le(crc, 4)
            out += (bigSizes ? le(0xFFFF_FFFF, 4) + le(0xFFFF_FFFF, 4) : le(payload.count, 4) + le(data.count, 4))
            out += le(n.count, 2) + le(localExtra.count, 2) + n + localExtra + payload
            // Central entry: the ZIP64 extra field lists, in order, the values written as 0xFFFFFFFF.
            var extraValues: [UInt8] = []
            if bigSizes { extraValues += le(data.count, 8) + le(payload.count, 8) }
            if bigOffset { extraValues += le(offset, 8) }
            let centralExtra = extraValues.isEmpty ? [] : le(1, 2) + le(extraValues.count, 2) + extraValues
            central += le(0x0201_4B50, 4) + le(version, 2) + le(version, 2) + le(0, 2) + le(method, 2) + le(0, 4) + le(crc, 4)
            central += (bigSizes ? le(0xFFFF_FFFF, 4) + le(0xFFFF_FFFF, 4) : le(payload.count, 4) + le(data.count, 4))
            central += le(n.count, 2) + le(centralExtra.count, 2) + le(0, 2) + le(0, 2) + le(0, 2) + le(0, 4)
            central += le(bigOffset ? 0xFFFF_FFFF : offset, 4) + n + centralExtra
        }
        let cdOffset = out.count
        out += central
        if entries.count > 0xFFFE || central.count > limit || cdOffset > limit {
            // ZIP64 end of central directory record and its locator, then the classic record pointing at them.
            let record = out.count
            out += le(0x0606_4B50, 4) + le(44, 8) + le(45, 2) + le(45, 2) + le(0, 4) + le(0, 4)
            out += le(entries.count, 8) + le(entries.count, 8) + le(central.count, 8) + le(cdOffset, 8)
            out += le(0x0706_4B50, 4) + le(0, 4) + le(record, 8) + le(1, 4)
            out += le(0x0605_4B50, 4) + le(0, 2) + le(0, 2) + le(0xFFFF, 2) + le(0xFFFF, 2)
            out += le(0xFFFF_FFFF, 4) + le(0xFFFF_FFFF, 4) + le(0, 2)
        } else {
            out += le(0x0605_4B50, 4) + le(0, 2) + le(0, 2) + le(entries.count, 2) + le(entries.count, 2)
            out += le(central.count, 4) + le(cdOffset, 4) + le(0, 2)
        }
        return out
    }

    /// Raw deflate (no zlib header) at zlib's default level, as ZIP stores method 8.
    static func rawDeflate(_ data: [UInt8]) -> [UInt8] {
        Deflate.compress(data, windowBits: -MAX_WBITS, level: Z_DEFAULT_COMPRESSION, strategy: Z_DEFAULT_STRATEGY)
    }
}
