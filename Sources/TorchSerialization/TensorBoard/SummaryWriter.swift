import Synchronization
import TorchCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes TensorBoard event files (`torch.utils.tensorboard.SummaryWriter`): scalars, histograms, images, text
/// and hyperparameters, with PyTorch's file naming and folder layout.
///
/// Every event is appended and flushed at once, so TensorBoard (which reloads growing files) always sees
/// whole records. Writes that fail throw ``SerializationError`` naming the file.
public final class SummaryWriter {
    /// The run folder (`runs/<Mon><DD>_<HH>-<MM>-<SS>_<host><comment>` by default).
    public let logDir: String
    /// The event file being written.
    public var path: String { main.path }
    let main: EventFileWriter
    let filenameSuffix: String
    var scalarWriters: [String: EventFileWriter] = [:]
    var closed = false

    /// Creates the folder and the event file, and writes its first record (`brain.Event:2`).
    /// - Parameters:
    ///   - logDir: the run folder; by default `runs/<date>_<host><comment>` as PyTorch names it.
    ///   - comment: appended to the default folder name.
    ///   - filenameSuffix: appended to the event file's name.
    ///   - createdAt: the wall time of the first record and of the file name (now when nil).
    public init(logDir: String? = nil, comment: String = "", filenameSuffix: String = "", createdAt: Double? = nil) throws {
        self.logDir = logDir ?? "runs/" + Self.dateStamp() + "_" + Self.hostname() + comment
        self.filenameSuffix = filenameSuffix
        main = try EventFileWriter(folder: self.logDir, suffix: filenameSuffix, createdAt: createdAt ?? Self.now())
    }

    deinit { try? close() }

