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
        print("CPU features: \(cpuFeatures())")
        print("CUDA driver: \(cudaStatus())")
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

    /// Whether libcuda can be loaded, and why not.
    func cudaStatus() -> String {
        for name in ["libcuda.so.1", "libcuda.so"] {
            if let h = dlopen(name, RTLD_NOW) {
                dlclose(h)
                return "found (\(name)); the CUDA backend is not part of this build yet"
            }
        }
        let err = dlerror().map { String(cString: $0) } ?? "not found"
        return "not found: \(err)"
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
