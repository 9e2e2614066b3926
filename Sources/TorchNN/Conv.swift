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
    /// How the border is filled (`padding_mode`).
    public internal(set) var paddingMode: ConvPaddingMode = .zeros
    /// Explicit `(top, bottom, left, right)` padding when it is not symmetric (`padding: .same` with an even
    /// effective kernel) or not zeros.
    var explicitPadding: (Int, Int, Int, Int)? = nil
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
        guard let (top, bottom, left, right) = explicitPadding else {
            return input.conv2d(weight, bias: hasBias ? bias : nil, stride: stride, padding: padding, dilation: dilation, groups: groups)
        }
        let padded: Tensor
        switch paddingMode {
        case .zeros: padded = input.pad([left, right, top, bottom])
        case .reflect: padded = input.pad([left, right, top, bottom], mode: .reflect)
        case .replicate: padded = input.pad([left, right, top, bottom], mode: .replicate)
        case .circular: padded = input.pad([left, right, top, bottom], mode: .circular)
        }
        return padded.conv2d(weight, bias: hasBias ? bias : nil, stride: stride, dilation: dilation, groups: groups)
    }

    /// Creates the layer with PyTorch's string paddings (`'same'`, `'valid'`) or explicit ones, and a padding mode.
    /// - Parameters:
    ///   - inChannels: input channels.
    ///   - outChannels: output channels.
    ///   - kernelSize: `(kH, kW)`.
    ///   - stride: step (`.same` needs 1).
    ///   - padding: `.valid`, `.same` (output size = input size; an odd remainder goes to the bottom/right, as
    ///     PyTorch), or `.explicit(h, w)`.
    ///   - dilation: kernel spacing.
    ///   - groups: channel groups.
    ///   - bias: learn a bias.
    ///   - paddingMode: zeros, reflect, replicate or circular.
    ///   - dtype: the parameters' dtype.
    public convenience init(_ inChannels: Int, _ outChannels: Int, kernelSize: (Int, Int), stride: (Int, Int) = (1, 1),
                            padding: ConvPadding, dilation: (Int, Int) = (1, 1), groups: Int = 1, bias: Bool = true,
                            paddingMode: ConvPaddingMode = .zeros, dtype: DType = .float32) {
        var sides: (Int, Int, Int, Int)
        switch padding {
        case .valid: sides = (0, 0, 0, 0)
        case .explicit(let h, let w): sides = (h, h, w, w)
        case .same:
            precondition(stride == (1, 1), "Conv2d: padding .same is not supported for strided convolutions (stride \(stride))")
            let th = dilation.0 * (kernelSize.0 - 1), tw = dilation.1 * (kernelSize.1 - 1)
            sides = (th / 2, th - th / 2, tw / 2, tw - tw / 2)
        }
        let symmetric = sides.0 == sides.1 && sides.2 == sides.3
        self.init(inChannels, outChannels, kernelSize: kernelSize, stride: stride,
                  padding: symmetric && paddingMode == .zeros ? (sides.0, sides.2) : (0, 0), dilation: dilation, groups: groups,
                  bias: bias, dtype: dtype)
        self.paddingMode = paddingMode
        if !(symmetric && paddingMode == .zeros) { explicitPadding = sides }
    }

    override func members() -> [Member] {
        hasBias ? super.members() : super.members().filter { if case .parameter("bias", _) = $0 { return false } else { return true } }
    }
}

/// A convolution's padding (`padding=` in PyTorch: `'valid'`, `'same'` or sizes).
public enum ConvPadding: Sendable, Equatable {
    /// No padding.
    case valid
    /// Pad so the output has the input's size (stride 1 only).
    case same
    /// `(h, w)` on both sides of each dimension.
    case explicit(Int, Int)
}

/// How a convolution fills its border (`padding_mode`).
public enum ConvPaddingMode: Sendable, Equatable {
    /// Zeros.
    case zeros
    /// Mirror without repeating the edge.
    case reflect
    /// Repeat the edge.
    case replicate
    /// Wrap around.
    case circular
}

/// 2-D max pooling (`nn.MaxPool2d`).
public final class MaxPool2d: Module {
    let kernel: (Int, Int), stride: (Int, Int), padding: (Int, Int), dilation: (Int, Int), ceilMode: Bool

    /// Creates the layer.
    /// - Parameters:
    ///   - kernelSize: window size.
    ///   - stride: step (defaults to the window size).
    ///   - padding: implicit −∞ padding.
    ///   - dilation: spacing of the window's elements.
    ///   - ceilMode: round the output size up.
    public init(_ kernelSize: (Int, Int), stride: (Int, Int)? = nil, padding: (Int, Int) = (0, 0), dilation: (Int, Int) = (1, 1),
                ceilMode: Bool = false) {
        kernel = kernelSize
        self.stride = stride ?? kernelSize
        self.padding = padding
        self.dilation = dilation
        self.ceilMode = ceilMode
        super.init()
    }

    /// Creates the layer with square windows.
    /// - Parameters:
    ///   - kernelSize: window size.
    ///   - stride: step (defaults to the window size).
    ///   - padding: implicit −∞ padding.
    ///   - dilation: spacing of the window's elements.
    ///   - ceilMode: round the output size up.
    public convenience init(_ kernelSize: Int, stride: Int? = nil, padding: Int = 0, dilation: Int = 1, ceilMode: Bool = false) {
        self.init((kernelSize, kernelSize), stride: stride.map { ($0, $0) }, padding: (padding, padding),
                  dilation: (dilation, dilation), ceilMode: ceilMode)
    }

    /// Pools `[N, C, H, W]`.
    /// - Parameter input: the input.
    public override func forward(_ input: Tensor) -> Tensor {
        input.maxPool2d(kernel, stride: stride, padding: padding, dilation: dilation, ceilMode: ceilMode)
    }

    /// Pools and returns the argmax positions too (`return_indices=True`).
    /// - Parameter input: the input.
    public func forwardWithIndices(_ input: Tensor) -> (values: Tensor, indices: Tensor) {
        input.maxPool2dWithIndices(kernel, stride: stride, padding: padding, dilation: dilation, ceilMode: ceilMode)
    }
}
