import Foundation
import Testing
import Torch
import _TestSupport

/// TorchNN layers and losses against values computed by real PyTorch (`scripts/make_nn_reference.py`).
@Suite struct NNTests {
    struct Encoded: Decodable {
        let shape: [Int]
        let values: [Double]
        var tensor: Tensor { Tensor(values, shape: shape) }
        var indices: Tensor { Tensor(values.map { Int64($0) }, shape: shape) }
    }
    struct LinearCase: Decodable { let weight, bias, x, gy, y, gx, gw, gb: Encoded }
    struct StateEntry: Decodable {
        let key: String
        let value: Encoded
        init(from decoder: Decoder) throws {
            var c = try decoder.unkeyedContainer()
            key = try c.decode(String.self)
            value = try c.decode(Encoded.self)
        }
    }
    struct MLPCase: Decodable { let state: [StateEntry]; let x: Encoded; let y: Encoded }
    struct LossCase: Decodable {
        let input, loss, gloss, ginput: Encoded
        let target: Encoded?
        let weight: Encoded?
        let probs: Encoded?
        let other: Encoded?
    }
    struct PoolCase: Decodable { let x, y, gy, gx: Encoded }
    struct BatchNormCase: Decodable {
        let x, y, gy, gx, gw, gb, running_mean, running_var, x_eval, y_eval: Encoded
        let keys: [String]
    }
    struct EmbeddingCase: Decodable { let weight, ids, y, gy, gw: Encoded }
    struct Reference: Decodable {
        let batchnorm2d: BatchNormCase
        let embedding: EmbeddingCase
        let linear: LinearCase
        let conv2d: LinearCase
        let maxpool2d: PoolCase
        let mlp: MLPCase
        let losses: [String: LossCase]
        let norms: [String: NormCase]
        let pools: [String: PoolCase]
        let activations: [String: ActivationCase]
        let recurrent: [String: RecurrentCase]
        let attention: [String: AttentionCase]
        let resize: [String: PoolCase]
        let convs: [String: ConvCase]
        let cells: [String: CellCase]
        let bilinear: BilinearCase
        let pools1d: [String: PoolCase]
        let one_hot: OneHotCase
        let decoders: [String: DecoderCase]
        let embedding_bag: [String: BagCase]
        let embedding_max_norm: [String: RenormCase]
        let ctc: [String: CTCCase]
    }
    struct CTCCase: Decodable {
        let logits, targets, loss, gloss, glogits: Encoded
        let input_lengths, target_lengths: [Int]
    }
    struct RenormCase: Decodable { let weight0, ids, weight1, y, gy, gw: Encoded }
    struct BagCase: Decodable {
        let weight, input, y, gy, gw: Encoded
        let offsets, psw, gpsw: Encoded?
    }
    struct DecoderCase: Decodable {
        let state: [StateEntry]
        let tgt, memory, y, gy, gtgt, gmemory: Encoded
        let memory_key_padding_mask: Encoded?
        let grads: [String: Encoded]
    }
    struct CellCase: Decodable {
        let state: [StateEntry]
        let x, h, h2, gh2, gx, gh: Encoded
        let c, c2, gc2, gc: Encoded?
        let grads: [String: Encoded]
    }
    struct BilinearCase: Decodable {
        let state: [StateEntry]
        let x1, x2, y, gy, gx1, gx2: Encoded
        let grads: [String: Encoded]
    }
    struct OneHotCase: Decodable { let indices, y, y_auto: Encoded }
    struct ConvCase: Decodable {
        let state: [StateEntry]
        let x, y, gy, gx: Encoded
        let grads: [String: Encoded]
    }
    struct AttentionCase: Decodable {
        let q, k, v, x, y, w, gy, gw, gq, gk, gv, gx, mask, attn_mask, key_padding_mask: Encoded?
        let mask_is_bool: Bool?
        let state: [StateEntry]?
        let grads: [String: Encoded]?
    }
    struct RecurrentCase: Decodable {
        let state: [StateEntry]
        let x, h0, y, hn, gy, ghn, gx, gh0: Encoded
        let c0, cn, gcn, gc0: Encoded?
        let grads: [String: Encoded]
    }
    /// One activation module's case; the shared input sits under the key `x` with only `y` set.
    struct ActivationCase: Decodable {
        let y: Encoded?
        let gy, gx, weight, gweight: Encoded?
        /// PyTorch's own gradient where it differs from the exact one (float32-rounded constants in its kernel).
        let gx_pytorch: Encoded?
        let shape: [Int]?
        let values: [Double]?
    }
    struct NormCase: Decodable {
        let x, y, gy, gx: Encoded
        let weight, bias, gweight, gbias: Encoded?
        let keys: [String]
    }

    static let reference: Reference = {
        let url = Bundle.module.url(forResource: "nn_reference", withExtension: "json", subdirectory: "Resources")!
        return try! JSONDecoder().decode(Reference.self, from: Data(contentsOf: url))
    }()

    func check(_ t: Tensor, _ e: Encoded, _ what: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let c = compareClose(t, e.values, shape: e.shape, rtol: 1e-10, atol: 1e-12)
        #expect(c.isClose, "\(what): \(c.message)", sourceLocation: sourceLocation)
    }

