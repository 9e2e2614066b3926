import ArgumentParser
import Torch

/// `swifttorch convert IN OUT`: state dicts between `.pt`, `.safetensors` and `.npz` (and single arrays to and from `.npy`), bit-identical.
struct Convert: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Convert a state dict between .pt, .safetensors and .npz (values bit-identical).")

    @Argument(help: "The input file (.pt, .safetensors, .npz or .npy).") var input: String
    @Argument(help: "The output file (.pt, .safetensors, .npz, or .npy for one tensor).") var output: String

    func run() throws {
        do {
            let tensors = try Torch.load(from: input)
            try Torch.save(tensors, to: output)
            print("\(input) → \(output): \(tensors.count) tensors")
        } catch {
            printError("error: \(error)")
            throw ExitCode.failure
        }
    }
}
