import CZlib

/// A PNG encoder for 8-bit grey, RGB and RGBA images (what `add_image` needs).
///
/// Each row gets the filter libpng's heuristic picks (the smallest sum of the filtered bytes taken as signed
/// magnitudes, None first), and the image data is deflated by zlib at its default level, as PIL writes them.
public enum PNG {
    /// Encodes `pixels` (row-major, `channels` bytes per pixel).
    /// - Parameters:
    ///   - pixels: `height · width · channels` bytes.
    ///   - width: pixels per row.
    ///   - height: rows.
    ///   - channels: 1 (grey), 3 (RGB) or 4 (RGBA).
    public static func encode(_ pixels: [UInt8], width: Int, height: Int, channels: Int) -> [UInt8] {
        precondition([1, 3, 4].contains(channels), "PNG.encode: channels must be 1, 3 or 4 (got \(channels))")
        precondition(width > 0 && height > 0 && pixels.count == width * height * channels,
                     "PNG.encode: \(pixels.count) bytes do not make a \(width)×\(height) image of \(channels) channels")
        let stride = width * channels
        var raw: [UInt8] = []
        raw.reserveCapacity((stride + 1) * height)
        var previous = [UInt8](repeating: 0, count: stride)
        for y in 0..<height {
            let row = Array(pixels[(y * stride)..<((y + 1) * stride)])
            var best: (type: UInt8, bytes: [UInt8], cost: Int)? = nil
            for type in UInt8(0)...4 {
                let filtered = filter(type, row, previous, bpp: channels)
                let cost = filtered.reduce(0) { $0 + ($1 < 128 ? Int($1) : 256 - Int($1)) }
                if best == nil || cost < best!.cost { best = (type, filtered, cost) }
            }
            raw.append(best!.type)
            raw += best!.bytes
            previous = row
        }
        var out: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        let colorType: UInt8 = channels == 1 ? 0 : channels == 3 ? 2 : 6
        out += chunk("IHDR", be32(width) + be32(height) + [8, colorType, 0, 0, 0])
        out += chunk("IDAT", deflate(raw))
        out += chunk("IEND", [])
        return out
    }

    static func filter(_ type: UInt8, _ row: [UInt8], _ up: [UInt8], bpp: Int) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: row.count)
        for i in 0..<row.count {
            let a = i >= bpp ? Int(row[i - bpp]) : 0, b = Int(up[i]), c = i >= bpp ? Int(up[i - bpp]) : 0
            let predictor: Int
            switch type {
            case 0: predictor = 0
            case 1: predictor = a
            case 2: predictor = b
            case 3: predictor = (a + b) / 2
            default:
                let p = a + b - c, pa = Swift.abs(p - a), pb = Swift.abs(p - b), pc = Swift.abs(p - c)
                predictor = pa <= pb && pa <= pc ? a : pb <= pc ? b : c
            }
            out[i] = UInt8(truncatingIfNeeded: Int(row[i]) - predictor)
        }
        return out
    }

    static func be32(_ v: Int) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: v >> (8 * (3 - $0))) } }

    static func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
        let typed = Array(type.utf8) + data
        let crc = typed.withUnsafeBufferPointer { crc32(0, $0.baseAddress, uInt($0.count)) }
        return be32(data.count) + typed + be32(Int(crc))
    }

    /// zlib format (header, deflate, Adler-32) at level 6 with the `Z_FILTERED` strategy, as PIL and libpng
    /// deflate filtered rows.
    static func deflate(_ data: [UInt8]) -> [UInt8] {
        Deflate.compress(data, windowBits: MAX_WBITS, level: 6, strategy: Z_FILTERED)
    }
}