    @Test(arguments: ["group_norm", "group_norm_3d_no_affine", "instance_norm2d_affine", "instance_norm1d_unbatched",
                      "rms_norm", "rms_norm_eps_no_affine"])
    func normalizationMatchesPyTorch(_ name: String) throws {
        let r = Self.reference.norms[name]!
        let layer: Module
        let functional: ([Tensor]) -> Tensor
        switch name {
        case "group_norm":
            layer = GroupNorm(2, 6, dtype: .float64)
            functional = { F.groupNorm($0[0], numGroups: 2, weight: $0[1], bias: $0[2]) }
        case "group_norm_3d_no_affine":
            layer = GroupNorm(3, 3, eps: 1e-3, affine: false, dtype: .float64)
            functional = { F.groupNorm($0[0], numGroups: 3, eps: 1e-3) }
        case "instance_norm2d_affine":
            layer = InstanceNorm2d(3, affine: true, dtype: .float64)
            functional = { F.instanceNorm($0[0], weight: $0[1], bias: $0[2]) }
        case "instance_norm1d_unbatched":
            layer = InstanceNorm1d(4, eps: 1e-4, dtype: .float64)
            functional = { F.instanceNorm($0[0].unsqueeze(0), eps: 1e-4) }
        case "rms_norm":
            layer = RMSNorm([3, 4], dtype: .float64)
            functional = { F.rmsNorm($0[0], [3, 4], weight: $0[1]) }
        default:
            layer = RMSNorm([4], eps: 1e-2, elementwiseAffine: false, dtype: .float64)
            functional = { F.rmsNorm($0[0], [4], eps: 1e-2) }
        }
        #expect(layer.stateDict().map { $0.key } == r.keys)
        var state: [String: Tensor] = [:]
        if let w = r.weight { state["weight"] = w.tensor }
        if let b = r.bias { state["bias"] = b.tensor }
        try layer.loadStateDict(state)
        let x = r.x.tensor.requiresGrad_()
        let y = layer(x)
        check(y, r.y, "\(name) y")
        (y * r.gy.tensor).sum().backward()
        check(x.grad!, r.gx, "\(name) dx")
        let params = Dictionary(uniqueKeysWithValues: layer.namedParameters())
        if let gw = r.gweight { check(params["weight"]!.grad!, gw, "\(name) dweight") }
        if let gb = r.gbias { check(params["bias"]!.grad!, gb, "\(name) dbias") }
        // Numerical first and second derivatives of the functional form at the same point.
        var inputs = [r.x.tensor.requiresGrad_()]
        if let w = r.weight { inputs.append(w.tensor.requiresGrad_()) }
        if let b = r.bias { inputs.append(b.tensor.requiresGrad_()) }
        let g1 = gradcheck(functional, inputs: inputs)
        #expect(g1.passed, "\(name) gradcheck: \(g1)")
        let g2 = gradgradcheck(functional, inputs: inputs)
        #expect(g2.passed, "\(name) gradgradcheck: \(g2)")
    }

    @Test(arguments: ["avg_k3_s2_p1", "avg_ceil_exclude_pad", "avg_ceil_include_pad", "avg_divisor_unbatched",
                      "adaptive_avg_3x4", "adaptive_avg_1", "adaptive_max_2x3", "adaptive_max_unbatched_4x5"])
    func poolingMatchesPyTorch(_ name: String) {
        let r = Self.reference.pools[name]!
        let layer: Module
        switch name {
        case "avg_k3_s2_p1": layer = AvgPool2d(3, stride: 2, padding: 1)
        case "avg_ceil_exclude_pad":
            layer = AvgPool2d((3, 2), stride: (2, 1), padding: (1, 0), ceilMode: true, countIncludePad: false)
        case "avg_ceil_include_pad": layer = AvgPool2d((3, 3), stride: (2, 2), padding: (1, 1), ceilMode: true)
        case "avg_divisor_unbatched": layer = AvgPool2d((2, 2), divisorOverride: 3)
        case "adaptive_avg_3x4": layer = AdaptiveAvgPool2d((3, 4))
        case "adaptive_avg_1": layer = AdaptiveAvgPool2d(1)
        case "adaptive_max_2x3": layer = AdaptiveMaxPool2d((2, 3))
        default: layer = AdaptiveMaxPool2d((4, 5))
        }
        let x = r.x.tensor.requiresGrad_()
        let y = layer(x)
        check(y, r.y, "\(name) y")
        (y * r.gy.tensor).sum().backward()
        check(x.grad!, r.gx, "\(name) dx")
        let g = gradcheck({ layer($0[0]) }, inputs: [r.x.tensor.requiresGrad_()])
        #expect(g.passed, "\(name) gradcheck: \(g)")
    }

    static let activationNames = ["LeakyReLU", "ELU", "CELU", "SELU", "SiLU", "Mish", "Softplus", "Hardtanh", "ReLU6",
                                  "Hardsigmoid", "Hardswish", "LogSigmoid", "Softsign", "Tanhshrink", "Threshold",
                                  "Softshrink", "Hardshrink", "GLU", "Softmax", "LogSoftmax", "Softmin", "PReLU"]

