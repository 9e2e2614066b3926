import Torch

// MARK: - cuda-selftest: training on the GPU

extension CUDASelfTest {
    /// A short training run on `device` against the same run on the CPU: the MLP of `train_mlp` (784-256-256-10,
    /// batch 128, SGD with momentum) for 10 steps from the same weights and data; the losses of every step and the
    /// final weights must agree to float32 accuracy.
    /// - Parameter device: the GPU.
    static func training(device: Device) -> [GPUCheck] {
        Torch.manualSeed(0)
        func make() -> Module { Sequential { Linear(784, 256); ReLU(); Linear(256, 256); ReLU(); Linear(256, 10) } }
        let cpuModel = make(), gpuModel = make()
        _ = try? gpuModel.loadStateDict(Dictionary(uniqueKeysWithValues: cpuModel.stateDict().map { ($0.key, $0.value.clone()) }))
        gpuModel.to(device: device)
        let x = Tensor.randn([128, 784]), y = Tensor.randint(0, 10, [128])
        let gx = x.to(device), gy = y.to(device)
        let cpuOpt = SGD(cpuModel.parameters(), lr: 0.01, momentum: 0.9), gpuOpt = SGD(gpuModel.parameters(), lr: 0.01, momentum: 0.9)
        var cpuLosses: [Double] = [], gpuLosses: [Double] = []
        for _ in 0..<10 {
            cpuOpt.zeroGrad()
            let l = F.crossEntropy(cpuModel(x), y)
            l.backward()
            cpuOpt.step()
            cpuLosses.append(l.item())
            gpuOpt.zeroGrad()
            let lg = F.crossEntropy(gpuModel(gx), gy)
            lg.backward()
            gpuOpt.step()
            gpuLosses.append(lg.item())
        }
        var out = [compare("train_mlp losses (10 steps)", "training", Tensor(gpuLosses), Tensor(cpuLosses), rtol: 1e-4)]
        for ((name, c), (_, g)) in zip(cpuModel.namedParameters(), gpuModel.namedParameters()) {
            out.append(g.device == device ? compare("train_mlp \(name) after 10 steps", "training", g.cpu(), c, rtol: 1e-3, atol: 1e-5)
                       : GPUCheck(name: "train_mlp \(name)", layout: "training", worst: .infinity, problem: "parameter on \(g.device)"))
        }
        return out
    }
}

extension GPUBench {
    /// `train_transformer` (WORKLOADS §2.10) at batch 256 on the GPU: steps per second.
    func trainTransformer(batch: Int = 256) throws -> GPUBenchResult {
        Torch.manualSeed(0)
        let dev = Device.cuda(device.ordinal)
        let model = BenchTinyTransformer().to(device: dev)
        let x = Tensor.randn([batch, 64, 128]).to(dev), y = Tensor.randint(0, 256, [batch, 64]).to(dev)
        let opt = AdamW(model.parameters(), lr: 1e-3, betas: (0.9, 0.999), eps: 1e-8, weightDecay: 0.01)
        let ms = try time(iterations: 5) {
            opt.zeroGrad()
            F.crossEntropy(model(x).reshape([batch * 64, 256]), y.reshape([batch * 64])).backward()
            opt.step()
        }
        return GPUBenchResult(id: "train_transformer_b\(batch)", medianMs: ms, figure: 1000 / ms, unit: "steps_per_s")
    }
}
