import ArgumentParser
import Torch

/// `swifttorch inspect FILE`: what a checkpoint holds, without trusting it.
struct Inspect: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List the tensors of a .safetensors, .pt or .npy file: name, dtype, shape, bytes, min/max/mean, and metadata.")

    @Argument(help: "The file to inspect.") var file: String
    @Flag(help: "Print JSON instead of a table.") var json = false

    func run() throws {
        var contents = Safetensors.File(tensors: [], metadata: [:])
        do {
            if file.hasSuffix(".safetensors") {
                contents = try Safetensors.read(file, skippingUnsupported: true)
            } else {
                contents.tensors = try Torch.load(from: file).map { (name: $0.0, tensor: $0.1) }
            }
        } catch {
            // A corrupt or hostile file: one line on standard error, exit status 1.
            printError("error: \(error)")
            throw ExitCode.failure
        }
        var rows: [String] = []
        for (name, t) in contents.tensors {
            let bytes = t.count * t.dtype.itemSize
            var stats = ""
            if t.count > 0 && t.dtype != .bool {
                let d = t.to(.float64)
                stats = json ? ", \"min\": \(jsonNumber(d.min().item())), \"max\": \(jsonNumber(d.max().item())), \"mean\": \(jsonNumber(d.mean().item()))"
                             : "  min \(d.min().item())  max \(d.max().item())  mean \(d.mean().item())"
            }
            if json {
                rows.append("{\"name\": \(quote(name)), \"dtype\": \"\(t.dtype.rawValue)\", \"shape\": \(t.shape), \"bytes\": \(bytes)\(stats)}")
            } else {
                rows.append("\(name)  \(t.dtype.rawValue)  \(t.shape)  \(bytes) bytes\(stats)")
            }
        }
        if json {
            let meta = contents.metadata.sorted { $0.key < $1.key }.map { "\(quote($0.key)): \(quote($0.value))" }.joined(separator: ", ")
            let skipped = contents.skipped.map { "{\"name\": \(quote($0.name)), \"dtype\": \(quote($0.dtype))}" }.joined(separator: ", ")
            print("{\"file\": \(quote(file)), \"tensors\": [\(rows.joined(separator: ", "))], \"metadata\": {\(meta)}, \"unsupported\": [\(skipped)]}")
        } else {
            print("\(file): \(contents.tensors.count) tensors")
            rows.forEach { print("  " + $0) }
            for (name, dtype) in contents.skipped { print("  \(name)  \(dtype)  (dtype not supported by SwiftTorch)") }
            if !contents.metadata.isEmpty {
                print("metadata:")
                for (k, v) in contents.metadata.sorted(by: { $0.key < $1.key }) { print("  \(k): \(v)") }
            }
        }
    }

    func jsonNumber(_ v: Double) -> String { v.isFinite ? "\(v)" : "null" }

    func quote(_ s: String) -> String { jsonQuoted(s) }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes one line to standard error.
func printError(_ line: String) {
    let bytes = Array((line + "\n").utf8)
    _ = bytes.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
}
