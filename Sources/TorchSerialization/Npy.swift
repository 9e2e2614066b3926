import TorchCore

// MARK: - NumPy .npy

/// Reading and writing NumPy `.npy` files (`../shared/specs/npy-npz.md`): versions 1–3, either byte order, C and
/// Fortran order, 0-d and empty arrays; object arrays and other non-numeric dtypes are refused.
public enum Npy {
    static let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]  // \x93NUMPY

    /// `descr` kind letter and size → dtype.
    static func dtype(kind: Character, size: Int) -> DType? {
        switch (kind, size) {
        case ("b", 1): return .bool
        case ("u", 1): return .uint8
        case ("i", 1): return .int8
        case ("i", 2): return .int16
        case ("i", 4): return .int32
        case ("i", 8): return .int64
        case ("f", 2): return .float16
        case ("f", 4): return .float32
        case ("f", 8): return .float64
        default: return nil
        }
    }

    static func descr(_ d: DType) -> String? {
        switch d {
        case .bool: return "|b1"
        case .uint8: return "|u1"
        case .int8: return "|i1"
        case .int16: return "<i2"
        case .int32: return "<i4"
        case .int64: return "<i8"
        case .float16: return "<f2"
        case .float32: return "<f4"
        case .float64: return "<f8"
        case .bfloat16: return nil
        }
    }

    /// Reads a file.
    /// - Parameter path: the file.
    /// - Throws: ``SerializationError`` naming the file and the problem.
    public static func read(_ path: String) throws -> Tensor { try decode(try FileIO.read(path), path: path) }

    /// Decodes the bytes of a `.npy` file.
    /// - Parameters:
    ///   - bytes: the whole file.
    ///   - path: the name used in error messages.
    public static func decode(_ bytes: [UInt8], path: String = "<memory>") throws -> Tensor {
        func fail(_ reason: String) -> SerializationError { .invalidFormat(path: path, reason: reason) }
        guard bytes.count >= 10, Array(bytes[0..<6]) == magic else { throw fail("not a .npy file (bad magic)") }
        let major = bytes[6], minor = bytes[7]
        guard (1...3).contains(major), minor == 0 else { throw fail("unsupported .npy version \(major).\(minor)") }
        let lengthSize = major == 1 ? 2 : 4
        guard bytes.count >= 8 + lengthSize else { throw fail("truncated header length") }
        var hlen = 0
        for i in 0..<lengthSize { hlen |= Int(bytes[8 + i]) << (8 * i) }
        let start = 8 + lengthSize
        guard hlen <= bytes.count - start else { throw fail("header length \(hlen) runs past the end of the file (\(bytes.count) bytes)") }
        let headerBytes = Array(bytes[start..<(start + hlen)])
        let header = major == 3 ? String(validating: headerBytes, as: UTF8.self) : String(decoding: headerBytes.map { $0 }, as: Unicode.ASCII.self)
        guard let header else { throw fail("header is not valid UTF-8") }
        let (descr, fortran, shape) = try parseHeader(header, fail)
        if descr.dropFirst().first == "O" {
            throw fail("object arrays (descr '\(descr)') hold pickled Python objects and are refused")
        }
        guard descr.count >= 3, let order = descr.first, ["<", ">", "|", "="].contains(order),
              let size = Int(descr.dropFirst(2)), let kind = descr.dropFirst().first else {
            throw fail("unsupported descr '\(descr)'")
        }
        guard let dtype = dtype(kind: kind, size: size) else { throw fail("unsupported dtype '\(descr)'") }
        var count = 1
        for d in shape {
            let (m, o) = count.multipliedReportingOverflow(by: d)
            guard !o else { throw fail("shape \(shape) overflows") }
            count = m
        }
        let dataStart = start + hlen
        let (nbytes, o) = count.multipliedReportingOverflow(by: size)
        guard !o, nbytes == bytes.count - dataStart else {
            throw fail("data holds \(bytes.count - dataStart) bytes but shape \(shape) of '\(descr)' needs \(o ? -1 : nbytes)")
        }
        let storedShape = fortran ? Array(shape.reversed()) : shape
        let raw = Tensor.empty(storedShape, dtype: dtype == .bool ? .uint8 : dtype)
        var data = Array(bytes[dataStart...])
        if order == ">" && size > 1 {
            for e in 0..<count { data[(e * size)..<((e + 1) * size)].reverse() }
        }
        data.withUnsafeBytes { src in
            if nbytes > 0 { raw.storage.data.copyMemory(from: src.baseAddress!, byteCount: nbytes) }
        }
        var t = dtype == .bool ? raw.ne(0) : raw
        if fortran && shape.count > 1 { t = t.permute(Array((0..<shape.count).reversed())).contiguous() }
        return t
    }

    /// Parses `{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }` in any key order.
    static func parseHeader(_ text: String, _ fail: (String) -> SerializationError) throws -> (String, Bool, [Int]) {
        var s = Substring(text.trimmingWhitespace())
        guard s.first == "{", s.last == "}" else { throw fail("header is not a dict: \(text)") }
        s = s.dropFirst().dropLast()
        var descr: String?, fortran: Bool?, shape: [Int]?
        while true {
            s = s.drop { $0 == " " || $0 == "," || $0 == "\n" }
            if s.isEmpty { break }
            guard let q = s.first, q == "'" || q == "\"", let close = s.dropFirst().firstIndex(of: q) else { throw fail("bad key in header: \(text)") }
            let key = String(s[s.index(after: s.startIndex)..<close])
            s = s[s.index(after: close)...].drop { $0 == " " }
            guard s.first == ":" else { throw fail("expected ':' after '\(key)' in header") }
            s = s.dropFirst().drop { $0 == " " }
            switch key {
            case "descr":
                guard let q2 = s.first, q2 == "'" || q2 == "\"", let end = s.dropFirst().firstIndex(of: q2) else {
                    throw fail("descr is not a string (structured dtypes are not supported)")
                }
                descr = String(s[s.index(after: s.startIndex)..<end])
                s = s[s.index(after: end)...]
            case "fortran_order":
                if s.hasPrefix("True") { fortran = true; s = s.dropFirst(4) } else if s.hasPrefix("False") { fortran = false; s = s.dropFirst(5) } else {
                    throw fail("fortran_order is not True or False")
                }
            case "shape":
                guard s.first == "(", let end = s.firstIndex(of: ")") else { throw fail("shape is not a tuple") }
                let inner = s[s.index(after: s.startIndex)..<end]
                shape = try inner.split(separator: ",").map { $0.trimmingWhitespace() }.filter { !$0.isEmpty }.map { d in
                    guard let v = Int(d), v >= 0 else { throw fail("shape entry '\(d)' is not a non-negative integer") }
                    return v
                }
                s = s[s.index(after: end)...]
            default:
                throw fail("unknown key '\(key)' in header")
            }
        }
        guard let descr, let fortran, let shape else { throw fail("header lacks descr, fortran_order or shape: \(text)") }
        return (descr, fortran, shape)
    }

    /// Encodes a tensor as a version 1.0 file (C order, little-endian; the header padded to 64 bytes).
    /// - Parameter tensor: the tensor (bfloat16 is refused: NumPy has no such dtype).
    public static func encode(_ tensor: Tensor) throws -> [[UInt8]] {
        guard let d = descr(tensor.dtype) else {
            throw SerializationError.unsupportedDType(path: "<write>", tensor: "array", dtype: tensor.dtype.rawValue)
        }
        let shape = tensor.shape.count == 1 ? "(\(tensor.shape[0]),)" : "(" + tensor.shape.map(String.init).joined(separator: ", ") + ")"
        var header = Array("{'descr': '\(d)', 'fortran_order': False, 'shape': \(shape), }".utf8)
        while (10 + header.count + 1) % 64 != 0 { header.append(0x20) }
        header.append(0x0A)
        let c = tensor.detach().cpu().contiguous()
        let nbytes = c.count * c.dtype.itemSize
        let data = [UInt8](UnsafeRawBufferPointer(start: c.storage.data + c.storageOffset * c.dtype.itemSize, count: nbytes))
        return [magic + [1, 0, UInt8(header.count & 0xFF), UInt8(header.count >> 8)], header, data]
    }

    /// Writes a tensor atomically.
    /// - Parameters:
    ///   - tensor: the tensor.
    ///   - path: the destination.
    public static func write(_ tensor: Tensor, to path: String) throws {
        try FileIO.writeAtomically(path, try encode(tensor))
    }
}

extension StringProtocol {
    func trimmingWhitespace() -> String {
        String(drop { $0 == " " || $0 == "\n" || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\n" || $0 == "\t" }.reversed())
    }
}