    @Test(arguments: activationNames)
    func activationModuleMatchesPyTorch(_ name: String) throws {
        let shared = Self.reference.activations["x"]!
        let r = Self.reference.activations[name]!
        let layer: Module
        switch name {
        case "LeakyReLU": layer = LeakyReLU(negativeSlope: 0.2)
        case "ELU": layer = ELU(alpha: 0.7)
        case "CELU": layer = CELU(alpha: 1.3)
        case "SELU": layer = SELU()
        case "SiLU": layer = SiLU()
        case "Mish": layer = Mish()
        case "Softplus": layer = Softplus(beta: 2, threshold: 3)
        case "Hardtanh": layer = Hardtanh(minVal: -2, maxVal: 1.5)
        case "ReLU6": layer = ReLU6()
        case "Hardsigmoid": layer = Hardsigmoid()
        case "Hardswish": layer = Hardswish()
        case "LogSigmoid": layer = LogSigmoid()
        case "Softsign": layer = Softsign()
        case "Tanhshrink": layer = Tanhshrink()
        case "Threshold": layer = Threshold(threshold: 0.3, value: -1)
        case "Softshrink": layer = Softshrink(lambd: 0.7)
        case "Hardshrink": layer = Hardshrink(lambd: 0.6)
        case "GLU": layer = GLU(dim: 1)
        case "Softmax": layer = Softmax(dim: 1)
        case "LogSoftmax": layer = LogSoftmax(dim: 2)
        case "Softmin": layer = Softmin(dim: 0)
        default:
            let prelu = PReLU(numParameters: 4, initialValue: 0.1, dtype: .float64)
            #expect(prelu.stateDict().map { $0.key } == ["weight"])
            try prelu.loadStateDict(["weight": r.weight!.tensor])
            layer = prelu
        }
        let x = Tensor(shared.values!, shape: shared.shape!).requiresGrad_()
        let y = layer(x)
        check(y, r.y!, "\(name) y")
        (y * r.gy!.tensor).sum().backward()
        check(x.grad!, r.gx!, "\(name) dx")
        if let torchGrad = r.gx_pytorch {
            let c = compareClose(x.grad!, torchGrad.values, shape: torchGrad.shape, rtol: 1e-6, atol: 1e-12)
            #expect(c.isClose, "\(name) dx vs PyTorch's float32-constant kernel: \(c.message)")
        }
        if let gw = r.gweight, let prelu = layer as? PReLU { check(prelu.weight.grad!, gw, "\(name) dweight") }
    }

    @Test(arguments: ["lstm", "gru", "rnn_relu_unbatched"])
    func recurrentLayerMatchesPyTorch(_ name: String) throws {
        let r = Self.reference.recurrent[name]!
        let x = r.x.tensor.requiresGrad_(), h0 = r.h0.tensor.requiresGrad_()
        let c0 = r.c0?.tensor.requiresGrad_()
        let layer: RNNBase
        var loss: Tensor
        switch name {
        case "lstm":
            let lstm = LSTM(3, 4, numLayers: 2, batchFirst: true, bidirectional: true, dtype: .float64)
            layer = lstm
            try load(layer, r.state)
            let (y, state) = lstm.forward(x, (h0, c0!))
            check(y, r.y, "lstm output")
            check(state.h, r.hn, "lstm h_n")
            check(state.c, r.cn!, "lstm c_n")
            loss = (y * r.gy.tensor).sum() + (state.h * r.ghn.tensor).sum() + (state.c * r.gcn!.tensor).sum()
        case "gru":
            let gru = GRU(3, 5, dtype: .float64)
            layer = gru
            try load(layer, r.state)
            let (y, hN) = gru.forward(x, h0)
            check(y, r.y, "gru output")
            check(hN, r.hn, "gru h_n")
            loss = (y * r.gy.tensor).sum() + (hN * r.ghn.tensor).sum()
        default:
            let rnn = RNN(3, 4, numLayers: 2, nonlinearity: "relu", bias: false, dtype: .float64)
            layer = rnn
            try load(layer, r.state)
            let (y, hN) = rnn.forward(x, h0)
            check(y, r.y, "rnn output")
            check(hN, r.hn, "rnn h_n")
            loss = (y * r.gy.tensor).sum() + (hN * r.ghn.tensor).sum()
        }
        #expect(layer.stateDict().map { $0.key } == r.state.map { $0.key })
        loss.backward()
        check(x.grad!, r.gx, "\(name) dx")
        check(h0.grad!, r.gh0, "\(name) dh0")
        if let gc0 = r.gc0 { check(c0!.grad!, gc0, "\(name) dc0") }
        for (key, p) in layer.namedParameters() { check(p.grad!, r.grads[key]!, "\(name) d\(key)") }
    }

    func load(_ module: Module, _ state: [StateEntry]) throws {
        var dict: [String: Tensor] = [:]
        for e in state { dict[e.key] = e.value.tensor }
        try module.loadStateDict(dict)
    }

    @Test(arguments: ["sdpa_float_mask", "sdpa_bool_mask", "sdpa_causal"])
    func scaledDotProductAttentionMatchesPyTorch(_ name: String) {
        let r = Self.reference.attention[name]!
        let q = r.q!.tensor.requiresGrad_(), k = r.k!.tensor.requiresGrad_(), v = r.v!.tensor.requiresGrad_()
        let y: Tensor
        switch name {
        case "sdpa_float_mask": y = F.scaledDotProductAttention(q, k, v, attnMask: r.mask!.tensor, scale: 0.3)
        case "sdpa_bool_mask": y = F.scaledDotProductAttention(q, k, v, attnMask: r.mask!.tensor.to(.bool))
        default: y = F.scaledDotProductAttention(q, k, v, isCausal: true)
        }
        check(y, r.y!, "\(name) y")
        (y * r.gy!.tensor).sum().backward()
        check(q.grad!, r.gq!, "\(name) dq")
        check(k.grad!, r.gk!, "\(name) dk")
        check(v.grad!, r.gv!, "\(name) dv")
    }

