import CZlib

// MARK: - Reading ZIP archives (torch.save's stored ones, NumPy's stored or deflated .npz)

/// The entries of a ZIP archive, located through the central directory (ZIP64 included). Stored and deflated
/// entries can be read; every size and offset is checked against the file, inflated data against its declared
/// size and CRC-32.
struct ZipArchive {
    struct Entry {
        let name: String
        let method: Int
        let dataOffset: Int
        let size: Int
        let uncompressedSize: Int
        let crc: UInt32
    }

    let bytes: [UInt8]
    let path: String
    private(set) var entries: [Entry] = []

    init(_ bytes: [UInt8], path: String) throws {
        self.bytes = bytes
        self.path = path
        entries = try readCentralDirectory()
    }

    private func fail(_ reason: String) -> SerializationError { .invalidFormat(path: path, reason: reason) }

    private func u16(_ at: Int) throws -> Int {
        guard at >= 0, at + 2 <= bytes.count else { throw fail("truncated ZIP structure at byte \(at)") }
        return Int(bytes[at]) | Int(bytes[at + 1]) << 8
    }

    private func u32(_ at: Int) throws -> Int {
        guard at >= 0, at + 4 <= bytes.count else { throw fail("truncated ZIP structure at byte \(at)") }
        var v = 0
        for i in 0..<4 { v |= Int(bytes[at + i]) << (8 * i) }
        return v
    }

    private func u64(_ at: Int) throws -> Int {
        guard at >= 0, at + 8 <= bytes.count else { throw fail("truncated ZIP structure at byte \(at)") }
        var v: UInt64 = 0
        for i in 0..<8 { v |= UInt64(bytes[at + i]) << (8 * UInt64(i)) }
        guard v <= UInt64(Int.max) else { throw fail("ZIP64 value out of range at byte \(at)") }
        return Int(v)
    }

    private func readCentralDirectory() throws -> [Entry] {
        // The end-of-central-directory record: the last occurrence of PK\5\6 within the final 64 KiB + 22 bytes.
        guard bytes.count >= 22 else { throw fail("too small to be a ZIP archive") }
        var eocd = -1
        var i = bytes.count - 22
        let lowest = Swift.max(0, bytes.count - 22 - 65_535)
        while i >= lowest {
            if bytes[i] == 0x50 && bytes[i + 1] == 0x4B && bytes[i + 2] == 5 && bytes[i + 3] == 6 { eocd = i; break }
            i -= 1
        }
        guard eocd >= 0 else { throw fail("no ZIP end-of-central-directory record") }
        var count = try u16(eocd + 10)
        var cdOffset = try u32(eocd + 16)
        if count == 0xFFFF || cdOffset == 0xFFFF_FFFF {
            // ZIP64: the locator sits just before the EOCD and points at the ZIP64 EOCD record.
            let locator = eocd - 20
            guard try u32(locator) == 0x0706_4B50 else { throw fail("missing ZIP64 locator") }
            let z = try u64(locator + 8)
            guard try u32(z) == 0x0606_4B50 else { throw fail("bad ZIP64 end-of-central-directory record") }
            count = try u64(z + 32)
            cdOffset = try u64(z + 48)
        }
        guard count <= bytes.count / 46 else { throw fail("entry count \(count) is impossible for a file of \(bytes.count) bytes") }
        var entries: [Entry] = []
        var p = cdOffset
        for _ in 0..<count {
            guard try u32(p) == 0x0201_4B50 else { throw fail("bad central directory entry at byte \(p)") }
            let method = try u16(p + 10)
            var csize = try u32(p + 20), usize = try u32(p + 24)
            let nameLength = try u16(p + 28), extraLength = try u16(p + 30), commentLength = try u16(p + 32)
            var local = try u32(p + 42)
            guard p + 46 + nameLength + extraLength <= bytes.count else { throw fail("central directory entry runs past the file") }
            let name = String(decoding: bytes[(p + 46)..<(p + 46 + nameLength)], as: UTF8.self)
            // ZIP64 extra field: the 64-bit values of the fields set to 0xFFFFFFFF, in order.
            var e = p + 46 + nameLength
            let extraEnd = e + extraLength
            while e + 4 <= extraEnd {
                let id = try u16(e), len = try u16(e + 2)
                if id == 1 {
                    var q = e + 4
                    if usize == 0xFFFF_FFFF { usize = try u64(q); q += 8 }
                    if csize == 0xFFFF_FFFF { csize = try u64(q); q += 8 }
                    if local == 0xFFFF_FFFF { local = try u64(q); q += 8 }
                }
                e += 4 + len
            }
            guard try u32(local) == 0x0403_4B50 else { throw fail("bad local header for '\(name)'") }
            let dataOffset = local + 30 + (try u16(local + 26)) + (try u16(local + 28))
            guard csize >= 0, dataOffset <= bytes.count, csize <= bytes.count - dataOffset else {
                throw fail("entry '\(name)' (\(csize) bytes at \(dataOffset)) runs past the end of the file")
            }
            if method == 0 && csize != usize { throw fail("stored entry '\(name)' has different compressed and real sizes") }
            let crc = UInt32(truncatingIfNeeded: try u32(p + 16))
            entries.append(Entry(name: name, method: method, dataOffset: dataOffset, size: csize, uncompressedSize: usize, crc: crc))
            p += 46 + nameLength + extraLength + commentLength
        }
        return entries
    }

