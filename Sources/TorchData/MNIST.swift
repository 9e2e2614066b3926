import TorchCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// MNIST (and Fashion-MNIST, which uses the same files) from the IDX files in a folder, raw or gzip-compressed
/// (`torchvision.datasets.MNIST` without the download): images `[N, 1, 28, 28]` float32 scaled to [0, 1] (and
/// normalised with MNIST's mean 0.1307 and std 0.3081 unless `normalize` is false), labels int64.
public struct MNIST: Dataset {
    /// The images `[N, 1, H, W]`.
    public let inputs: Tensor
    /// The labels `[N]`.
    public let labels: Tensor
    /// The number of samples.
    public var count: Int { labels.shape[0] }

    /// Reads the training or test split.
    /// - Parameters:
    ///   - root: the folder holding `train-images-idx3-ubyte[.gz]` etc. (also looked up under `raw/` and
    ///     `MNIST/raw/`, torchvision's layout).
    ///   - train: the 60 000-image training split, or the 10 000-image test split.
    ///   - normalize: subtract 0.1307 and divide by 0.3081 after scaling to [0, 1].
    /// - Throws: ``DataError`` naming the file when one is missing, truncated or not an IDX file of bytes.
    public init(root: String, train: Bool = true, normalize: Bool = true) throws {
        let prefix = train ? "train" : "t10k"
        let imagesPath = try Self.locate(root, "\(prefix)-images-idx3-ubyte")
        let labelsPath = try Self.locate(root, "\(prefix)-labels-idx1-ubyte")
        let images = try Self.readIDX(imagesPath)
        let labels = try Self.readIDX(labelsPath)
        guard images.shape.count == 3 else {
            throw DataError.io(path: imagesPath, reason: "expected a 3-D IDX array of images, got shape \(images.shape)")
        }
        guard labels.shape.count == 1 else {
            throw DataError.io(path: labelsPath, reason: "expected a 1-D IDX array of labels, got shape \(labels.shape)")
        }
        guard images.shape[0] == labels.shape[0] else {
            throw DataError.io(path: labelsPath, reason: "\(labels.shape[0]) labels for \(images.shape[0]) images in \(imagesPath)")
        }
        let n = images.shape[0], h = images.shape[1], w = images.shape[2]
        var pixels = images.values.map { Float($0) / 255 }
        if normalize { pixels = pixels.map { ($0 - 0.1307) / 0.3081 } }
        inputs = Tensor(pixels, shape: [n, 1, h, w])
        self.labels = Tensor(labels.values.map { Int64($0) }, shape: [n])
    }

    /// The sample at `index`.
    /// - Parameter index: the position.
    public func sample(_ index: Int) -> (input: Tensor, target: Tensor) { (inputs[index], labels[index]) }

    /// Rows gathered with `indexSelect`.
    /// - Parameter indices: the positions.
    public func batch(_ indices: [Int]) -> (input: Tensor, target: Tensor)? {
        let idx = Tensor(indices.map { Int64($0) }, shape: [indices.count])
        return (inputs.indexSelect(0, idx), labels.indexSelect(0, idx))
    }

    /// The path of `name` or `name.gz` under `root`, `root/raw` or `root/MNIST/raw`.
    static func locate(_ root: String, _ name: String) throws -> String {
        for dir in [root, root + "/raw", root + "/MNIST/raw"] {
            for candidate in [dir + "/" + name, dir + "/" + name + ".gz"] where access(candidate, R_OK) == 0 { return candidate }
        }
        throw DataError.io(path: root + "/" + name, reason: "not found (also looked for .gz and under raw/ and MNIST/raw/)")
    }

    /// Reads an IDX file (raw or gzip).
    static func readIDX(_ path: String) throws -> (shape: [Int], values: ArraySlice<UInt8>) {
        try decodeIDX(try CSVDataset.readMaybeGzip(path), path: path)
    }

    /// Decodes an IDX file of unsigned bytes: magic `00 00 08 d`, then `d` big-endian 32-bit sizes, then the data.
    /// - Parameters:
    ///   - bytes: the file's bytes.
    ///   - path: the name used in errors.
    /// - Throws: ``DataError`` when the magic, type, sizes or data length are wrong.
    public static func decodeIDX(_ bytes: [UInt8], path: String = "<memory>") throws -> (shape: [Int], values: ArraySlice<UInt8>) {
        guard bytes.count >= 4, bytes[0] == 0, bytes[1] == 0 else {
            throw DataError.io(path: path, reason: "not an IDX file (bad magic number)")
        }
        guard bytes[2] == 0x08 else {
            throw DataError.io(path: path, reason: "IDX element type 0x\(String(bytes[2], radix: 16)) is not supported (only unsigned bytes, 0x08)")
        }
        let dims = Int(bytes[3])
        guard dims >= 1, bytes.count >= 4 + 4 * dims else { throw DataError.io(path: path, reason: "truncated IDX header (\(dims) dimensions)") }
        var shape: [Int] = []
        for d in 0..<dims {
            let o = 4 + 4 * d
            shape.append(Int(bytes[o]) << 24 | Int(bytes[o + 1]) << 16 | Int(bytes[o + 2]) << 8 | Int(bytes[o + 3]))
        }
        var expected = 1
        for d in shape {
            let (m, overflow) = expected.multipliedReportingOverflow(by: d)
            guard !overflow else { throw DataError.io(path: path, reason: "IDX sizes \(shape) overflow") }
            expected = m
        }
        let start = 4 + 4 * dims
        guard bytes.count - start == expected else {
            throw DataError.io(path: path, reason: "IDX data holds \(bytes.count - start) bytes, the header \(shape) needs \(expected)")
        }
        return (shape, bytes[start...])
    }
}