    @Test(arguments: ["mha_self", "mha_kv", "encoder_pre_norm", "encoder_layer_post_norm"])
    func attentionModuleMatchesPyTorch(_ name: String) throws {
        let r = Self.reference.attention[name]!
        let module: Module
        var inputs: [(Tensor, Encoded)] = []
        var loss: Tensor
        switch name {
        case "mha_self":
            let mha = MultiheadAttention(8, 2, dtype: .float64)
            module = mha
            try load(mha, r.state!)
            let x = r.x!.tensor.requiresGrad_()
            inputs = [(x, r.gx!)]
            let (y, w) = mha.forward(x, x, x, keyPaddingMask: r.key_padding_mask!.tensor.to(.bool), attnMask: r.attn_mask!.tensor.to(.bool))
            check(y, r.y!, "mha y")
            check(w!, r.w!, "mha weights")
            loss = (y * r.gy!.tensor).sum() + (w! * r.gw!.tensor).sum()
        case "mha_kv":
            let mha = MultiheadAttention(6, 3, bias: false, kdim: 4, vdim: 5, batchFirst: true, dtype: .float64)
            module = mha
            try load(mha, r.state!)
            let q = r.q!.tensor.requiresGrad_(), k = r.k!.tensor.requiresGrad_(), v = r.v!.tensor.requiresGrad_()
            inputs = [(q, r.gq!), (k, r.gk!), (v, r.gv!)]
            let (y, w) = mha.forward(q, k, v, attnMask: r.attn_mask!.tensor, averageAttnWeights: false)
            check(y, r.y!, "mha_kv y")
            check(w!, r.w!, "mha_kv weights")
            loss = (y * r.gy!.tensor).sum() + (w! * r.gw!.tensor).sum()
        case "encoder_pre_norm":
            let encoder = TransformerEncoder(numLayers: 2, norm: LayerNorm([8], dtype: .float64)) { _ in
                TransformerEncoderLayer(dModel: 8, nhead: 2, dimFeedforward: 16, dropout: 0, activation: .gelu, batchFirst: true,
                                        normFirst: true, dtype: .float64)
            }
            module = encoder
            try load(encoder, r.state!)
            let x = r.x!.tensor.requiresGrad_()
            inputs = [(x, r.gx!)]
            // The float causal mask (-inf above the diagonal), rebuilt from the positions the JSON records.
            let mask = Tensor.zeros([5, 5], dtype: .float64).maskedFill(r.mask!.tensor.to(.bool), -.infinity)
            let y = encoder.forward(x, mask: mask, srcKeyPaddingMask: r.key_padding_mask!.tensor.to(.bool))
            check(y, r.y!, "encoder y")
            loss = (y * r.gy!.tensor).sum()
        default:
            let layer = TransformerEncoderLayer(dModel: 8, nhead: 4, dimFeedforward: 12, dropout: 0, bias: false, dtype: .float64)
            module = layer
            try load(layer, r.state!)
            let x = r.x!.tensor.requiresGrad_()
            inputs = [(x, r.gx!)]
            let y = layer(x)
            check(y, r.y!, "encoder layer y")
            loss = (y * r.gy!.tensor).sum()
        }
        #expect(module.stateDict().map { $0.key } == r.state!.map { $0.key })
        loss.backward()
        for (i, (t, g)) in inputs.enumerated() { check(t.grad!, g, "\(name) input \(i) grad") }
        for (key, p) in module.namedParameters() { check(p.grad!, r.grads![key]!, "\(name) d\(key)") }
    }

    @Test(arguments: ["nearest_size", "nearest_scale", "nearest_exact_1d", "bilinear", "bilinear_align", "bilinear_down_scale",
                      "trilinear", "pixel_shuffle", "pixel_unshuffle"])
    func resizingMatchesPyTorch(_ name: String) {
        let r = Self.reference.resize[name]!
        let layer: Module
        switch name {
        case "nearest_size": layer = Upsample(size: [7, 3])
        case "nearest_scale": layer = Upsample(scaleFactor: [3])
        case "nearest_exact_1d": layer = Upsample(size: [11], mode: .nearestExact)
        case "bilinear": layer = Upsample(size: [7, 9], mode: .linear)
        case "bilinear_align": layer = Upsample(scaleFactor: [2.5, 1.5], mode: .linear, alignCorners: true)
        case "bilinear_down_scale": layer = Upsample(scaleFactor: [0.6], mode: .linear)
        case "trilinear": layer = Upsample(size: [3, 4, 5], mode: .linear)
        case "pixel_shuffle": layer = PixelShuffle(2)
        default: layer = PixelUnshuffle(3)
        }
        let x = r.x.tensor.requiresGrad_()
        let y = layer(x)
        check(y, r.y, "\(name) y")
        (y * r.gy.tensor).sum().backward()
        check(x.grad!, r.gx, "\(name) dx")
    }

