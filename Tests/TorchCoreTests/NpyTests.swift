import Foundation
import Testing
import Torch
import _TestSupport

/// .npy against the files written by NumPy (`../shared/fixtures/numpy/`).
@Suite struct NpyTests {
    static let folder = sharedFolder() + "/fixtures/numpy"
    /// The expected descriptions, parsed on each use (JSONSerialization values are not Sendable).
    static var expected: [String: [String: Any]] {
        let data = try! Data(contentsOf: URL(fileURLWithPath: folder + "/expected.json"))
        return try! JSONSerialization.jsonObject(with: data) as! [String: [String: Any]]
    }

    static let supported = ["f32_2x3", "f64", "f16", "i64", "i32", "i16", "i8", "u8", "bool", "f32_3d", "fortran_f32_2x3",
                            "scalar_0d_f64", "empty_0x3_f32", "bigendian_f32", "bigendian_i32", "v2_f32", "v3_f32"]

    @Test(arguments: supported)
    func readsFixture(_ name: String) throws {
        let e = Self.expected[name + ".npy"]!
        let t = try Npy.read(Self.folder + "/\(name).npy")
        #expect(t.shape == (e["shape"] as! [Int]), "\(name) shape")
        let values = e["values_c_order"] as! [Any]
        if t.dtype == .int64 {
            #expect(t.toArray(of: Int64.self) == values.map { ($0 as! NSNumber).int64Value })
        } else {
            let got = t.toArray(of: Double.self)
            let want = values.map { v -> Double in
                if let b = v as? Bool { return b ? 1 : 0 }
                return (v as! NSNumber).doubleValue
            }
            let narrow = t.dtype != .float64
            #expect(got.count == want.count && zip(got, want).allSatisfy { $0 == $1 || (narrow && Float($0) == Float($1)) },
                    "\(name): \(got) vs \(want)")
        }
    }

    @Test func refusesObjectArraysAndBadFiles() {
        do {
            _ = try Npy.read(Self.folder + "/object_must_refuse.npy")
            Issue.record("an object array was accepted")
        } catch {
            #expect("\(error)".contains("object arrays"))
        }
        let bad: [[UInt8]] = [
            [1, 2, 3],
            Array("\u{93}NUMPY".utf8),
            [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 1, 0, 0xFF, 0xFF] + Array("{}".utf8),
            [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 1, 0, 60, 0] + Array("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }    \n".utf8) + [0, 0, 0, 0],
            [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 1, 0, 59, 0] + Array("{'descr': '<f4', 'fortran_order': False, 'shape': (-1,), }\n".utf8),
            [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 1, 0, 66, 0] + Array("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), 'x': 1}\n".utf8) + [0, 0, 0, 0],
        ]
        for (i, b) in bad.enumerated() {
            #expect(throws: SerializationError.self, "case \(i)") { try Npy.decode(b) }
        }
    }

    @Test func roundTrip() throws {
        let cases: [Tensor] = [
            Tensor.arange(0, 6, dtype: .float32).reshape(2, 3).t(), Tensor([1e-300, -2.0]), Tensor([Int64.min, 5]),
            Tensor([true, false]), Tensor(scalar: Float(2.5)), Tensor.zeros([0, 3]), Tensor([Float(0.5)]).to(.float16),
        ]
        let path = NSTemporaryDirectory() + "swifttorch-\(UUID().uuidString).npy"
        defer { try? FileManager.default.removeItem(atPath: path) }
        for t in cases {
            try Npy.write(t, to: path)
            let back = try Npy.read(path)
            #expect(back.dtype == t.dtype && back.shape == t.shape && back.equal(t.contiguous()))
            let raw = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
            let hlen = Int(raw[8]) | Int(raw[9]) << 8
            #expect((10 + hlen) % 64 == 0 && raw[10 + hlen - 1] == 0x0A)
        }
    }
}
