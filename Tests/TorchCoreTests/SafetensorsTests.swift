import Foundation
import Testing
import Torch
import _TestSupport

/// safetensors against the files written by the real library (`../shared/fixtures/safetensors/`).
@Suite struct SafetensorsTests {
    static let folder = sharedFolder() + "/fixtures/safetensors"

    @Test func readsMetadataFixture() throws {
        let f = try Safetensors.read(Self.folder + "/with_metadata.safetensors")
        #expect(f.metadata == ["description": "fixture with __metadata__", "format": "pt", "step": "100"])
        #expect(f["ids"]!.dtype == .int64 && f["ids"]!.toArray(of: Int64.self) == [3, 1, 2])
        #expect(f["embedding"]!.shape == [2, 3])
        #expect(f["embedding"]!.toArray(of: Float.self) == [0, 0.25, 0.5, 0.75, 1, 1.25])
    }

    @Test func readsEveryDTypeFixtureWithExactValues() throws {
        let expected = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: Self.folder + "/expected.json"))) as! [String: Any]
        let tensors = (expected["tensors.safetensors"] as! [String: Any])["tensors"] as! [String: [String: Any]]
        let f = try Safetensors.read(Self.folder + "/tensors.safetensors", skippingUnsupported: true)
        #expect(Set(f.skipped.map { $0.dtype }) == ["C64", "U16"])
        #expect(f.tensors.count + f.skipped.count == tensors.count)
        for (name, t) in f.tensors {
            let e = tensors[name]!
            #expect(t.shape == (e["shape"] as! [Int]), "\(name) shape")
            let values = (e["values"] as! [Any]).map { v -> Double in
                if let d = v as? Double { return d }
                if let s = v as? String { return s == "nan" ? .nan : (s == "inf" ? .infinity : -.infinity) }
                if let b = v as? Bool { return b ? 1 : 0 }
                return (v as! NSNumber).doubleValue
            }
            if t.dtype == .int64 {
                let exact = (e["values"] as! [NSNumber]).map { $0.int64Value }
                #expect(t.toArray(of: Int64.self) == exact, "\(name)")
            } else {
                let got = t.toArray(of: Double.self)
                // Float32-and-narrower values are compared as Float (JSONSerialization rounds some long decimals
                // in the last double digit; the float they denote is unambiguous).
                let narrow = t.dtype != .float64
                let same = zip(got, values).allSatisfy { g, v in
                    g == v || (g.isNaN && v.isNaN) || (narrow && Float(g) == Float(v))
                }
                #expect(got.count == values.count && same, "\(name): \(got) vs \(values)")
            }
        }
        #expect(throws: SerializationError.unsupportedDType(path: Self.folder + "/tensors.safetensors", tensor: "c64", dtype: "C64")) {
            try Safetensors.read(Self.folder + "/tensors.safetensors")
        }
    }

    @Test(arguments: [
        ("corrupt_header_too_long", "invalid header length"),
        ("corrupt_overlap", "invalid offset for tensor `b`"),
        ("corrupt_out_of_bounds", "incomplete metadata, file not fully covered"),
        ("corrupt_size_mismatch", "invalid shape, data type, or offset"),
        ("corrupt_bad_dtype", "unknown dtype `F31`"),
    ])
    func rejectsCorruptFiles(_ file: String, _ message: String) {
        for mapped in [false, true] {
            do {
                _ = try Safetensors.read(Self.folder + "/\(file).safetensors", memoryMapped: mapped)
                Issue.record("\(file) was accepted (memoryMapped \(mapped))")
            } catch {
                #expect("\(error)".contains(message), "\(file): \(error)")
                #expect("\(error)".contains(file), "the message names the file")
            }
        }
    }

    /// Memory-mapped reading gives the same tensors, as views of one mapping; writing to one changes neither the
    /// file nor a later read.
    @Test func memoryMappedReadingIsZeroCopyAndPrivate() throws {
        let path = Self.folder + "/tensors.safetensors"
        let copied = try Safetensors.read(path, skippingUnsupported: true)
        let mapped = try Safetensors.read(path, skippingUnsupported: true, memoryMapped: true)
        #expect(mapped.tensors.map { $0.name } == copied.tensors.map { $0.name })
        for ((name, a), (_, b)) in zip(copied.tensors, mapped.tensors) {
            #expect(a.dtype == b.dtype && a.shape == b.shape, "\(name)")
            #expect(a.to(.float64).equal(b.to(.float64)) || a.to(.float64).isnan().any().item() != 0, "\(name)")
        }
        let f32 = mapped["f32"]!, i64 = mapped["i64"]!
        #expect(f32.storage === i64.storage, "tensors share the mapping")
        #expect(f32.storage.byteCount == Int(try FileManager.default.attributesOfItem(atPath: path)[.size] as! UInt64))
        let before = copied["f32"]!.toArray(of: Float.self)
        noGrad { _ = f32.fill_(42) }
        #expect(f32.toArray(of: Float.self).allSatisfy { $0 == 42 })
        #expect(try Safetensors.read(path, skippingUnsupported: true, memoryMapped: true)["f32"]!.toArray(of: Float.self) == before)
        #expect(try Safetensors.read(path, skippingUnsupported: true)["f32"]!.toArray(of: Float.self) == before)
        let m = try Safetensors.read(Self.folder + "/with_metadata.safetensors", memoryMapped: true)
        #expect(m.metadata["step"] == "100" && m["ids"]!.toArray(of: Int64.self) == [3, 1, 2])
    }

    @Test func rejectsHostileHeaders() {
        func bytes(_ header: String, data: [UInt8] = []) -> [UInt8] {
            let h = Array(header.utf8)
            var n = [UInt8](repeating: 0, count: 8)
            for i in 0..<8 { n[i] = UInt8(truncatingIfNeeded: UInt64(h.count) >> (8 * UInt64(i))) }
            return n + h + data
        }
        let cases: [[UInt8]] = [
            [1, 2, 3],
            [255, 255, 255, 255, 255, 255, 255, 255],
            bytes("[1,2]"),
            bytes("{\"a\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}", data: [0, 0, 0, 0]),
            bytes("{\"a\":{\"dtype\":\"F32\",\"shape\":[4611686018427387904,4],\"data_offsets\":[0,4]}}", data: [0, 0, 0, 0]),
            bytes("{\"a\":{\"dtype\":\"f32\",\"shape\":[1],\"data_offsets\":[0,4]}}", data: [0, 0, 0, 0]),
            bytes("{\"__metadata__\":{\"k\":1}}"),
            bytes("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}} x", data: [0, 0, 0, 0]),
            bytes("{\"a\":\"\\ud800\"}"),
        ]
        for (i, c) in cases.enumerated() {
            #expect(throws: SerializationError.self, "case \(i)") { try Safetensors.decode(c) }
        }
        // The empty file of the spec is valid.
        #expect((try? Safetensors.decode(bytes("{}")))?.tensors.isEmpty == true)
    }

    @Test func roundTripWithViewsAndEveryDType() throws {
        let base = Tensor.arange(0, 12, dtype: .float32).reshape(3, 4)
        let tensors: [(name: String, tensor: Tensor)] = [
            ("f32", base), ("view", base.t()[1...]), ("f64", Tensor([1e-300, -2.5])), ("f16", Tensor([Float(0.5), 2]).to(.float16)),
            ("bf16", Tensor([Float(1.5), -3]).to(.bfloat16)), ("i64", Tensor([Int64.max, Int64.min])), ("i32", Tensor([Int32(-7)])),
            ("i16", Tensor([Int16(300)])), ("i8", Tensor([Int8(-3)])), ("u8", Tensor([UInt8(250)])), ("b", Tensor([true, false])),
            ("scalar", Tensor(scalar: Float(3))), ("empty", Tensor.zeros([0, 2])),
        ]
        let path = NSTemporaryDirectory() + "swifttorch-\(UUID().uuidString).safetensors"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Safetensors.write(tensors, metadata: ["format": "pt"], to: path)
        let size = try FileManager.default.attributesOfItem(atPath: path)[.size] as! Int
        let back = try Safetensors.read(path)
        #expect(back.metadata == ["format": "pt"])
        for (name, t) in tensors {
            let r = back[name]!
            #expect(r.dtype == t.dtype && r.shape == t.shape && r.equal(t.contiguous()), "\(name)")
        }
        // The data section starts 8-byte aligned.
        let raw = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        var n = 0
        for i in 0..<8 { n |= Int(raw[i]) << (8 * i) }
        #expect((8 + n) % 8 == 0 && raw.count == size)
    }
}
