import TorchCore

/// The shared parameters of ``RNNCell``, ``LSTMCell`` and ``GRUCell``: `weight_ih` `[gates·H, inputSize]`,
/// `weight_hh` `[gates·H, H]`, `bias_ih`, `bias_hh`, uniform in ±1/√hiddenSize.
public class RNNCellBase: Module {
    /// The input-to-hidden weights.
    @Parameter public var weightIH: Tensor
    /// The hidden-to-hidden weights.
    @Parameter public var weightHH: Tensor
    /// The input-to-hidden bias (empty without bias).
    @Parameter public var biasIH: Tensor
    /// The hidden-to-hidden bias (empty without bias).
    @Parameter public var biasHH: Tensor
    /// Features of each input.
    public let inputSize: Int
    /// Features of the hidden state.
    public let hiddenSize: Int
    let mode: RNNMode, hasBias: Bool

    init(mode: RNNMode, inputSize: Int, hiddenSize: Int, bias: Bool, dtype: DType) {
        precondition(inputSize > 0 && hiddenSize > 0, "\(mode)Cell: inputSize (\(inputSize)) and hiddenSize (\(hiddenSize)) must be positive")
        let bound = 1 / Double(hiddenSize).squareRoot(), g = mode.gates * hiddenSize
        func make(_ shape: [Int]) -> Tensor { Tensor.empty(shape, dtype: dtype).uniform_(from: -bound, to: bound) }
        _weightIH = Parameter(wrappedValue: make([g, inputSize]), name: "weight_ih")
        _weightHH = Parameter(wrappedValue: make([g, hiddenSize]), name: "weight_hh")
        _biasIH = Parameter(wrappedValue: bias ? make([g]) : Tensor.empty([0], dtype: dtype), name: "bias_ih")
        _biasHH = Parameter(wrappedValue: bias ? make([g]) : Tensor.empty([0], dtype: dtype), name: "bias_hh")
        self.mode = mode
        self.inputSize = inputSize
        self.hiddenSize = hiddenSize
        hasBias = bias
        super.init()
    }

    override func members() -> [Member] {
        hasBias ? super.members() : super.members().filter {
            if case .parameter(let n, _) = $0 { return !n.hasPrefix("bias") } else { return true }
        }
    }

    /// One step for `[N, inputSize]` or unbatched `[inputSize]` input from state `[N, H]` (zeros when nil).
    func step(_ input: Tensor, _ h: Tensor?, _ c: Tensor?) -> (Tensor, Tensor?) {
        let name = String(describing: type(of: self))
        precondition((input.rank == 1 || input.rank == 2) && input.shape.last == inputSize,
                     "\(name): expected input [N, \(inputSize)] or [\(inputSize)], got \(input.shape)")
        let batched = input.rank == 2
        let x = batched ? input : input.unsqueeze(0), n = x.shape[0]
        func state(_ t: Tensor?) -> Tensor {
            guard let t else { return Tensor.zeros([n, hiddenSize], dtype: input.dtype) }
            let s = batched ? t : t.unsqueeze(0)
            precondition(s.shape == [n, hiddenSize], "\(name): expected state [\(n), \(hiddenSize)], got \(t.shape)")
            return s
        }
        let (h2, c2) = recurrentStep(mode, F.linear(x, weightIH, hasBias ? biasIH : nil), state(h),
                                     mode == .lstm ? state(c) : nil, whh: weightHH, bhh: hasBias ? biasHH : nil)
        return batched ? (h2, c2) : (h2.squeeze(0), c2?.squeeze(0))
    }

    /// The next hidden state from a zero state.
    /// - Parameter input: `[N, inputSize]` or `[inputSize]`.
    public override func forward(_ input: Tensor) -> Tensor { step(input, nil, nil).0 }
}

/// An Elman cell (`nn.RNNCell`).
public final class RNNCell: RNNCellBase {
    /// Creates the cell.
    /// - Parameters:
    ///   - inputSize: features of each input.
    ///   - hiddenSize: features of the hidden state.
    ///   - bias: learn biases.
    ///   - nonlinearity: `"tanh"` or `"relu"`.
    ///   - dtype: the parameters' dtype.
    public init(_ inputSize: Int, _ hiddenSize: Int, bias: Bool = true, nonlinearity: String = "tanh", dtype: DType = .float32) {
        precondition(nonlinearity == "tanh" || nonlinearity == "relu", "RNNCell: unknown nonlinearity '\(nonlinearity)' (tanh or relu)")
        super.init(mode: nonlinearity == "tanh" ? .rnnTanh : .rnnRelu, inputSize: inputSize, hiddenSize: hiddenSize, bias: bias, dtype: dtype)
    }

    /// The next hidden state (`cell(input, hx)`).
    /// - Parameters:
    ///   - input: `[N, inputSize]` or `[inputSize]`.
    ///   - hx: the hidden state (zeros when nil).
    public func forward(_ input: Tensor, _ hx: Tensor?) -> Tensor { step(input, hx, nil).0 }
}

/// A gated recurrent unit cell (`nn.GRUCell`).
public final class GRUCell: RNNCellBase {
    /// Creates the cell.
    /// - Parameters:
    ///   - inputSize: features of each input.
    ///   - hiddenSize: features of the hidden state.
    ///   - bias: learn biases.
    ///   - dtype: the parameters' dtype.
    public init(_ inputSize: Int, _ hiddenSize: Int, bias: Bool = true, dtype: DType = .float32) {
        super.init(mode: .gru, inputSize: inputSize, hiddenSize: hiddenSize, bias: bias, dtype: dtype)
    }

    /// The next hidden state (`cell(input, hx)`).
    /// - Parameters:
    ///   - input: `[N, inputSize]` or `[inputSize]`.
    ///   - hx: the hidden state (zeros when nil).
    public func forward(_ input: Tensor, _ hx: Tensor?) -> Tensor { step(input, hx, nil).0 }
}

/// A long short-term memory cell (`nn.LSTMCell`).
public final class LSTMCell: RNNCellBase {
    /// Creates the cell.
    /// - Parameters:
    ///   - inputSize: features of each input.
    ///   - hiddenSize: features of the hidden state.
    ///   - bias: learn biases.
    ///   - dtype: the parameters' dtype.
    public init(_ inputSize: Int, _ hiddenSize: Int, bias: Bool = true, dtype: DType = .float32) {
        super.init(mode: .lstm, inputSize: inputSize, hiddenSize: hiddenSize, bias: bias, dtype: dtype)
    }

    /// The next hidden and cell states (`cell(input, (hx, cx))`).
    /// - Parameters:
    ///   - input: `[N, inputSize]` or `[inputSize]`.
    ///   - state: `(h, c)` (zeros when nil).
    public func forward(_ input: Tensor, _ state: (h: Tensor, c: Tensor)?) -> (h: Tensor, c: Tensor) {
        let (h, c) = step(input, state?.h, state?.c)
        return (h, c!)
    }
}
