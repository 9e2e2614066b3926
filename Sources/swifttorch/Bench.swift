import ArgumentParser
import Torch

/// `swifttorch bench`: placeholder entry replaced below.
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the benchmark workloads of shared/bench/WORKLOADS.md.")
    func run() throws {}
}
