import TorchCore

extension F {
    /// Inserts `stride − 1` zeros between neighbouring elements of dimension `dim` (a rank-4 tensor).
    static func dilateZeros(_ x: Tensor, dim: Int, stride: Int) -> Tensor {
        guard stride > 1, x.shape[dim] > 1 else { return x }
        let n = x.shape[dim]
        // Give the dimension a trailing axis of size `stride` holding the value then zeros, and merge the two.
        let expanded = x.unsqueeze(dim + 1)
        var pad = [Int](repeating: 0, count: 2 * (x.rank + 1 - (dim + 1)))
        pad[2 * (x.rank - dim - 1) + 1] = stride - 1
        var merged = expanded.pad(pad).flatten(startDim: dim, endDim: dim + 1)
        merged = merged.narrow(dim, 0, (n - 1) * stride + 1)
        return merged
    }

    /// Pads (positive) or crops (negative) the two ends of dimension `dim`.
    static func padOrCrop(_ x: Tensor, dim: Int, before: Int, after: Int) -> Tensor {
        var pad = [Int](repeating: 0, count: 2 * (x.rank - dim))
        pad[2 * (x.rank - dim - 1)] = Swift.max(before, 0)
        pad[2 * (x.rank - dim - 1) + 1] = Swift.max(after, 0)
        var y = pad.contains { $0 > 0 } ? x.pad(pad) : x
        let start = Swift.max(-before, 0), end = y.shape[dim] - Swift.max(-after, 0)
        if start > 0 || end < y.shape[dim] { y = y.narrow(dim, start, end - start) }
        return y
    }

    /// 2-D transposed convolution (`F.conv_transpose2d`), the gradient of ``Tensor/conv2d`` with respect to its
    /// input: zeros inserted between input pixels, padded by `dilation·(k − 1) − padding` (plus `outputPadding` at
    /// the end), then a stride-1 convolution with the flipped, transposed kernel.
    /// - Parameters:
    ///   - input: `[N, Cin, H, W]`.
    ///   - weight: `[Cin, Cout / groups, kH, kW]`.
    ///   - bias: `[Cout]`, or nil.
    ///   - stride: the upsampling step.
    ///   - padding: removed from both ends of the output.
    ///   - outputPadding: added to one end of the output (less than the stride or the dilation).
    ///   - groups: channel groups.
    ///   - dilation: kernel spacing.
    public static func convTranspose2d(_ input: Tensor, _ weight: Tensor, bias: Tensor? = nil, stride: (Int, Int) = (1, 1),
                                       padding: (Int, Int) = (0, 0), outputPadding: (Int, Int) = (0, 0), groups: Int = 1,
                                       dilation: (Int, Int) = (1, 1)) -> Tensor {
        precondition(input.rank == 4 && weight.rank == 4 && input.shape[1] == weight.shape[0] && weight.shape[0] % groups == 0,
                     "convTranspose2d: expected input [N, Cin, H, W] and weight [Cin, Cout/groups, kH, kW] with Cin divisible by groups \(groups), got \(input.shape) and \(weight.shape)")
        let s = [stride.0, stride.1], p = [padding.0, padding.1], op = [outputPadding.0, outputPadding.1], d = [dilation.0, dilation.1]
        precondition(zip(op, zip(s, d)).allSatisfy { $0 >= 0 && ($0 < $1.0 || $0 < $1.1) },
                     "convTranspose2d: outputPadding \(op) must be smaller than either stride \(s) or dilation \(d)")
        let k = [weight.shape[2], weight.shape[3]], cin = weight.shape[0], coutPerGroup = weight.shape[1]
        var x = input
        for axis in 0..<2 {
            x = dilateZeros(x, dim: axis + 2, stride: s[axis])
            let edge = d[axis] * (k[axis] - 1) - p[axis]
            x = padOrCrop(x, dim: axis + 2, before: edge, after: edge + op[axis])
        }
        // [Cin, Cout/g, kH, kW] → [g, Cin/g, Cout/g, kH, kW] → [Cout, Cin/g, kH, kW], flipped spatially.
        let w = weight.reshape([groups, cin / groups, coutPerGroup, k[0], k[1]]).transpose(1, 2)
            .reshape([groups * coutPerGroup, cin / groups, k[0], k[1]]).flip([2, 3])
        return x.conv2d(w, bias: bias, dilation: dilation, groups: groups)
    }

    /// 1-D convolution (`F.conv1d`) through the 2-D kernel with a unit height.
    /// - Parameters:
    ///   - input: `[N, Cin, L]`.
    ///   - weight: `[Cout, Cin / groups, k]`.
    ///   - bias: `[Cout]`, or nil.
    ///   - stride: step.
    ///   - padding: zero padding on both ends.
    ///   - dilation: kernel spacing.
    ///   - groups: channel groups.
    public static func conv1d(_ input: Tensor, _ weight: Tensor, bias: Tensor? = nil, stride: Int = 1, padding: Int = 0,
                              dilation: Int = 1, groups: Int = 1) -> Tensor {
        precondition(input.rank == 3 && weight.rank == 3, "conv1d: expected input [N, Cin, L] and weight [Cout, Cin/groups, k], got \(input.shape) and \(weight.shape)")
        return input.unsqueeze(2).conv2d(weight.unsqueeze(2), bias: bias, stride: (1, stride), padding: (0, padding),
                                         dilation: (1, dilation), groups: groups).squeeze(2)
    }