    @Test(arguments: ["convt2d_stride_pad_outpad", "convt2d_groups_dilation", "convt2d_crop", "convt2d_unbatched", "conv1d", "convt1d",
                      "conv2d_same_reflect", "conv2d_circular_stride", "conv2d_same_even_zeros", "conv2d_replicate_valid"])
    func convolutionVariantMatchesPyTorch(_ name: String) throws {
        let r = Self.reference.convs[name]!
        let layer: Module
        switch name {
        case "convt2d_stride_pad_outpad":
            layer = ConvTranspose2d(4, 6, kernelSize: (3, 2), stride: (2, 3), padding: (1, 0), outputPadding: (1, 2), dtype: .float64)
        case "convt2d_groups_dilation":
            layer = ConvTranspose2d(4, 6, kernelSize: (3, 3), stride: (2, 2), padding: (2, 2), groups: 2, bias: false,
                                    dilation: (2, 2), dtype: .float64)
        case "convt2d_crop": layer = ConvTranspose2d(2, 3, kernelSize: (3, 3), stride: (3, 3), padding: (3, 2), dtype: .float64)
        case "convt2d_unbatched": layer = ConvTranspose2d(3, 2, kernelSize: (2, 2), stride: (2, 2), dtype: .float64)
        case "conv2d_same_reflect":
            layer = Conv2d(2, 3, kernelSize: (3, 4), padding: .same, dilation: (1, 2), paddingMode: .reflect, dtype: .float64)
        case "conv2d_circular_stride":
            layer = Conv2d(2, 3, kernelSize: (3, 3), stride: (2, 2), padding: .explicit(1, 1), paddingMode: .circular, dtype: .float64)
        case "conv2d_same_even_zeros": layer = Conv2d(2, 2, kernelSize: (2, 2), padding: .same, dtype: .float64)
        case "conv2d_replicate_valid": layer = Conv2d(2, 2, kernelSize: (3, 3), padding: .valid, paddingMode: .replicate, dtype: .float64)
        case "conv1d": layer = Conv1d(4, 6, kernelSize: 3, stride: 2, padding: 1, dilation: 2, groups: 2, dtype: .float64)
        default: layer = ConvTranspose1d(3, 4, kernelSize: 4, stride: 3, padding: 1, outputPadding: 2, dtype: .float64)
        }
        #expect(layer.stateDict().map { $0.key } == r.state.map { $0.key })
        #expect(layer.stateDict().map { $0.value.shape } == r.state.map { $0.value.shape })
        try load(layer, r.state)
        let x = r.x.tensor.requiresGrad_()
        let y = layer(x)
        check(y, r.y, "\(name) y")
        (y * r.gy.tensor).sum().backward()
        check(x.grad!, r.gx, "\(name) dx")
        for (key, p) in layer.namedParameters() { check(p.grad!, r.grads[key]!, "\(name) d\(key)") }
    }

    @Test(arguments: ["lstm_cell", "gru_cell_unbatched", "rnn_cell_relu_nobias"])
    func recurrentCellMatchesPyTorch(_ name: String) throws {
        let r = Self.reference.cells[name]!
        let x = r.x.tensor.requiresGrad_(), h = r.h.tensor.requiresGrad_(), c = r.c?.tensor.requiresGrad_()
        let cell: RNNCellBase
        var loss: Tensor
        switch name {
        case "lstm_cell":
            let lstm = LSTMCell(3, 4, dtype: .float64)
            cell = lstm
            try load(cell, r.state)
            let (h2, c2) = lstm.forward(x, (h, c!))
            check(h2, r.h2, "h'")
            check(c2, r.c2!, "c'")
            loss = (h2 * r.gh2.tensor).sum() + (c2 * r.gc2!.tensor).sum()
        case "gru_cell_unbatched":
            let gru = GRUCell(3, 5, dtype: .float64)
            cell = gru
            try load(cell, r.state)
            let h2 = gru.forward(x, h)
            check(h2, r.h2, "h'")
            loss = (h2 * r.gh2.tensor).sum()
        default:
            let rnn = RNNCell(4, 3, bias: false, nonlinearity: "relu", dtype: .float64)
            cell = rnn
            try load(cell, r.state)
            let h2 = rnn.forward(x, h)
            check(h2, r.h2, "h'")
            loss = (h2 * r.gh2.tensor).sum()
        }
        #expect(cell.stateDict().map { $0.key } == r.state.map { $0.key })
        loss.backward()
        check(x.grad!, r.gx, "\(name) dx")
        check(h.grad!, r.gh, "\(name) dh")
        if let gc = r.gc { check(c!.grad!, gc, "\(name) dc") }
        for (key, p) in cell.namedParameters() { check(p.grad!, r.grads[key]!, "\(name) d\(key)") }
    }

    @Test func bilinearMatchesPyTorch() throws {
        let r = Self.reference.bilinear
        let layer = Bilinear(3, 4, 5, dtype: .float64)
        #expect(layer.stateDict().map { $0.key } == r.state.map { $0.key })
        try load(layer, r.state)
        let x1 = r.x1.tensor.requiresGrad_(), x2 = r.x2.tensor.requiresGrad_()
        let y = layer.forward(x1, x2)
        check(y, r.y, "bilinear y")
        (y * r.gy.tensor).sum().backward()
        check(x1.grad!, r.gx1, "dx1")
        check(x2.grad!, r.gx2, "dx2")
        for (key, p) in layer.namedParameters() { check(p.grad!, r.grads[key]!, "d\(key)") }
    }

    @Test(arguments: ["max1d", "max1d_unbatched", "avg1d", "adaptive_avg1d"])
    func pooling1dMatchesPyTorch(_ name: String) {
        let r = Self.reference.pools1d[name]!
        let layer: Module
        switch name {
        case "max1d": layer = MaxPool1d(3, stride: 2, padding: 1)
        case "max1d_unbatched": layer = MaxPool1d(2)
        case "avg1d": layer = AvgPool1d(3, stride: 2, padding: 1, ceilMode: true, countIncludePad: false)
        default: layer = AdaptiveAvgPool1d(4)
        }
        let x = r.x.tensor.requiresGrad_()
        let y = layer(x)
        check(y, r.y, "\(name) y")
        (y * r.gy.tensor).sum().backward()
        check(x.grad!, r.gx, "\(name) dx")
    }

