import RealModule
import TorchCore

/// The cell of a recurrent layer.
public enum RNNMode: Sendable, Equatable {
    /// `h' = tanh(W_ih·x + b_ih + W_hh·h + b_hh)`.
    case rnnTanh
    /// `h' = relu(W_ih·x + b_ih + W_hh·h + b_hh)`.
    case rnnRelu
    /// Long short-term memory, gates `i, f, g, o` stacked in that order.
    case lstm
    /// Gated recurrent unit, gates `r, z, n` stacked in that order.
    case gru

    var gates: Int {
        switch self {
        case .rnnTanh, .rnnRelu: return 1
        case .lstm: return 4
        case .gru: return 3
        }
    }
}

/// The shared machinery of ``RNN``, ``LSTM`` and ``GRU`` (PyTorch's `nn.RNNBase`): parameters named
/// `weight_ih_l{k}`, `weight_hh_l{k}`, `bias_ih_l{k}`, `bias_hh_l{k}` (suffix `_reverse` for the backward
/// direction), all initialised uniform in ±1/√hiddenSize; input `[T, N, inputSize]` (`[N, T, …]` with
/// `batchFirst`, or unbatched `[T, inputSize]`).
public class RNNBase: Module {
    /// The cell type.
    public let mode: RNNMode
    /// Features of each input step.
    public let inputSize: Int
    /// Features of the hidden state.
    public let hiddenSize: Int
    /// Stacked layers.
    public let numLayers: Int
    /// Whether the layers have biases.
    public let bias: Bool
    /// Whether input and output are `[N, T, …]`.
    public let batchFirst: Bool
    /// Dropout probability on the outputs of every layer but the last, in training.
    public let dropout: Double
    /// Whether each layer also runs backwards in time.
    public let bidirectional: Bool
    /// The parameters in PyTorch's order: per layer, per direction, `w_ih, w_hh[, b_ih, b_hh]`.
    var flat: [(name: String, parameter: Parameter)] = []

    init(mode: RNNMode, inputSize: Int, hiddenSize: Int, numLayers: Int, bias: Bool, batchFirst: Bool, dropout: Double,
         bidirectional: Bool, dtype: DType) {
        let name = String(describing: mode)
        precondition(inputSize > 0 && hiddenSize > 0 && numLayers > 0,
                     "\(name): inputSize (\(inputSize)), hiddenSize (\(hiddenSize)) and numLayers (\(numLayers)) must be positive")
        precondition((0...1).contains(dropout), "\(name): dropout must lie in [0, 1] (got \(dropout))")
        self.mode = mode
        self.inputSize = inputSize
        self.hiddenSize = hiddenSize
        self.numLayers = numLayers
        self.bias = bias
        self.batchFirst = batchFirst
        self.dropout = dropout
        self.bidirectional = bidirectional
        super.init()
        let bound = 1 / Double(hiddenSize).squareRoot(), g = mode.gates * hiddenSize
        func make(_ shape: [Int]) -> Parameter {
            Parameter(wrappedValue: Tensor.empty(shape, dtype: dtype).uniform_(from: -bound, to: bound))
        }
        for layer in 0..<numLayers {
            for direction in 0..<(bidirectional ? 2 : 1) {
                let suffix = "_l\(layer)" + (direction == 1 ? "_reverse" : "")
                let layerInput = layer == 0 ? inputSize : hiddenSize * (bidirectional ? 2 : 1)
                flat.append(("weight_ih" + suffix, make([g, layerInput])))
                flat.append(("weight_hh" + suffix, make([g, hiddenSize])))
                if bias {
                    flat.append(("bias_ih" + suffix, make([g])))
                    flat.append(("bias_hh" + suffix, make([g])))
                }
            }
        }
    }

    override func members() -> [Member] { flat.map { .parameter($0.name, $0.parameter) } }

    /// The weights of one layer and direction.
    func weights(layer: Int, direction: Int) -> (wih: Tensor, whh: Tensor, bih: Tensor?, bhh: Tensor?) {
        let per = bias ? 4 : 2, base = (layer * (bidirectional ? 2 : 1) + direction) * per
        return (flat[base].parameter.wrappedValue, flat[base + 1].parameter.wrappedValue,
                bias ? flat[base + 2].parameter.wrappedValue : nil, bias ? flat[base + 3].parameter.wrappedValue : nil)
    }

    /// One time step: the projected input `xw` (`W_ih·x + b_ih`, `[N, gates·H]`) and the state.
    func cell(_ xw: Tensor, _ h: Tensor, _ c: Tensor?, whh: Tensor, bhh: Tensor?) -> (Tensor, Tensor?) {
        recurrentStep(mode, xw, h, c, whh: whh, bhh: bhh)
    }

