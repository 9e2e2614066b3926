import TorchCore

extension F {
    /// One-hot encoding of integer class indices (`F.one_hot`): `int64` `[…, numClasses]`.
    /// - Parameters:
    ///   - indices: a tensor of non-negative integer indices.
    ///   - numClasses: the number of classes (`max + 1` when −1).
    public static func oneHot(_ indices: Tensor, numClasses: Int = -1) -> Tensor {
        precondition(!indices.dtype.isFloatingPoint && indices.dtype != .bool, "oneHot: expected integer class indices, got \(indices.dtype)")
        let values = indices.to(.int64).toArray(of: Int64.self)
        precondition(values.allSatisfy { $0 >= 0 }, "oneHot: class indices must be non-negative")
        let classes = numClasses == -1 ? Int((values.max() ?? -1) + 1) : numClasses
        precondition(values.allSatisfy { $0 < classes }, "oneHot: class values must be smaller than numClasses (\(classes))")
        return indices.to(.int64).unsqueeze(-1).eq(Tensor.arange(classes)).to(.int64)
    }

    /// Drops whole channels of `[N, C, H, W]` (or `[C, H, W]`) with probability `p`, scaling the rest by
    /// `1/(1 − p)` (`F.dropout2d`).
    /// - Parameters:
    ///   - input: the input.
    ///   - p: drop probability.
    ///   - training: apply only when true.
    public static func dropout2d(_ input: Tensor, p: Double = 0.5, training: Bool = true) -> Tensor {
        precondition(input.rank == 3 || input.rank == 4, "dropout2d: expected [C, H, W] or [N, C, H, W], got \(input.shape)")
        guard training && p > 0 else { return input }
        if p == 1 { return input * 0 }
        var shape = Array(input.shape.prefix(input.rank - 2))
        shape += [1, 1]
        let keep = Tensor.rand(shape, dtype: input.dtype.isFloatingPoint ? input.dtype : .float32, device: input.device).ge(p).to(input.dtype)
        return input * keep / (1 - p)
    }

    /// The bilinear form `y_o = x1ᵀ·A_o·x2 + b_o` (`F.bilinear`).
    /// - Parameters:
    ///   - input1: `[…, in1]`.
    ///   - input2: `[…, in2]` with the same leading shape.
    ///   - weight: `[out, in1, in2]`.
    ///   - bias: `[out]`, or nil.
    public static func bilinear(_ input1: Tensor, _ input2: Tensor, _ weight: Tensor, bias: Tensor? = nil) -> Tensor {
        precondition(weight.rank == 3 && input1.shape.last == weight.shape[1] && input2.shape.last == weight.shape[2]
                     && Array(input1.shape.dropLast()) == Array(input2.shape.dropLast()),
                     "bilinear: inputs \(input1.shape) and \(input2.shape) do not fit weight \(weight.shape)")
        let out = weight.shape[0], in1 = weight.shape[1], in2 = weight.shape[2], lead = Array(input1.shape.dropLast())
        let x1 = input1.reshape([-1, in1]), x2 = input2.reshape([-1, in2])
        let projected = x1.matmul(weight.permute([1, 0, 2]).reshape([in1, out * in2])).reshape([-1, out, in2])
        var y = (projected * x2.unsqueeze(1)).sum([2])
        if let bias { y = y + bias }
        return y.reshape(lead + [out])
    }
}

/// Splits dimension `dim` into `sizes` (`nn.Unflatten`).
public final class Unflatten: Module {
    /// The dimension to split.
    public let dim: Int
    /// Its new shape.
    public let sizes: [Int]
    /// - Parameters:
    ///   - dim: the dimension to split.
    ///   - sizes: its new shape (one entry may be −1).
    public init(dim: Int, sizes: [Int]) {
        self.dim = dim
        self.sizes = sizes
        super.init()
    }
    /// Reshapes the input.
    /// - Parameter input: the input.
    public override func forward(_ input: Tensor) -> Tensor {
        let d = dim < 0 ? dim + input.rank : dim
        precondition(d >= 0 && d < input.rank, "Unflatten: dimension \(dim) is out of range for input \(input.shape)")
        return input.reshape(Array(input.shape[..<d]) + sizes + Array(input.shape[(d + 1)...]))
    }
}

/// Channel dropout (`nn.Dropout2d`).
public final class Dropout2d: Module {
    /// The drop probability.
    public let p: Double
    /// - Parameter p: the drop probability.
    public init(_ p: Double = 0.5) {
        precondition((0...1).contains(p), "Dropout2d: p must lie in [0, 1] (got \(p))")
        self.p = p
        super.init()
    }
    /// Drops channels in training; the identity in evaluation.
    /// - Parameter input: `[N, C, H, W]` or `[C, H, W]`.
    public override func forward(_ input: Tensor) -> Tensor { F.dropout2d(input, p: p, training: training) }
}

