import TorchCore

/// Checks a container key the way PyTorch does: state-dict names are dotted paths, so keys cannot hold dots.
func checkContainerKey(_ key: String, _ container: String) {
    precondition(!key.isEmpty && !key.contains("."), "\(container): key \"\(key)\" must be non-empty and contain no \".\"")
}

/// A list of modules registered as children `0`, `1`, … (`nn.ModuleList`). It has no forward of its own:
/// iterate over it in the owning module's `forward`.
public final class ModuleList: Module, RandomAccessCollection {
    /// The modules, in order.
    private var storage: [Module]

    /// Creates the list.
    /// - Parameter modules: the modules.
    public init(_ modules: [Module] = []) {
        storage = modules
        super.init()
    }

    /// The first index (0).
    public var startIndex: Int { 0 }
    /// One past the last index.
    public var endIndex: Int { storage.count }
    /// The module at `index`.
    public subscript(index: Int) -> Module { storage[index] }

    /// Appends a module (`append`).
    /// - Parameter module: the module.
    public func append(_ module: Module) { storage.append(module) }

    /// Appends modules (`extend`).
    /// - Parameter more: the modules.
    public func extend(_ more: [Module]) { storage += more }

    /// Inserts a module before `index` (`insert`).
    /// - Parameters:
    ///   - module: the module.
    ///   - index: its position.
    public func insert(_ module: Module, at index: Int) { storage.insert(module, at: index) }

    /// A `ModuleList` is a container, not a layer (PyTorch raises the same way).
    public override func forward(_ input: Tensor) -> Tensor {
        preconditionFailure("ModuleList is not callable: iterate over its \(storage.count) modules in the owning module's forward")
    }

    override func members() -> [Member] {
        storage.enumerated().map { .child(String($0.offset), $0.element) }
    }
}

/// Modules registered under string keys in insertion order (`nn.ModuleDict`).
public final class ModuleDict: Module {
    private var entries: [(key: String, module: Module)] = []

    /// Creates the dictionary from key–module pairs, in order.
    /// - Parameter pairs: the entries.
    public init(_ pairs: KeyValuePairs<String, Module> = [:]) {
        super.init()
        for (k, m) in pairs { self[k] = m }
    }

    /// The keys in insertion order.
    public var keys: [String] { entries.map(\.key) }
    /// The modules in insertion order.
    public var values: [Module] { entries.map(\.module) }
    /// The number of entries.
    public var count: Int { entries.count }

    /// The module under `key`; assigning replaces it in place or appends a new key, `nil` removes it.
    public subscript(key: String) -> Module? {
        get { entries.first { $0.key == key }?.module }
        set {
            checkContainerKey(key, "ModuleDict")
            if let i = entries.firstIndex(where: { $0.key == key }) {
                if let m = newValue { entries[i].module = m } else { entries.remove(at: i) }
            } else if let m = newValue {
                entries.append((key, m))
            }
        }
    }

    /// A `ModuleDict` is a container, not a layer (PyTorch raises the same way).
    public override func forward(_ input: Tensor) -> Tensor {
        preconditionFailure("ModuleDict is not callable: look up its modules (\(keys)) in the owning module's forward")
    }

    override func members() -> [Member] { entries.map { .child($0.key, $0.module) } }
}

/// A list of parameters registered as `0`, `1`, … (`nn.ParameterList`).
public final class ParameterList: Module, RandomAccessCollection {
    private var storage: [Parameter]

    /// Creates the list; every tensor becomes a leaf that requires grad.
    /// - Parameter tensors: the initial values.
    public init(_ tensors: [Tensor] = []) {
        storage = tensors.map { Parameter(wrappedValue: $0) }
        super.init()
    }

    /// The first index (0).
    public var startIndex: Int { 0 }
    /// One past the last index.
    public var endIndex: Int { storage.count }
    /// The parameter at `index`.
    public subscript(index: Int) -> Tensor { storage[index].wrappedValue }

    /// Appends a parameter.
    /// - Parameter tensor: its initial value.
    public func append(_ tensor: Tensor) { storage.append(Parameter(wrappedValue: tensor)) }

    /// A `ParameterList` is a container, not a layer.
    public override func forward(_ input: Tensor) -> Tensor {
        preconditionFailure("ParameterList is not callable: use its \(storage.count) tensors in the owning module's forward")
    }

    override func members() -> [Member] { storage.enumerated().map { .parameter(String($0.offset), $0.element) } }
}

/// Parameters registered under string keys in insertion order (`nn.ParameterDict`).
public final class ParameterDict: Module {
    private var entries: [(key: String, parameter: Parameter)] = []

    /// Creates the dictionary; every tensor becomes a leaf that requires grad.
    /// - Parameter pairs: the entries, in order.
    public init(_ pairs: KeyValuePairs<String, Tensor> = [:]) {
        super.init()
        for (k, t) in pairs { self[k] = t }
    }

    /// The keys in insertion order.
    public var keys: [String] { entries.map(\.key) }
    /// The number of entries.
    public var count: Int { entries.count }

    /// The parameter under `key`; assigning replaces it or appends a new key, `nil` removes it.
    public subscript(key: String) -> Tensor? {
        get { entries.first { $0.key == key }?.parameter.wrappedValue }
        set {
            checkContainerKey(key, "ParameterDict")
            if let i = entries.firstIndex(where: { $0.key == key }) {
                if let t = newValue { entries[i].parameter = Parameter(wrappedValue: t) } else { entries.remove(at: i) }
            } else if let t = newValue {
                entries.append((key, Parameter(wrappedValue: t)))
            }
        }
    }

    /// A `ParameterDict` is a container, not a layer.
    public override func forward(_ input: Tensor) -> Tensor {
        preconditionFailure("ParameterDict is not callable: look up its tensors (\(keys)) in the owning module's forward")
    }

    override func members() -> [Member] { entries.map { .parameter($0.key, $0.parameter) } }
}
