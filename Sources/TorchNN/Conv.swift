import TorchCore

/// 2-D convolution (`nn.Conv2d`) with PyTorch's default initialisation (weight and bias uniform in
/// ±1/√(C/groups·kh·kw)).
public final class Conv2d: Module {
    /// Filters `[outChannels, inChannels/groups, kh, kw]`.
    @Parameter public var weight: Tensor
    /// Bias `[outChannels]` (empty when created without one).
    @Parameter public var bias: Tensor
    /// Stride, padding, dilation and groups.
    public let stride: (Int, Int), padding: (Int, Int), dilation: (Int, Int), groups: Int
    let hasBias: Bool

    /// Creates the layer.
    /// - Parameters:
    ///   - inChannels: input channels.
    ///   - outChannels: output channels.
    ///   - kernelSize: kernel (height, width).
    ///   - stride: stride.
    ///   - padding: zero padding.
    ///   - dilation: dilation.
    ///   - groups: channel groups.
    ///   - bias: whether to add a bias.
    ///   - dtype: the parameters' dtype.
    public init(_ inChannels: Int, _ outChannels: Int, kernelSize: (Int, Int), stride: (Int, Int) = (1, 1),
                padding: (Int, Int) = (0, 0), dilation: (Int, Int) = (1, 1), groups: Int = 1, bias: Bool = true,
                dtype: DType = .float32) {
        precondition(inChannels % groups == 0 && outChannels % groups == 0, "Conv2d: channels must be divisible by groups")
        let fanIn = inChannels / groups * kernelSize.0 * kernelSize.1
        let bound = 1 / Double(Swift.max(fanIn, 1)).squareRoot()
        weight = Tensor.empty([outChannels, inChannels / groups, kernelSize.0, kernelSize.1], dtype: dtype).uniform_(from: -bound, to: bound)
        self.bias = bias ? Tensor.empty([outChannels], dtype: dtype).uniform_(from: -bound, to: bound) : Tensor.empty([0], dtype: dtype)
        self.stride = stride
        self.padding = padding
        self.dilation = dilation
        self.groups = groups
        hasBias = bias
        super.init()
    }

    /// Convenience for square kernels.
    /// - Parameters:
    ///   - inChannels: input channels.
    ///   - outChannels: output channels.
    ///   - kernelSize: kernel size.
    ///   - stride: stride.
    ///   - padding: zero padding.
    public convenience init(_ inChannels: Int, _ outChannels: Int, kernelSize: Int, stride: Int = 1, padding: Int = 0) {
        self.init(inChannels, outChannels, kernelSize: (kernelSize, kernelSize), stride: (stride, stride), padding: (padding, padding))
    }

    /// Applies the convolution to `[N, C, H, W]`.
    /// - Parameter input: the input.
    public override func forward(_ input: Tensor) -> Tensor {
        input.conv2d(weight, bias: hasBias ? bias : nil, stride: stride, padding: padding, dilation: dilation, groups: groups)
    }

    override func members() -> [Member] {
        hasBias ? super.members() : super.members().filter { if case .parameter("bias", _) = $0 { return false } else { return true } }
    }
}

/// 2-D max pooling (`nn.MaxPool2d`).
public final class MaxPool2d: Module {
    let kernel: (Int, Int), stride: (Int, Int), padding: (Int, Int)

    /// Creates the layer.
    /// - Parameters:
    ///   - kernelSize: window size.
    ///   - stride: step (defaults to the window size).
    ///   - padding: implicit −∞ padding.
    public init(_ kernelSize: Int, stride: Int? = nil, padding: Int = 0) {
        kernel = (kernelSize, kernelSize)
        self.stride = (stride ?? kernelSize, stride ?? kernelSize)
        self.padding = (padding, padding)
        super.init()
    }

    /// Pools `[N, C, H, W]`.
    /// - Parameter input: the input.
    public override func forward(_ input: Tensor) -> Tensor { input.maxPool2d(kernel, stride: stride, padding: padding) }
}
