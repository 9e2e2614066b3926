import TorchCore

/// Modules applied in order (`nn.Sequential`), named `0`, `1`, … in the state dict.
public final class Sequential: Module {
    /// The layers, in order.
    public private(set) var layers: [Module]

    /// Creates the container from modules.
    /// - Parameter layers: the layers.
    public init(_ layers: [Module]) {
        self.layers = layers
        super.init()
    }

    /// Creates the container from a result builder:
    /// `Sequential { Linear(4, 8); ReLU(); Linear(8, 3) }`.
    /// - Parameter build: the layers.
    public convenience init(@SequentialBuilder _ build: () -> [Module]) {
        self.init(build())
    }

    /// The layer at `index`.
    public subscript(index: Int) -> Module { layers[index] }

    /// The number of layers.
    public var count: Int { layers.count }

    /// Appends a layer.
    /// - Parameter module: the layer.
    public func append(_ module: Module) { layers.append(module) }

    /// Applies every layer in turn.
    /// - Parameter input: the input.
    public override func forward(_ input: Tensor) -> Tensor {
        layers.reduce(input) { $1($0) }
    }

    override func members() -> [Member] {
        layers.enumerated().map { .child(String($0.offset), $0.element) }
    }
}

/// Builds the layer list of a ``Sequential``.
@resultBuilder
public enum SequentialBuilder {
    /// Collects the layers.
    public static func buildBlock(_ layers: Module...) -> [Module] { layers }
    /// Collects nested lists.
    public static func buildBlock(_ layers: [Module]...) -> [Module] { layers.flatMap { $0 } }
    /// A single layer.
    public static func buildExpression(_ layer: Module) -> [Module] { [layer] }
    /// Optional layers.
    public static func buildOptional(_ layers: [Module]?) -> [Module] { layers ?? [] }
    /// Conditional layers.
    public static func buildEither(first layers: [Module]) -> [Module] { layers }
    /// Conditional layers.
    public static func buildEither(second layers: [Module]) -> [Module] { layers }
    /// Layers from a loop.
    public static func buildArray(_ layers: [[Module]]) -> [Module] { layers.flatMap { $0 } }
}
