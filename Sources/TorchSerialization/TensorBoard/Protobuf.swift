// MARK: - A minimal protobuf wire-format encoder and decoder (the messages of TensorBoard's event files)

/// Writes protobuf fields in the order they are called (callers go by field number, as protoc does).
struct ProtoWriter {
    var bytes: [UInt8] = []

    mutating func varint(_ v: UInt64) {
        var v = v
        while v >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        bytes.append(UInt8(v))
    }

    mutating func key(_ field: Int, _ wireType: Int) { varint(UInt64(field << 3 | wireType)) }

    /// An int32/int64/enum/bool field (negative values as 10-byte two's complement, as protobuf does).
    mutating func int(_ field: Int, _ v: Int64) {
        key(field, 0)
        varint(UInt64(bitPattern: v))
    }

    mutating func double(_ field: Int, _ v: Double) {
        key(field, 1)
        fixed64(v.bitPattern)
    }

    mutating func float(_ field: Int, _ v: Float) {
        key(field, 5)
        fixed32(v.bitPattern)
    }

    mutating func fixed64(_ v: UInt64) { for i in 0..<8 { bytes.append(UInt8(truncatingIfNeeded: v >> (8 * UInt64(i)))) } }
    mutating func fixed32(_ v: UInt32) { for i in 0..<4 { bytes.append(UInt8(truncatingIfNeeded: v >> (8 * UInt32(i)))) } }

    mutating func bytes(_ field: Int, _ data: [UInt8]) {
        key(field, 2)
        varint(UInt64(data.count))
        bytes += data
    }

    mutating func string(_ field: Int, _ s: String) { bytes(field, Array(s.utf8)) }

    /// An embedded message.
    mutating func message(_ field: Int, _ build: (inout ProtoWriter) -> Void) {
        var inner = ProtoWriter()
        build(&inner)
        bytes(field, inner.bytes)
    }

    mutating func packedDoubles(_ field: Int, _ values: [Double]) {
        var inner = ProtoWriter()
        for v in values { inner.fixed64(v.bitPattern) }
        bytes(field, inner.bytes)
    }

    mutating func packedFloats(_ field: Int, _ values: [Float]) {
        var inner = ProtoWriter()
        for v in values { inner.fixed32(v.bitPattern) }
        bytes(field, inner.bytes)
    }
}

/// One decoded field: its number and value.
struct ProtoField {
    enum Value {
        case varint(UInt64)
        case fixed64(UInt64)
        case fixed32(UInt32)
        case bytes([UInt8])
    }
    let number: Int
    let value: Value

    var int: Int64? { if case .varint(let v) = value { return Int64(bitPattern: v) } else { return nil } }
    var double: Double? { if case .fixed64(let v) = value { return Double(bitPattern: v) } else { return nil } }
    var float: Float? { if case .fixed32(let v) = value { return Float(bitPattern: v) } else { return nil } }
    var data: [UInt8]? { if case .bytes(let b) = value { return b } else { return nil } }
    var string: String? { data.map { String(decoding: $0, as: UTF8.self) } }
}

/// Splits a message into fields, checking every length against the bytes left.
enum ProtoReader {
    struct Malformed: Error, CustomStringConvertible {
        let reason: String
        var description: String { reason }
    }

    static func fields(_ bytes: [UInt8]) throws -> [ProtoField] {
        var out: [ProtoField] = []
        var i = 0
        func varint() throws -> UInt64 {
            var result: UInt64 = 0, shift: UInt64 = 0
            while true {
                guard i < bytes.count else { throw Malformed(reason: "truncated varint at byte \(i)") }
                let b = bytes[i]
                i += 1
                guard shift < 64 else { throw Malformed(reason: "varint longer than 10 bytes at byte \(i)") }
                result |= UInt64(b & 0x7F) << shift
                if b < 0x80 { return result }
                shift += 7
            }
        }
        func take(_ n: Int) throws -> ArraySlice<UInt8> {
            guard n >= 0, n <= bytes.count - i else { throw Malformed(reason: "field of \(n) bytes at byte \(i) runs past the end (\(bytes.count - i) left)") }
            defer { i += n }
            return bytes[i..<(i + n)]
        }
        while i < bytes.count {
            let key = try varint()
            let number = Int(truncatingIfNeeded: key >> 3)
            guard number > 0 else { throw Malformed(reason: "field number 0 at byte \(i)") }
            switch key & 7 {
            case 0: out.append(ProtoField(number: number, value: .varint(try varint())))
            case 1: out.append(ProtoField(number: number, value: .fixed64(try take(8).reversed().reduce(0) { $0 << 8 | UInt64($1) })))
            case 5: out.append(ProtoField(number: number, value: .fixed32(try take(4).reversed().reduce(0) { $0 << 8 | UInt32($1) })))
            case 2:
                let n = try varint()
                guard n <= UInt64(Int.max) else { throw Malformed(reason: "length \(n) too large at byte \(i)") }
                out.append(ProtoField(number: number, value: .bytes(Array(try take(Int(n))))))
            default: throw Malformed(reason: "unsupported wire type \(key & 7) at byte \(i)")
            }
        }
        return out
    }

