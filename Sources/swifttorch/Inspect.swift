import ArgumentParser
import Torch

/// `swifttorch inspect FILE`: what a checkpoint holds, without trusting it.
struct Inspect: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List the tensors of a .safetensors, .pt, .npz or .npy file: name, dtype, shape, bytes, min/max/mean, and metadata.")

    @Argument(help: "The file to inspect.") var file: String
    @Flag(help: "Print JSON instead of a table.") var json = false

    func run() throws {
        var contents = Safetensors.File(tensors: [], metadata: [:])
        var others: [(String, String)] = []
        do {
            if file.hasSuffix(".safetensors") {
                contents = try Safetensors.read(file, skippingUnsupported: true)
            } else if file.hasSuffix(".pt") || file.hasSuffix(".pth") || file.hasSuffix(".bin") {
                // The whole object tree: tensors under dotted paths (model.0.weight, optimizer.state.0.exp_avg),
                // everything else as a value.
                var tensors: [(name: String, tensor: Tensor)] = []
                Self.walk(try TorchCheckpoint.load(file), "") { path, leaf in
                    if case .tensor(let t) = leaf { tensors.append((path, t)) } else { others.append((path, leaf.description)) }
                }
                contents.tensors = tensors
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
            let entries = others.map { "{\"name\": \(quote($0.0)), \"value\": \(quote($0.1))}" }.joined(separator: ", ")
            print("{\"file\": \(quote(file)), \"tensors\": [\(rows.joined(separator: ", "))], \"metadata\": {\(meta)}, \"unsupported\": [\(skipped)], \"entries\": [\(entries)]}")
        } else {
            print("\(file): \(contents.tensors.count) tensors")
            rows.forEach { print("  " + $0) }
            for (name, dtype) in contents.skipped { print("  \(name)  \(dtype)  (dtype not supported by SwiftTorch)") }
            if !contents.metadata.isEmpty {
                print("metadata:")
                for (k, v) in contents.metadata.sorted(by: { $0.key < $1.key }) { print("  \(k): \(v)") }
            }
            if !others.isEmpty {
                print("other entries:")
                for (k, v) in others { print("  \(k) = \(v)") }
            }
        }
    }

    func jsonNumber(_ v: Double) -> String { v.isFinite ? "\(v)" : "null" }

    /// Whether a value holds tensors or containers (lists of plain values are shown whole).
    static func isContainer(_ value: PickleValue) -> Bool {
        switch value {
        case .tensor, .dict, .list, .tuple: return true
        default: return false
        }
    }

    /// Calls `visit` with every leaf of a pickled object tree and its dotted path (`""` for the root).
    static func walk(_ value: PickleValue, _ path: String, _ visit: (String, PickleValue) -> Void) {
        func child(_ key: String) -> String { path.isEmpty ? key : path + "." + key }
        switch value {
        case .dict(let items) where !items.isEmpty:
            for (k, v) in items {
                let key: String
                switch k {
                case .string(let s): key = s
                default: key = k.description
                }
                walk(v, child(key), visit)
            }
        case .list(let items) where items.contains(where: isContainer), .tuple(let items) where items.contains(where: isContainer):
            for (i, v) in items.enumerated() { walk(v, child(String(i)), visit) }
        default:
            visit(path.isEmpty ? "(root)" : path, value)
        }
    }

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
