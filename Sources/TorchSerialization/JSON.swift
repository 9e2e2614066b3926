// MARK: - A small, strict JSON reader and writer (for file headers)

/// `s` as a JSON string literal (quotes added, special characters escaped).
/// - Parameter s: the text.
public func jsonQuoted(_ s: String) -> String { JSONValue.quote(s) }

/// A parsed JSON value. Object keys keep their order; numbers keep their text so integers stay exact.
enum JSONValue: Equatable {
    case object([(String, JSONValue)])
    case array([JSONValue])
    case string(String)
    case number(String)
    case bool(Bool)
    case null

    static func == (a: JSONValue, b: JSONValue) -> Bool {
        switch (a, b) {
        case (.object(let x), .object(let y)): return x.count == y.count && zip(x, y).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        case (.array(let x), .array(let y)): return x == y
        case (.string(let x), .string(let y)): return x == y
        case (.number(let x), .number(let y)): return x == y
        case (.bool(let x), .bool(let y)): return x == y
        case (.null, .null): return true
        default: return false
        }
    }

    /// The value as a non-negative integer that fits in `Int`, if it is one.
    var nonNegativeInt: Int? {
        guard case .number(let s) = self, !s.isEmpty, s.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }) else { return nil }
        return Int(s)
    }

    /// Compact serialisation (no whitespace).
    var serialized: String {
        switch self {
        case .object(let items):
            return "{" + items.map { JSONValue.quote($0.0) + ":" + $0.1.serialized }.joined(separator: ",") + "}"
        case .array(let items): return "[" + items.map { $0.serialized }.joined(separator: ",") + "]"
        case .string(let s): return JSONValue.quote(s)
        case .number(let s): return s
        case .bool(let b): return b ? "true" : "false"
        case .null: return "null"
        }
    }

    static func quote(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if u.value < 0x20 {
                    let hex = String(u.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(u)
                }
            }
        }
        return out + "\""
    }
}

/// Parses JSON from UTF-8 bytes, rejecting anything malformed with a position.
struct JSONParser {
    let bytes: [UInt8]
    var pos = 0
    var depth = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    struct Failure: Error { let message: String }

    static func parse(_ bytes: [UInt8]) throws -> JSONValue {
        var p = JSONParser(bytes)
        p.skipSpace()
        let v = try p.value()
        p.skipSpace()
        guard p.pos == bytes.count else { throw Failure(message: "trailing characters at byte \(p.pos)") }
        return v
    }

    mutating func skipSpace() {
        while pos < bytes.count, [0x20, 0x0A, 0x0D, 0x09].contains(bytes[pos]) { pos += 1 }
    }

    mutating func value() throws -> JSONValue {
        guard pos < bytes.count else { throw Failure(message: "unexpected end of JSON") }
        depth += 1
        defer { depth -= 1 }
        guard depth <= 64 else { throw Failure(message: "JSON nested too deeply at byte \(pos)") }
        switch bytes[pos] {
        case UInt8(ascii: "{"): return try object()
        case UInt8(ascii: "["): return try array()
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"): try literal("true"); return .bool(true)
        case UInt8(ascii: "f"): try literal("false"); return .bool(false)
        case UInt8(ascii: "n"): try literal("null"); return .null
        default: return try number()
        }
    }

    mutating func literal(_ word: String) throws {
        let w = Array(word.utf8)
        guard pos + w.count <= bytes.count, Array(bytes[pos..<(pos + w.count)]) == w else {
            throw Failure(message: "invalid token at byte \(pos)")
        }
        pos += w.count
    }

    mutating func object() throws -> JSONValue {
        pos += 1
        var items: [(String, JSONValue)] = []
        skipSpace()
        if pos < bytes.count && bytes[pos] == UInt8(ascii: "}") { pos += 1; return .object(items) }
        while true {
            skipSpace()
            guard pos < bytes.count, bytes[pos] == UInt8(ascii: "\"") else { throw Failure(message: "expected a key at byte \(pos)") }
            let key = try string()
            skipSpace()
            guard pos < bytes.count, bytes[pos] == UInt8(ascii: ":") else { throw Failure(message: "expected ':' at byte \(pos)") }
            pos += 1
            skipSpace()
            items.append((key, try value()))
            skipSpace()
            guard pos < bytes.count else { throw Failure(message: "unterminated object") }
            if bytes[pos] == UInt8(ascii: ",") { pos += 1; continue }
            if bytes[pos] == UInt8(ascii: "}") { pos += 1; return .object(items) }
            throw Failure(message: "expected ',' or '}' at byte \(pos)")
        }
    }

    mutating func array() throws -> JSONValue {
        pos += 1
        var items: [JSONValue] = []
        skipSpace()
        if pos < bytes.count && bytes[pos] == UInt8(ascii: "]") { pos += 1; return .array(items) }
        while true {
            skipSpace()
            items.append(try value())
            skipSpace()
            guard pos < bytes.count else { throw Failure(message: "unterminated array") }
            if bytes[pos] == UInt8(ascii: ",") { pos += 1; continue }
            if bytes[pos] == UInt8(ascii: "]") { pos += 1; return .array(items) }
            throw Failure(message: "expected ',' or ']' at byte \(pos)")
        }
    }

    mutating func string() throws -> String {
        pos += 1
        var out: [UInt8] = []
        while pos < bytes.count {
            let b = bytes[pos]
            pos += 1
            if b == UInt8(ascii: "\"") {
                guard let s = String(validating: out, as: UTF8.self) else { throw Failure(message: "invalid UTF-8 in a string") }
                return s
            }
            if b < 0x20 { throw Failure(message: "control character in a string at byte \(pos - 1)") }
            if b != UInt8(ascii: "\\") { out.append(b); continue }
            guard pos < bytes.count else { break }
            let e = bytes[pos]
            pos += 1
            switch e {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(e)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "u"):
                guard pos + 4 <= bytes.count, let code = UInt32(String(decoding: bytes[pos..<(pos + 4)], as: UTF8.self), radix: 16) else {
                    throw Failure(message: "invalid \\u escape at byte \(pos)")
                }
                pos += 4
                var scalar = code
                if (0xD800..<0xDC00).contains(code) {
                    guard pos + 6 <= bytes.count, bytes[pos] == UInt8(ascii: "\\"), bytes[pos + 1] == UInt8(ascii: "u"),
                          let low = UInt32(String(decoding: bytes[(pos + 2)..<(pos + 6)], as: UTF8.self), radix: 16),
                          (0xDC00..<0xE000).contains(low) else { throw Failure(message: "unpaired surrogate at byte \(pos)") }
                    pos += 6
                    scalar = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                }
                guard let u = Unicode.Scalar(scalar) else { throw Failure(message: "invalid code point at byte \(pos)") }
                out += Array(String(Character(u)).utf8)
            default: throw Failure(message: "invalid escape at byte \(pos - 1)")
            }
        }
        throw Failure(message: "unterminated string")
    }

    mutating func number() throws -> JSONValue {
        let start = pos
        if pos < bytes.count && bytes[pos] == UInt8(ascii: "-") { pos += 1 }
        var digits = 0
        while pos < bytes.count, (48...57).contains(bytes[pos]) || [UInt8(ascii: "."), UInt8(ascii: "e"), UInt8(ascii: "E"), UInt8(ascii: "+"), UInt8(ascii: "-")].contains(bytes[pos]) {
            pos += 1
            digits += 1
        }
        guard digits > 0 else { throw Failure(message: "unexpected character '\(Character(Unicode.Scalar(bytes[start])))' at byte \(start)") }
        return .number(String(decoding: bytes[start..<pos], as: UTF8.self))
    }
}
