import Testing
import Torch
import _TestSupport

/// Whole training steps on a device (the host-backed stand-in, `_TestSupport`): `Module.to(device:)`, forward,
/// loss, backward and optimizer updates stay on the device and give the CPU's parameters.
@Suite struct DeviceTrainingTests {
    static let dev = Device.cuda(0)

    init() {
        HostBackedDeviceBackend.install()
        DeviceFallbacks.warns = false
    }

    /// Trains `make()` for a few steps on the CPU and on the device from the same initial weights and data;
    /// returns the largest parameter difference and the device each parameter ended on.
    func trainBoth(_ make: () -> Module, input: Tensor, target: Tensor, steps: Int = 3,
                   optimizer: ([Tensor]) -> Optimizer, loss: (Tensor, Tensor) -> Tensor) -> (maxDiff: Double, devices: Set<Device>, losses: [Double]) {
        Torch.manualSeed(3)
        let cpuModel = make()
        let devModel = make()
        _ = try! devModel.loadStateDict(Dictionary(uniqueKeysWithValues: cpuModel.stateDict().map { ($0.key, $0.value.clone()) }))
        devModel.to(device: Self.dev)
        let cpuOpt = optimizer(cpuModel.parameters()), devOpt = optimizer(devModel.parameters())
        let x = input.to(Self.dev), y = target.to(Self.dev)
        var losses: [Double] = []
        for _ in 0..<steps {
            cpuOpt.zeroGrad()
            let l = loss(cpuModel(input), target)
            l.backward()
            cpuOpt.step()
            devOpt.zeroGrad()
            let ld = loss(devModel(x), y)
            #expect(ld.device == Self.dev)
            ld.backward()
            devOpt.step()
            losses.append(ld.item())
            #expect(abs(ld.item() - l.item()) <= 1e-5 * Swift.max(1, abs(l.item())), "loss \(ld.item()) vs \(l.item())")
        }
        var worst = 0.0
        var devices: Set<Device> = []
        for ((_, a), (_, b)) in zip(cpuModel.namedParameters(), devModel.namedParameters()) {
            devices.insert(b.device)
            worst = Swift.max(worst, (a - b.cpu()).abs().max().item())
        }
        return (worst, devices, losses)
    }

    @Test func mlpWithAdamMatchesTheCPU() {
        let g = Generator(seed: 5)
        let x = Tensor.randn([16, 8], generator: g)
        let y = Tensor.randint(0, 3, [16], generator: g)
        let r = trainBoth({ Sequential([Linear(8, 16), ReLU(), Linear(16, 3)]) }, input: x, target: y,
                          optimizer: { Adam($0, lr: 1e-2) }, loss: { F.crossEntropy($0, $1) })
        #expect(r.devices == [Self.dev])
        #expect(r.maxDiff <= 1e-5, "largest parameter difference \(r.maxDiff)")
        #expect(r.losses.last! < r.losses.first!)
    }

    @Test func cnnWithSGDMatchesTheCPU() {
        let g = Generator(seed: 6)
        let x = Tensor.randn([4, 1, 8, 8], generator: g)
        let y = Tensor.randint(0, 2, [4], generator: g)
        let r = trainBoth({ Sequential([Conv2d(1, 4, kernelSize: (3, 3), padding: (1, 1)), ReLU(), MaxPool2d((2, 2)),
                                        Flatten(), Linear(64, 2)]) },
                          input: x, target: y, optimizer: { SGD($0, lr: 0.1, momentum: 0.9) }, loss: { F.crossEntropy($0, $1) })
        #expect(r.devices == [Self.dev])
        #expect(r.maxDiff <= 1e-5, "largest parameter difference \(r.maxDiff)")
    }

    /// (SGD with momentum: Adam would turn the rounding noise of gradients that are exactly zero in exact
    /// arithmetic — the key projection's bias under softmax — into lr-sized steps on either side.)
    @Test func transformerLayerWithSGDMatchesTheCPU() {
        let g = Generator(seed: 7)
        let x = Tensor.randn([2, 5, 16], generator: g)
        let y = Tensor.randn([2, 5, 16], generator: g)
        let r = trainBoth({ () -> Module in
            let m = TransformerEncoderLayer(dModel: 16, nhead: 4, dimFeedforward: 32, dropout: 0, batchFirst: true)
            return m
        }, input: x, target: y, optimizer: { SGD($0, lr: 0.05, momentum: 0.9) }, loss: { F.mseLoss($0, $1) })
        #expect(r.devices == [Self.dev])
        #expect(r.maxDiff <= 1e-5, "largest parameter difference \(r.maxDiff)")
    }

    @Test func embeddingAndLayerNormMatchTheCPU() {
        let g = Generator(seed: 8)
        let tokens = Tensor.randint(0, 10, [3, 4], generator: g)
        let y = Tensor.randn([3, 4, 6], generator: g)
        let r = trainBoth({ Sequential([Embedding(10, 6), LayerNorm([6])]) }, input: tokens, target: y,
                          optimizer: { SGD($0, lr: 0.5) }, loss: { F.mseLoss($0, $1) })
        #expect(r.devices == [Self.dev])
        #expect(r.maxDiff <= 1e-5, "largest parameter difference \(r.maxDiff)")
    }
}
