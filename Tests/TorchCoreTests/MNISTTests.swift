import Foundation
import Testing
import Torch

/// The IDX reader behind `MNIST`, on files written here byte by byte.
@Suite struct MNISTTests {
    func idx(_ shape: [Int], _ values: [UInt8]) -> [UInt8] {
        var bytes: [UInt8] = [0, 0, 0x08, UInt8(shape.count)]
        for d in shape { bytes += [UInt8(d >> 24 & 0xFF), UInt8(d >> 16 & 0xFF), UInt8(d >> 8 & 0xFF), UInt8(d & 0xFF)] }
        return bytes + values
    }

    func folder(_ files: [String: [UInt8]]) throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("mnist-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir + "/raw", withIntermediateDirectories: true)
        for (name, bytes) in files { try Data(bytes).write(to: URL(fileURLWithPath: dir + "/raw/" + name)) }
        return dir
    }

    @Test func readsImagesAndLabels() throws {
        let pixels = (0..<(3 * 4 * 2)).map { UInt8($0 * 10) }
        let dir = try folder(["train-images-idx3-ubyte": idx([3, 4, 2], pixels), "train-labels-idx1-ubyte": idx([3], [7, 0, 9]),
                              "t10k-images-idx3-ubyte": idx([1, 4, 2], Array(pixels.prefix(8))), "t10k-labels-idx1-ubyte": idx([1], [4])])
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let train = try MNIST(root: dir, normalize: false)
        #expect(train.inputs.shape == [3, 1, 4, 2] && train.labels.toArray(of: Int64.self) == [7, 0, 9])
        #expect(train.inputs.toArray(of: Float.self) == pixels.map { Float($0) / 255 })
        let test = try MNIST(root: dir, train: false)
        #expect(test.count == 1 && test.labels.toArray(of: Int64.self) == [4])
        let first: Float = test.inputs.toArray(of: Float.self)[1]
        #expect(Swift.abs(first - (10.0 / 255 - 0.1307) / 0.3081) < 1e-6)
    }

    @Test func rejectsBadFilesNamingThem() throws {
        let good = idx([2, 2, 2], [UInt8](repeating: 1, count: 8))
        let cases: [(String, [UInt8], [UInt8], String)] = [
            ("bad magic", [1, 2, 3, 4] + good.dropFirst(4), idx([2], [1, 2]), "not an IDX file"),
            ("truncated", Array(good.dropLast(3)), idx([2], [1, 2]), "IDX data holds 5 bytes, the header [2, 2, 2] needs 8"),
            ("float type", [0, 0, 0x0D] + good.dropFirst(3), idx([2], [1, 2]), "is not supported"),
            ("count mismatch", good, idx([3], [1, 2, 3]), "3 labels for 2 images"),
        ]
        for (what, images, labels, message) in cases {
            let dir = try folder(["train-images-idx3-ubyte": images, "train-labels-idx1-ubyte": labels])
            defer { try? FileManager.default.removeItem(atPath: dir) }
            do {
                _ = try MNIST(root: dir)
                Issue.record("\(what): no error")
            } catch {
                #expect("\(error)".contains(message), "\(what): \(error)")
                #expect("\(error)".contains(dir), "\(what): the message names the file: \(error)")
            }
        }
        #expect(throws: DataError.self) { _ = try MNIST(root: "/nonexistent-mnist") }
    }
}
