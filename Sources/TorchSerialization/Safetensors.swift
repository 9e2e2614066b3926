#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import TorchCore

// MARK: - safetensors

/// Reading and writing safetensors files (`../shared/specs/safetensors.md`): every validation rule of the
/// reference library is enforced before any tensor memory is touched.
public enum Safetensors {
    /// The largest header the reference library accepts.
    public static let maxHeaderLength = 100_000_000

    static let names: [DType: String] = [
        .bool: "BOOL", .uint8: "U8", .int8: "I8", .int16: "I16", .int32: "I32", .int64: "I64",
        .float16: "F16", .bfloat16: "BF16", .float32: "F32", .float64: "F64",
    ]
    /// Every dtype name of the format with its item size in bytes (sub-byte types as 0).
    static let formatSizes: [String: Int] = [
        "BOOL": 1, "U8": 1, "I8": 1, "F8_E5M2": 1, "F8_E4M3": 1, "F8_E8M0": 1, "F8_E4M3FNUZ": 1, "F8_E5M2FNUZ": 1,
        "I16": 2, "U16": 2, "F16": 2, "BF16": 2, "I32": 4, "U32": 4, "F32": 4, "C64": 8, "F64": 8, "I64": 8, "U64": 8,
        "F4": 0, "F6_E2M3": 0, "F6_E3M2": 0,
    ]

    /// The contents of a file.
    public struct File {
        /// Tensors in data order.
        public var tensors: [(name: String, tensor: Tensor)]
        /// The `__metadata__` strings.
        public var metadata: [String: String]
        /// Tensors left out because SwiftTorch lacks their dtype (only with `skippingUnsupported`).
        public var skipped: [(name: String, dtype: String)] = []

        /// The tensor named `name`.
        public subscript(name: String) -> Tensor? { tensors.first { $0.name == name }?.tensor }

        /// Creates file contents.
        /// - Parameters:
        ///   - tensors: names and tensors.
        ///   - metadata: `__metadata__` strings.
        ///   - skipped: tensors left out for their dtype.
        public init(tensors: [(name: String, tensor: Tensor)], metadata: [String: String], skipped: [(name: String, dtype: String)] = []) {
            self.tensors = tensors
            self.metadata = metadata
            self.skipped = skipped
        }
    }