    /// Seconds since the epoch.
    static func now() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_REALTIME, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
    }

    static func hostname() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "localhost" }
        return buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    }

    /// Local time as `Dec01_19-30-05` (`%b%d_%H-%M-%S`).
    static func dateStamp() -> String {
        var t = time(nil)
        var parts = tm()
        localtime_r(&t, &parts)
        var buffer = [CChar](repeating: 0, count: 64)
        let n = strftime(&buffer, buffer.count, "%b%d_%H-%M-%S", &parts)
        return String(decoding: buffer.prefix(n).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    func write(_ values: [SummaryValue], step: Int?, walltime: Double?, to writer: EventFileWriter? = nil) throws {
        precondition(!closed, "SummaryWriter: the writer for \(logDir) is closed")
        let event = TensorBoardEvent(wallTime: walltime ?? Self.now(), step: Int64(step ?? 0), values: values)
        try (writer ?? main).append(event)
    }

    /// Logs a scalar (`add_scalar`), as the legacy float `simple_value` or, with `newStyle`, as a tensor for the
    /// scalars plugin (float64 with `doublePrecision`).
    /// - Parameters:
    ///   - tag: the series name (`loss/train`).
    ///   - value: the value.
    ///   - globalStep: the step (0 when nil).
    ///   - walltime: seconds since the epoch (now when nil).
    ///   - newStyle: write a `scalars` plugin tensor instead of `simple_value`.
    ///   - doublePrecision: with `newStyle`, keep the value as a double.
    public func addScalar(_ tag: String, _ value: Double, globalStep: Int? = nil, walltime: Double? = nil, newStyle: Bool = false,
                          doublePrecision: Bool = false) throws {
        try write([Self.scalar(tag, value, newStyle: newStyle, doublePrecision: doublePrecision)], step: globalStep, walltime: walltime)
    }

    static func scalar(_ tag: String, _ value: Double, newStyle: Bool, doublePrecision: Bool) -> SummaryValue {
        guard newStyle else { return SummaryValue(tag: tag, kind: .simpleValue(Float(value))) }
        let tensor = doublePrecision ? SummaryTensor(dtype: 2, shape: [], doubleVal: [value]) : SummaryTensor(dtype: 1, shape: [], floatVal: [Float(value)])
        return SummaryValue(tag: tag, kind: .tensor(tensor), pluginName: "scalars")
    }

    /// Logs several scalars in one chart (`add_scalars`): each goes to its own run folder
    /// `<logDir>/<mainTag with / as _>_<tag>` under the tag `mainTag`, as PyTorch does.
    /// - Parameters:
    ///   - mainTag: the chart's name.
    ///   - values: the series and their values, in order.
    ///   - globalStep: the step (0 when nil).
    ///   - walltime: seconds since the epoch (now when nil).
    public func addScalars(_ mainTag: String, _ values: KeyValuePairs<String, Double>, globalStep: Int? = nil, walltime: Double? = nil) throws {
        let time = walltime ?? Self.now()
        for (tag, value) in values {
            let folder = logDir + "/" + mainTag.replacingSlashes + "_" + tag
            let writer: EventFileWriter
            if let w = scalarWriters[folder] {
                writer = w
            } else {
                writer = try EventFileWriter(folder: folder, suffix: filenameSuffix, createdAt: Self.now())
                scalarWriters[folder] = writer
            }
            try write([Self.scalar(mainTag, value, newStyle: false, doublePrecision: false)], step: globalStep, walltime: time, to: writer)
        }
    }

    /// Logs the distribution of a tensor's values (`add_histogram`).
    /// - Parameters:
    ///   - tag: the name.
    ///   - values: any non-empty tensor of numbers.
    ///   - globalStep: the step (0 when nil).
    ///   - bins: TensorFlow's exponential buckets (the default) or equal-width bins.
    ///   - walltime: seconds since the epoch (now when nil).
    public func addHistogram(_ tag: String, _ values: Tensor, globalStep: Int? = nil, bins: HistogramBins = .tensorflow,
                             walltime: Double? = nil) throws {
        let flat = values.detach().contiguous().reshape([-1]).toArray(of: Double.self)
        try write([SummaryValue(tag: tag, kind: .histogram(try HistogramBins.histogram(flat, bins: bins, tag: tag)))], step: globalStep, walltime: walltime)
    }

    /// Logs an image as PNG (`add_image`): floating-point values are taken as [0, 1] and scaled by 255,
    /// `uint8` as they are; one channel becomes grey RGB, three RGB, four RGBA.
    /// - Parameters:
    ///   - tag: the name.
    ///   - image: `[C, H, W]` (`"CHW"`), `[H, W, C]` (`"HWC"`) or `[H, W]` (`"HW"`).
    ///   - globalStep: the step (0 when nil).
    ///   - walltime: seconds since the epoch (now when nil).
    ///   - dataformats: the layout of `image`.
    public func addImage(_ tag: String, _ image: Tensor, globalStep: Int? = nil, walltime: Double? = nil, dataformats: String = "CHW") throws {
        var hwc: Tensor
        switch dataformats {
        case "CHW":
            precondition(image.rank == 3, "addImage: dataformats CHW needs a 3-D tensor, got \(image.shape)")
            hwc = image.permute(1, 2, 0)
        case "HWC":
            precondition(image.rank == 3, "addImage: dataformats HWC needs a 3-D tensor, got \(image.shape)")
            hwc = image
        case "HW":
            precondition(image.rank == 2, "addImage: dataformats HW needs a 2-D tensor, got \(image.shape)")
            hwc = image.unsqueeze(2)
        default:
            preconditionFailure("addImage: dataformats must be CHW, HWC or HW (got \(dataformats))")
        }
        if hwc.shape[2] == 1 { hwc = hwc.expand([hwc.shape[0], hwc.shape[1], 3]) }
        let (h, w, c) = (hwc.shape[0], hwc.shape[1], hwc.shape[2])
        precondition(c == 3 || c == 4, "addImage: expected 1, 3 or 4 channels, got \(c)")
        // PyTorch's conversion: float32(x · 255) clipped to [0, 255], then truncated to uint8.
        let scale: Float = image.dtype == .uint8 ? 1 : 255
        let pixels = hwc.detach().contiguous().toArray(of: Float.self).map { v -> UInt8 in
            let s = v * scale
            return s.isNaN ? 0 : UInt8(Swift.min(Swift.max(s, 0), 255))
        }
        try write([SummaryValue(tag: tag, kind: .image(height: h, width: w, colorspace: c, png: PNG.encode(pixels, width: w, height: h, channels: c)))],
                  step: globalStep, walltime: walltime)
    }

    /// Logs text, shown by TensorBoard's text plugin (`add_text`; the tag becomes `<tag>/text_summary`).
    /// - Parameters:
    ///   - tag: the name.
    ///   - text: the text (Markdown).
    ///   - globalStep: the step (0 when nil).
    ///   - walltime: seconds since the epoch (now when nil).
    public func addText(_ tag: String, _ text: String, globalStep: Int? = nil, walltime: Double? = nil) throws {
        let tensor = SummaryTensor(dtype: 7, shape: [1], stringVal: [Array(text.utf8)])
        try write([SummaryValue(tag: tag + "/text_summary", kind: .tensor(tensor), pluginName: "text")], step: globalStep, walltime: walltime)
    }

    /// Logs a run's hyperparameters and final metrics for TensorBoard's HParams tab (`add_hparams`), in the
    /// sub-run `<logDir>/<runName>` (the current time when nil): the experiment, session start and end
    /// summaries, then each metric as a scalar.
    /// - Parameters:
    ///   - hparams: names and values.
    ///   - metrics: names and values.
    ///   - runName: the sub-run's folder name.
    ///   - globalStep: the step (0 when nil).
    public func addHparams(_ hparams: KeyValuePairs<String, HParamValue>, metrics: KeyValuePairs<String, Double>, runName: String? = nil,
                           globalStep: Int? = nil) throws {
        let run = try SummaryWriter(logDir: logDir + "/" + (runName ?? String(Self.now())))
        defer { try? run.close() }
        for value in HParams.summaries(hparams, metrics: metrics.map { $0.key }) {
            try run.write([value], step: globalStep, walltime: nil)
        }
        for (k, v) in metrics { try run.addScalar(k, v, globalStep: globalStep) }
    }

    /// Pushes buffered events to the operating system.
    public func flush() throws {
        try main.flush()
        for w in scalarWriters.values { try w.flush() }
    }

    /// Flushes and closes every file; later writes stop the program.
    public func close() throws {
        guard !closed else { return }
        closed = true
        try main.close()
        for w in scalarWriters.values { try w.close() }
    }
}

/// A hyperparameter value for ``SummaryWriter/addHparams(_:metrics:runName:globalStep:)``.
public enum HParamValue: Sendable, ExpressibleByFloatLiteral, ExpressibleByIntegerLiteral, ExpressibleByStringLiteral, ExpressibleByBooleanLiteral {
    /// A number (TensorBoard's FLOAT64).
    case number(Double)
    /// A string.
    case string(String)
    /// A boolean.
    case bool(Bool)

    /// A number.
    public init(floatLiteral value: Double) { self = .number(value) }
    /// A number.
    public init(integerLiteral value: Int) { self = .number(Double(value)) }
    /// A string.
    public init(stringLiteral value: String) { self = .string(value) }
    /// A boolean.
    public init(booleanLiteral value: Bool) { self = .bool(value) }
}

/// One event file: `events.out.tfevents.<10-digit time>.<host>.<pid>.<n><suffix>`, its first record written and
/// flushed on creation.
final class EventFileWriter {
    static let counter = Atomic<Int>(0)
    let path: String
    private var file: UnsafeMutablePointer<FILE>?

    init(folder: String, suffix: String, createdAt: Double) throws {
        try makeDirectories(folder)
        let n = Self.counter.wrappingAdd(1, ordering: .relaxed).oldValue
        let stamp = String(Int(createdAt))
        let name = "events.out.tfevents." + String(repeating: "0", count: Swift.max(0, 10 - stamp.count)) + stamp
            + ".\(SummaryWriter.hostname()).\(getpid()).\(n)\(suffix)"
        path = folder + "/" + name
        guard let f = fopen(path, "ab") else { throw SerializationError.io(path: path, reason: "cannot create: \(FileIO.errnoText())") }
        file = f
        try append(TensorBoardEvent(wallTime: createdAt, fileVersion: "brain.Event:2",
                                    sourceWriter: "tensorboard.summary.writer.event_file_writer"))
    }

    deinit { if let file { fclose(file) } }

    func append(_ event: TensorBoardEvent) throws {
        guard let file else { throw SerializationError.io(path: path, reason: "the event file is closed") }
        let bytes = TFRecord.frame(event.encoded)
        guard fwrite(bytes, 1, bytes.count, file) == bytes.count, fflush(file) == 0 else {
            throw SerializationError.io(path: path, reason: "write failed: \(FileIO.errnoText())")
        }
    }

    func flush() throws {
        guard let file else { return }
        guard fflush(file) == 0 else { throw SerializationError.io(path: path, reason: "flush failed: \(FileIO.errnoText())") }
    }

    func close() throws {
        guard let f = file else { return }
        file = nil
        guard fclose(f) == 0 else { throw SerializationError.io(path: path, reason: "close failed: \(FileIO.errnoText())") }
    }
}

extension String {
    var replacingSlashes: String { String(map { $0 == "/" ? "_" : $0 }) }
}
