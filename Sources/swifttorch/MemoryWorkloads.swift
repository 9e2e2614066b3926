import ArgumentParser
import Torch
#if canImport(Glibc)
import Glibc
#endif

/// The peak-memory workloads of §2.12: each measurement runs in a fresh process (`swifttorch
/// _bench-memory-child`), which reports its resident set after start-up (baseline), after one tiny
/// forward/backward/SGD step (floor) and at its peak (`VmHWM`) after the training steps.
struct MemoryWorkloads {
    let id: String
    let model: String

    static let all = [MemoryWorkloads(id: "mem_train_mlp", model: "mlp"),
                      MemoryWorkloads(id: "mem_train_transformer", model: "transformer")]

    /// Runs the child process and turns its report into a result record.
    /// - Parameters:
    ///   - threads: compute threads.
    ///   - quick: 10 steps instead of 30.
    ///   - executable: the `swifttorch` binary to start (this process's own by default).
    func measure(threads: Int, quick: Bool, executable: String? = nil) throws -> Workload.Record {
        let steps = quick ? 10 : 30
        let output = try runSelf(["_bench-memory-child", "--model", model, "--steps", "\(steps)", "--threads", "\(threads)"],
                                 executable: executable)
        let fields = output.split(whereSeparator: { $0 == " " || $0 == "\n" }).compactMap { Double($0) }
        guard fields.count == 4 else { throw ValidationError("\(id): unexpected report from the child process: \(output)") }
        let (peak, baseline, floor, final) = (fields[0], fields[1], fields[2], fields[3])
        let json = "{\"id\": \"\(id)\", \"value\": \(peak), \"unit\": \"MiB\", \"threads\": \(threads), \"repetitions\": 1, \"median\": \(peak), \"min\": \(peak), \"max\": \(peak), \"higher_is_better\": false, \"baseline_rss_mib\": \(baseline), \"floor_rss_mib\": \(floor), \"final_rss_mib\": \(final), \"delta_rss_mib\": \(peak - baseline), \"delta_over_floor_mib\": \(peak - floor), \"steps\": \(steps), \"framework\": \"swifttorch-\(Torch.version)\", \"mode\": \"\(quick ? "quick" : "full")\"}"
        let human = "\(id.padding(34)) T=\(threads)  \(round1(peak)) MiB peak  (baseline \(round1(baseline)), floor \(round1(floor)), over floor \(round1(peak - floor)))"
        return Workload.Record(json: json, human: human)
    }

    private func round1(_ v: Double) -> Double { (v * 10).rounded() / 10 }
}

/// A value from `/proc/self/status` in MiB (`VmRSS`, `VmHWM`).
func procStatusMiB(_ key: String) -> Double {
    #if canImport(Glibc)
    guard let f = fopen("/proc/self/status", "r") else { return .nan }
    defer { fclose(f) }
    var line = [CChar](repeating: 0, count: 512)
    while fgets(&line, Int32(line.count), f) != nil {
        let s = String(decoding: line.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        if s.hasPrefix(key + ":") {
            let kb = s.dropFirst(key.count + 1).split(whereSeparator: { $0 == " " || $0 == "\t" }).first.flatMap { Double($0) } ?? .nan
            return kb / 1024
        }
    }
    #endif
    return .nan
}

/// The path of the running executable.
func ownExecutable() throws -> String {
    #if canImport(Glibc)
    var exe = [CChar](repeating: 0, count: 4096)
    let n = readlink("/proc/self/exe", &exe, exe.count - 1)
    guard n > 0 else { throw ValidationError("cannot find the running executable (/proc/self/exe)") }
    return String(decoding: exe.prefix(n).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    #else
    throw ValidationError("cannot find the running executable")
    #endif
}

/// Runs `executable` (this one by default) with `arguments` and returns what it printed on standard output.
func runSelf(_ arguments: [String], executable: String? = nil) throws -> String {
    #if canImport(Glibc)
    let path = try executable ?? ownExecutable()
    var fds: [Int32] = [0, 0]
    guard pipe(&fds) == 0 else { throw ValidationError("pipe failed: errno \(errno)") }
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_adddup2(&actions, fds[1], 1)
    posix_spawn_file_actions_addclose(&actions, fds[0])
    let argv: [UnsafeMutablePointer<CChar>?] = ([path] + arguments).map { strdup($0) } + [nil]
    defer { for a in argv { free(a) } }
    var pid: pid_t = 0
    let rc = posix_spawn(&pid, path, &actions, nil, argv, environ)
    close(fds[1])
    guard rc == 0 else {
        close(fds[0])
        throw ValidationError("cannot start \(path): error \(rc)")
    }
    var bytes: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 4096)
    while true {
        let got = read(fds[0], &buffer, buffer.count)
        if got <= 0 { break }
        bytes += buffer.prefix(got)
    }
    close(fds[0])
    var status: Int32 = 0
    waitpid(pid, &status, 0)
    guard status == 0 else { throw ValidationError("\(path) \(arguments.joined(separator: " ")) failed (status \(status))") }
    return String(decoding: bytes, as: UTF8.self)
    #else
    throw ValidationError("memory workloads need Linux (/proc)")
    #endif
}

/// The child process of a memory workload (not meant to be run by hand).
struct BenchMemoryChild: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "_bench-memory-child", abstract: "Child process of a memory workload.",
                                                    shouldDisplay: false)

    @Option(name: .long, help: "mlp or transformer.") var model: String
    @Option(name: .long, help: "Training steps.") var steps: Int
    @Option(name: .long, help: "Threads.") var threads: Int

    func run() throws {
        guard model == "mlp" || model == "transformer" else { throw ValidationError("unknown model \(model)") }
        Torch.setNumThreads(threads)
        let baseline = procStatusMiB("VmRSS")
        do {
            // The floor: one tiny step, so lazily initialised parts (thread pool, BLAS) are counted in it.
            let w = Tensor.randn([8, 4]).requiresGrad_()
            let opt = SGD([w], lr: 0.1, momentum: 0.9)
            Tensor.randn([2, 4]).matmul(w.t()).relu().sum().backward()
            opt.step()
        }
        let floor = procStatusMiB("VmRSS")
        let step = Workloads.trainingStep(model)
        for _ in 0..<steps { step() }
        print(procStatusMiB("VmHWM"), baseline, floor, procStatusMiB("VmRSS"))
    }
}
