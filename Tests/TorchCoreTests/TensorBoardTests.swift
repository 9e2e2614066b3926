import Testing
import Torch
import _TestSupport
#if canImport(Glibc)
import Glibc
#endif

/// SummaryWriter against the event files PyTorch's SummaryWriter wrote (`shared/fixtures/tensorboard`), byte for
/// byte, and the event reader against them.
@Suite struct TensorBoardTests {
    static let fixtures = sharedFolder() + "/fixtures/tensorboard/"
    static let t0 = 1_700_000_000.0

    func folder() -> String { temporaryFolder("swifttorch-tb") }

    func bytes(_ path: String) throws -> [UInt8] {
        guard let f = fopen(path, "rb") else { throw SerializationError.io(path: path, reason: "cannot open") }
        defer { fclose(f) }
        var out: [UInt8] = [], buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = fread(&buffer, 1, buffer.count, f)
            if n <= 0 { break }
            out += buffer[0..<n]
        }
        return out
    }

    @Test func scalarsFileIsByteIdenticalToPyTorchs() throws {
        let w = try SummaryWriter(logDir: folder() + "/run", createdAt: Self.t0)
        let scalars: [(String, Int, Double, Bool)] = [
            ("loss/train", 0, 1.0, false), ("loss/train", 1, 0.5, false), ("loss/train", 2, 0.25, false),
            ("loss/train", 3, 0.125, false), ("loss/train", 4, 0.0625, false),
            ("accuracy", 0, 0.1, false), ("accuracy", 2, 0.5, false), ("accuracy", 4, 0.875, false),
            ("lr", 0, 0.01, true), ("lr", 1, 0.005, true), ("lr", 2, 0.0025, true),
        ]
        for (tag, step, value, newStyle) in scalars {
            try w.addScalar(tag, value, globalStep: step, walltime: Self.t0 + 10 * Double(step), newStyle: newStyle)
        }
        try w.close()
        #expect(w.path.split(separator: "/").last!.hasPrefix("events.out.tfevents.1700000000."))
        let expected = try bytes(Self.fixtures + "scalars/events.out.tfevents.1700000000.fixture.0.0")
        #expect(try bytes(w.path) == expected)
    }

    @Test func histogramImageTextAndDoubleScalarAreByteIdentical() throws {
        let w = try SummaryWriter(logDir: folder(), createdAt: Self.t0)
        try w.addHistogram("weights", Tensor([0.0, 1.0, 1.0, 2.0, 3.0, 5.0] as [Float]), globalStep: 0, walltime: Self.t0)
        let image = Tensor([[[1.0, 0.0], [0.0, 1.0]], [[0.0, 1.0], [0.0, 1.0]], [[0.0, 0.0], [1.0, 1.0]]] as [[[Float]]])
        try w.addImage("image", image, globalStep: 0, walltime: Self.t0)
        try w.addText("note", "hello tensorboard", globalStep: 0, walltime: Self.t0)
        try w.addScalar("double_scalar", 0.1, globalStep: 5, walltime: Self.t0 + 5, newStyle: true, doublePrecision: true)
        try w.close()
        let expected = try EventFile.read(Self.fixtures + "misc/events.out.tfevents.1700000000.fixture.0.0")
        let mine = try EventFile.read(w.path)
        #expect(mine.count == expected.count)
        for (i, (a, e)) in zip(mine, expected).enumerated() { #expect(a == e, "record \(i): \(a) vs \(e)") }
        #expect(try bytes(w.path) == bytes(Self.fixtures + "misc/events.out.tfevents.1700000000.fixture.0.0"))
    }

    @Test func readerDecodesTheFixtures() throws {
        let events = try EventFile.read(Self.fixtures + "scalars/events.out.tfevents.1700000000.fixture.0.0")
        #expect(events.count == 12)
        #expect(events[0].fileVersion == "brain.Event:2" && events[0].sourceWriter == "tensorboard.summary.writer.event_file_writer")
        #expect(events[1].values == [SummaryValue(tag: "loss/train", kind: .simpleValue(1))] && events[1].step == 0)
        #expect(events[7].step == 2 && events[7].wallTime == Self.t0 + 20)
        guard case .tensor(let t) = events[9].values[0].kind else {
            Issue.record("lr is not a tensor")
            return
        }
        #expect(t.dtype == 1 && t.floatVal == [Float(0.01)] && events[9].values[0].pluginName == "scalars")
        let misc = try EventFile.read(Self.fixtures + "misc/events.out.tfevents.1700000000.fixture.0.0")
        guard case .histogram(let h) = misc[1].values[0].kind, case .image(let ih, let iw, let cs, let png) = misc[2].values[0].kind else {
            Issue.record("misc records are not a histogram and an image")
            return
        }
        #expect(h.min == 0 && h.max == 5 && h.num == 6 && h.sum == 12 && h.sumSquares == 40)
        #expect(h.bucket.reduce(0, +) == 6 && h.bucketLimit.first == 0)
        #expect(ih == 2 && iw == 2 && cs == 3 && png.prefix(4) == [0x89, 0x50, 0x4E, 0x47])
    }

    @Test func corruptFilesAreRefused() throws {
        var raw = try bytes(Self.fixtures + "scalars/events.out.tfevents.1700000000.fixture.0.0")
        raw[30] ^= 0x40
        #expect(throws: SerializationError.self) { try EventFile.decode(raw) }
        #expect(throws: SerializationError.self) { try EventFile.decode(Array(raw.prefix(50))) }
        var huge = raw
        huge[7] = 0x7F  // a length of ~2^63
        #expect(throws: SerializationError.self) { try EventFile.decode(huge) }
        // Found by fuzz-events: a valid length header with fewer than 4 bytes after it (the bound went negative
        // and trapped converting to UInt64).
        let shortTail: [UInt8] = [0x18, 0, 0, 0, 0, 0, 0, 0, 0xA3, 0x7F, 0x4B, 0x22, 0x09, 0x00]
        #expect(throws: SerializationError.self) { try EventFile.decode(shortTail) }
    }

    @Test func scalarsHparamsAndDefaultsFollowPyTorchsLayout() throws {
        let root = folder()
        let w = try SummaryWriter(logDir: root)
        try w.addScalars("loss", ["train": 0.5, "val": 0.75], globalStep: 3)
        try w.addHparams(["lr": 0.01, "optimizer": "adam", "bn": true], metrics: ["accuracy": 0.9], runName: "hp")
        try w.close()
        let train = try EventFile.read(try #require(eventFiles(root + "/loss_train").first))
        #expect(train.count == 2 && train[1].values == [SummaryValue(tag: "loss", kind: .simpleValue(0.5))] && train[1].step == 3)
        #expect(eventFiles(root + "/loss_val").count == 1)
        let hp = try EventFile.read(try #require(eventFiles(root + "/hp").first))
        #expect(hp.map { $0.values.first?.tag ?? "" } == ["", "_hparams_/experiment", "_hparams_/session_start_info",
                                                         "_hparams_/session_end_info", "accuracy"])
        // HParamsPluginData{session_start_info{hparams{"lr": 0.01}, {"optimizer": "adam"}, {"bn": true}}}
        let ssi = hp[2].values[0].pluginContent
        var expected: [UInt8] = [0x1A]
        let lr: [UInt8] = [0x0A, 0x02] + Array("lr".utf8) + [0x12, 0x09, 0x11] + (0..<8).map { UInt8(truncatingIfNeeded: (0.01).bitPattern >> (8 * UInt64($0))) }
        let opt: [UInt8] = [0x0A, 0x09] + Array("optimizer".utf8) + [0x12, 0x06, 0x1A, 0x04] + Array("adam".utf8)
        let bn: [UInt8] = [0x0A, 0x02] + Array("bn".utf8) + [0x12, 0x02, 0x20, 0x01]
        let entries = [[0x0A, UInt8(lr.count)] + lr, [0x0A, UInt8(opt.count)] + opt, [0x0A, UInt8(bn.count)] + bn].flatMap { $0 }
        expected += [UInt8(entries.count)] + entries
        #expect(ssi == expected)
        #expect(hp[3].values[0].pluginContent == [0x22, 0x02, 0x08, 0x01])
        // The default folder is runs/<Mon><DD>_<HH>-<MM>-<SS>_<host><comment>.
        let defaultWriter = try SummaryWriter(comment: "_probe")
        defer { try? defaultWriter.close() }
        #expect(defaultWriter.logDir.hasPrefix("runs/") && defaultWriter.logDir.hasSuffix("_probe"))
        #expect(defaultWriter.logDir.split(separator: "/")[1].split(separator: "_")[1].count == 8, "\(defaultWriter.logDir)")
        rmrf(defaultWriter.logDir)
    }

    @Test func histogramBinsFollowNumPy() throws {
        let w = try SummaryWriter(logDir: folder())
        try w.addHistogram("equal", Tensor([0.0, 1.0, 2.0, 2.0, 4.0]), bins: .count(4))
        try w.close()
        guard case .histogram(let h)? = try EventFile.read(w.path).last?.values.first?.kind else {
            Issue.record("no histogram")
            return
        }
        // np.histogram([0, 1, 2, 2, 4], bins=4): edges 0, 1, 2, 3, 4 and counts 1, 1, 2, 1 (4 in the closed last bin),
        // trimmed with a leading empty bucket.
        #expect(h.bucketLimit == [0, 1, 2, 3, 4] && h.bucket == [0, 1, 1, 2, 1])
    }

    func eventFiles(_ dir: String) -> [String] { files(in: dir, containing: "tfevents") }

    func rmrf(_ dir: String) {
        for f in eventFiles(dir) { unlink(f) }
        rmdir(dir)
        rmdir("runs")
    }
}
