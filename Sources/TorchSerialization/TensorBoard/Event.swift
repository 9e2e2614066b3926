// MARK: - TensorBoard's Event and Summary messages

/// One record of a TensorBoard event file (`tensorboard.Event`).
public struct TensorBoardEvent: Equatable, Sendable {
    /// Seconds since the epoch.
    public var wallTime: Double
    /// The global step (0 when absent from the bytes).
    public var step: Int64
    /// `brain.Event:2` in a file's first record.
    public var fileVersion: String?
    /// The writer named in the first record's `source_metadata`.
    public var sourceWriter: String?
    /// The summary values.
    public var values: [SummaryValue]

    /// Creates an event.
    /// - Parameters:
    ///   - wallTime: seconds since the epoch.
    ///   - step: the global step.
    ///   - fileVersion: the file version of a first record.
    ///   - sourceWriter: the writer of a first record.
    ///   - values: the summary values.
    public init(wallTime: Double, step: Int64 = 0, fileVersion: String? = nil, sourceWriter: String? = nil, values: [SummaryValue] = []) {
        self.wallTime = wallTime
        self.step = step
        self.fileVersion = fileVersion
        self.sourceWriter = sourceWriter
        self.values = values
    }
}

/// One tagged value of a summary (`Summary.Value`).
public struct SummaryValue: Equatable, Sendable {
    /// The tag.
    public var tag: String
    /// The payload.
    public var kind: Kind
    /// `metadata.plugin_data.plugin_name` (`scalars`, `text`, `hparams`, …).
    public var pluginName: String?
    /// `metadata.plugin_data.content`.
    public var pluginContent: [UInt8]

    /// What a value holds.
    public enum Kind: Equatable, Sendable {
        /// The legacy float scalar (`simple_value`).
        case simpleValue(Float)
        /// An encoded image.
        case image(height: Int, width: Int, colorspace: Int, png: [UInt8])
        /// A histogram.
        case histogram(SummaryHistogram)
        /// A tensor (new-style scalars, text).
        case tensor(SummaryTensor)
        /// Nothing but metadata (the hparams plugin's summaries).
        case metadataOnly
    }

    /// Creates a value.
    /// - Parameters:
    ///   - tag: the tag.
    ///   - kind: the payload.
    ///   - pluginName: the plugin that reads it.
    ///   - pluginContent: the plugin's data.
    public init(tag: String, kind: Kind, pluginName: String? = nil, pluginContent: [UInt8] = []) {
        self.tag = tag
        self.kind = kind
        self.pluginName = pluginName
        self.pluginContent = pluginContent
    }
}

/// `HistogramProto`: bucket `i` counts values in `[bucketLimit[i − 1], bucketLimit[i])`, the first open below.
public struct SummaryHistogram: Equatable, Sendable {
    /// The smallest value.
    public var min: Double
    /// The largest value.
    public var max: Double
    /// How many values.
    public var num: Double
    /// Their sum.
    public var sum: Double
    /// The sum of their squares.
    public var sumSquares: Double
    /// Upper bucket edges.
    public var bucketLimit: [Double]
    /// Bucket counts.
    public var bucket: [Double]
}

/// TensorFlow's `TensorProto`, as far as summaries use it.
public struct SummaryTensor: Equatable, Sendable {
    /// `DT_FLOAT` 1, `DT_DOUBLE` 2, `DT_INT32` 3, `DT_STRING` 7, `DT_INT64` 9.
    public var dtype: Int
    /// The shape (empty for a scalar).
    public var shape: [Int64]
    /// `float_val`.
    public var floatVal: [Float] = []
    /// `double_val`.
    public var doubleVal: [Double] = []
    /// `string_val`.
    public var stringVal: [[UInt8]] = []
}

extension TensorBoardEvent {
    /// The protobuf bytes (fields in number order, zero values left out, as protobuf writes them).
    var encoded: [UInt8] {
        var w = ProtoWriter()
        w.double(1, wallTime)
        if step != 0 { w.int(2, step) }
        if let fileVersion { w.string(3, fileVersion) }
        if !values.isEmpty {
            w.message(5) { s in
                for v in values { s.message(1) { v.encode(into: &$0) } }
            }
        }
        if let sourceWriter { w.message(10) { $0.string(1, sourceWriter) } }
        return w.bytes
    }

    /// Decodes one event.
    static func decode(_ bytes: [UInt8]) throws -> TensorBoardEvent {
        var event = TensorBoardEvent(wallTime: 0)
        for f in try ProtoReader.fields(bytes) {
            switch f.number {
            case 1: event.wallTime = f.double ?? 0
            case 2: event.step = f.int ?? 0
            case 3: event.fileVersion = f.string
            case 5:
                for value in try ProtoReader.fields(f.data ?? []) where value.number == 1 {
                    event.values.append(try SummaryValue.decode(value.data ?? []))
                }
            case 10: event.sourceWriter = try ProtoReader.fields(f.data ?? []).first { $0.number == 1 }?.string
            default: continue
            }
        }
        return event
    }
}