    @Test func oneHotUnflattenAndDropout2d() {
        let r = Self.reference.one_hot
        let idx = Tensor(r.indices.values.map { Int64($0) }, shape: r.indices.shape)
        #expect(F.oneHot(idx, numClasses: 5).toArray(of: Int64.self) == r.y.values.map { Int64($0) })
        #expect(F.oneHot(idx).shape == r.y_auto.shape && F.oneHot(idx).toArray(of: Int64.self) == r.y_auto.values.map { Int64($0) })
        #expect(Unflatten(dim: 1, sizes: [2, -1])(Tensor.zeros([3, 12, 5])).shape == [3, 2, 6, 5])
        // Dropout2d zeroes whole channels and scales the survivors by 1/(1 − p); eval mode is the identity.
        let x = Tensor.ones([4, 16, 3, 3], dtype: .float64)
        let drop = Dropout2d(0.25)
        let y = drop(x).toArray(of: Double.self)
        var dropped = 0
        for plane in 0..<64 {
            let values = Set(y[(plane * 9)..<(plane * 9 + 9)])
            #expect(values == [0] || values == [1 / 0.75], "channel \(plane) is not uniformly dropped or scaled: \(values)")
            if values == [0] { dropped += 1 }
        }
        #expect(dropped > 0 && dropped < 64)
        drop.eval()
        #expect(drop(x).toArray(of: Double.self) == x.toArray(of: Double.self))
    }

    @Test(arguments: ["decoder_post_norm", "decoder_layer_pre_norm_gelu"])
    func transformerDecoderMatchesPyTorch(_ name: String) throws {
        let r = Self.reference.decoders[name]!
        let tgt = r.tgt.tensor.requiresGrad_(), memory = r.memory.tensor.requiresGrad_()
        let module: Module, y: Tensor
        if name == "decoder_post_norm" {
            let decoder = TransformerDecoder(numLayers: 2, norm: LayerNorm([8], dtype: .float64)) { _ in
                TransformerDecoderLayer(dModel: 8, nhead: 2, dimFeedforward: 16, dropout: 0, batchFirst: true, dtype: .float64)
            }
            module = decoder
            try load(decoder, r.state)
            let causal = Tensor.ones([4, 4], dtype: .bool).triu(1)
            let tgtMask = Tensor.zeros([4, 4], dtype: .float64).maskedFill(causal, -.infinity)
            y = decoder.forward(tgt, memory: memory, tgtMask: tgtMask, memoryKeyPaddingMask: r.memory_key_padding_mask!.tensor.to(.bool))
        } else {
            let layer = TransformerDecoderLayer(dModel: 8, nhead: 4, dimFeedforward: 12, dropout: 0, activation: .gelu, normFirst: true,
                                                dtype: .float64)
            module = layer
            try load(layer, r.state)
            y = layer.forward(tgt, memory: memory)
        }
        #expect(module.stateDict().map { $0.key } == r.state.map { $0.key })
        check(y, r.y, "\(name) y")
        (y * r.gy.tensor).sum().backward()
        check(tgt.grad!, r.gtgt, "\(name) dtgt")
        check(memory.grad!, r.gmemory, "\(name) dmemory")
        for (key, p) in module.namedParameters() { check(p.grad!, r.grads[key]!, "\(name) d\(key)") }
    }

    @Test(arguments: ["mean_offsets_padding", "sum_2d_weights", "max_include_last"])
    func embeddingBagMatchesPyTorch(_ name: String) throws {
        let r = Self.reference.embedding_bag[name]!
        let bag: EmbeddingBag
        switch name {
        case "mean_offsets_padding": bag = EmbeddingBag(10, 3, mode: .mean, paddingIdx: 2, dtype: .float64)
        case "sum_2d_weights": bag = EmbeddingBag(10, 3, mode: .sum, dtype: .float64)
        default: bag = EmbeddingBag(10, 3, mode: .max, includeLastOffset: true, dtype: .float64)
        }
        try bag.loadStateDict(["weight": r.weight.tensor])
        let input = Tensor(r.input.values.map { Int64($0) }, shape: r.input.shape)
        let offsets = r.offsets.map { Tensor($0.values.map { Int64($0) }, shape: $0.shape) }
        let psw = r.psw?.tensor.requiresGrad_()
        let y = bag.forward(input, offsets: offsets, perSampleWeights: psw)
        check(y, r.y, "\(name) y")
        (y * r.gy.tensor).sum().backward()
        check(bag.weight.grad!, r.gw, "\(name) dweight")
        if let g = r.gpsw { check(psw!.grad!, g, "\(name) dperSampleWeights") }
    }

    @Test(arguments: ["l2", "l1_padding"])
    func embeddingMaxNormMatchesPyTorch(_ name: String) throws {
        let r = Self.reference.embedding_max_norm[name]!
        let emb = name == "l2" ? Embedding(6, 3, maxNorm: 1, dtype: .float64)
                               : Embedding(6, 4, paddingIdx: 1, maxNorm: 1.5, normType: 1, dtype: .float64)
        try emb.loadStateDict(["weight": r.weight0.tensor])
        let ids = Tensor(r.ids.values.map { Int64($0) }, shape: r.ids.shape)
        let y = emb(ids)
        check(y, r.y, "\(name) y")
        check(emb.weight, r.weight1, "\(name) renormalised table")
        (y * r.gy.tensor).sum().backward()
        check(emb.weight.grad!, r.gw, "\(name) dweight")
    }

    @Test(arguments: ["mean_padded", "sum_concatenated", "none_blank_last", "zero_infinity"])
    func ctcLossMatchesPyTorch(_ name: String) {
        let r = Self.reference.ctc[name]!
        let logits = r.logits.tensor.requiresGrad_()
        let targets = Tensor(r.targets.values.map { Int64($0) }, shape: r.targets.shape)
        let reduction: Reduction = name == "mean_padded" ? .mean : name == "none_blank_last" ? .none : .sum
        let loss = F.ctcLoss(logits.logSoftmax(dim: -1), targets, inputLengths: r.input_lengths, targetLengths: r.target_lengths,
                             blank: name == "none_blank_last" ? 3 : 0, reduction: reduction, zeroInfinity: name == "zero_infinity")
        check(loss, r.loss, "\(name) loss")
        (loss * r.gloss.tensor).sum().backward()
        check(logits.grad!, r.glogits, "\(name) dlogits")
    }