    /// 1-D transposed convolution (`F.conv_transpose1d`).
    /// - Parameters:
    ///   - input: `[N, Cin, L]`.
    ///   - weight: `[Cin, Cout / groups, k]`.
    ///   - bias: `[Cout]`, or nil.
    ///   - stride: the upsampling step.
    ///   - padding: removed from both ends.
    ///   - outputPadding: added to the end.
    ///   - groups: channel groups.
    ///   - dilation: kernel spacing.
    public static func convTranspose1d(_ input: Tensor, _ weight: Tensor, bias: Tensor? = nil, stride: Int = 1, padding: Int = 0,
                                       outputPadding: Int = 0, groups: Int = 1, dilation: Int = 1) -> Tensor {
        precondition(input.rank == 3 && weight.rank == 3, "convTranspose1d: expected input [N, Cin, L] and weight [Cin, Cout/groups, k], got \(input.shape) and \(weight.shape)")
        return convTranspose2d(input.unsqueeze(2), weight.unsqueeze(2), bias: bias, stride: (1, stride), padding: (0, padding),
                               outputPadding: (0, outputPadding), groups: groups, dilation: (1, dilation)).squeeze(2)
    }
}

/// 2-D transposed convolution (`nn.ConvTranspose2d`), weight `[inChannels, outChannels / groups, kH, kW]`.
public final class ConvTranspose2d: Module {
    /// The kernel.
    @Parameter public var weight: Tensor
    /// The bias `[outChannels]` (empty without bias).
    @Parameter public var bias: Tensor
    /// Geometry.
    public let stride: (Int, Int), padding: (Int, Int), outputPadding: (Int, Int), dilation: (Int, Int), groups: Int
    let hasBias: Bool

    /// Creates the layer with PyTorch's initialisation (uniform in ±1/√fanIn, fanIn = `outChannels/groups·kH·kW`).
    /// - Parameters:
    ///   - inChannels: input channels.
    ///   - outChannels: output channels.
    ///   - kernelSize: `(kH, kW)`.
    ///   - stride: the upsampling step.
    ///   - padding: removed from both ends of the output.
    ///   - outputPadding: added to one end of the output.
    ///   - groups: channel groups.
    ///   - bias: learn a bias.
    ///   - dilation: kernel spacing.
    ///   - dtype: the parameters' dtype.
    public init(_ inChannels: Int, _ outChannels: Int, kernelSize: (Int, Int), stride: (Int, Int) = (1, 1), padding: (Int, Int) = (0, 0),
                outputPadding: (Int, Int) = (0, 0), groups: Int = 1, bias: Bool = true, dilation: (Int, Int) = (1, 1),
                dtype: DType = .float32) {
        precondition(groups > 0 && inChannels % groups == 0 && outChannels % groups == 0,
                     "ConvTranspose2d: inChannels (\(inChannels)) and outChannels (\(outChannels)) must be divisible by groups (\(groups))")
        let fanIn = outChannels / groups * kernelSize.0 * kernelSize.1
        let bound = 1 / Double(Swift.max(fanIn, 1)).squareRoot()
        weight = Tensor.empty([inChannels, outChannels / groups, kernelSize.0, kernelSize.1], dtype: dtype).uniform_(from: -bound, to: bound)
        self.bias = bias ? Tensor.empty([outChannels], dtype: dtype).uniform_(from: -bound, to: bound) : Tensor.empty([0], dtype: dtype)
        self.stride = stride
        self.padding = padding
        self.outputPadding = outputPadding
        self.dilation = dilation
        self.groups = groups
        hasBias = bias
        super.init()
    }

    /// Upsamples `[N, Cin, H, W]` (or unbatched `[Cin, H, W]`).
    /// - Parameter input: the input.
    public override func forward(_ input: Tensor) -> Tensor {
        withBatch(input, op: "ConvTranspose2d") {
            F.convTranspose2d($0, weight, bias: hasBias ? bias : nil, stride: stride, padding: padding, outputPadding: outputPadding,
                              groups: groups, dilation: dilation)
        }
    }

    override func members() -> [Member] {
        hasBias ? super.members() : super.members().filter { if case .parameter("bias", _) = $0 { return false } else { return true } }
    }
}

/// 1-D convolution (`nn.Conv1d`), weight `[outChannels, inChannels / groups, k]`.
public final class Conv1d: Module {
    /// The kernel.
    @Parameter public var weight: Tensor
    /// The bias `[outChannels]` (empty without bias).
    @Parameter public var bias: Tensor
    /// Geometry.
    public let stride: Int, padding: Int, dilation: Int, groups: Int
    let hasBias: Bool

