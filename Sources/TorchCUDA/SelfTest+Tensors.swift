import TorchCore

// MARK: - GPU self-test: tensors on the GPU

extension CUDASelfTest {
    /// Every registry op on `.cuda(index)` tensors against the same op on the CPU: the forward result (device,
    /// shape, dtype, values) and, for differentiable ops, the gradients of every input after `backward` with a
    /// random output gradient. Inputs are float32 samples of the op's domains, as a training run would use.
    /// - Parameters:
    ///   - index: the GPU ordinal.
    ///   - seed: the random seed for inputs.
    ///   - ops: only these registry ops (all, and the extra product and stream checks, when nil).
    public static func tensors(index: Int = 0, seed: UInt64 = 21, ops: Set<String>? = nil) -> [GPUCheck] {
        let device = Device.cuda(index)
        var out: [GPUCheck] = []
        for op in OpRegistry.all where ops.map({ $0.contains(op.name) }) ?? true {
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
        if ops == nil {
            out += stridedProducts(device: device, seed: seed)
            out += streams(index: index, seed: seed)
        }
        return out
    }

    /// Work inside `CUDA.withStream` (kernels, a cuBLAS product, copies, allocations from the stream's free list)
    /// against the CPU, and an event ordering the default stream after it. Empty without a CUDA driver.
    static func streams(index: Int, seed: UInt64) -> [GPUCheck] {
        guard let dev = try? CUDA.device(index) else { return [] }
        let device = Device.cuda(index)
        do {
            let stream = try CUDAStream(device: dev), done = try CUDAEvent(device: dev)
            let g = Generator(seed: seed &+ 11)
            let a = Tensor.randn([257, 65], generator: g), b = Tensor.randn([65, 33], generator: g)
            let expected = (a.mm(b) * 2 + 1).tanh()
            let (ga, gb) = (a.to(device), b.to(device))
            let got = try CUDA.withStream(stream) { () throws(CUDAError) -> Tensor in
                let r = (ga.mm(gb) * 2 + 1).tanh()
                try done.record()
                return r
            }
            try dev.synchronize()
            return [compare("stream: tanh(a @ b · 2 + 1) on \(device)", "stream", got.cpu(), expected, rtol: 1e-4, atol: 1e-5)]
        } catch {
            return [GPUCheck(name: "stream on \(device)", layout: "stream", worst: .infinity, problem: "\(error)")]
        }
    }

    /// Matrix products whose operands cuBLAS reads in place: transposed views, row-strided slices and batches
    /// broadcast with stride 0 (float32, against the CPU).
    static func stridedProducts(device: Device, seed: UInt64) -> [GPUCheck] {
        let g = Generator(seed: seed &+ 7)
        let a = Tensor.randn([33, 17], generator: g), b = Tensor.randn([17, 29], generator: g)
        let wide = Tensor.randn([33, 40], generator: g), batch = Tensor.randn([5, 17, 29], generator: g)
        let cases: [(String, (Tensor, Tensor, Tensor, Tensor) -> Tensor)] = [
            ("a @ b", { a, b, _, _ in a.mm(b) }),
            ("aᵀᵀ @ b (transposed A)", { a, b, _, _ in a.t().contiguous().t().mm(b) }),
            ("a @ (bᵀ)ᵀ (transposed B)", { a, b, _, _ in a.mm(b.t().contiguous().t()) }),
            ("aᵀ @ a (both transposed views)", { a, _, _, _ in a.t().mm(a) }),
            ("row-strided slice @ b", { _, b, w, _ in w.narrow(1, 3, 17).mm(b) }),
            ("a broadcast over a batch", { a, _, _, bt in a.matmul(bt) }),
            ("batch @ bᵀ-view", { _, _, _, bt in bt.transpose(1, 2).matmul(Tensor.ones([17, 4], device: bt.device)) }),
        ]
        return cases.map { name, f in
            let expected = f(a, b, wide, batch)
            let got = f(a.to(device), b.to(device), wide.to(device), batch.to(device))
            return compare("matmul \(name) on \(device)", "strided cuBLAS", got.cpu(), expected, rtol: 1e-4, atol: 1e-4)
        }
    }
}
