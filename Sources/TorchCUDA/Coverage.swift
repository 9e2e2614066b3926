import TorchCore

// MARK: - CUDA coverage table

/// How a registry op runs on a CUDA tensor.
public enum CUDAPath: String, Sendable, CaseIterable {
    /// Kernels generated from the op's ``ElementwiseExpression``.
    case generated = "generated kernel"
    /// A row kernel (reductions, softmax, layerNorm).
    case rowKernel = "row kernel"
    /// The gather/scatter kernels.
    case indexKernel = "index kernel"
    /// The im2col/col2im/pooling kernels (a convolution adds cuBLAS).
    case convKernel = "conv kernel"
    /// cuBLAS.
    case cublas = "cuBLAS"
    /// Strided copies into slices of the result (the copy kernel).
    case copies = "copy kernel"
    /// A view of the input: no kernel at all.
    case view = "view"
    /// A composite whose ops all run on the GPU.
    case composite = "composite of CUDA ops"
    /// No CUDA kernel yet: copies to the CPU, runs there, copies back, with a one-time warning.
    case cpuFallback = "CPU fallback"
}

extension CUDA {
    /// The registry ops that still run on the CPU for CUDA tensors (with a one-time warning). The test suite runs
    /// every registry op on a stand-in device and checks that exactly these leave it.
    public static let cpuFallbackOps: Set<String> = []

    static let rowKernelOps: Set<String> = ["sum", "sum(all)", "amax", "amin", "prod", "max(dim)", "min(dim)", "cumsum", "cumprod",
                                            "softmax", "softmax(dim0)", "logSoftmax", "layerNorm", "sort", "topk", "kthvalue", "median(dim)"]
    static let indexKernelOps: Set<String> = ["gather", "scatter", "scatterAdd", "indexSelect", "indexAdd", "index(tensor)", "take", "maskedSelect"]
    static let convKernelOps: Set<String> = ["im2col", "col2im", "conv2d", "maxPool2d", "maxPool2d(2x2)", "maxPool2d(ceil)"]
    static let cublasOps: Set<String> = ["mm", "bmm", "addmm", "baddbmm", "dot", "matmul(batched)", "matmul(vector)", "einsum"]
    static let copyOps: Set<String> = ["cat", "stack", "repeat", "tile", "repeatInterleave"]
    static let viewOps: Set<String> = ["split", "unbind", "squeeze", "view", "reshape", "permute", "expand", "narrow", "select",
                                       "slice(step)", "unfold", "diagonal", "asStrided"]

    /// How `op` runs on a CUDA tensor.
    /// - Parameter op: the registry entry.
    public static func path(of op: OpInfo) -> CUDAPath {
        if op.elementwise != nil { return .generated }
        if cpuFallbackOps.contains(op.name) { return .cpuFallback }
        if rowKernelOps.contains(op.name) { return .rowKernel }
        if indexKernelOps.contains(op.name) { return .indexKernel }
        if convKernelOps.contains(op.name) { return .convKernel }
        if cublasOps.contains(op.name) { return .cublas }
        if copyOps.contains(op.name) { return .copies }
        if viewOps.contains(op.name) { return .view }
        return .composite
    }

    /// Where each registry op stands on CUDA, as Markdown (`docs/cuda-coverage.md`, `swifttorch ops --cuda`).
    public static func coverageMarkdown() -> String {
        var lines = [
            "# CUDA coverage",
            "",
            "Generated from `OpRegistry.all` by `swifttorch ops --cuda` — do not edit by hand. How each op runs on a CUDA",
            "tensor (forward; the backward uses the ops of its formula, which are in this table too):",
            "",
            "- **generated kernel**: elementwise kernels generated from the op's scalar expression for the dtypes listed,",
            "  compiled by NVRTC in the test suite;",
            "- **row kernel**, **index kernel**, **conv kernel**: the hand-written CUDA programs of `Sources/TorchCUDA/Kernels`",
            "  (compiled by NVRTC and, on the host, by clang++ against the CPU ops in the test suite);",
            "- **cuBLAS**: matrix products (row-major or transposed operands read in place);",
            "- **copy kernel**: the result is assembled by strided copies; **view**: no kernel;",
            "- **composite of CUDA ops**: written with ops that all run on the GPU;",
            "- **CPU fallback**: copied to the CPU, run there and copied back, with a one-time warning naming the op.",
            "",
            "The test suite runs every op forward and backward on a stand-in device and checks that only the CPU-fallback",
            "ops leave it. GPU verification: `docs/cuda.md`.",
            "",
            "| op | kind | on CUDA | dtypes |",
            "| --- | --- | --- | --- |",
        ]
        var counts: [CUDAPath: Int] = [:]
        for op in OpRegistry.all {
            let p = path(of: op)
            counts[p, default: 0] += 1
            let dtypes = KernelSource.specs(for: op).map { s in s.output == s.inputs[0] ? s.inputs[0].rawValue : "\(s.inputs[0].rawValue)→\(s.output.rawValue)" }
            lines.append("| `\(op.name)` | \(op.kind.rawValue) | \(p.rawValue) | \(dtypes.joined(separator: ", ")) |")
        }
        lines.append("")
        let summary = CUDAPath.allCases.compactMap { p in counts[p].map { "\($0) \(p.rawValue)" } }
        lines.append("\(OpRegistry.all.count) ops: " + summary.joined(separator: ", ") + ".")
        lines.append("")
        lines.append("`maskedSelect` and `nonzero` read the mask on the host (the result's size depends on it) and gather on the GPU.")
        lines.append("`all` and `any` reduce truth values with the row kernels; `unique` is a composite of sort, selection and scatter.")
        lines.append("Outside the registry, `mode` runs on the CPU for CUDA tensors. Random tensors on the GPU (`rand`, `randn`, `uniform_`, `normal_`, `bernoulli`, dropout")
        lines.append("masks) are drawn there by Philox4x32-10 keyed by the generator, so a seed reproduces them (they differ from")
        lines.append("the CPU's numbers, as in PyTorch); `randint` and `randperm` are drawn on the CPU and copied.")
        return lines.joined(separator: "\n") + "\n"
    }
}
