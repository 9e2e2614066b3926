import TorchCore

// MARK: - CUDA coverage table

extension CUDA {
    /// Where each registry op stands on CUDA, as Markdown (`docs/cuda-coverage.md`, `swifttorch ops --cuda`).
    ///
    /// An op is "generated" when its kernels come from its ``ElementwiseExpression``: every such kernel is compiled
    /// by NVRTC in the test suite (no GPU needed). Which of them ran on a GPU, and when, is recorded in
    /// `docs/cuda.md`. Ops without a CUDA kernel are listed as CPU-only.
    public static func coverageMarkdown() -> String {
        var lines = [
            "# CUDA coverage",
            "",
            "Generated from `OpRegistry.all` by `swifttorch ops --cuda` — do not edit by hand.",
            "\"generated\": elementwise kernels generated from the op's scalar expression for the dtypes listed and",
            "compiled by NVRTC in the test suite. \"CPU only\": no CUDA kernel yet. GPU verification: `docs/cuda.md`.",
            "",
            "| op | kind | CUDA kernel | dtypes |",
            "| --- | --- | --- | --- |",
        ]
        var generated = 0
        for op in OpRegistry.all {
            let specs = KernelSource.specs(for: op)
            if specs.isEmpty {
                lines.append("| `\(op.name)` | \(op.kind.rawValue) | CPU only | |")
            } else {
                generated += 1
                let dtypes = specs.map { s in s.output == s.inputs[0] ? s.inputs[0].rawValue : "\(s.inputs[0].rawValue)→\(s.output.rawValue)" }
                lines.append("| `\(op.name)` | \(op.kind.rawValue) | generated | \(dtypes.joined(separator: ", ")) |")
            }
        }
        lines.append("")
        lines.append("\(generated) of \(OpRegistry.all.count) ops have generated CUDA kernels.")
        return lines.joined(separator: "\n") + "\n"
    }
}