    /// Runs every layer over `[T, N, F]` from the initial states `[L·D, N, H]`.
    func run(_ input: Tensor, h0: Tensor?, c0: Tensor?) -> (output: Tensor, h: Tensor, c: Tensor?) {
        let name = String(describing: type(of: self))
        precondition(input.rank == 2 || input.rank == 3, "\(name): expected input of rank 2 (unbatched) or 3, got \(input.shape)")
        let batched = input.rank == 3
        var x = batched ? (batchFirst ? input.transpose(0, 1) : input) : input.unsqueeze(1)
        precondition(x.shape[2] == inputSize, "\(name): expected input with \(inputSize) features, got \(input.shape)")
        let steps = x.shape[0], n = x.shape[1], dirs = bidirectional ? 2 : 1
        func initial(_ t: Tensor?, _ what: String) -> Tensor {
            guard let t else { return Tensor.zeros([numLayers * dirs, n, hiddenSize], dtype: input.dtype, device: input.device) }
            let s = batched ? t : t.unsqueeze(1)
            precondition(s.shape == [numLayers * dirs, n, hiddenSize],
                         "\(name): expected \(what) of shape \(batched ? [numLayers * dirs, n, hiddenSize] : [numLayers * dirs, hiddenSize]), got \(t.shape)")
            return s
        }
        let hInit = initial(h0, "hidden state"), cInit = mode == .lstm ? initial(c0, "cell state") : nil
        var hOut: [Tensor] = [], cOut: [Tensor] = []
        for layer in 0..<numLayers {
            var outputs: [Tensor] = []
            for direction in 0..<dirs {
                let w = weights(layer: layer, direction: direction)
                let projected = F.linear(x, w.wih, w.bih)
                let index = layer * dirs + direction
                var h = hInit[index], c = cInit?[index]
                var seq = [Tensor](repeating: h, count: steps)
                for t in (direction == 0 ? Array(0..<steps) : Array((0..<steps).reversed())) {
                    (h, c) = cell(projected[t], h, c, whh: w.whh, bhh: w.bhh)
                    seq[t] = h
                }
                outputs.append(Tensor.stack(seq, dim: 0))
                hOut.append(h)
                if let c { cOut.append(c) }
            }
            x = dirs == 1 ? outputs[0] : Tensor.cat(outputs, dim: 2)
            if layer < numLayers - 1 && dropout > 0 && training { x = F.dropout(x, p: dropout, training: true) }
        }
        var output = x, h = Tensor.stack(hOut, dim: 0), c = cOut.isEmpty ? nil : Tensor.stack(cOut, dim: 0)
        if batched {
            if batchFirst { output = output.transpose(0, 1) }
        } else {
            output = output.squeeze(1)
            h = h.squeeze(1)
            c = c?.squeeze(1)
        }
        return (output, h, c)
    }

    /// The output sequence `[T, N, D·H]` from zero initial states.
    /// - Parameter input: `[T, N, inputSize]` (`[N, T, …]` with `batchFirst`), or `[T, inputSize]`.
    public override func forward(_ input: Tensor) -> Tensor { run(input, h0: nil, c0: nil).output }
}

/// An Elman recurrent layer (`nn.RNN`).
public final class RNN: RNNBase {
    /// Creates the layer.
    /// - Parameters:
    ///   - inputSize: features of each input step.
    ///   - hiddenSize: features of the hidden state.
    ///   - numLayers: stacked layers.
    ///   - nonlinearity: `"tanh"` or `"relu"`.
    ///   - bias: learn biases.
    ///   - batchFirst: input and output are `[N, T, …]`.
    ///   - dropout: dropout between layers in training.
    ///   - bidirectional: also run backwards in time.
    ///   - dtype: the parameters' dtype.
    public init(_ inputSize: Int, _ hiddenSize: Int, numLayers: Int = 1, nonlinearity: String = "tanh", bias: Bool = true,
                batchFirst: Bool = false, dropout: Double = 0, bidirectional: Bool = false, dtype: DType = .float32) {
        precondition(nonlinearity == "tanh" || nonlinearity == "relu", "RNN: unknown nonlinearity '\(nonlinearity)' (tanh or relu)")
        super.init(mode: nonlinearity == "tanh" ? .rnnTanh : .rnnRelu, inputSize: inputSize, hiddenSize: hiddenSize,
                   numLayers: numLayers, bias: bias, batchFirst: batchFirst, dropout: dropout, bidirectional: bidirectional, dtype: dtype)
    }

