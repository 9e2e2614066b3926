import ArgumentParser
import Torch
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `swifttorch bench`: the workloads of `shared/bench/WORKLOADS.md` that TorchCore makes possible, with the
/// spec's timing protocol and the reference script's options.
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the benchmark workloads of shared/bench/WORKLOADS.md (every workload of the spec; memory ones in fresh processes).")

    @Option(name: .long, parsing: .upToNextOption, help: "Thread counts to run with.") var threads: [Int] = [1]
    @Option(name: .long, help: "Comma-separated workload id prefixes.") var only: String?
    @Flag(name: .long, help: "Quick mode (fewer, shorter samples).") var quick = false
    @Flag(name: .long, help: "Print JSON Lines records on stdout.") var json = false
    @Flag(name: .long, help: "List the workload ids and exit.") var list = false

    func run() throws {
        let workloads = Workloads.all(quick: quick)
        if list {
            for w in workloads { print(w.id) }
            for m in MemoryWorkloads.all { print(m.id) }
            return
        }
        let prefixes = only?.split(separator: ",").map(String.init) ?? []
        let chosen = { (id: String) in prefixes.isEmpty || prefixes.contains { id.hasPrefix($0) } }
        let selected = workloads.filter { chosen($0.id) }
        let protocolConstants = quick ? TimingProtocol.quick : TimingProtocol.full
        for t in threads {
            Torch.setNumThreads(t)
            for w in selected {
                let call = w.make()
                let samples = protocolConstants.measure(call, inner: w.fixedInner, divisor: w.divisor)
                let record = w.record(samples: samples, threads: t, protocolConstants: protocolConstants, quick: quick)
                print(json ? record.json : record.human)
            }
            for m in MemoryWorkloads.all where chosen(m.id) {
                let record = try m.measure(threads: t, quick: quick)
                print(json ? record.json : record.human)
            }
        }
    }
}

/// Monotonic seconds.
func now() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
}

/// The spec's timing protocol (§1.1).
struct TimingProtocol {
    let target: Double
    let warmCalls: Int
    let warmSeconds: Double
    let reps: Int

    static let full = TimingProtocol(target: 0.050, warmCalls: 3, warmSeconds: 0.30, reps: 15)
    static let quick = TimingProtocol(target: 0.010, warmCalls: 1, warmSeconds: 0.05, reps: 5)

    /// Seconds per unit of work for each sample, and the calls per sample.
    func measure(_ fn: () -> Void, inner fixed: Int?, divisor: Double) -> (samples: [Double], inner: Int) {
        fn()
        var inner = fixed ?? 1
        if fixed == nil {
            let t0 = now()
            fn()
            let t1 = now() - t0
            inner = Swift.max(1, Int((target / Swift.max(t1, 1e-9)).rounded(.up)))
        }
        var n = 0
        let start = now()
        while n < warmCalls || now() - start < warmSeconds {
            fn()
            n += 1
        }
        var samples: [Double] = []
        for _ in 0..<reps {
            let t0 = now()
            for _ in 0..<inner { fn() }
            samples.append((now() - t0) / (Double(inner) * divisor))
        }
        return (samples, inner)
    }
}

/// One workload: how to build it and how to turn seconds into its unit.
struct Workload {
    enum Unit {
        case gflops(Double)  // FLOP per call
        case gbps(Double)  // bytes per call
        case micros
        case millis
        case stepsPerSecond
        case microsPerOp
        case millisPerBatch
    }
    let id: String
    let unit: Unit
    let fixedInner: Int?
    let divisor: Double
    let make: () -> (() -> Void)

    init(_ id: String, _ unit: Unit, inner: Int? = nil, divisor: Double = 1, make: @escaping () -> (() -> Void)) {
        self.id = id
        self.unit = unit
        self.fixedInner = inner
        self.divisor = divisor
        self.make = make
    }

    struct Record {
        let json: String
        let human: String
    }

    func record(samples: (samples: [Double], inner: Int), threads: Int, protocolConstants: TimingProtocol, quick: Bool) -> Record {
        let s = samples.samples.sorted()
        let med = s.count % 2 == 1 ? s[s.count / 2] : 0.5 * (s[s.count / 2 - 1] + s[s.count / 2])
        let (name, value, higher): (String, (Double) -> Double, Bool)
        switch unit {
        case .gflops(let f): (name, value, higher) = ("GFLOP/s", { f / $0 / 1e9 }, true)
        case .gbps(let b): (name, value, higher) = ("GB/s", { b / $0 / 1e9 }, true)
        case .micros: (name, value, higher) = ("us", { $0 * 1e6 }, false)
        case .millis: (name, value, higher) = ("ms", { $0 * 1e3 }, false)
        case .millisPerBatch: (name, value, higher) = ("ms/batch", { $0 * 1e3 }, false)
        case .stepsPerSecond: (name, value, higher) = ("steps/s", { 1 / $0 }, true)
        case .microsPerOp: (name, value, higher) = (id.hasSuffix("mlp_4_8_1") ? "us/step" : "us/op", { $0 * 1e6 }, false)
        }
        let v = value(med)
        let lo = higher ? value(s.last!) : value(s.first!)
        let hi = higher ? value(s.first!) : value(s.last!)
        let json = "{\"id\": \"\(id)\", \"value\": \(v), \"unit\": \"\(name)\", \"threads\": \(threads), \"repetitions\": \(s.count), \"inner\": \(samples.inner), \"median\": \(v), \"min\": \(lo), \"max\": \(hi), \"higher_is_better\": \(higher), \"time_s_median\": \(med), \"time_s_min\": \(s.first!), \"time_s_max\": \(s.last!), \"framework\": \"swifttorch-\(Torch.version)\", \"mode\": \"\(quick ? "quick" : "full")\"}"
        let human = "\(id.padding(34)) T=\(threads)  \(format(v)) \(name)  (min \(format(lo)), max \(format(hi)))"
        return Record(json: json, human: human)
    }

    private func format(_ v: Double) -> String {
        let r = (v * 1000).rounded() / 1000
        return "\(r)"
    }
}

extension String {
    func padding(_ n: Int) -> String { count >= n ? self : self + String(repeating: " ", count: n - count) }
}