    /// The bytes of a stored entry.
    func data(_ name: String) throws -> ArraySlice<UInt8> {
        guard let e = entries.first(where: { $0.name == name }) else { throw fail("missing record '\(name)'") }
        guard e.method == 0 else { throw fail("record '\(name)' is compressed (method \(e.method)); only stored records are supported") }
        return bytes[e.dataOffset..<(e.dataOffset + e.size)]
    }

    /// The bytes of a stored or deflated entry, checked against its size and CRC-32.
    func contents(_ e: Entry) throws -> [UInt8] {
        let raw = bytes[e.dataOffset..<(e.dataOffset + e.size)]
        let out: [UInt8]
        switch e.method {
        case 0: out = Array(raw)
        case 8: out = try inflate(raw, size: e.uncompressedSize, name: e.name)
        default: throw fail("entry '\(e.name)' uses compression method \(e.method); only stored (0) and deflated (8) are supported")
        }
        let crc = out.withUnsafeBufferPointer { UInt32(crc32(0, $0.baseAddress, uInt($0.count))) }
        guard crc == e.crc else { throw fail("entry '\(e.name)' fails its CRC-32 check") }
        return out
    }

    /// Raw deflate data of a declared size (refusing sizes beyond deflate's 1032:1 limit, so a hostile size cannot
    /// make us allocate).
    private func inflate(_ data: ArraySlice<UInt8>, size: Int, name: String) throws -> [UInt8] {
        guard size <= 1032 * data.count + 1024 else { throw fail("entry '\(name)' claims \(size) bytes from \(data.count) compressed ones") }
        if size == 0 { return [] }
        var out = [UInt8](repeating: 0, count: size)
        var stream = z_stream()
        guard inflateInit2_(&stream, -MAX_WBITS, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw fail("zlib could not start inflating '\(name)'")
        }
        defer { inflateEnd(&stream) }
        var input = Array(data)
        // zlib counts in 32 bits: feed and drain at most 1 GiB at a time.
        let piece = 1 << 30
        var rc: Int32 = Z_OK
        input.withUnsafeMutableBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                var fed = 0, produced = 0
                while rc == Z_OK {
                    if stream.avail_in == 0 && fed < src.count {
                        let n = Swift.min(piece, src.count - fed)
                        stream.next_in = src.baseAddress! + fed
                        stream.avail_in = uInt(n)
                        fed += n
                    }
                    if stream.avail_out == 0 {
                        let n = Swift.min(piece, dst.count - produced)
                        guard n > 0 else { break }
                        stream.next_out = dst.baseAddress! + produced
                        stream.avail_out = uInt(n)
                        produced += n
                    }
                    rc = CZlib.inflate(&stream, Z_NO_FLUSH)
                    if rc == Z_BUF_ERROR && stream.avail_in == 0 && fed == src.count { break }
                    if rc == Z_BUF_ERROR { rc = Z_OK }
                }
            }
        }
        guard rc == Z_STREAM_END, Int(stream.total_out) == size else {
            throw fail("entry '\(name)' does not inflate to its declared \(size) bytes (zlib status \(rc), \(stream.total_out) bytes)")
        }
        return out
    }
}
