#if canImport(Glibc)
import Glibc
#endif
import Testing
@testable import TorchCUDA
import TorchCore
import TorchOptim
@testable import swifttorch

/// TorchCUDA's host side against a stand-in `libcuda.so.1` (`Resources/fake_cuda/fake_cuda.c`, built here with
/// clang): driver start-up, the device's attributes, the caching allocator and its statistics, copies both ways,
/// NVRTC compiling the real kernels and the driver finding their entry points, kernel launches with their first
/// parameter a live allocation, streams, events, and the out-of-memory report. The fake runs no kernels, so only
/// the copies' values are checked; what kernels compute is checked by the host emulation and on a GPU.
/// Serialized: the tests' child processes share the fake driver's folder and its launch log, which each child
/// resets when it starts (run in parallel, one child's reset could empty another's log mid-run; seen once in an
/// optimised run as a crash of `backendRunsOnTheFakeDriver`).
@Suite(.serialized) struct CUDAFakeDriverTests {
    /// Where the fake driver goes (a fixed path: the child processes of the exit tests find it).
    static let folder = "/tmp/swifttorch-fake-cuda-\(getuid())"
    static let compiler: String? = ["/usr/bin/clang", "/opt/swift/usr/bin/clang", "/usr/bin/gcc"].first { access($0, X_OK) == 0 }
    static let nvrtcFolder: String? = getenv("SWIFTTORCH_CUDA_LIBS").map { String(cString: $0) }
    static let ready: Bool = {
        guard let compiler, let nvrtcFolder else { return false }
        let source = String(#filePath.dropLast("CUDAFakeDriverTests.swift".count)) + "Resources/fake_cuda/fake_cuda.c"
        let script = "rm -rf \(folder) && mkdir -p \(folder) && \(compiler) -shared -fPIC -O1 -w -o \(folder)/libcuda.so.1 \(source)"

        return system(script) == 0
    }()

    /// Points the loader at the fake driver (and, through `LD_LIBRARY_PATH`, at the real NVRTC the tests were given);
    /// called first thing in each child process.
    static func useFakeDriver() {
        if let nvrtc = nvrtcFolder { setenv("LD_LIBRARY_PATH", nvrtc, 1) }
        setenv("SWIFTTORCH_CUDA_LIBS", folder, 1)
        setenv("FAKE_CUDA_LOG", folder + "/launches.log", 1)
        unlink(folder + "/launches.log")
    }

    static func launches() -> [String] {
        guard let f = fopen(folder + "/launches.log", "r") else { return [] }
        defer { fclose(f) }
        var lines: [String] = []
        var buf = [CChar](repeating: 0, count: 512)
        while fgets(&buf, 512, f) != nil {
            lines.append(String(decoding: buf.prefix { $0 != 0 && $0 != 10 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        return lines
    }

    @Test(.enabled(if: ready, "needs clang and NVRTC (SWIFTTORCH_CUDA_LIBS)")) func backendRunsOnTheFakeDriver() async {
        let r = await #expect(processExitsWith: .success, observing: [\.standardErrorContent]) {
            CUDAFakeDriverTests.useFakeDriver()
            guard CUDA.isAvailable else { preconditionFailure("fake driver not loaded: \(CUDA.unavailableReason ?? "")") }
            let dev = try! CUDA.device(0)
            precondition(dev.name == "Fake GPU" && dev.computeCapability == 90 && dev.multiprocessorCount == 4, "\(dev)")
            // Copies both ways through the backend, strided sources made dense on the host first.
            let host = Tensor([1, 2, 3, 4, 5, 6] as [Float], shape: [2, 3])
            let x = host.t().to(.cuda(0))
            precondition(x.device == .cuda(0) && x.cpu().toArray(of: Float.self) == [1, 4, 2, 5, 3, 6], "round trip")
            precondition(CUDA.memoryAllocated() >= 512, "allocated \(CUDA.memoryAllocated())")
            // Kernels: compiled by NVRTC, found in the loaded image, launched with a live output.
            let compiler = try! CUDA.nvrtc()
            let spec = ElementwiseKernelSpec(castFrom: .float32, to: .float16)
            _ = try! compiler.compile(KernelSource.program([spec]), name: "t.cu", target: compiler.target(forDevice: 90))
            try! dev.prepare([spec])
            _ = noGrad { (x * 2.5).exp() + x }
            _ = x.sum()
            _ = x.softmax(dim: 1)
            _ = x.to(.float16)
            _ = Tensor.rand([64], device: .cuda(0))
            _ = x.gather(1, Tensor([Int64(1), 0, 1], shape: [3, 1]).cuda())
            _ = x.reshape([1, 1, 3, 2]).im2col(Window2d(kernel: (2, 2)))
            let w = Tensor.randn([8]).cuda().requiresGrad_()
            w.grad = Tensor.ones([8]).cuda()
            AdamW([w]).step()
            let stream = try! CUDAStream(device: dev)
            let event = try! CUDAEvent(device: dev)
            CUDA.withStream(stream) { _ = x + 1 }
            try! event.record()
            try! stream.wait(for: event)
            try! stream.synchronize()
            try! CUDA.synchronize()
            let before = CUDA.memoryReserved()
            try! CUDA.emptyCache()
            precondition(CUDA.memoryReserved() <= before)
            let names = CUDAFakeDriverTests.launches()
            for expected in ["st_mul_scalar_b__f32_to_f32_contig", "st_exp__f32_to_f32_contig", "st_add__f32_f32_to_f32_contig",
                             "st_rowsum_f32", "st_softmax_f32", "st_copy__f32_to_f16_contig", "st_random_f32", "st_adam_f32", "st_gather_b4", "st_im2col_f32"] {
                precondition(names.contains(expected), "no launch of \(expected): \(names)")
            }
        }
        let text = String(decoding: r?.standardErrorContent ?? [], as: UTF8.self)
        #expect(!text.contains("Fatal error"), "\(text.split(separator: "\n").prefix(30).joined(separator: "\n"))")
    }

    @Test(.enabled(if: ready, "needs clang and NVRTC (SWIFTTORCH_CUDA_LIBS)")) func outOfMemoryReportsTheFigures() async {
        let r = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            CUDAFakeDriverTests.useFakeDriver()
            guard CUDA.isAvailable else { exit(0) }
            _ = Tensor.empty([1 << 29], device: .cuda(0))  // 2 GiB on a 1 GiB device
        }
        let text = String(decoding: r?.standardErrorContent ?? [], as: UTF8.self)
        #expect(text.contains("CUDA out of memory: tried to allocate 2048.00 MiB") && text.contains("free of 1024.00 MiB on the device"), "\(text)")
    }

    /// `swifttorch cuda-selftest` runs its kernel and cuBLAS phases to the end on the fake driver (whose kernels do
    /// not run, so every check fails) and appends a record per check after each phase: on a GPU, a failing
    /// check is reported, not a crash.
    @Test(.enabled(if: ready, "needs clang and NVRTC (SWIFTTORCH_CUDA_LIBS)")) func selfTestReportsEveryCheck() async {
        let records = CUDAFakeDriverTests.folder + "/selftest.jsonl"
        unlink(records)
        await #expect(processExitsWith: .exitCode(3)) {
            CUDAFakeDriverTests.useFakeDriver()
            let command = try! CUDASelfTestCommand.parse(["--phases", "kernels,blas", "--ops", "exp,add,gelu(tanh)",
                                                          "--json", CUDAFakeDriverTests.folder + "/selftest.jsonl"])
            do { try command.run() } catch { exit(3) }
            exit(0)
        }
        guard let f = fopen(records, "r") else { Issue.record("no records written"); return }
        defer { fclose(f) }
        var kernels = 0, blas = 0
        var buf = [CChar](repeating: 0, count: 4096)
        while fgets(&buf, 4096, f) != nil {
            let line = String(decoding: buf.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            if line.contains("\"phase\":\"kernels\"") { kernels += 1 }
            if line.contains("\"phase\":\"blas\"") { blas += 1 }
        }
        let chosen = KernelSource.registryPrograms.filter { ["exp", "add", "gelu(tanh)"].contains($0.op.name) }
        #expect(chosen.count == 3 && kernels == 2 * chosen.reduce(0) { $0 + $1.specs.count })
        #expect(blas > 0)
    }
}
