import ArgumentParser
import Torch
#if canImport(Glibc)
import Glibc
#endif

/// `swifttorch cuda-selftest`: on a GPU, every generated kernel and cuBLAS product against the CPU, every registry
/// op on GPU tensors (forward and backward) and a short training run against the CPU, then the GPU benchmarks of
/// the CUDA issue (matmul TFLOP/s, elementwise bandwidth against the copy bandwidth, `train_transformer` at batch
/// 256).
struct CUDASelfTestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cuda-selftest",
        abstract: "Check every generated CUDA kernel and cuBLAS against the CPU on GPU 0, then time matmul and elementwise ops.")

    @Option(help: "Append one JSON record per check and benchmark to this file (after each phase, so a crash keeps what ran).")
    var json: String?

    @Flag(help: "Skip the benchmarks.")
    var noBench = false

    @Option(help: "Matrix sizes for the matmul benchmark.")
    var matmulSizes: [Int] = [4096, 8192]

    @Option(help: "Phases to run, comma-separated: kernels (generated kernels), blas (cuBLAS), tensors (registry ops on GPU tensors), training, bench.")
    var phases: String = "kernels,blas,tensors,training,bench"

    @Option(help: "Only these registry ops in the kernels and tensors phases, comma-separated (e.g. exp,add).")
    var ops: String?

    static let phaseNames = ["kernels", "blas", "tensors", "training", "bench"]

    func validate() throws {
        let unknown = phases.split(separator: ",").map(String.init).filter { !Self.phaseNames.contains($0) }
        guard unknown.isEmpty else { throw ValidationError("--phases: unknown phase(s) \(unknown.joined(separator: ", ")); expected \(Self.phaseNames.joined(separator: ", "))") }
        let names = Set(OpRegistry.all.map(\.name))
        let unknownOps = (ops ?? "").split(separator: ",").map(String.init).filter { !names.contains($0) }
        guard unknownOps.isEmpty else { throw ValidationError("--ops: no registry op named \(unknownOps.joined(separator: ", "))") }
    }

    func run() throws {
        guard CUDA.isAvailable else {
            print("cuda-selftest: CUDA is not available: \(CUDA.unavailableReason ?? "unknown reason")")
            for line in CUDA.libraryReport { print("  " + line) }
            throw ExitCode(2)
        }
        let device = try CUDA.device(0)
        print("device: \(device)")
        for line in CUDA.libraryReport { print("  " + line) }
        let wanted = Set(phases.split(separator: ",").map(String.init))
        let only = ops.map { Set($0.split(separator: ",").map(String.init)) }
        var failed = 0
        func report(_ phase: String, _ checks: [GPUCheck]) throws {
            for c in checks where !c.passed { print(c) }
            let bad = checks.filter { !$0.passed }.count
            failed += bad
            print("\(phase): \(checks.count - bad) of \(checks.count) checks passed")
            fflush(nil)
            try append(checks.map { c in
                #"{"kind":"check","phase":"\#(phase)","name":"\#(jsonEscape(c.name))","layout":"\#(c.layout)","passed":\#(c.passed),"worst":\#(c.worst.isFinite ? String(c.worst) : "null")}"#
            })
        }
        if wanted.contains("kernels") { try report("kernels", CUDASelfTest.elementwise(device: device, ops: only)) }
        if wanted.contains("blas") { try report("blas", CUDASelfTest.matmul(device: device)) }
        if wanted.contains("tensors") {
            try report("tensors", CUDASelfTest.tensors(index: 0, ops: only))
            let fallbacks = DeviceFallbacks.ops.sorted()
            print("ops that ran on the CPU for GPU tensors (\(fallbacks.count)): \(fallbacks.joined(separator: ", "))")
        }
        if wanted.contains("training") { try report("training", CUDASelfTest.training(device: .cuda(0))) }
        if wanted.contains("bench") && !noBench {
            let bench = GPUBench(device: device)
            for r in try bench.run(matmulSizes: matmulSizes) + [try bench.trainTransformer()] {
                print(r.line)
                fflush(nil)
                try append([r.json])
            }
        }
        if failed > 0 { throw ExitCode(1) }
    }

    /// Appends records to `--json` (nothing without it).
    func append(_ records: [String]) throws {
        guard let path = json, !records.isEmpty else { return }
        guard let f = fopen(path, "a") else { throw ValidationError("cannot write \(path)") }
        defer { fclose(f) }
        let text = records.joined(separator: "\n") + "\n"
        _ = text.utf8CString.withUnsafeBufferPointer { fwrite($0.baseAddress, 1, $0.count - 1, f) }
    }
}