    @Test func linearForwardBackward() throws {
        let r = Self.reference.linear
        let layer = Linear(4, 3, dtype: .float64)
        try layer.loadStateDict(["weight": r.weight.tensor, "bias": r.bias.tensor])
        let x = r.x.tensor.requiresGrad_()
        let y = layer(x)
        check(y, r.y, "y")
        (y * r.gy.tensor).sum().backward()
        check(x.grad!, r.gx, "dx")
        check(layer.weight.grad!, r.gw, "dW")
        check(layer.bias.grad!, r.gb, "db")
        let r2 = gradcheck({ F.linear($0[0], $0[1], $0[2]) },
                           inputs: [r.x.tensor.requiresGrad_(), r.weight.tensor.requiresGrad_(), r.bias.tensor.requiresGrad_()])
        #expect(r2.passed, "\(r2)")
    }

    @Test func conv2dForwardBackward() throws {
        let r = Self.reference.conv2d
        let conv = Conv2d(4, 6, kernelSize: (3, 2), stride: (2, 1), padding: (1, 1), dilation: (1, 2), groups: 2, dtype: .float64)
        try conv.loadStateDict(["weight": r.weight.tensor, "bias": r.bias.tensor])
        let x = r.x.tensor.requiresGrad_()
        let y = conv(x)
        check(y, r.y, "y")
        (y * r.gy.tensor).sum().backward()
        check(x.grad!, r.gx, "dx")
        check(conv.weight.grad!, r.gw, "dW")
        check(conv.bias.grad!, r.gb, "db")
    }

    @Test func batchNorm2dTrainingAndEvaluation() throws {
        let r = Self.reference.batchnorm2d
        let bn = BatchNorm2d(3, momentum: 0.2, dtype: .float64)
        #expect(bn.stateDict().map { $0.key } == r.keys)
        try bn.loadStateDict(["weight": Tensor([1.5, -0.5, 2.0]), "bias": Tensor([0.1, 0.2, -0.3]),
                              "running_mean": Tensor.zeros([3], dtype: .float64), "running_var": Tensor.ones([3], dtype: .float64),
                              "num_batches_tracked": Tensor(scalar: Int64(0))])
        let x = r.x.tensor.requiresGrad_()
        let y = bn(x)
        check(y, r.y, "train y")
        (y * r.gy.tensor).sum().backward()
        check(x.grad!, r.gx, "dx")
        check(bn.weight.grad!, r.gw, "dW")
        check(bn.bias.grad!, r.gb, "db")
        check(bn.runningMean, r.running_mean, "running mean")
        check(bn.runningVar, r.running_var, "running var")
        #expect(bn.numBatchesTracked.item(Int64.self) == 1)
        bn.eval()
        check(bn(r.x_eval.tensor), r.y_eval, "eval y")
    }

    @Test func embeddingWithPadding() throws {
        let r = Self.reference.embedding
        let emb = Embedding(6, 3, paddingIdx: 2, dtype: .float64)
        #expect(emb.weight[2].abs().sum().item() == 0)
        try emb.loadStateDict(["weight": r.weight.tensor])
        let y = emb(r.ids.indices)
        check(y, r.y, "y")
        (y * r.gy.tensor).sum().backward()
        check(emb.weight.grad!, r.gw, "dW")
    }

    @Test func dropoutAndLayerNormModules() {
        let x = Tensor.ones([1000])
        let d = Dropout(0.25)
        let y = d(x)
        let kept = y.ne(0).to(.float64).mean().item()
        #expect(Swift.abs(kept - 0.75) < 0.06)
        #expect(y.maskedSelect(y.ne(0)).allclose(Tensor.full([1], 1 / 0.75)))
        d.eval()
        #expect(d(x).equal(x))
        let ln = LayerNorm([4], dtype: .float64)
        let z = Tensor.randn([3, 4], dtype: .float64, generator: Generator(seed: 2))
        #expect(ln(z).allclose(z.layerNorm([4]), atol: 1e-12))
        #expect(ln.stateDict().map { $0.key } == ["weight", "bias"])
    }

    @Test func maxPool2dForwardBackward() {
        let r = Self.reference.maxpool2d
        let x = r.x.tensor.requiresGrad_()
        let y = x.maxPool2d((3, 2), stride: (2, 2), padding: (1, 1))
        check(y, r.y, "y")
        (y * r.gy.tensor).sum().backward()
        check(x.grad!, r.gx, "dx")
    }

    @Test func sequentialStateDictMatchesPyTorch() throws {
        let r = Self.reference.mlp
        let mlp = Sequential {
            Linear(4, 8, dtype: .float64)
            ReLU()
            Linear(8, 3, dtype: .float64)
        }
        #expect(mlp.stateDict().map { $0.key } == r.state.map { $0.key })
        #expect(mlp.stateDict().map { $0.value.shape } == r.state.map { $0.value.shape })
        #expect(mlp.parameterCount == 4 * 8 + 8 + 8 * 3 + 3)
        var dict: [String: Tensor] = [:]
        for e in r.state { dict[e.key] = e.value.tensor }
        try mlp.loadStateDict(dict)
        check(mlp(r.x.tensor), r.y, "mlp output")
        #expect(mlp.namedModules().map { $0.0 } == ["", "0", "1", "2"])
        mlp.eval()
        #expect(mlp.modules().allSatisfy { !$0.training })
    }

