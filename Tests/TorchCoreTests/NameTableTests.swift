import Foundation
import Testing
import Torch

/// Every right-hand entry of the README's "From PyTorch to SwiftTorch" table, written as the table shows it.
@Suite struct NameTableTests {
    final class Net: Module {
        @Parameter var w: Tensor = Tensor.zeros([3])
        let body = Sequential { Linear(4, 8); ReLU() }
        override func forward(_ input: Tensor) -> Tensor { body(input) }
    }

    @Test func tableEntriesWorkAsWritten() throws {
        Torch.manualSeed(0)
        let r = Tensor.randn([2, 3]), z = Tensor.zeros([4], dtype: .float64)
        #expect(r.shape == [2, 3] && z.dtype == .float64)
        let t = Tensor([1.0, 2.0])
        #expect(t.shape == [2] && t.to(.float16).dtype == .float16 && Tensor([5.0]).item() == 5)
        let x = Tensor.arange(0, 6).reshape([2, 3])
        #expect(x.view(3, -1).shape == [3, 2] && x.permute(1, 0).shape == [3, 2] && x[0].shape == [3])
        #expect(Tensor.cat([x, x], dim: 1).shape == [2, 6])
        let leaf = Tensor([1.0, 2.0], dtype: .float64).requiresGrad_()
        let y = (leaf * leaf).sum()
        let g = Torch.grad(outputs: [y], inputs: [leaf], createGraph: true)
        #expect(g[0]!.toArray(of: Double.self) == [2, 4])
        noGrad { #expect(!(leaf * 2).requiresGrad) }
        y.backward()
        #expect(leaf.grad!.toArray(of: Double.self) == [2, 4])

        let model = Net()
        let logits = Tensor.randn([5, 8])
        _ = F.crossEntropy(logits, Tensor([Int64(1), 0, 7, 2, 3]), labelSmoothing: 0.1)
        let sd = model.stateDict()
        try model.loadStateDict(Dictionary(uniqueKeysWithValues: sd.map { ($0.key, $0.value) }))
        model.train()
        model.eval()
        #expect(!model.training)
        let opt = AdamW(model.parameters(), lr: 1e-3)
        opt.zeroGrad()
        model(Tensor.randn([2, 4])).sum().backward()
        opt.step()
        _ = OneCycleLR(opt, maxLR: 0.1, totalSteps: 10)
        let loader = DataLoader(TensorDataset(Tensor.randn([10, 4]), Tensor.zeros([10])), batchSize: 4, shuffle: true)
        #expect(Array(loader).count == 3)
        let f: CollateFunction = { defaultCollate($0) }
        let ds = TensorDataset(Tensor.randn([10, 4]), Tensor.zeros([10]))
        #expect(Array(DataLoader(ds, batchSize: 8, numWorkers: 2, collate: f)).map { $0.input.shape[0] } == [8, 2])
        let params = [Tensor([1.0, -2.0]).requiresGrad_()]
        let lbfgs = LBFGS(params, lineSearchFn: .strongWolfe)
        let closure = { () -> Tensor in
            lbfgs.zeroGrad()
            let l = (params[0] - 3).square().sum()
            l.backward()
            return l
        }
        lbfgs.step(closure: closure)
        #expect(params[0].allclose(Tensor([3.0, 3.0])))
        let ema = AveragedModel(model, copy: Net(), averaging: .ema(decay: 0.999))
        ema.updateParameters(model)
        let sgd = SGD(model.parameters(), lr: 0.1)
        _ = ChainedScheduler([ConstantLR(sgd, factor: 0.5), ExponentialLR(sgd, gamma: 0.9)])
        #expect(Swift.abs(sgd.paramGroups[0]["lr"] - 0.05) < 1e-15)

        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("nametable-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try TorchCheckpoint.save(sd, to: dir + "/m.pt")
        #expect(try TorchCheckpoint.loadStateDict(dir + "/m.pt").map { $0.0 } == sd.map { $0.key })
        try TorchCheckpoint.save(.dict([(.string("epoch"), .int(3)), (.string("optimizer"), opt.stateDict().pickleValue)]), to: dir + "/c.pt")
        #expect(try TorchCheckpoint.load(dir + "/c.pt").dictionary?["epoch"]?.number == 3)
        try Safetensors.write(sd, to: dir + "/m.safetensors")
        try Npy.write(t, to: dir + "/t.npy")
        #expect(try Npy.read(dir + "/t.npy").toArray(of: Double.self) == [1, 2])
    }
}
