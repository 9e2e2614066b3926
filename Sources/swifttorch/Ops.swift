import ArgumentParser
import Torch

/// `swifttorch ops`: prints the op coverage table (`docs/ops.md`).
struct Ops: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print the op coverage table generated from the registry (docs/ops.md).")
    func run() throws { print(OpRegistry.markdown(), terminator: "") }
}
