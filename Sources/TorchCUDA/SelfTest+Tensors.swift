import TorchCore

// MARK: - GPU self-test: tensors on the GPU

extension CUDASelfTest {
    /// Every registry op on `.cuda(index)` tensors against the same op on the CPU: the forward result (device,
    /// shape, dtype, values) and, for differentiable ops, the gradients of every input after `backward` with a
    /// random output gradient. Inputs are float32 samples of the op's domains, as a training run would use.
    /// - Parameters:
    ///   - index: the GPU ordinal.
    ///   - seed: the random seed for inputs.
    public static func tensors(index: Int = 0, seed: UInt64 = 21) -> [GPUCheck] {
        let device = Device.cuda(index)
        var out: [GPUCheck] = []
        for op in OpRegistry.all {
            let base = op.sampleInputs(dtype: .float32, generator: Generator(seed: seed))
            let expected = noGrad { op.call(base) }
            let got = noGrad { op.call(base.map { $0.to(device) }) }
            let name = "\(op.name) on \(device)"
            if got.device != device || got.shape != expected.shape || got.dtype != expected.dtype {
                out.append(GPUCheck(name: name, layout: "forward", worst: .infinity,
                                    problem: "got \(got.dtype) \(got.shape) on \(got.device), expected \(expected.dtype) \(expected.shape)"))
                continue
            }
            out.append(compare(name, "forward", got.cpu(), expected, rtol: 1e-4, atol: 1e-5))
            guard op.differentiable else { continue }
            let cpuLeaves = base.map { $0.detach().requiresGrad_() }
            let gpuLeaves = base.map { $0.to(device).requiresGrad_() }
            let g = Tensor.randn(expected.shape, dtype: expected.dtype, generator: Generator(seed: seed &+ 1))
            op.call(cpuLeaves).backward(gradient: g)
            op.call(gpuLeaves).backward(gradient: g.to(device))
            for (i, (c, d)) in zip(cpuLeaves, gpuLeaves).enumerated() {
                guard let cg = c.grad else { continue }
                guard let dg = d.grad else {
                    out.append(GPUCheck(name: name, layout: "backward input \(i)", worst: .infinity, problem: "no gradient on the GPU"))
                    continue
                }
                out.append(compare(name, "backward input \(i)", dg.cpu(), cg, rtol: 1e-3, atol: 1e-4))
            }
        }
        return out
    }
}