    /// Creates the layer with PyTorch's initialisation (uniform in ±1/√fanIn).
    /// - Parameters:
    ///   - inChannels: input channels.
    ///   - outChannels: output channels.
    ///   - kernelSize: `k`.
    ///   - stride: step.
    ///   - padding: zero padding on both ends.
    ///   - dilation: kernel spacing.
    ///   - groups: channel groups.
    ///   - bias: learn a bias.
    ///   - dtype: the parameters' dtype.
    public init(_ inChannels: Int, _ outChannels: Int, kernelSize: Int, stride: Int = 1, padding: Int = 0, dilation: Int = 1,
                groups: Int = 1, bias: Bool = true, dtype: DType = .float32) {
        precondition(groups > 0 && inChannels % groups == 0 && outChannels % groups == 0,
                     "Conv1d: inChannels (\(inChannels)) and outChannels (\(outChannels)) must be divisible by groups (\(groups))")
        let bound = 1 / Double(Swift.max(inChannels / groups * kernelSize, 1)).squareRoot()
        weight = Tensor.empty([outChannels, inChannels / groups, kernelSize], dtype: dtype).uniform_(from: -bound, to: bound)
        self.bias = bias ? Tensor.empty([outChannels], dtype: dtype).uniform_(from: -bound, to: bound) : Tensor.empty([0], dtype: dtype)
        self.stride = stride
        self.padding = padding
        self.dilation = dilation
        self.groups = groups
        hasBias = bias
        super.init()
    }

    /// Convolves `[N, Cin, L]` (or unbatched `[Cin, L]`).
    /// - Parameter input: the input.
    public override func forward(_ input: Tensor) -> Tensor {
        precondition(input.rank == 2 || input.rank == 3, "Conv1d: expected [Cin, L] or [N, Cin, L], got \(input.shape)")
        let x = input.rank == 3 ? input : input.unsqueeze(0)
        let y = F.conv1d(x, weight, bias: hasBias ? bias : nil, stride: stride, padding: padding, dilation: dilation, groups: groups)
        return input.rank == 3 ? y : y.squeeze(0)
    }

    override func members() -> [Member] {
        hasBias ? super.members() : super.members().filter { if case .parameter("bias", _) = $0 { return false } else { return true } }
    }
}

/// 1-D transposed convolution (`nn.ConvTranspose1d`), weight `[inChannels, outChannels / groups, k]`.
public final class ConvTranspose1d: Module {
    /// The kernel.
    @Parameter public var weight: Tensor
    /// The bias `[outChannels]` (empty without bias).
    @Parameter public var bias: Tensor
    /// Geometry.
    public let stride: Int, padding: Int, outputPadding: Int, dilation: Int, groups: Int
    let hasBias: Bool

    /// Creates the layer with PyTorch's initialisation (uniform in ±1/√fanIn, fanIn = `outChannels/groups·k`).
    /// - Parameters:
    ///   - inChannels: input channels.
    ///   - outChannels: output channels.
    ///   - kernelSize: `k`.
    ///   - stride: the upsampling step.
    ///   - padding: removed from both ends.
    ///   - outputPadding: added to the end.
    ///   - groups: channel groups.
    ///   - bias: learn a bias.
    ///   - dilation: kernel spacing.
    ///   - dtype: the parameters' dtype.
    public init(_ inChannels: Int, _ outChannels: Int, kernelSize: Int, stride: Int = 1, padding: Int = 0, outputPadding: Int = 0,
                groups: Int = 1, bias: Bool = true, dilation: Int = 1, dtype: DType = .float32) {
        precondition(groups > 0 && inChannels % groups == 0 && outChannels % groups == 0,
                     "ConvTranspose1d: inChannels (\(inChannels)) and outChannels (\(outChannels)) must be divisible by groups (\(groups))")
        let bound = 1 / Double(Swift.max(outChannels / groups * kernelSize, 1)).squareRoot()
        weight = Tensor.empty([inChannels, outChannels / groups, kernelSize], dtype: dtype).uniform_(from: -bound, to: bound)
        self.bias = bias ? Tensor.empty([outChannels], dtype: dtype).uniform_(from: -bound, to: bound) : Tensor.empty([0], dtype: dtype)
        self.stride = stride
        self.padding = padding
        self.outputPadding = outputPadding
        self.dilation = dilation
        self.groups = groups
        hasBias = bias
        super.init()
    }

    /// Upsamples `[N, Cin, L]` (or unbatched `[Cin, L]`).
    /// - Parameter input: the input.
    public override func forward(_ input: Tensor) -> Tensor {
        precondition(input.rank == 2 || input.rank == 3, "ConvTranspose1d: expected [Cin, L] or [N, Cin, L], got \(input.shape)")
        let x = input.rank == 3 ? input : input.unsqueeze(0)
        let y = F.convTranspose1d(x, weight, bias: hasBias ? bias : nil, stride: stride, padding: padding, outputPadding: outputPadding,
                                  groups: groups, dilation: dilation)
        return input.rank == 3 ? y : y.squeeze(0)
    }

    override func members() -> [Member] {
        hasBias ? super.members() : super.members().filter { if case .parameter("bias", _) = $0 { return false } else { return true } }
    }
}
