import TorchCore

extension Torch {
    /// Saves named tensors, choosing the format from the extension: `.safetensors`, `.pt`/`.pth`/`.bin` (an
    /// OrderedDict state dict `torch.load` reads), `.npz` (stored, as `np.savez`) or `.npy` (exactly one tensor).
    /// Writes are atomic.
    /// - Parameters:
    ///   - tensors: names and tensors.
    ///   - path: the destination.
    public static func save(_ tensors: [(String, Tensor)], to path: String) throws {
        if path.hasSuffix(".safetensors") {
            try Safetensors.write(tensors.map { (name: $0.0, tensor: $0.1) }, to: path)
        } else if path.hasSuffix(".pt") || path.hasSuffix(".pth") || path.hasSuffix(".bin") {
            try TorchCheckpoint.save(tensors, to: path)
        } else if path.hasSuffix(".npz") {
            try Npz.write(tensors, to: path)
        } else if path.hasSuffix(".npy") {
            guard tensors.count == 1 else {
                throw SerializationError.io(path: path, reason: "a .npy file holds one array, not \(tensors.count) (use .npz)")
            }
            try Npy.write(tensors[0].1, to: path)
        } else {
            throw SerializationError.io(path: path, reason: "unknown checkpoint extension (use .safetensors, .pt or .npz)")
        }
    }

    /// Loads named tensors from `.safetensors`, `.pt`/`.pth`/`.bin` (a state dict), `.npz` or `.npy` (one tensor
    /// named after the file).
    /// - Parameter path: the file.
    public static func load(from path: String) throws -> [(String, Tensor)] {
        if path.hasSuffix(".safetensors") { return try Safetensors.read(path).tensors.map { ($0.name, $0.tensor) } }
        if path.hasSuffix(".pt") || path.hasSuffix(".pth") || path.hasSuffix(".bin") { return try TorchCheckpoint.loadStateDict(path) }
        if path.hasSuffix(".npz") { return try Npz.read(path) }
        if path.hasSuffix(".npy") {
            let name = String(path.split(separator: "/").last?.dropLast(4) ?? "array")
            return [(name, try Npy.read(path))]
        }
        throw SerializationError.io(path: path, reason: "unknown checkpoint extension (use .safetensors, .pt, .npz or .npy)")
    }
}
