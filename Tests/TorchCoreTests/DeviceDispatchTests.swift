import Testing
import Torch
import _TestSupport

/// Tensors on a device other than the CPU, with the host-backed stand-in backend (`_TestSupport`): placement,
/// transfers, the CPU fallback of every registry op (forward and backward), mixed-device errors, and the
/// elementwise requests a real backend receives.
@Suite struct DeviceDispatchTests {
    static let backend = HostBackedDeviceBackend.install()
    static let dev = Device.cuda(0)
    static let allNames = OpRegistry.all.map { $0.name }

    init() {
        _ = Self.backend
        DeviceFallbacks.warns = false
    }

    static func op(_ name: String) -> OpInfo { OpRegistry.all.first { $0.name == name }! }

    @Test func roundTripKeepsValuesAndDevice() {
        let x = Tensor([1.5, -2, 3, 4, 5, 6] as [Float], shape: [2, 3])
        let d = x.to(Self.dev)
        #expect(d.device == Self.dev && d.isCUDA && !x.isCUDA)
        #expect(d.shape == [2, 3] && d.dtype == .float32)
        #expect(d.cpu().device == .cpu)
        #expect(d.toArray(of: Float.self) == [1.5, -2, 3, 4, 5, 6])
        #expect(d[0, 0].item(Float.self) == 1.5)
        // A strided view moves as its values, and views of device tensors stay on the device.
        let t = d.t()
        #expect(t.device == Self.dev && !t.isContiguous)
        #expect(t.cpu().toArray(of: Float.self) == [1.5, 4, -2, 5, 3, 6])
        #expect(t.contiguous().device == Self.dev && t.contiguous().isContiguous)
        #expect(x.t().to(Self.dev).toArray(of: Float.self) == [1.5, 4, -2, 5, 3, 6])
        #expect(d[1, 2].item(Float.self) == 6)
    }

    @Test func printingNamesTheDevice() {
        let d = Tensor([1, 2] as [Float]).to(Self.dev)
        #expect(d.description == "tensor([1., 2.], device='cuda:0')")
        #expect(Tensor([1, 2] as [Double]).cuda().description == "tensor([1., 2.], device='cuda:0', dtype=torch.float64)")
    }

    @Test func creationOnTheDevice() {
        let z = Tensor.zeros([2, 3], device: Self.dev)
        #expect(z.device == Self.dev && z.toArray(of: Float.self) == [0, 0, 0, 0, 0, 0])
        let f = Tensor.full([2], 2.5, dtype: .float64, device: Self.dev)
        #expect(f.toArray(of: Double.self) == [2.5, 2.5])
        let o = Tensor.onesLike(f)
        #expect(o.device == Self.dev && o.dtype == .float64 && o.toArray(of: Double.self) == [1, 1])
        let r = Tensor.randnLike(o)
        #expect(r.device == Self.dev)
        #expect(f.to(.int32).device == Self.dev && f.to(.int32).toArray(of: Int32.self) == [2, 2])
        #expect(Tensor.arange(4, device: Self.dev).toArray(of: Int64.self) == [0, 1, 2, 3])
        #expect(Tensor.eye(2, device: Self.dev).toArray(of: Float.self) == [1, 0, 0, 1])
        #expect(Tensor.linspace(0, 1, steps: 3, device: Self.dev).toArray(of: Float.self) == [0, 0.5, 1])
        #expect(Tensor.randint(0, 5, [6], device: Self.dev).device == Self.dev && Tensor.randperm(5, device: Self.dev).device == Self.dev)
    }

    @Test func castsAndInPlaceWritesStayOnTheDevice() {
        let x = Tensor([1, 2, 3, 4] as [Float], shape: [2, 2]).cuda()
        let h = x.to(.float16)
        #expect(h.device == Self.dev && h.dtype == .float16 && h.toArray(of: Float.self) == [1, 2, 3, 4])
        let y = x.clone()
        y.add_(Tensor(1.0))
        y[0].fill_(7)
        #expect(y.device == Self.dev && y.toArray(of: Float.self) == [7, 7, 4, 5])
        #expect(x.toArray(of: Float.self) == [1, 2, 3, 4])
    }

    @Test func deviceMemoryIsFreedWithItsTensors() {
        weak var block: AnyObject?
        weak var product: AnyObject?
        do {
            let a = Tensor.ones([64, 64]).cuda()
            let b = a * 2
            block = a.storage.deviceOwner
            product = b.storage.deviceOwner
            #expect(block != nil && product != nil)
            #expect(b.sum().item() == 8192)
        }
        #expect(block == nil && product == nil, "device blocks outlived their tensors")
    }

