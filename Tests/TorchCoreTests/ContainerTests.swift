import Testing
import Torch

/// ModuleList, ModuleDict, ParameterList and ParameterDict: PyTorch's state-dict names, gradients, loading.
@Suite struct ContainerTests {
    final class Net: Module {
        let stem = Linear(3, 4, dtype: .float64)
        let blocks = ModuleList([Linear(4, 4, dtype: .float64), ReLU(), Linear(4, 4, dtype: .float64)])
        let heads = ModuleDict(["cls": Linear(4, 2, dtype: .float64), "reg": Linear(4, 1, dtype: .float64)])
        let scales = ParameterList([Tensor.ones([4], dtype: .float64), Tensor.zeros([2], dtype: .float64)])
        let extra = ParameterDict(["bias": Tensor.zeros([2], dtype: .float64), "temp": Tensor.ones([1], dtype: .float64)])

        override func forward(_ input: Tensor) -> Tensor {
            var x = stem(input)
            for block in blocks { x = block(x) }
            return heads["cls"]!(x * scales[0]) + scales[1] + extra["bias"]!
        }
    }

    /// The keys `torch.nn` gives the same structure (checked with PyTorch 2.15: `Net().state_dict().keys()`).
    static let pytorchKeys = ["stem.weight", "stem.bias", "blocks.0.weight", "blocks.0.bias", "blocks.2.weight",
                              "blocks.2.bias", "heads.cls.weight", "heads.cls.bias", "heads.reg.weight", "heads.reg.bias",
                              "scales.0", "scales.1", "extra.bias", "extra.temp"]

    @Test func stateDictNamesMatchPyTorch() {
        let net = Net()
        #expect(net.stateDict().map { $0.key } == Self.pytorchKeys)
        #expect(net.parameterCount == 12 + 4 + 2 * 20 + 10 + 5 + 4 + 2 + 2 + 1)
        #expect(net.namedModules().map { $0.0 } == ["", "stem", "blocks", "blocks.0", "blocks.1", "blocks.2", "heads",
                                                     "heads.cls", "heads.reg", "scales", "extra"])
    }

    @Test func gradientsReachEveryUsedParameter() {
        let net = Net()
        net(Tensor.randn([5, 3], dtype: .float64)).sum().backward()
        let named = Dictionary(uniqueKeysWithValues: net.namedParameters())
        for key in Self.pytorchKeys where !key.hasPrefix("heads.reg") && key != "extra.temp" {
            #expect(named[key]!.grad != nil, "\(key) has no gradient")
        }
        #expect(named["heads.reg.weight"]!.grad == nil && named["extra.temp"]!.grad == nil)
        // d(sum)/d(bias) of the output is the batch size for both additive biases.
        #expect(named["scales.1"]!.grad!.toArray(of: Double.self) == [5, 5])
        #expect(named["extra.bias"]!.grad!.toArray(of: Double.self) == [5, 5])
    }

    @Test func loadStateDictRoundTrips() throws {
        let a = Net(), b = Net()
        let x = Tensor.randn([2, 3], dtype: .float64)
        try b.loadStateDict(Dictionary(uniqueKeysWithValues: a.stateDict().map { ($0.key, $0.value) }))
        #expect(a(x).toArray(of: Double.self) == b(x).toArray(of: Double.self))
    }

    @Test func editingContainers() {
        let list = ModuleList()
        list.append(Linear(2, 2))
        list.insert(ReLU(), at: 0)
        list.extend([Linear(2, 1)])
        #expect(list.count == 3 && list[0] is ReLU)
        #expect(list.stateDict().map { $0.key } == ["1.weight", "1.bias", "2.weight", "2.bias"])
        let dict = ModuleDict(["a": Linear(2, 2)])
        dict["b"] = Linear(2, 3)
        dict["a"] = nil
        #expect(dict.keys == ["b"] && dict.stateDict().map { $0.key } == ["b.weight", "b.bias"])
        let params = ParameterDict(["w": Tensor.ones([2])])
        params["w"] = Tensor.zeros([3])
        #expect(params["w"]!.shape == [3] && params["w"]!.requiresGrad)
    }

    func stderr(of result: ExitTest.Result?) -> String {
        String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
    }

    @Test func callingAContainerStops() async {
        let r = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = ModuleList([ReLU()])(Tensor.ones([1]))
        }
        #expect(stderr(of: r).contains("ModuleList is not callable"))
    }

    @Test func dottedKeysStop() async {
        let r = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = ModuleDict(["a.b": ReLU()])
        }
        #expect(stderr(of: r).contains("key \"a.b\" must be non-empty and contain no \".\""))
    }
}
