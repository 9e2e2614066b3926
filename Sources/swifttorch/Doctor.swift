import ArgumentParser
import Torch
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `swifttorch doctor`: what this build of SwiftTorch runs on.
struct Doctor: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show the version, BLAS library, threads, CPU features and CUDA driver status.")

    func run() throws {
        print("SwiftTorch \(Torch.version)")
        print("BLAS: \(Torch.blasDescription)")
        print("threads: \(Torch.numThreads)")
        print("vector kernels: \(Torch.vectorISA)")
        print("float32 GEMM: \(Torch.float32Gemm)")
        print("CPU features: \(cpuFeatures())")
        print("CUDA: \(cudaStatus())")
        let stats = Torch.memoryStats()
        print("allocator: \(stats.allocatedBytes) bytes allocated, \(stats.cachedBytes) cached")
    }

    /// Flags of interest from /proc/cpuinfo.
    func cpuFeatures() -> String {
        guard let text = readText("/proc/cpuinfo") else { return "unknown (no /proc/cpuinfo)" }
        let interesting = ["sse4_2", "avx", "avx2", "fma", "avx512f", "avx512bw", "avx512_bf16", "f16c", "amx_tile"]
        var model = "unknown CPU"
        var flags: Set<Substring> = []
        for line in text.split(separator: "\n") {
            if line.hasPrefix("model name"), let v = line.split(separator: ":", maxSplits: 1).last { model = v.trimmingSpaces() }
            if line.hasPrefix("flags"), let v = line.split(separator: ":", maxSplits: 1).last {
                flags = Set(v.split(separator: " "))
                break
            }
        }
        let present = interesting.filter { flags.contains(Substring($0)) }
        return "\(model); " + (present.isEmpty ? "none of \(interesting.joined(separator: " "))" : present.joined(separator: " "))
    }

    /// Whether the CUDA backend can run, its devices, and where each CUDA library was found or why not.
    func cudaStatus() -> String {
        var lines: [String] = []
        if CUDA.isAvailable {
            for i in 0..<CUDA.deviceCount {
                do { lines.append("available: \(try CUDA.device(i))") } catch { lines.append("device \(i): \(error)") }
            }
        } else {
            lines.append("not available (details below)")
        }
        lines += CUDA.libraryReport.map { "  " + $0 }
        return lines.joined(separator: "\n")
    }
}

/// Reads a whole text file with the C library (no Foundation).
func readText(_ path: String) -> String? {
    guard let f = fopen(path, "r") else { return nil }
    defer { fclose(f) }
    var bytes: [UInt8] = []
    var buf = [UInt8](repeating: 0, count: 65536)
    while true {
        let n = fread(&buf, 1, buf.count, f)
        if n <= 0 { break }
        bytes += buf[0..<n]
    }
    return String(decoding: bytes, as: UTF8.self)
}

extension Substring {
    func trimmingSpaces() -> String {
        String(drop(while: { $0 == " " || $0 == "\t" }).reversed().drop(while: { $0 == " " || $0 == "\t" }).reversed())
    }
}
