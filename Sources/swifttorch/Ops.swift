import ArgumentParser
import Torch

/// `swifttorch ops`: prints the op coverage table (`docs/ops.md`), or with `--cuda` the CUDA one
/// (`docs/cuda-coverage.md`).
struct Ops: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the op coverage table generated from the registry (docs/ops.md; --cuda: docs/cuda-coverage.md).")

    @Flag(help: "Print the CUDA coverage table instead.")
    var cuda = false

    func run() throws { print(cuda ? CUDA.coverageMarkdown() : OpRegistry.markdown(), terminator: "") }
}