/// One timed GPU workload.
struct GPUBenchResult {
    let id: String
    let medianMs: Double
    let figure: Double
    let unit: String

    var line: String { "\(id): \(format(medianMs)) ms, \(format(figure)) \(unit)" }
    var json: String { #"{"kind":"bench","id":"\#(id)","median_ms":\#(medianMs),"\#(unit)":\#(figure)}"# }
}

/// The CUDA issue's GPU benchmarks, timed with CUDA events (median of 5 runs of `iterations` launches).
struct GPUBench {
    let device: CUDADevice

    func time(iterations: Int, _ body: () throws -> Void) throws -> Double {
        for _ in 0..<2 { try body() }
        try device.synchronize()
        var runs: [Double] = []
        for _ in 0..<5 {
            let start = try CUDAEvent(device: device), stop = try CUDAEvent(device: device)
            try start.record()
            for _ in 0..<iterations { try body() }
            try stop.record()
            runs.append(try stop.elapsedMilliseconds(since: start) / Double(iterations))
        }
        return runs.sorted()[2]
    }

    func run(matmulSizes: [Int]) throws -> [GPUBenchResult] {
        var out: [GPUBenchResult] = []
        let blas = try device.blas()
        for n in matmulSizes {
            for (dtype, tf32, tag) in [(DType.float32, false, "f32"), (.float32, true, "tf32"), (.bfloat16, false, "bf16")] {
                let bytes = n * n * dtype.itemSize
                let a = try device.allocator.allocate(bytes), b = try device.allocator.allocate(bytes), c = try device.allocator.allocate(bytes)
                try device.fill(a, byte: 0x3c)
                try device.fill(b, byte: 0x3c)
                let saved = CUDA.allowTF32
                CUDA.allowTF32 = tf32
                defer { CUDA.allowTF32 = saved }
                let ms = try time(iterations: n >= 8192 ? 5 : 20) {
                    try blas.matmul(dtype: dtype, m: n, n: n, k: n, a: a.address, b: b.address, c: c.address)
                }
                out.append(GPUBenchResult(id: "matmul_\(n)_\(tag)", medianMs: ms, figure: 2 * Double(n * n * n) / ms / 1e9, unit: "tflops"))
            }
        }
        // 256 MiB float32 operands.
        let count = 64 << 20
        let bytes = count * 4
        let x = try device.allocator.allocate(bytes), y = try device.allocator.allocate(bytes), z = try device.allocator.allocate(bytes)
        try device.fill(x, byte: 0)
        try device.fill(y, byte: 0)
        let copyMs = try time(iterations: 20) { try device.copy(to: z, from: x, count: bytes) }
        out.append(GPUBenchResult(id: "copy_256mib", medianMs: copyMs, figure: 2 * Double(bytes) / copyMs / 1e6, unit: "gbps"))
        for name in ["add", "mul", "relu", "gelu", "exp"] {
            guard let op = OpRegistry.all.first(where: { $0.name == name }),
                  let spec = KernelSource.specs(for: op).first(where: { $0.inputs[0] == .float32 }) else { continue }
            let inputs = spec.inputs.count == 1 ? [(x, 0)] : [(x, 0), (y, 0)]
            let ms = try time(iterations: 20) {
                try device.launch(spec, output: z, inputs: inputs.map { (buffer: $0.0, offset: $0.1) }, count: count,
                                  parameters: op.elementwise?.sampleParameters ?? [])
            }
            let moved = Double((spec.inputs.count + 1) * bytes)
            out.append(GPUBenchResult(id: "ew_\(name)_256mib", medianMs: ms, figure: moved / ms / 1e6, unit: "gbps"))
        }
        return out
    }
}

private func format(_ x: Double) -> String {
    let r = (x * 1000).rounded() / 1000
    return String(r)
}

private func jsonEscape(_ s: String) -> String {
    var out = ""
    for ch in s {
        if ch == "\\" || ch == "\"" { out.append("\\") }
        out.append(ch)
    }
    return out
}
