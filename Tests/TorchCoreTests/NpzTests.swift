import Foundation
import Testing
import Torch
import _TestSupport
@testable import TorchSerialization

/// .npz against the archives NumPy wrote (stored and deflated), round trips, corrupt archives, and
/// `Torch.load`/`Module.loadStateDict(from:)` choosing the reader from the extension.
@Suite struct NpzTests {
    static let folder = sharedFolder() + "/fixtures/numpy"

    func tempPath(_ name: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("npz-\(UUID().uuidString)-\(name)").path
    }

    func check(_ arrays: [(String, Tensor)]) {
        #expect(arrays.map { $0.0 } == ["weights", "labels", "mask"])
        #expect(arrays[0].1.dtype == .float32 && arrays[0].1.shape == [2, 3])
        #expect(arrays[0].1.toArray(of: Float.self) == [0, 0.125, 0.25, 0.375, 0.5, 0.625])
        #expect(arrays[1].1.dtype == .int64 && arrays[1].1.toArray(of: Int64.self) == [3, 1, 4, 1, 5])
        #expect(arrays[2].1.dtype == .bool && arrays[2].1.toArray(of: Bool.self) == [true, false])
    }

    @Test(arguments: ["arrays_stored.npz", "arrays_compressed.npz"])
    func readsNumPysArchives(_ name: String) throws {
        check(try Npz.read(Self.folder + "/" + name))
        check(try Torch.load(from: Self.folder + "/" + name))
    }

    @Test(arguments: [false, true])
    func roundTrips(_ compressed: Bool) throws {
        let arrays: [(String, Tensor)] = [
            ("w", Tensor.randn([3, 4], generator: Generator(seed: 1))), ("h", Tensor.arange(0, 6, dtype: .float16).reshape([2, 3])),
            ("i", Tensor([Int32(-7), 8])), ("t", Tensor.randn([2, 3], dtype: .float64, generator: Generator(seed: 2)).t()),
            ("e", Tensor.zeros([0, 2])), ("s", Tensor(scalar: UInt8(9))),
        ]
        let path = tempPath("a.npz")
        defer { unlink(path) }
        try Npz.write(arrays, to: path, compressed: compressed)
        let back = try Npz.read(path)
        #expect(back.map { $0.0 } == arrays.map { $0.0 })
        for ((_, a), (name, b)) in zip(arrays, back) {
            #expect(a.dtype == b.dtype && a.shape == b.shape && a.equal(b), "\(name)")
        }
        let stored = try Data(contentsOf: URL(fileURLWithPath: path)).count
        #expect(compressed ? stored < 1200 : stored > 700, "\(stored) bytes")
    }

    @Test func corruptArchivesAreRefused() throws {
        let raw = [UInt8](try Data(contentsOf: URL(fileURLWithPath: Self.folder + "/arrays_compressed.npz")))
        var flipped = raw
        flipped[100] ^= 0x55  // inside the first deflated member (its data starts after a 20-byte ZIP64 extra field)
        #expect(throws: SerializationError.self) { try Npz.decode(flipped) }
        #expect(throws: SerializationError.self) { try Npz.decode(Array(raw.prefix(raw.count - 30))) }
        // A central directory that claims 4 GiB for the first member: refused before allocating.
        var bomb = raw
        let cd = (0..<(bomb.count - 4)).last { bomb[$0] == 0x50 && bomb[$0 + 1] == 0x4B && bomb[$0 + 2] == 1 && bomb[$0 + 3] == 2 }!
        let first = (0..<cd).first { bomb[$0] == 0x50 && bomb[$0 + 1] == 0x4B && bomb[$0 + 2] == 1 && bomb[$0 + 3] == 2 }!
        for k in 0..<4 { bomb[first + 24 + k] = 0xFE }
        do {
            _ = try Npz.decode(bomb)
            Issue.record("a 4 GiB claim was accepted")
        } catch {
            #expect("\(error)".contains("claims"), "\(error)")
        }
        // An object array inside an archive is refused like a plain .npy one.
        let objectNpy = [UInt8](try Data(contentsOf: URL(fileURLWithPath: Self.folder + "/object_must_refuse.npy")))
        let path = tempPath("obj.npz")
        defer { unlink(path) }
        try Data(ZipWriter.stored([("bad.npy", objectNpy)])).write(to: URL(fileURLWithPath: path))
        #expect(throws: SerializationError.self) { try Npz.read(path) }
    }

    @Test func loadStateDictFromAnyFormat() throws {
        let model = Sequential {
            Linear(3, 4)
            ReLU()
            Linear(4, 2)
        }
        let sd = model.stateDict().map { ($0.key, $0.value) }
        for ext in ["pt", "safetensors", "npz"] {
            let path = tempPath("m." + ext)
            defer { unlink(path) }
            try Torch.save(sd, to: path)
            let other = Sequential {
                Linear(3, 4)
                ReLU()
                Linear(4, 2)
            }
            try other.loadStateDict(from: path)
            for ((k, a), (_, b)) in zip(model.stateDict(), other.stateDict()) { #expect(a.equal(b), "\(ext): \(k)") }
        }
    }
}
