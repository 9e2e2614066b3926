import Testing
import Torch
import _TestSupport
#if canImport(Glibc)
import Glibc
#endif

/// Writing general `torch.save` object trees, optimizer and scheduler states in PyTorch's layout, generator states.
@Suite struct CheckpointWriteTests {
    func path(_ name: String) -> String { temporaryFolder("swifttorch-ckpt") + "/" + name }

    @Test func objectTreesRoundTrip() throws {
        let base = Tensor.arange(0, 12, dtype: .float32).reshape([3, 4])
        let view = base[1]
        let value = PickleValue.dict([
            (.string("model"), .dict([(.string("w"), .tensor(base)), (.string("row"), .tensor(view))])),
            (.string("epoch"), .int(7)),
            (.string("big"), .int(1 << 40)),
            (.string("lr"), .float(-2.5e-3)),
            (.string("flags"), .list([.bool(true), .bool(false), .none])),
            (.string("betas"), .tuple([.float(0.9), .float(0.999)])),
            (.string("empty"), .list([])),
            (.string("nested"), .dict([(.int(0), .dict([(.string("step"), .tensor(Tensor(scalar: Float(3))))])), (.int(1), .dict([]))])),
        ])
        let file = path("tree.pt")
        try TorchCheckpoint.save(value, to: file)
        let back = try TorchCheckpoint.load(file)
        #expect(back.description == value.description)
        let top = try #require(back.dictionary)
        guard case .dict(let model)? = top["model"], case .tensor(let w) = model[0].1, case .tensor(let row) = model[1].1 else {
            Issue.record("model entries are not tensors: \(back)")
            return
        }
        #expect(w.toArray(of: Float.self) == base.toArray(of: Float.self))
        #expect(row.toArray(of: Float.self) == [4, 5, 6, 7])
        noGrad { _ = w.fill_(1) }
        #expect(row.toArray(of: Float.self) == [1, 1, 1, 1], "the view still shares the storage")
        #expect(top["lr"]?.number == -2.5e-3 && top["big"]?.number == Double(1 << 40))
        #expect(top["nested"]?.dictionary?["0"]?.dictionary?["step"] != nil)
    }

    /// Device tensors are written through CPU copies made one at a time; each must get its own record, although
    /// a freed copy's storage object may share its address with the next one's.
    @Test func deviceTensorsEachGetTheirOwnStorage() throws {
        HostBackedDeviceBackend.install()
        DeviceFallbacks.warns = false
        let shapes: [[Int]] = [[128, 784], [128], [10, 128], [10], [3, 3], [7], [64, 2], [1], [5, 5, 2], [33]]
        let tensors = shapes.enumerated().map { i, shape in
            ("t\(i)", (Tensor.arange(0, Double(shape.reduce(1, *)), dtype: .float32).reshape(shape) + Double(1000 * i)).to(.cuda(0)))
        }
        let file = path("device.pt")
        try TorchCheckpoint.save(tensors, to: file)
        let back = try TorchCheckpoint.loadStateDict(file)
        #expect(back.map { $0.0 } == tensors.map { $0.0 })
        for ((name, written), (_, read)) in zip(tensors, back) {
            #expect(read.shape == written.shape && read.toArray(of: Float.self) == written.cpu().toArray(of: Float.self), "\(name)")
        }
    }

    @Test func bytesAreRefusedAndNothingIsWritten() {
        let file = path("bad.pt")
        #expect(throws: (any Error).self) { try TorchCheckpoint.save(.dict([(.string("x"), .bytes([1, 2]))]), to: file) }
        #expect(access(file, F_OK) != 0)
    }

    @Test func optimizerStateRoundTripsThroughPyTorchLayout() throws {
        let w = Tensor([[0.5, -1.0], [2.0, 0.25]]).requiresGrad_()
        func loss() -> Tensor { (w.matmul(Tensor([1.0, -2.0])) - 1).square().sum() }
        let opt = Adam([w], lr: 0.1, betas: (0.8, 0.95), amsgrad: true)
        for _ in 0..<3 {
            opt.zeroGrad()
            loss().backward()
            opt.step()
        }
        let file = path("opt.pt")
        try TorchCheckpoint.save(opt.stateDict().pickleValue, to: file)
        let loaded = try TorchCheckpoint.load(file)
        // PyTorch's keys and types: betas as a tuple, amsgrad a bool, params indices.
        let group = try #require(loaded.dictionary?["param_groups"]?.listItems?.first?.dictionary)
        #expect(group["betas"]?.description == "(0.8, 0.95)")
        #expect(group["amsgrad"]?.description == "True")
        #expect(group["params"]?.description == "[0]")
        let state = try OptimizerStateDict(pickle: loaded)
        let w2 = w.detach().clone().requiresGrad_()
        let opt2 = Adam([w2], lr: 0.3)
        opt2.loadStateDict(state)
        #expect(opt2.paramGroups[0]["beta1"] == 0.8 && opt2.paramGroups[0]["lr"] == 0.1)
        for _ in 0..<2 {
            opt.zeroGrad()
            loss().backward()
            opt.step()
            opt2.zeroGrad()
            (w2.matmul(Tensor([1.0, -2.0])) - 1).square().sum().backward()
            opt2.step()
        }
        #expect(w2.equal(w))
        let sched = try LRSchedulerState(pickle: LRSchedulerState(lastEpoch: 4, baseLRs: [0.1, 0.2]).pickleValue)
        #expect(sched == LRSchedulerState(lastEpoch: 4, baseLRs: [0.1, 0.2]))
        #expect(throws: CheckpointFormatError.self) { try OptimizerStateDict(pickle: .dict([(.string("state"), .list([]))])) }
    }

    @Test func generatorStateRestoresTheStream() {
        let g = Generator(seed: 11)
        _ = Tensor.randn([5], generator: g)
        let saved = g.getState()
        #expect(saved.dtype == .uint8 && saved.shape == [40])
        let a = Tensor.rand([6], generator: g)
        let h = Generator(seed: 99)
        h.setState(saved)
        #expect(Tensor.rand([6], generator: h).equal(a))
        #expect(h.initialSeed == 11)
    }
}
