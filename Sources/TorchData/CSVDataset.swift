import CZlib
import TorchCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Errors from reading data files.
public enum DataError: Error, CustomStringConvertible {
    /// The file could not be read or decompressed.
    case io(path: String, reason: String)
    /// The contents are not a numeric table of the expected form.
    case badTable(path: String, line: Int, reason: String)

    /// A one-line message naming the file (and line).
    public var description: String {
        switch self {
        case .io(let path, let reason): return "\(path): \(reason)"
        case .badTable(let path, let line, let reason): return "\(path):\(line): \(reason)"
        }
    }
}

/// A numeric CSV/TSV table (optionally gzip-compressed) as a classification data set: one column holds the
/// integer class label, the others the features, optionally reshaped to an image shape.
public struct CSVDataset: Dataset {
    /// Features `[rows, …]` (float32).
    public let inputs: Tensor
    /// Class indices `[rows]` (int64).
    public let labels: Tensor
    /// Number of classes (largest label + 1).
    public let classCount: Int

    /// Reads a table.
    /// - Parameters:
    ///   - path: a `.csv`, `.tsv` or `.gz` file. A first line that is not numeric is taken as a header.
    ///   - labelColumn: the label column (negative counts from the end).
    ///   - featureShape: the shape of one sample's features (e.g. `[1, 8, 8]`); flat when nil.
    ///   - normalize: divide features by the largest absolute value in the table.
    /// - Throws: ``DataError`` naming the file and line of a problem.
    public init(path: String, labelColumn: Int = -1, featureShape: [Int]? = nil, normalize: Bool = true) throws {
        let bytes = try CSVDataset.readMaybeGzip(path)
        let text = String(decoding: bytes, as: UTF8.self)
        var features: [Float] = []
        var labels: [Int64] = []
        var columns = -1
        var lineNumber = 0
        for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            let line = raw.hasSuffix("\r") ? raw.dropLast() : raw
            if line.isEmpty { continue }
            let separator: Character = line.contains("\t") ? "\t" : ","
            let fields = line.split(separator: separator, omittingEmptySubsequences: false)
            let values = fields.map { Double($0.trimmingCharacters()) }
            if values.contains(where: { $0 == nil }) {
                if lineNumber == 1 { continue }  // a header
                throw DataError.badTable(path: path, line: lineNumber, reason: "non-numeric field")
            }
            if columns < 0 { columns = fields.count }
            guard fields.count == columns else {
                throw DataError.badTable(path: path, line: lineNumber, reason: "\(fields.count) fields, expected \(columns)")
            }
            let lc = labelColumn < 0 ? columns + labelColumn : labelColumn
            guard lc >= 0 && lc < columns else { throw DataError.badTable(path: path, line: lineNumber, reason: "label column \(labelColumn) out of range") }
            let label = values[lc]!
            guard label >= 0, label == label.rounded(), label < 1e6 else {
                throw DataError.badTable(path: path, line: lineNumber, reason: "label \(label) is not a class index")
            }
            labels.append(Int64(label))
            for (i, v) in values.enumerated() where i != lc { features.append(Float(v!)) }
        }
        guard !labels.isEmpty else { throw DataError.badTable(path: path, line: lineNumber, reason: "no data rows") }
        let perRow = columns - 1
        var sampleShape = [perRow]
        if let featureShape {
            guard featureShape.reduce(1, *) == perRow else {
                throw DataError.badTable(path: path, line: 1, reason: "feature shape \(featureShape) does not hold \(perRow) values")
            }
            sampleShape = featureShape
        }
        var x = Tensor(features, shape: [labels.count] + sampleShape)
        if normalize {
            let m = x.abs().max().item()
            if m > 0 { x = x / m }
        }
        inputs = x
        self.labels = Tensor(labels, shape: [labels.count])
        classCount = Int(labels.max()!) + 1
    }

    /// The number of samples.
    public var count: Int { labels.shape[0] }
    /// The sample at `index`.
    /// - Parameter index: the position.
    public func sample(_ index: Int) -> (input: Tensor, target: Tensor) { (inputs[index], labels[index]) }
    /// Rows gathered with `indexSelect`.
    /// - Parameter indices: the positions.
    public func batch(_ indices: [Int]) -> (input: Tensor, target: Tensor)? {
        let idx = Tensor(indices.map { Int64($0) }, shape: [indices.count])
        return (inputs.indexSelect(0, idx), labels.indexSelect(0, idx))
    }

    /// The file's bytes, gunzipped when they start with the gzip magic.
    static func readMaybeGzip(_ path: String) throws -> [UInt8] {
        guard let f = fopen(path, "rb") else { throw DataError.io(path: path, reason: "cannot open: \(String(cString: strerror(errno)))") }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = fread(&chunk, 1, chunk.count, f)
            if n > 0 { bytes.append(contentsOf: chunk[0..<n]) }
            if n < chunk.count { break }
        }
        fclose(f)
        guard bytes.count >= 2, bytes[0] == 0x1F, bytes[1] == 0x8B else { return bytes }
        return try gunzip(bytes, path: path)
    }

    /// Inflates a gzip stream with zlib, bounding the output at 1 GiB.
    static func gunzip(_ input: [UInt8], path: String) throws -> [UInt8] {
        var stream = z_stream()
        guard inflateInit2_(&stream, 16 + MAX_WBITS, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw DataError.io(path: path, reason: "zlib initialisation failed")
        }
        defer { inflateEnd(&stream) }
        var output: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        var input = input
        var status: Int32 = Z_OK
        input.withUnsafeMutableBufferPointer { inBuf in
            stream.next_in = inBuf.baseAddress
            stream.avail_in = uInt(inBuf.count)
            repeat {
                buffer.withUnsafeMutableBufferPointer { outBuf in
                    stream.next_out = outBuf.baseAddress
                    stream.avail_out = uInt(outBuf.count)
                    status = inflate(&stream, Z_NO_FLUSH)
                    output.append(contentsOf: outBuf[0..<(outBuf.count - Int(stream.avail_out))])
                }
            } while status == Z_OK && output.count < 1 << 30
        }
        guard status == Z_STREAM_END else { throw DataError.io(path: path, reason: "corrupt or truncated gzip data (zlib status \(status))") }
        return output
    }
}

extension Substring {
    func trimmingCharacters() -> String {
        var s = self
        while s.first == " " { s = s.dropFirst() }
        while s.last == " " { s = s.dropLast() }
        return String(s)
    }
}
