import Foundation
import Testing
import Torch
@testable import TorchSerialization

/// The ZIP64 layout the writer uses above 4 GiB, reached with a zero threshold: every size and offset in ZIP64
/// extra fields and a ZIP64 end record. The readers (and, checked by hand, Python's zipfile and torch.load) accept it.
@Suite struct Zip64Tests {
    @Test(arguments: [false, true])
    func zip64ArchivesReadBack(_ deflated: Bool) throws {
        let tensors: [(String, Tensor)] = [("a", Tensor.arange(0, 12, dtype: .float32).reshape([3, 4])), ("b", Tensor([Int64(-3), 9]))]
        let members = try tensors.map { ($0.0 + ".npy", try Npy.encode($0.1).flatMap { $0 }) }
        let bytes = ZipWriter.archive(members, deflated: deflated, zip64Above: 0)
        #expect(bytes.suffix(22).prefix(4) == [0x50, 0x4B, 5, 6])
        #expect(bytes.contains(0x06) && ZipArchive.hasZip64Record(bytes))
        let back = try Npz.decode(bytes)
        #expect(back.map { $0.0 } == ["a", "b"] && back[0].1.equal(tensors[0].1) && back[1].1.equal(tensors[1].1))
    }

    @Test func zip64TorchCheckpointReadsBack() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("zip64-\(UUID().uuidString).pt").path
        defer { unlink(path) }
        let w = Tensor.randn([4, 3], generator: Generator(seed: 1))
        try TorchCheckpoint.save([("w", w), ("wt", w.t())], to: path)
        let normal = try ZipArchive(try FileIO.read(path), path: path)
        let entries = try normal.entries.map { ($0.name, try normal.contents($0)) }
        let zip64 = ZipWriter.archive(entries, deflated: false, zip64Above: 0)
        let tree = try TorchCheckpoint.decode(zip64)
        let sd = tree.tensors
        #expect(sd.map { $0.0 } == ["w", "wt"] && sd[0].1.equal(w) && sd[1].1.equal(w.t()))
    }
}

extension ZipArchive {
    /// Whether the bytes hold a ZIP64 end-of-central-directory record.
    static func hasZip64Record(_ bytes: [UInt8]) -> Bool {
        (0..<(bytes.count - 3)).contains { bytes[$0] == 0x50 && bytes[$0 + 1] == 0x4B && bytes[$0 + 2] == 6 && bytes[$0 + 3] == 6 }
    }
}
