import TorchCore

/// `x` for positive inputs, `negativeSlope · x` otherwise (`nn.LeakyReLU`).
public final class LeakyReLU: Module {
    /// The slope for negative inputs.
    public let negativeSlope: Double
    /// Creates the layer.
    /// - Parameter negativeSlope: the slope for negative inputs.
    public init(negativeSlope: Double = 0.01) {
        self.negativeSlope = negativeSlope
        super.init()
    }
    /// Applies the function.
    /// - Parameter input: the input.
    public override func forward(_ input: Tensor) -> Tensor { input.leakyRelu(negativeSlope: negativeSlope) }
}

/// `x` for positive inputs, `α·(eˣ − 1)` otherwise (`nn.ELU`).
public final class ELU: Module {
    /// α.
    public let alpha: Double
    /// Creates the layer.
    /// - Parameter alpha: α.
    public init(alpha: Double = 1) {
        self.alpha = alpha
        super.init()
    }
    /// Applies the function.
    /// - Parameter input: the input.
    public override func forward(_ input: Tensor) -> Tensor { input.elu(alpha: alpha) }
}

/// `max(0, x) + min(0, α·(e^(x/α) − 1))` (`nn.CELU`).
public final class CELU: Module {
    /// α.
    public let alpha: Double
    /// Creates the layer.
    /// - Parameter alpha: α.
    public init(alpha: Double = 1) {
        self.alpha = alpha
        super.init()
    }
    /// Applies the function.
    /// - Parameter input: the input.
    public override func forward(_ input: Tensor) -> Tensor { input.celu(alpha: alpha) }
}

/// Scaled ELU with the self-normalising constants (`nn.SELU`).
public final class SELU: Module {
    /// Creates the layer.
    public override init() { super.init() }
    /// Applies the function.
    /// - Parameter input: the input.
    public override func forward(_ input: Tensor) -> Tensor { input.selu() }
}

/// `x · σ(x)` (`nn.SiLU`, swish).
public final class SiLU: Module {
    /// Creates the layer.
    public override init() { super.init() }
    /// Applies the function.
    /// - Parameter input: the input.
    public override func forward(_ input: Tensor) -> Tensor { input.silu() }
}

/// `x · tanh(softplus(x))` (`nn.Mish`).
public final class Mish: Module {
    /// Creates the layer.
    public override init() { super.init() }
    /// Applies the function.
    /// - Parameter input: the input.
    public override func forward(_ input: Tensor) -> Tensor { input.mish() }
}

/// `log(1 + e^(βx)) / β`, linear above `threshold` (`nn.Softplus`).
public final class Softplus: Module {
    /// β.
    public let beta: Double
    /// Where the function reverts to the identity.
    public let threshold: Double
    /// Creates the layer.
    /// - Parameters:
    ///   - beta: β.
    ///   - threshold: where the function reverts to the identity.
    public init(beta: Double = 1, threshold: Double = 20) {
        self.beta = beta
        self.threshold = threshold
        super.init()
    }
    /// Applies the function.
    /// - Parameter input: the input.
    public override func forward(_ input: Tensor) -> Tensor { input.softplus(beta: beta, threshold: threshold) }
}

/// `x` clamped to `[minVal, maxVal]` (`nn.Hardtanh`).
public final class Hardtanh: Module {
    /// The lower bound.
    public let minVal: Double
    /// The upper bound.
    public let maxVal: Double
    /// Creates the layer.
    /// - Parameters:
    ///   - minVal: the lower bound.
    ///   - maxVal: the upper bound.
    public init(minVal: Double = -1, maxVal: Double = 1) {
        self.minVal = minVal
        self.maxVal = maxVal
        super.init()
    }
    /// Applies the function.
    /// - Parameter input: the input.
    public override func forward(_ input: Tensor) -> Tensor { input.hardtanh(minVal: minVal, maxVal: maxVal) }
}

/// `min(max(0, x), 6)` (`nn.ReLU6`).
public final class ReLU6: Module {
    /// Creates the layer.
    public override init() { super.init() }
    /// Applies the function.
    /// - Parameter input: the input.
    public override func forward(_ input: Tensor) -> Tensor { input.relu6() }
}

/// `relu6(x + 3) / 6` (`nn.Hardsigmoid`).
public final class Hardsigmoid: Module {
    /// Creates the layer.
    public override init() { super.init() }
    /// Applies the function.
    /// - Parameter input: the input.
    public override func forward(_ input: Tensor) -> Tensor { input.hardsigmoid() }
}

/// `x · relu6(x + 3) / 6` (`nn.Hardswish`).
public final class Hardswish: Module {
    /// Creates the layer.
    public override init() { super.init() }
    /// Applies the function.
    /// - Parameter input: the input.
    public override func forward(_ input: Tensor) -> Tensor { input.hardswish() }
}

/// `log σ(x)` (`nn.LogSigmoid`).
public final class LogSigmoid: Module {
    /// Creates the layer.
    public override init() { super.init() }
    /// Applies the function.
    /// - Parameter input: the input.
    public override func forward(_ input: Tensor) -> Tensor { input.logSigmoid() }
}

