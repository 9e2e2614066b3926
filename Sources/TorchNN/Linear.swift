import TorchCore

/// `y = x·Wᵀ + b` (`nn.Linear`), weight `[outFeatures, inFeatures]`, PyTorch's default initialisation
/// (weight and bias uniform in ±1/√inFeatures).
public final class Linear: Module {
    /// The weight, `[outFeatures, inFeatures]`.
    @Parameter public var weight: Tensor
    /// The bias, `[outFeatures]`, or an empty tensor when created without one.
    @Parameter public var bias: Tensor
    /// Whether the layer adds a bias.
    public let hasBias: Bool

    /// Creates the layer.
    /// - Parameters:
    ///   - inFeatures: input size.
    ///   - outFeatures: output size.
    ///   - bias: whether to add a learnable bias.
    ///   - dtype: the parameters' dtype.
    public init(_ inFeatures: Int, _ outFeatures: Int, bias: Bool = true, dtype: DType = .float32) {
        let bound = inFeatures > 0 ? 1 / Double(inFeatures).squareRoot() : 0
        weight = Tensor.empty([outFeatures, inFeatures], dtype: dtype).uniform_(from: -bound, to: bound)
        self.bias = bias ? Tensor.empty([outFeatures], dtype: dtype).uniform_(from: -bound, to: bound) : Tensor.empty([0], dtype: dtype)
        hasBias = bias
        super.init()
    }

    /// `x·Wᵀ + b` over the last dimension of `x`.
    /// - Parameter input: `[…, inFeatures]`.
    public override func forward(_ input: Tensor) -> Tensor {
        F.linear(input, weight, hasBias ? bias : nil)
    }

    override func members() -> [Member] {
        // Without a bias there is no `bias` entry (as in PyTorch, where it is None).
        hasBias ? super.members() : super.members().filter { if case .parameter("bias", _) = $0 { return false } else { return true } }
    }
}
