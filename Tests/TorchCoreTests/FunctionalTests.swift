import Foundation
import Testing
import Torch
import _TestSupport

/// The functional namespace against `torch.nn.functional` (values and input gradients from
/// `scripts/make_nn_reference.py`), and the thin wrappers against the methods they name.
@Suite struct FunctionalTests {
    typealias Encoded = NNTests.Encoded
    struct Case: Decodable { let inputs: [Encoded]; let y, gy: Encoded; let gx: [Encoded] }
    struct BatchNormCase: Decodable { let x, w, b, rm0, rv0, rm1, rv1, y, gy, gx, gw, gb: Encoded }
    struct Reference: Decodable {
        let functional: [String: Case]
        let functional_batch_norm: [String: BatchNormCase]
    }
    static let reference: Reference = {
        let url = Bundle.module.url(forResource: "nn_reference", withExtension: "json", subdirectory: "Resources")!
        return try! JSONDecoder().decode(Reference.self, from: Data(contentsOf: url))
    }()

    func check(_ t: Tensor, _ e: Encoded, _ what: String) {
        let c = compareClose(t, e.values, shape: e.shape, rtol: 1e-9, atol: 1e-11)
        #expect(c.isClose, "\(what): \(c.message)")
    }

    static let functions: [String: @Sendable ([Tensor]) -> Tensor] = [
        "normalize": { F.normalize($0[0], p: 2, dim: 1) },
        "normalize_p1_dim0": { F.normalize($0[0], p: 1, dim: 0) },
        "cosine_similarity": { F.cosineSimilarity($0[0], $0[1], dim: 1) },
        "cosine_similarity_broadcast": { F.cosineSimilarity($0[0], $0[1], dim: -1) },
        "pairwise_distance": { F.pairwiseDistance($0[0], $0[1]) },
        "pairwise_distance_p3_keepdim": { F.pairwiseDistance($0[0], $0[1], p: 3, keepdim: true) },
        "max_pool1d": { F.maxPool1d($0[0], kernelSize: 3, stride: 2, padding: 1) },
        "avg_pool1d": { F.avgPool1d($0[0], kernelSize: 3, stride: 2, padding: 1, countIncludePad: false) },
        "adaptive_avg_pool1d": { F.adaptiveAvgPool1d($0[0], outputSize: 4) },
        "adaptive_max_pool1d": { F.adaptiveMaxPool1d($0[0], outputSize: 4) },
        "pad_reflect": { F.pad($0[0], [2, 1, 1, 0], mode: .reflect) },
        "layer_norm": { F.layerNorm($0[0], [4], weight: $0[1], bias: $0[2], eps: 1e-3) },
        "local_response_norm": { F.localResponseNorm($0[0], size: 3, alpha: 0.01, beta: 0.75, k: 2) },
    ]

    @Test(arguments: Array(functions.keys).sorted())
    func matchesPyTorch(_ name: String) {
        let r = Self.reference.functional[name]!
        let inputs = r.inputs.map { $0.tensor.requiresGrad_() }
        let y = Self.functions[name]!(inputs)
        check(y, r.y, "\(name) output")
        (y * r.gy.tensor).sum().backward()
        for (i, (x, g)) in zip(inputs, r.gx).enumerated() { check(x.grad!, g, "\(name) gradient \(i)") }
    }

    @Test(arguments: ["training", "eval"])
    func batchNormMatchesPyTorch(_ name: String) {
        let r = Self.reference.functional_batch_norm[name]!
        let x = r.x.tensor.requiresGrad_(), w = r.w.tensor.requiresGrad_(), b = r.b.tensor.requiresGrad_()
        let rm = r.rm0.tensor, rv = r.rv0.tensor
        let y = F.batchNorm(x, runningMean: rm, runningVar: rv, weight: w, bias: b, training: name == "training",
                            momentum: name == "training" ? 0.2 : 0.1, eps: 1e-4)
        check(y, r.y, "\(name) output")
        check(rm, r.rm1, "\(name) running mean")
        check(rv, r.rv1, "\(name) running var")
        (y * r.gy.tensor).sum().backward()
        check(x.grad!, r.gx, "\(name) gx")
        check(w.grad!, r.gw, "\(name) gw")
        check(b.grad!, r.gb, "\(name) gb")
    }

    @Test func gradcheckOfNewComposites() {
        let g = Generator(seed: 5)
        let a = Tensor.randn([3, 4], dtype: .float64, generator: g).requiresGrad_()
        let b = Tensor.randn([3, 4], dtype: .float64, generator: g).requiresGrad_()
        let x = Tensor.randn([2, 4, 3], dtype: .float64, generator: g).requiresGrad_()
        for (name, f) in [("cosineSimilarity", { (t: [Tensor]) in F.cosineSimilarity(t[0], t[1]) }),
                          ("pairwiseDistance", { (t: [Tensor]) in F.pairwiseDistance(t[0], t[1], p: 1.5) }),
                          ("normalize", { (t: [Tensor]) in F.normalize(t[0] * t[1], dim: 0) })] {
            let r = gradcheck(f, inputs: [a, b])
            #expect(r.passed, "\(name): \(r)")
        }
        let lrn = gradcheck({ F.localResponseNorm($0[0], size: 2, alpha: 0.1) }, inputs: [x])
        #expect(lrn.passed, "localResponseNorm: \(lrn)")
    }

    @Test func wrappersAreTheMethods() {
        let x = Tensor.randn([4, 5], generator: Generator(seed: 2))
        let pairs: [(String, Tensor, Tensor)] = [
            ("relu", F.relu(x), x.relu()), ("relu6", F.relu6(x * 4), (x * 4).relu6()),
            ("leakyRelu", F.leakyRelu(x, negativeSlope: 0.2), x.leakyRelu(negativeSlope: 0.2)),
            ("elu", F.elu(x, alpha: 0.5), x.elu(alpha: 0.5)), ("selu", F.selu(x), x.selu()), ("celu", F.celu(x, alpha: 2), x.celu(alpha: 2)),
            ("gelu", F.gelu(x, approximate: .tanh), x.gelu(approximate: .tanh)), ("silu", F.silu(x), x.silu()), ("mish", F.mish(x), x.mish()),
            ("softplus", F.softplus(x, beta: 2), x.softplus(beta: 2)), ("hardtanh", F.hardtanh(x, minVal: -0.5), x.hardtanh(minVal: -0.5)),
            ("hardsigmoid", F.hardsigmoid(x), x.hardsigmoid()), ("hardswish", F.hardswish(x), x.hardswish()),
            ("sigmoid", F.sigmoid(x), x.sigmoid()), ("logsigmoid", F.logsigmoid(x), x.logSigmoid()), ("tanh", F.tanh(x), x.tanh()),
            ("softmax", F.softmax(x, dim: 1), x.softmax(dim: 1)), ("logSoftmax", F.logSoftmax(x, dim: 0), x.logSoftmax(dim: 0)),
        ]
        for (name, a, b) in pairs { #expect(a.equal(b), "F.\(name)") }
        let img = Tensor.randn([1, 2, 6, 6], generator: Generator(seed: 3)), w = Tensor.randn([3, 2, 3, 3], generator: Generator(seed: 4))
        #expect(F.conv2d(img, w, padding: (1, 1)).equal(img.conv2d(w, padding: (1, 1))))
        #expect(F.maxPool2d(img, kernelSize: (2, 2)).equal(img.maxPool2d((2, 2))))
    }
}
