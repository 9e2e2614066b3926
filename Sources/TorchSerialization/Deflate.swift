import CZlib

/// zlib compression shared by the ZIP writer (raw deflate) and the PNG encoder (zlib format).
enum Deflate {
    /// Deflates `data`: zlib format for a positive `windowBits`, raw deflate for a negative one. The input is fed
    /// in pieces of at most 1 GiB (zlib counts in 32 bits).
    static func compress(_ data: [UInt8], windowBits: Int32, level: Int32, strategy: Int32) -> [UInt8] {
        var stream = z_stream()
        precondition(deflateInit2_(&stream, level, Z_DEFLATED, windowBits, 8, strategy, ZLIB_VERSION,
                                   Int32(MemoryLayout<z_stream>.size)) == Z_OK, "deflate: zlib deflateInit2 failed")
        defer { deflateEnd(&stream) }
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        let piece = 1 << 30
        data.withUnsafeBufferPointer { src in
            var fed = 0
            repeat {
                let n = Swift.min(piece, src.count - fed)
                stream.next_in = UnsafeMutablePointer(mutating: src.baseAddress.map { $0 + fed })
                stream.avail_in = uInt(n)
                fed += n
                let flush = fed == src.count ? Z_FINISH : Z_NO_FLUSH
                var rc: Int32
                repeat {
                    rc = chunk.withUnsafeMutableBufferPointer { dst in
                        stream.next_out = dst.baseAddress
                        stream.avail_out = uInt(dst.count)
                        return deflate(&stream, flush)
                    }
                    precondition(rc == Z_OK || rc == Z_STREAM_END || rc == Z_BUF_ERROR, "deflate: zlib deflate failed (\(rc))")
                    out += chunk[0..<(chunk.count - Int(stream.avail_out))]
                } while stream.avail_out == 0 || (flush == Z_FINISH && rc != Z_STREAM_END)
            } while fed < src.count
        }
        return out
    }
}