    @Test func loadStateDictReportsProblems() throws {
        let layer = Linear(2, 2)
        #expect(throws: StateDictError.self) { try layer.loadStateDict(["weight": Tensor.zeros([2, 2])]) }
        let keys = try layer.loadStateDict(["weight": Tensor.zeros([2, 2]), "extra": Tensor.zeros([1])], strict: false)
        #expect(keys.missingKeys == ["bias"] && keys.unexpectedKeys == ["extra"])
        #expect(throws: StateDictError.shapeMismatch(key: "weight", expected: [2, 2], got: [3, 2])) {
            try layer.loadStateDict(["weight": Tensor.zeros([3, 2]), "bias": Tensor.zeros([2])])
        }
        let noBias = Linear(3, 2, bias: false)
        #expect(noBias.stateDict().map { $0.key } == ["weight"])
    }

    @Test(arguments: ["ce_mean", "ce_weight_ignore_smooth", "ce_extra_dims_sum", "ce_none_smooth", "ce_probs_smooth",
                      "nll_weight_mean", "mse_mean", "l1_sum", "bce", "bce_logits_pos", "smooth_l1", "huber", "kl_batchmean",
                      "margin_ranking", "cosine_embedding", "triplet"])
    func lossMatchesPyTorch(_ name: String) {
        let c = Self.reference.losses[name]!
        let input = c.input.tensor.requiresGrad_()
        let loss: Tensor
        switch name {
        case "ce_mean": loss = F.crossEntropy(input, c.target!.indices)
        case "ce_weight_ignore_smooth":
            loss = F.crossEntropy(input, c.target!.indices, weight: c.weight!.tensor, ignoreIndex: -100, labelSmoothing: 0.1)
        case "ce_extra_dims_sum": loss = F.crossEntropy(input, c.target!.indices, reduction: .sum)
        case "ce_none_smooth": loss = F.crossEntropy(input, c.target!.indices, reduction: .none, labelSmoothing: 0.2)
        case "ce_probs_smooth": loss = F.crossEntropy(input, c.probs!.tensor, labelSmoothing: 0.1)
        case "nll_weight_mean": loss = F.nllLoss(input.logSoftmax(dim: 1), c.target!.indices, weight: c.weight!.tensor)
        case "mse_mean": loss = F.mseLoss(input, c.other!.tensor)
        case "bce": loss = F.binaryCrossEntropy(input.sigmoid(), c.other!.tensor)
        case "bce_logits_pos": loss = F.binaryCrossEntropyWithLogits(input, c.other!.tensor, posWeight: c.weight!.tensor)
        case "smooth_l1": loss = F.smoothL1Loss(input, c.other!.tensor, beta: 0.5)
        case "huber": loss = F.huberLoss(input, c.other!.tensor, delta: 0.7, reduction: .sum)
        case "kl_batchmean": loss = F.klDiv(input.logSoftmax(dim: 1), c.other!.tensor, reduction: "batchmean")
        case "margin_ranking": loss = F.marginRankingLoss(input[.all, 0], input[.all, 1], Tensor([1.0, -1.0, 1.0, -1.0]), margin: 0.3)
        case "cosine_embedding": loss = F.cosineEmbeddingLoss(input[..<2], input[2...], Tensor([1.0, -1.0]), margin: 0.1)
        case "triplet": loss = F.tripletMarginLoss(input[..<1], input[1..<2], input[2..<3], margin: 2)
        default: loss = F.l1Loss(input, c.other!.tensor, reduction: .sum)
        }
        check(loss, c.loss, "\(name) loss")
        (loss * c.gloss.tensor).sum().backward()
        check(input.grad!, c.ginput, "\(name) input gradient")
    }
}

/// Initialisation: closed forms for bounds, gains and orthogonality.
@Suite struct InitTests {
    @Test func gainsAndBounds() {
        #expect(Init.calculateGain("relu") == 2.0.squareRoot())
        #expect(Init.calculateGain("tanh") == 5.0 / 3)
        #expect(Swift.abs(Init.calculateGain("leaky_relu", param: 0.2) - (2 / 1.04).squareRoot()) < 1e-15)
        let w = Tensor.empty([64, 32, 3, 3])
        #expect(Init.fans(w) == (fanIn: 288, fanOut: 576))
        Init.kaimingUniform_(w, nonlinearity: "relu", generator: Generator(seed: 1))
        let bound = 2.0.squareRoot() * (3.0 / 288).squareRoot()
        #expect(w.abs().max().item() <= bound && w.abs().max().item() > 0.95 * bound)
        let x = Tensor.empty([200, 300])
        Init.xavierNormal_(x, generator: Generator(seed: 2))
        #expect(Swift.abs(x.std().item() - (2.0 / 500).squareRoot()) < 0.003)
        let tn = Tensor.empty([5000])
        Init.truncNormal_(tn, std: 1, a: -0.5, b: 1, generator: Generator(seed: 3))
        #expect(tn.min().item() >= -0.5 && tn.max().item() <= 1)
        #expect(Init.eye_(Tensor.empty([2, 3])).toArray(of: Float.self) == [1, 0, 0, 0, 1, 0])
    }

    @Test func orthogonalRowsAndColumns() {
        for shape in [[6, 4], [3, 5]] {
            let q = Init.orthogonal_(Tensor.empty(shape, dtype: .float64), generator: Generator(seed: 4))
            let small = Swift.min(shape[0], shape[1])
            let gram = shape[0] >= shape[1] ? q.t().matmul(q) : q.matmul(q.t())
            #expect(gram.allclose(Tensor.eye(small, dtype: .float64), atol: 1e-12), "\(shape)")
        }
    }
}