    /// Every registry op on device tensors gives the CPU result, on the device; differentiable ops give the CPU
    /// gradients, on the device.
    @Test(arguments: allNames)
    func registryOpMatchesCPU(_ name: String) {
        let op = Self.op(name)
        let base = op.sampleInputs(generator: Generator(seed: 11))
        let expected = noGrad { op.call(base) }
        let onDevice = base.map { $0.to(Self.dev) }
        let out = noGrad { op.call(onDevice) }
        #expect(out.device == Self.dev, "\(name): result on \(out.device)")
        #expect(out.shape == expected.shape && out.dtype == expected.dtype, "\(name): \(out.shape) \(out.dtype) vs \(expected.shape) \(expected.dtype)")
        if out.shape == expected.shape && out.count > 0 {
            let c = compareClose(out.cpu().to(.float64), expected.to(.float64).toArray(of: Double.self), rtol: 1e-12, atol: 1e-12)
            #expect(c.isClose, "\(name): \(c.message)")
        }
        guard op.differentiable else { return }
        let cpuLeaves = base.map { $0.detach().requiresGrad_() }
        let devLeaves = base.map { $0.to(Self.dev).requiresGrad_() }
        let g = Tensor.randn(expected.shape, dtype: .float64, generator: Generator(seed: 12))
        op.call(cpuLeaves).backward(gradient: g)
        op.call(devLeaves).backward(gradient: g.to(Self.dev))
        for (i, (c, d)) in zip(cpuLeaves, devLeaves).enumerated() {
            guard let cg = c.grad else { continue }
            guard let dg = d.grad else { Issue.record("\(name): input \(i) has no gradient on the device"); continue }
            #expect(dg.device == Self.dev, "\(name): gradient \(i) on \(dg.device)")
            let cmp = compareClose(dg.cpu(), cg.toArray(of: Double.self), rtol: 1e-10, atol: 1e-12)
            #expect(cmp.isClose, "\(name): gradient \(i): \(cmp.message)")
        }
    }

    /// The elementwise requests name the registry op and carry its sample parameters, so a real backend finds the
    /// op's expression and runs it with the caller's values.
    /// (`clone` is served by the backend's copy.)
    @Test(arguments: OpRegistry.all.filter { $0.elementwise != nil && $0.name != "clone" }.map(\.name))
    func elementwiseRequestsNameTheRegistryOp(_ name: String) {
        let op = Self.op(name)
        let inputs = op.sampleInputs(dtype: .float32, generator: Generator(seed: 13)).map { $0.to(Self.dev) }
        let requests = Self.backend.recording { _ = noGrad { op.call(inputs) } }.filter { $0.kind == "elementwise" }
        let mine = requests.filter { $0.op == name }
        #expect(!mine.isEmpty, "\(name): requests were \(requests.map(\.op))")
        if let r = mine.first {
            #expect(r.parameters == op.elementwise!.sampleParameters, "\(name): parameters \(r.parameters)")
            #expect(r.inputs.count == op.elementwise!.arity)
        }
    }

    /// Reductions, softmax and layerNorm reach the backend's row kernels (not the CPU fallback), with dense rows.
    @Test func rowKernelsAreRequested() {
        let x = Tensor.randn([4, 6, 5], generator: Generator(seed: 14)).cuda()
        let kinds = Self.backend.recording {
            _ = x.sum([0, 2])
            _ = x.amax([1])
            _ = x.transpose(0, 2).softmax(dim: 1)
            _ = x.logSoftmax(dim: -1)
            _ = x.layerNorm([5], weight: Tensor.ones([5]).cuda(), bias: nil)
        }.filter { $0.kind != "elementwise" }.map { "\($0.kind):\($0.op)" }
        #expect(kinds == ["reduceRows:sum", "reduceRows:amax", "softmaxRows:softmax", "softmaxRows:logSoftmax", "layerNormRows:layerNorm"])
        let s = x.sum([0, 2])
        #expect(s.device == Self.dev && compareClose(s.cpu(), x.cpu().sum([0, 2]).toArray(of: Double.self), rtol: 1e-6, atol: 1e-6).isClose)
    }