    /// Reads and validates a file.
    /// - Parameters:
    ///   - path: the file.
    ///   - skippingUnsupported: leave out (and list) tensors of dtypes SwiftTorch lacks instead of throwing.
    ///   - memoryMapped: map the file instead of reading it (`safe_open`'s zero-copy loading): tensors are views
    ///     of the mapping, pages are read when first touched, and writes to a tensor go to a private copy of its
    ///     pages, never to the file. The mapping lives as long as any of its tensors. (A tensor whose offset is
    ///     not a multiple of its element size, and every bool tensor, is copied.) Another process truncating the
    ///     file while it is mapped makes later reads fault, as with any mapping.
    /// - Returns: the tensors and metadata.
    /// - Throws: ``SerializationError`` naming the file and the violated rule.
    public static func read(_ path: String, skippingUnsupported: Bool = false, memoryMapped: Bool = false) throws -> File {
        guard memoryMapped else { return try decode(try FileIO.read(path), path: path, skippingUnsupported: skippingUnsupported) }
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw SerializationError.io(path: path, reason: "cannot open: \(FileIO.errnoText())") }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw SerializationError.io(path: path, reason: "cannot stat: \(FileIO.errnoText())") }
        let size = Int(info.st_size)
        guard size >= 8 else { throw SerializationError.invalidFormat(path: path, reason: "header too small (\(size) bytes)") }
        guard let base = mmap(nil, size, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0), base != MAP_FAILED else {
            throw SerializationError.io(path: path, reason: "cannot map: \(FileIO.errnoText())")
        }
        let address = UInt(bitPattern: base)
        let storage = Storage(external: base, byteCount: size) {
            munmap(UnsafeMutableRawPointer(bitPattern: address), size)
        }
        let bytes = UnsafeRawBufferPointer(start: base, count: size)
        return try materialize(try layout(bytes, path: path), bytes, path: path, skippingUnsupported: skippingUnsupported, mapping: storage)
    }

    /// Validates and decodes the bytes of a safetensors file.
    /// - Parameters:
    ///   - bytes: the whole file.
    ///   - path: the name used in error messages.
    ///   - skippingUnsupported: leave out tensors of dtypes SwiftTorch lacks instead of throwing.
    public static func decode(_ bytes: [UInt8], path: String = "<memory>", skippingUnsupported: Bool = false) throws -> File {
        try bytes.withUnsafeBytes { raw in
            try materialize(try layout(raw, path: path), raw, path: path, skippingUnsupported: skippingUnsupported, mapping: nil)
        }
    }

    struct Entry { let name: String; let dtype: String; let shape: [Int]; let begin: Int; let end: Int }
    struct Layout {
        let entries: [Entry]
        let metadata: [String: String]
        let dataStart: Int
    }

    /// Parses and validates the header against the file's size (every rule of the format).
    static func layout(_ bytes: UnsafeRawBufferPointer, path: String) throws -> Layout {
        func fail(_ reason: String) -> SerializationError { .invalidFormat(path: path, reason: reason) }
        guard bytes.count >= 8 else { throw fail("header too small (\(bytes.count) bytes)") }
        var n: UInt64 = 0
        for i in 0..<8 { n |= UInt64(bytes[i]) << (8 * UInt64(i)) }
        guard n <= UInt64(maxHeaderLength) else { throw fail("header too large (\(n) bytes)") }
        let headerLength = Int(n)
        guard 8 + headerLength <= bytes.count else {
            throw fail("invalid header length: \(headerLength) bytes declared but the file has \(bytes.count - 8) after the length field")
        }
        let header: JSONValue
        do {
            header = try JSONParser.parse(Array(bytes[8..<(8 + headerLength)]))
        } catch let e as JSONParser.Failure {
            throw fail("invalid JSON in header: \(e.message)")
        }
        guard case .object(let entries) = header else { throw fail("invalid JSON in header: not an object") }
        var metadata: [String: String] = [:]
        var list: [Entry] = []
        for (key, value) in entries {
            if key == "__metadata__" {
                guard case .object(let items) = value else { throw fail("invalid JSON in header: __metadata__ is not an object") }
                for (k, v) in items {
                    guard case .string(let s) = v else { throw fail("invalid JSON in header: __metadata__ value for '\(k)' is not a string") }
                    metadata[k] = s
                }
                continue
            }
            guard case .object(let fields) = value else { throw fail("invalid JSON in header: entry '\(key)' is not an object") }
            var dtype: String?, shape: [Int]?, offsets: [Int]?
            for (f, v) in fields {
                switch f {
                case "dtype":
                    guard case .string(let s) = v else { throw fail("invalid JSON in header: dtype of '\(key)' is not a string") }
                    guard formatSizes[s] != nil else { throw fail("invalid JSON in header: unknown dtype `\(s)` for tensor '\(key)'") }
                    dtype = s
                case "shape":
                    guard case .array(let dims) = v else { throw fail("invalid JSON in header: shape of '\(key)' is not an array") }
                    shape = try dims.map { d in
                        guard let i = d.nonNegativeInt else { throw fail("invalid JSON in header: shape of '\(key)' has a non-integer or negative entry") }
                        return i
                    }
                case "data_offsets":
                    guard case .array(let o) = v, o.count == 2, let b = o[0].nonNegativeInt, let e = o[1].nonNegativeInt else {
                        throw fail("invalid JSON in header: data_offsets of '\(key)' must be two non-negative integers")
                    }
                    offsets = [b, e]
                default: break  // unknown keys are ignored, as by the reference library
                }
            }
            guard let dtype, let shape, let offsets else { throw fail("invalid JSON in header: entry '\(key)' lacks dtype, shape or data_offsets") }
            list.removeAll { $0.name == key }  // a duplicate name: the last one wins
            list.append(Entry(name: key, dtype: dtype, shape: shape, begin: offsets[0], end: offsets[1]))
        }
        let dataStart = 8 + headerLength
        let dataLength = bytes.count - dataStart
        // Offsets: ordered, contiguous, no gaps or overlaps, sizes consistent, and the data fully covered.
        var expectedBegin = 0
        for e in list.sorted(by: { ($0.begin, $0.end) < ($1.begin, $1.end) }) {
            guard e.begin <= e.end, e.begin == expectedBegin else { throw fail("invalid offset for tensor `\(e.name)`") }
            var elements = 1
            for d in e.shape {
                let (m, overflow) = elements.multipliedReportingOverflow(by: d)
                guard !overflow else { throw fail("invalid shape, data type, or offset for tensor `\(e.name)` (size overflows)") }
                elements = m
            }
            let item = formatSizes[e.dtype]!
            let (bytesNeeded, overflow) = elements.multipliedReportingOverflow(by: item)
            guard item > 0, !overflow, bytesNeeded == e.end - e.begin else {
                throw fail("invalid shape, data type, or offset for tensor `\(e.name)` (\(e.shape) × \(e.dtype) is not \(e.end - e.begin) bytes)")
            }
            expectedBegin = e.end
        }
        guard expectedBegin == dataLength else {
            throw fail("incomplete metadata, file not fully covered (tensors cover \(expectedBegin) of \(dataLength) data bytes)")
        }
        return Layout(entries: list, metadata: metadata, dataStart: dataStart)
    }

    /// The tensors of a validated layout: copies of the bytes, or views of `mapping` (the mapped file).
    static func materialize(_ layout: Layout, _ bytes: UnsafeRawBufferPointer, path: String, skippingUnsupported: Bool,
                            mapping: Storage?) throws -> File {
        let list = layout.entries, dataStart = layout.dataStart
        var tensors: [(name: String, tensor: Tensor)] = []
        var skipped: [(name: String, dtype: String)] = []
        for e in list.sorted(by: { $0.begin < $1.begin }) {
            guard let dtype = names.first(where: { $0.value == e.dtype })?.key else {
                if skippingUnsupported {
                    skipped.append((e.name, e.dtype))
                    continue
                }
                throw SerializationError.unsupportedDType(path: path, tensor: e.name, dtype: e.dtype)
            }
            let start = dataStart + e.begin
            if let mapping, dtype != .bool, start % dtype.itemSize == 0 {
                tensors.append((e.name, Tensor(storage: mapping, shape: e.shape, strides: contiguousStrides(e.shape),
                                               offset: start / dtype.itemSize, dtype: dtype)))
                continue
            }
            // Bool bytes are read as uint8 and normalised to 0/1 (a file may hold any nonzero byte).
            let t = Tensor.empty(e.shape, dtype: dtype == .bool ? .uint8 : dtype)
            if e.end > e.begin { t.storage.data.copyMemory(from: bytes.baseAddress! + start, byteCount: e.end - e.begin) }
            tensors.append((e.name, dtype == .bool ? t.ne(0) : t))
        }
        return File(tensors: tensors, metadata: layout.metadata, skipped: skipped)
    }

    /// Encodes tensors (copied contiguous; views are written as separate copies) with optional metadata.
    /// - Parameters:
    ///   - tensors: names and tensors (e.g. a module's `stateDict()`); names must be unique.
    ///   - metadata: `__metadata__` strings.
    public static func encode(_ pairs: [(String, Tensor)], metadata: [String: String] = [:]) throws -> [[UInt8]] {
        let tensors = pairs.map { (name: $0.0, tensor: $0.1) }
        var seen = Set<String>()
        for (name, _) in tensors {
            guard seen.insert(name).inserted else { throw SerializationError.invalidFormat(path: "<write>", reason: "duplicate tensor name '\(name)'") }
            guard name != "__metadata__" else { throw SerializationError.invalidFormat(path: "<write>", reason: "'__metadata__' is reserved") }
        }
        // Larger item sizes first keeps every tensor naturally aligned; then by name, as the reference writer.
        let ordered = tensors.sorted { a, b in
            a.tensor.dtype.itemSize != b.tensor.dtype.itemSize ? a.tensor.dtype.itemSize > b.tensor.dtype.itemSize : a.name < b.name
        }
        var items: [(String, JSONValue)] = []
        if !metadata.isEmpty {
            items.append(("__metadata__", .object(metadata.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) })))
        }
        var data: [UInt8] = []
        for (name, t) in ordered {
            let c = t.detach().cpu().contiguous()
            let nbytes = c.count * c.dtype.itemSize
            let begin = data.count
            data.append(contentsOf: UnsafeRawBufferPointer(start: c.storage.data + c.storageOffset * c.dtype.itemSize, count: nbytes))
            items.append((name, .object([
                ("dtype", .string(names[c.dtype]!)),
                ("shape", .array(c.shape.map { .number(String($0)) })),
                ("data_offsets", .array([.number(String(begin)), .number(String(data.count))])),
            ])))
        }
        var header = Array(JSONValue.object(items).serialized.utf8)
        while (8 + header.count) % 8 != 0 { header.append(0x20) }
        var lengthBytes = [UInt8](repeating: 0, count: 8)
        for i in 0..<8 { lengthBytes[i] = UInt8(truncatingIfNeeded: UInt64(header.count) >> (8 * UInt64(i))) }
        return [lengthBytes, header, data]
    }

    /// Writes a file atomically (temporary file, fsync, rename).
    /// - Parameters:
    ///   - tensors: names and tensors (e.g. a module's `stateDict()`).
    ///   - metadata: `__metadata__` strings.
    ///   - path: the destination.
    public static func write(_ tensors: [(String, Tensor)], metadata: [String: String] = [:], to path: String) throws {
        try FileIO.writeAtomically(path, try encode(tensors, metadata: metadata))
    }
}