    /// Packed (or repeated unpacked) doubles of field `number`.
    static func doubles(_ fields: [ProtoField], _ number: Int) throws -> [Double] {
        try fixed(fields, number, width: 8) { Double(bitPattern: $0) }
    }

    /// Packed (or repeated unpacked) floats of field `number`.
    static func floats(_ fields: [ProtoField], _ number: Int) throws -> [Float] {
        try fixed(fields, number, width: 4) { Float(bitPattern: UInt32(truncatingIfNeeded: $0)) }
    }

    /// Little-endian fixed-width values of field `number`, `width` bytes each, whether packed or not.
    static func fixed<T>(_ fields: [ProtoField], _ number: Int, width: Int, _ make: (UInt64) -> T) throws -> [T] {
        var out: [T] = []
        for f in fields where f.number == number {
            switch f.value {
            case .fixed64(let v) where width == 8: out.append(make(v))
            case .fixed32(let v) where width == 4: out.append(make(UInt64(v)))
            case .bytes(let b) where b.count % width == 0:
                for k in stride(from: 0, to: b.count, by: width) {
                    out.append(make(b[k..<(k + width)].reversed().reduce(0) { $0 << 8 | UInt64($1) }))
                }
            default: throw Malformed(reason: "field \(number) does not hold \(width)-byte values")
            }
        }
        return out
    }
}

// MARK: - CRC32C (Castagnoli) and TFRecord framing

enum CRC32C {
    static let table: [UInt32] = (0..<256).map { n -> UInt32 in
        var c = UInt32(n)
        for _ in 0..<8 { c = c & 1 != 0 ? 0x82F6_3B78 ^ (c >> 1) : c >> 1 }
        return c
    }

    static func checksum<C: Collection>(_ data: C) -> UInt32 where C.Element == UInt8 {
        var c: UInt32 = 0xFFFF_FFFF
        for b in data { c = table[Int((c ^ UInt32(b)) & 0xFF)] ^ (c >> 8) }
        return c ^ 0xFFFF_FFFF
    }

    /// TensorFlow's masked CRC: rotate right by 15, add 0xA282EAD8.
    static func masked<C: Collection>(_ data: C) -> UInt32 where C.Element == UInt8 {
        let c = checksum(data)
        return ((c >> 15) | (c << 17)) &+ 0xA282_EAD8
    }
}

enum TFRecord {
    /// `length (u64 LE) · masked crc of length · payload · masked crc of payload`.
    static func frame(_ payload: [UInt8]) -> [UInt8] {
        var header = ProtoWriter()
        header.fixed64(UInt64(payload.count))
        var out = header.bytes
        var crc = ProtoWriter()
        crc.fixed32(CRC32C.masked(header.bytes))
        out += crc.bytes + payload
        var tail = ProtoWriter()
        tail.fixed32(CRC32C.masked(payload))
        return out + tail.bytes
    }

    /// The payloads of a record file, checking both CRCs of every record.
    static func records(_ bytes: [UInt8], path: String) throws -> [[UInt8]] {
        func le<T: FixedWidthInteger>(_ at: Int, _: T.Type) -> T {
            bytes[at..<(at + MemoryLayout<T>.size)].reversed().reduce(T(0)) { $0 << 8 | T($1) }
        }
        var out: [[UInt8]] = []
        var pos = 0
        while pos < bytes.count {
            guard bytes.count - pos >= 12 else {
                throw SerializationError.invalidFormat(path: path, reason: "record at byte \(pos): truncated header (\(bytes.count - pos) bytes left)")
            }
            let length = le(pos, UInt64.self)
            guard le(pos + 8, UInt32.self) == CRC32C.masked(bytes[pos..<(pos + 8)]) else {
                throw SerializationError.invalidFormat(path: path, reason: "record at byte \(pos): length CRC mismatch")
            }
            let available = bytes.count - pos - 16  // the payload must leave room for its own CRC
            guard available >= 0, length <= UInt64(available) else {
                throw SerializationError.invalidFormat(path: path, reason: "record at byte \(pos): \(length) bytes run past the end of the file")
            }
            let start = pos + 12, end = start + Int(length)
            guard le(end, UInt32.self) == CRC32C.masked(bytes[start..<end]) else {
                throw SerializationError.invalidFormat(path: path, reason: "record at byte \(pos): data CRC mismatch")
            }
            out.append(Array(bytes[start..<end]))
            pos = end + 4
        }
        return out
    }
}