    /// Random tensors on a device are drawn there (Philox keyed by the generator): reproducible per seed, with the
    /// right distributions, and dropout masks follow.
    @Test func randomTensorsAreDrawnOnTheDevice() {
        let a = Tensor.rand([4000], generator: Generator(seed: 5), device: Self.dev)
        let b = Tensor.rand([4000], generator: Generator(seed: 5), device: Self.dev)
        #expect(a.device == Self.dev && a.toArray(of: Float.self) == b.toArray(of: Float.self))
        let u = a.cpu().to(.float64)
        #expect(u.min().item() >= 0 && u.max().item() < 1)
        #expect(abs(u.mean().item() - 0.5) < 4 * 0.2887 / 4000.0.squareRoot(), "mean \(u.mean().item())")
        let z = Tensor.randn([4000], dtype: .float64, generator: Generator(seed: 6), device: Self.dev).cpu()
        #expect(abs(z.mean().item()) < 4 / 4000.0.squareRoot() && abs(z.std().item() - 1) < 0.05, "mean \(z.mean().item()) std \(z.std().item())")
        let p = Tensor.full([2000], 0.3, device: Self.dev).bernoulli(generator: Generator(seed: 7))
        #expect(p.device == Self.dev && abs(p.cpu().mean().item() - 0.3) < 4 * (0.21 / 2000).squareRoot())
        let w = Tensor.empty([3, 5], device: Self.dev).uniform_(from: -1, to: 1, generator: Generator(seed: 8))
        #expect(w.device == Self.dev && w.cpu().abs().max().item() <= 1)
        #expect(Tensor.rand([3], generator: Generator(seed: 5), device: Self.dev).toArray(of: Float.self)
                != Tensor.rand([3], generator: Generator(seed: 9), device: Self.dev).toArray(of: Float.self))
    }

    @Test func allAndAnyReduceOnTheDevice() {
        let x = Tensor([0, 1, 2, 0, 3, 4] as [Float], shape: [2, 3]).cuda()
        let (r, fallbacks) = DeviceFallbacks.collecting { (x.all([1]), x.any([0]), x.all(), Tensor.zeros([2], device: Self.dev).any()) }
        #expect(r.0.device == Self.dev && r.0.toArray(of: Bool.self) == [false, false])
        #expect(r.1.toArray(of: Bool.self) == [false, true, true])
        #expect(r.2.item(Bool.self) == false && r.3.item(Bool.self) == false)
        #expect(!fallbacks.contains("all") && !fallbacks.contains("any"))
    }

    @Test func uniqueRunsOnTheDevice() {
        let x = Tensor([3, 1, 2, 3, 3, 1, 7, 2] as [Float], shape: [2, 4])
        let expected = x.unique(returnInverse: true, returnCounts: true)
        let (got, fallbacks) = DeviceFallbacks.collecting { x.cuda().unique(returnInverse: true, returnCounts: true) }
        #expect(got.values.device == Self.dev && got.values.toArray(of: Float.self) == expected.values.toArray(of: Float.self))
        #expect(got.inverse?.cpu().toArray(of: Int64.self) == expected.inverse?.toArray(of: Int64.self) && got.inverse?.shape == [2, 4])
        #expect(got.counts?.cpu().toArray(of: Int64.self) == expected.counts?.toArray(of: Int64.self))
        #expect(!fallbacks.contains("unique"))
        #expect(Tensor([5] as [Float]).cuda().unique(returnCounts: true).counts?.toArray(of: Int64.self) == [1])
    }

    @Test func mixedDevicesAreRefused() async {
        let r = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = HostBackedDeviceBackend.install()
            _ = Tensor.ones([2, 3]).cuda() + Tensor.ones([2, 3])
        }
        let text = String(decoding: r?.standardErrorContent ?? [], as: UTF8.self)
        #expect(text.contains("add: expected all tensors to be on the same device, but found at least two devices, cuda:0 and cpu!"))
    }

    @Test func scalarsAndZeroDimCPUTensorsGoWithTheDevice() {
        let x = Tensor([1, 2, 3] as [Float]).cuda()
        let y = x * 2.5 + Tensor(1.0)
        #expect(y.device == Self.dev && y.toArray(of: Float.self) == [3.5, 6, 8.5])
    }

    @Test func kernelsRefuseDeviceMemory() async {
        let r = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            DeviceBackends.unregister("cuda")
            _ = Tensor.ones([2]).cuda()
        }
        let text = String(decoding: r?.standardErrorContent ?? [], as: UTF8.self)
        #expect(text.contains("no backend for cuda:0 is loaded"))
    }
}
