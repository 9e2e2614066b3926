import ArgumentParser
import Torch

/// The `swifttorch` command line.
@main
struct SwiftTorchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "swifttorch",
        abstract: "SwiftTorch: PyTorch for Swift.",
        version: Torch.version,
        subcommands: [Train.self, Demo.self, Doctor.self, Bench.self, Ops.self, Inspect.self, Convert.self, CUDASelfTestCommand.self, BenchMemoryChild.self],
        defaultSubcommand: Train.self
    )
}