extension SummaryValue {
    func encode(into w: inout ProtoWriter) {
        w.string(1, tag)
        switch kind {
        case .simpleValue(let v): w.float(2, v)
        case .image(let h, let width, let colorspace, let png):
            w.message(4) { m in
                m.int(1, Int64(h))
                m.int(2, Int64(width))
                m.int(3, Int64(colorspace))
                m.bytes(4, png)
            }
        case .histogram(let h):
            w.message(5) { m in
                if h.min != 0 { m.double(1, h.min) }
                if h.max != 0 { m.double(2, h.max) }
                if h.num != 0 { m.double(3, h.num) }
                if h.sum != 0 { m.double(4, h.sum) }
                if h.sumSquares != 0 { m.double(5, h.sumSquares) }
                if !h.bucketLimit.isEmpty { m.packedDoubles(6, h.bucketLimit) }
                if !h.bucket.isEmpty { m.packedDoubles(7, h.bucket) }
            }
        case .tensor(let t):
            w.message(8) { m in
                m.int(1, Int64(t.dtype))
                if !t.shape.isEmpty { m.message(2) { s in for d in t.shape { s.message(2) { $0.int(1, d) } } } }
                if !t.floatVal.isEmpty { m.packedFloats(5, t.floatVal) }
                if !t.doubleVal.isEmpty { m.packedDoubles(6, t.doubleVal) }
                for s in t.stringVal { m.bytes(8, s) }
            }
        case .metadataOnly: break
        }
        if let pluginName {
            w.message(9) { m in
                m.message(1) { p in
                    p.string(1, pluginName)
                    if !pluginContent.isEmpty { p.bytes(2, pluginContent) }
                }
            }
        }
    }

    static func decode(_ bytes: [UInt8]) throws -> SummaryValue {
        var value = SummaryValue(tag: "", kind: .metadataOnly)
        for f in try ProtoReader.fields(bytes) {
            switch f.number {
            case 1: value.tag = f.string ?? ""
            case 2: value.kind = .simpleValue(f.float ?? 0)
            case 4:
                var h = 0, w = 0, c = 0, png: [UInt8] = []
                for m in try ProtoReader.fields(f.data ?? []) {
                    switch m.number {
                    case 1: h = Int(m.int ?? 0)
                    case 2: w = Int(m.int ?? 0)
                    case 3: c = Int(m.int ?? 0)
                    case 4: png = m.data ?? []
                    default: continue
                    }
                }
                value.kind = .image(height: h, width: w, colorspace: c, png: png)
            case 5:
                let m = try ProtoReader.fields(f.data ?? [])
                func d(_ n: Int) -> Double { m.last { $0.number == n }?.double ?? 0 }
                value.kind = .histogram(SummaryHistogram(min: d(1), max: d(2), num: d(3), sum: d(4), sumSquares: d(5),
                                                         bucketLimit: try ProtoReader.doubles(m, 6), bucket: try ProtoReader.doubles(m, 7)))
            case 8:
                let m = try ProtoReader.fields(f.data ?? [])
                var t = SummaryTensor(dtype: Int(m.last { $0.number == 1 }?.int ?? 0), shape: [])
                if let shape = m.last(where: { $0.number == 2 })?.data {
                    t.shape = try ProtoReader.fields(shape).filter { $0.number == 2 }.map { dim in
                        try ProtoReader.fields(dim.data ?? []).last { $0.number == 1 }?.int ?? 0
                    }
                }
                t.floatVal = try ProtoReader.floats(m, 5)
                t.doubleVal = try ProtoReader.doubles(m, 6)
                t.stringVal = m.filter { $0.number == 8 }.compactMap { $0.data }
                value.kind = .tensor(t)
            case 9:
                for m in try ProtoReader.fields(f.data ?? []) where m.number == 1 {
                    for p in try ProtoReader.fields(m.data ?? []) {
                        if p.number == 1 { value.pluginName = p.string }
                        if p.number == 2 { value.pluginContent = p.data ?? [] }
                    }
                }
            default: continue
            }
        }
        return value
    }
}

/// Reading TensorBoard event files (for checks and `swifttorch inspect`).
public enum EventFile {
    /// Every event of a file, checking the framing and both CRCs of every record.
    /// - Parameter path: the event file.
    /// - Throws: ``SerializationError`` naming the record that is truncated, fails its CRC or is not an Event.
    public static func read(_ path: String) throws -> [TensorBoardEvent] {
        try decode(try FileIO.read(path), path: path)
    }

    /// Decodes the bytes of an event file.
    /// - Parameters:
    ///   - bytes: the file.
    ///   - path: the name used in errors.
    public static func decode(_ bytes: [UInt8], path: String = "<memory>") throws -> [TensorBoardEvent] {
        try TFRecord.records(bytes, path: path).enumerated().map { i, payload in
            do {
                return try TensorBoardEvent.decode(payload)
            } catch {
                throw SerializationError.invalidFormat(path: path, reason: "record \(i) is not an Event: \(error)")
            }
        }
    }
}
