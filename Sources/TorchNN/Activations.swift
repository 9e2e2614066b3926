import TorchCore

/// `max(x, 0)` (`nn.ReLU`).
public final class ReLU: Module {
    /// Creates the layer.
    public override init() { super.init() }
    /// Applies the function.
    /// - Parameter input: the input.
    public override func forward(_ input: Tensor) -> Tensor { input.relu() }
}

/// `tanh(x)` (`nn.Tanh`).
public final class Tanh: Module {
    /// Creates the layer.
    public override init() { super.init() }
    /// Applies the function.
    /// - Parameter input: the input.
    public override func forward(_ input: Tensor) -> Tensor { input.tanh() }
}

/// `sigmoid(x)` (`nn.Sigmoid`).
public final class Sigmoid: Module {
    /// Creates the layer.
    public override init() { super.init() }
    /// Applies the function.
    /// - Parameter input: the input.
    public override func forward(_ input: Tensor) -> Tensor { input.sigmoid() }
}

/// GELU (`nn.GELU`).
public final class GELU: Module {
    /// The approximation.
    public let approximate: GeluApproximation
    /// Creates the layer.
    /// - Parameter approximate: `.none` (erf) or `.tanh`.
    public init(approximate: GeluApproximation = .none) {
        self.approximate = approximate
        super.init()
    }
    /// Applies the function.
    /// - Parameter input: the input.
    public override func forward(_ input: Tensor) -> Tensor { input.gelu(approximate: approximate) }
}

/// The identity (`nn.Identity`).
public final class Identity: Module {
    /// Creates the layer.
    public override init() { super.init() }
    /// Returns the input.
    /// - Parameter input: the input.
    public override func forward(_ input: Tensor) -> Tensor { input }
}

/// Flattens dimensions `startDim...endDim` (`nn.Flatten`, default from 1).
public final class Flatten: Module {
    let startDim: Int
    let endDim: Int
    /// Creates the layer.
    /// - Parameters:
    ///   - startDim: first dimension to merge.
    ///   - endDim: last dimension to merge.
    public init(startDim: Int = 1, endDim: Int = -1) {
        self.startDim = startDim
        self.endDim = endDim
        super.init()
    }
    /// Applies the reshape.
    /// - Parameter input: the input.
    public override func forward(_ input: Tensor) -> Tensor { input.flatten(startDim: startDim, endDim: endDim) }
}