/// `x / (1 + |x|)` (`nn.Softsign`).
public final class Softsign: Module {
    /// Creates the layer.
    public override init() { super.init() }
    /// Applies the function.
    /// - Parameter input: the input.
    public override func forward(_ input: Tensor) -> Tensor { F.softsign(input) }
}

/// `x − tanh(x)` (`nn.Tanhshrink`).
public final class Tanhshrink: Module {
    /// Creates the layer.
    public override init() { super.init() }
    /// Applies the function.
    /// - Parameter input: the input.
    public override func forward(_ input: Tensor) -> Tensor { F.tanhshrink(input) }
}

/// `x` above `threshold`, `value` elsewhere (`nn.Threshold`).
public final class Threshold: Module {
    /// The cut-off.
    public let threshold: Double
    /// The replacement.
    public let value: Double
    /// Creates the layer.
    /// - Parameters:
    ///   - threshold: the cut-off.
    ///   - value: the replacement.
    public init(threshold: Double, value: Double) {
        self.threshold = threshold
        self.value = value
        super.init()
    }
    /// Applies the function.
    /// - Parameter input: the input.
    public override func forward(_ input: Tensor) -> Tensor { F.threshold(input, threshold, value) }
}

/// Soft shrinkage by λ (`nn.Softshrink`).
public final class Softshrink: Module {
    /// λ.
    public let lambd: Double
    /// Creates the layer.
    /// - Parameter lambd: λ.
    public init(lambd: Double = 0.5) {
        self.lambd = lambd
        super.init()
    }
    /// Applies the function.
    /// - Parameter input: the input.
    public override func forward(_ input: Tensor) -> Tensor { F.softshrink(input, lambd: lambd) }
}

/// Hard shrinkage by λ (`nn.Hardshrink`).
public final class Hardshrink: Module {
    /// λ.
    public let lambd: Double
    /// Creates the layer.
    /// - Parameter lambd: λ.
    public init(lambd: Double = 0.5) {
        self.lambd = lambd
        super.init()
    }
    /// Applies the function.
    /// - Parameter input: the input.
    public override func forward(_ input: Tensor) -> Tensor { F.hardshrink(input, lambd: lambd) }
}

/// The gated linear unit over the halves of `dim` (`nn.GLU`).
public final class GLU: Module {
    /// The halved dimension.
    public let dim: Int
    /// Creates the layer.
    /// - Parameter dim: the halved dimension.
    public init(dim: Int = -1) {
        self.dim = dim
        super.init()
    }
    /// Applies the function.
    /// - Parameter input: the input.
    public override func forward(_ input: Tensor) -> Tensor { F.glu(input, dim: dim) }
}

/// Softmax along `dim` (`nn.Softmax`).
public final class Softmax: Module {
    /// The dimension that sums to 1.
    public let dim: Int
    /// Creates the layer.
    /// - Parameter dim: the dimension that sums to 1.
    public init(dim: Int) {
        self.dim = dim
        super.init()
    }
    /// Applies the function.
    /// - Parameter input: the input.
    public override func forward(_ input: Tensor) -> Tensor { input.softmax(dim: dim) }
}

/// Log-softmax along `dim` (`nn.LogSoftmax`).
public final class LogSoftmax: Module {
    /// The dimension.
    public let dim: Int
    /// Creates the layer.
    /// - Parameter dim: the dimension.
    public init(dim: Int) {
        self.dim = dim
        super.init()
    }
    /// Applies the function.
    /// - Parameter input: the input.
    public override func forward(_ input: Tensor) -> Tensor { input.logSoftmax(dim: dim) }
}

/// Softmax of the negated input along `dim` (`nn.Softmin`).
public final class Softmin: Module {
    /// The dimension.
    public let dim: Int
    /// Creates the layer.
    /// - Parameter dim: the dimension.
    public init(dim: Int) {
        self.dim = dim
        super.init()
    }
    /// Applies the function.
    /// - Parameter input: the input.
    public override func forward(_ input: Tensor) -> Tensor { F.softmin(input, dim: dim) }
}

/// `max(0, x) + w · min(0, x)` with learnable slopes, one shared or one per channel (`nn.PReLU`).
public final class PReLU: Module {
    /// The slopes `[numParameters]`.
    @Parameter public var weight: Tensor
    /// Creates the layer.
    /// - Parameters:
    ///   - numParameters: 1 (shared) or the channel count.
    ///   - initialValue: the starting slope (PyTorch's `init`).
    ///   - dtype: the parameter's dtype.
    public init(numParameters: Int = 1, initialValue: Double = 0.25, dtype: DType = .float32) {
        precondition(numParameters >= 1, "PReLU: numParameters must be at least 1 (got \(numParameters))")
        weight = Tensor.full([numParameters], initialValue, dtype: dtype)
        super.init()
    }
    /// Applies the function.
    /// - Parameter input: the input (channels in dimension 1).
    public override func forward(_ input: Tensor) -> Tensor { F.prelu(input, weight) }
}