    /// The output sequence and the final hidden state `[L·D, N, H]` (`rnn(input, h0)`).
    /// - Parameters:
    ///   - input: the input sequence.
    ///   - h0: the initial hidden state (zeros when nil).
    public func forward(_ input: Tensor, _ h0: Tensor?) -> (output: Tensor, hN: Tensor) {
        let r = run(input, h0: h0, c0: nil)
        return (r.output, r.h)
    }
}

/// A gated recurrent unit layer (`nn.GRU`).
public final class GRU: RNNBase {
    /// Creates the layer.
    /// - Parameters:
    ///   - inputSize: features of each input step.
    ///   - hiddenSize: features of the hidden state.
    ///   - numLayers: stacked layers.
    ///   - bias: learn biases.
    ///   - batchFirst: input and output are `[N, T, …]`.
    ///   - dropout: dropout between layers in training.
    ///   - bidirectional: also run backwards in time.
    ///   - dtype: the parameters' dtype.
    public init(_ inputSize: Int, _ hiddenSize: Int, numLayers: Int = 1, bias: Bool = true, batchFirst: Bool = false,
                dropout: Double = 0, bidirectional: Bool = false, dtype: DType = .float32) {
        super.init(mode: .gru, inputSize: inputSize, hiddenSize: hiddenSize, numLayers: numLayers, bias: bias,
                   batchFirst: batchFirst, dropout: dropout, bidirectional: bidirectional, dtype: dtype)
    }

    /// The output sequence and the final hidden state `[L·D, N, H]` (`gru(input, h0)`).
    /// - Parameters:
    ///   - input: the input sequence.
    ///   - h0: the initial hidden state (zeros when nil).
    public func forward(_ input: Tensor, _ h0: Tensor?) -> (output: Tensor, hN: Tensor) {
        let r = run(input, h0: h0, c0: nil)
        return (r.output, r.h)
    }
}

/// A long short-term memory layer (`nn.LSTM`).
public final class LSTM: RNNBase {
    /// Creates the layer.
    /// - Parameters:
    ///   - inputSize: features of each input step.
    ///   - hiddenSize: features of the hidden state.
    ///   - numLayers: stacked layers.
    ///   - bias: learn biases.
    ///   - batchFirst: input and output are `[N, T, …]`.
    ///   - dropout: dropout between layers in training.
    ///   - bidirectional: also run backwards in time.
    ///   - dtype: the parameters' dtype.
    public init(_ inputSize: Int, _ hiddenSize: Int, numLayers: Int = 1, bias: Bool = true, batchFirst: Bool = false,
                dropout: Double = 0, bidirectional: Bool = false, dtype: DType = .float32) {
        super.init(mode: .lstm, inputSize: inputSize, hiddenSize: hiddenSize, numLayers: numLayers, bias: bias,
                   batchFirst: batchFirst, dropout: dropout, bidirectional: bidirectional, dtype: dtype)
    }

    /// The output sequence and the final hidden and cell states, each `[L·D, N, H]` (`lstm(input, (h0, c0))`).
    /// - Parameters:
    ///   - input: the input sequence.
    ///   - state: the initial `(h0, c0)` (zeros when nil).
    public func forward(_ input: Tensor, _ state: (h: Tensor, c: Tensor)?) -> (output: Tensor, state: (h: Tensor, c: Tensor)) {
        let r = run(input, h0: state?.h, c0: state?.c)
        return (r.output, (r.h, r.c!))
    }
}

/// One step of a recurrent cell from the projected input `xw` (`W_ih·x + b_ih`, `[N, gates·H]`) and the state.
func recurrentStep(_ mode: RNNMode, _ xw: Tensor, _ h: Tensor, _ c: Tensor?, whh: Tensor, bhh: Tensor?) -> (Tensor, Tensor?) {
    let hw = F.linear(h, whh, bhh)
    switch mode {
    case .rnnTanh: return ((xw + hw).tanh(), nil)
    case .rnnRelu: return ((xw + hw).relu(), nil)
    case .lstm:
        let gates = (xw + hw).chunk(4, dim: 1)
        let i = gates[0].sigmoid(), f = gates[1].sigmoid(), g = gates[2].tanh(), o = gates[3].sigmoid()
        let c2 = f * c! + i * g
        return (o * c2.tanh(), c2)
    case .gru:
        let xs = xw.chunk(3, dim: 1), hs = hw.chunk(3, dim: 1)
        let r = (xs[0] + hs[0]).sigmoid(), z = (xs[1] + hs[1]).sigmoid()
        let n = (xs[2] + r * hs[2]).tanh()
        return ((1.0 - z) * n + z * h, nil)
    }
}