/// `y = x1ᵀ·A·x2 + b` (`nn.Bilinear`), weight `[out, in1, in2]` and bias uniform in ±1/√in1.
public final class Bilinear: Module {
    /// The weight `[out, in1, in2]`.
    @Parameter public var weight: Tensor
    /// The bias `[out]` (empty without bias).
    @Parameter public var bias: Tensor
    let hasBias: Bool

    /// Creates the layer.
    /// - Parameters:
    ///   - in1Features: width of the first input.
    ///   - in2Features: width of the second input.
    ///   - outFeatures: output width.
    ///   - bias: learn a bias.
    ///   - dtype: the parameters' dtype.
    public init(_ in1Features: Int, _ in2Features: Int, _ outFeatures: Int, bias: Bool = true, dtype: DType = .float32) {
        let bound = 1 / Double(in1Features).squareRoot()
        weight = Tensor.empty([outFeatures, in1Features, in2Features], dtype: dtype).uniform_(from: -bound, to: bound)
        self.bias = bias ? Tensor.empty([outFeatures], dtype: dtype).uniform_(from: -bound, to: bound) : Tensor.empty([0], dtype: dtype)
        hasBias = bias
        super.init()
    }

    /// The bilinear form of two inputs.
    /// - Parameters:
    ///   - input1: `[…, in1]`.
    ///   - input2: `[…, in2]`.
    public func forward(_ input1: Tensor, _ input2: Tensor) -> Tensor {
        F.bilinear(input1, input2, weight, bias: hasBias ? bias : nil)
    }

    /// The bilinear form of the input with itself (both widths must agree).
    /// - Parameter input: `[…, in]`.
    public override func forward(_ input: Tensor) -> Tensor { forward(input, input) }

    override func members() -> [Member] {
        hasBias ? super.members() : super.members().filter { if case .parameter("bias", _) = $0 { return false } else { return true } }
    }
}

/// 1-D max pooling of `[N, C, L]` (`nn.MaxPool1d`).
public final class MaxPool1d: Module {
    let kernel: Int, stride: Int, padding: Int
    /// - Parameters:
    ///   - kernelSize: window.
    ///   - stride: step (the window when nil).
    ///   - padding: implicit −∞ padding.
    public init(_ kernelSize: Int, stride: Int? = nil, padding: Int = 0) {
        kernel = kernelSize
        self.stride = stride ?? kernelSize
        self.padding = padding
        super.init()
    }
    /// Pools `[N, C, L]` or `[C, L]`.
    /// - Parameter input: the input.
    public override func forward(_ input: Tensor) -> Tensor {
        F.maxPool1d(input, kernelSize: kernel, stride: stride, padding: padding)
    }
}

/// 1-D average pooling of `[N, C, L]` (`nn.AvgPool1d`).
public final class AvgPool1d: Module {
    let kernel: Int, stride: Int?, padding: Int, ceilMode: Bool, countIncludePad: Bool
    /// - Parameters:
    ///   - kernelSize: window.
    ///   - stride: step (the window when nil).
    ///   - padding: implicit zero padding.
    ///   - ceilMode: round the output length up.
    ///   - countIncludePad: count padded zeros in the divisor.
    public init(_ kernelSize: Int, stride: Int? = nil, padding: Int = 0, ceilMode: Bool = false, countIncludePad: Bool = true) {
        kernel = kernelSize
        self.stride = stride
        self.padding = padding
        self.ceilMode = ceilMode
        self.countIncludePad = countIncludePad
        super.init()
    }
    /// Pools `[N, C, L]` or `[C, L]`.
    /// - Parameter input: the input.
    public override func forward(_ input: Tensor) -> Tensor {
        F.avgPool1d(input, kernelSize: kernel, stride: stride, padding: padding, ceilMode: ceilMode, countIncludePad: countIncludePad)
    }
}

/// Adaptive 1-D average pooling of `[N, C, L]` (`nn.AdaptiveAvgPool1d`).
public final class AdaptiveAvgPool1d: Module {
    let outputSize: Int
    /// - Parameter outputSize: the output length.
    public init(_ outputSize: Int) {
        self.outputSize = outputSize
        super.init()
    }
    /// Pools `[N, C, L]` or `[C, L]`.
    /// - Parameter input: the input.
    public override func forward(_ input: Tensor) -> Tensor {
        F.adaptiveAvgPool1d(input, outputSize: outputSize)
    }
}
