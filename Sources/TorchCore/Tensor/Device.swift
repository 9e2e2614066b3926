// MARK: - Device

/// Where a tensor's memory lives. The CPU is always available; CUDA devices come with the `TorchCUDA` backend.
public enum Device: Sendable, Hashable, CustomStringConvertible {
    /// Host memory.
    case cpu
    /// An NVIDIA GPU, by ordinal.
    case cuda(Int)

    /// PyTorch's spelling: `cpu`, `cuda:0`.
    public var description: String {
        switch self {
        case .cpu: return "cpu"
        case .cuda(let i): return "cuda:\(i)"
        }
    }
}
