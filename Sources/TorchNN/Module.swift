import TorchCore

// MARK: - Parameter and buffer wrappers

/// A trainable tensor of a ``Module`` (PyTorch's `nn.Parameter`): found by the module's discovery and listed
/// by `parameters()` under the property's name.
@propertyWrapper
public final class Parameter {
    /// The tensor (a leaf that requires grad).
    public var wrappedValue: Tensor
    /// The state-dict name when it differs from the Swift property name (PyTorch's snake_case).
    public let name: String?

    /// Wraps a tensor as a parameter and makes it require grad.
    /// - Parameters:
    ///   - wrappedValue: the initial value.
    ///   - name: the state-dict name, when not the property's.
    public init(wrappedValue: Tensor, name: String? = nil) {
        self.wrappedValue = wrappedValue.detach().requiresGrad_()
        self.name = name
    }
}

/// A non-trainable tensor of a ``Module`` that belongs to its state (running statistics).
@propertyWrapper
public final class Buffer {
    /// The tensor.
    public var wrappedValue: Tensor
    /// Whether it is saved in `stateDict()` (PyTorch's `persistent`).
    public let persistent: Bool
    /// The state-dict name when it differs from the Swift property name (PyTorch's snake_case).
    public let name: String?

    /// Wraps a tensor as a buffer.
    /// - Parameters:
    ///   - wrappedValue: the initial value.
    ///   - name: the state-dict name, when not the property's (`running_mean` for `runningMean`).
    ///   - persistent: whether `stateDict()` includes it.
    public init(wrappedValue: Tensor, name: String? = nil, persistent: Bool = true) {
        self.wrappedValue = wrappedValue
        self.name = name
        self.persistent = persistent
    }
}

// MARK: - Module

/// Unregisters a module hook (PyTorch's `RemovableHandle`); removing twice is harmless.
public final class HookHandle {
    private var action: (() -> Void)?
    init(_ action: @escaping () -> Void) { self.action = action }
    /// Removes the hook.
    public func remove() {
        action?()
        action = nil
    }
}

/// The base class of layers and models (PyTorch's `nn.Module`).
///
/// Parameters (``Parameter``), buffers (``Buffer``) and child modules (stored properties of a `Module` type, or
/// arrays of modules) are discovered by reflection in declaration order and named like PyTorch
/// (`features.0.weight`). Subclasses implement ``forward(_:)``.
open class Module {
    /// Whether the module is in training mode (`train()`/`eval()`).
    public private(set) var training = true
    private var preHooks: [(id: Int, hook: (Module, Tensor) -> Tensor?)] = []
    private var forwardHooks: [(id: Int, hook: (Module, Tensor, Tensor) -> Tensor?)] = []
    private var nextHookID = 0

    /// Creates a module in training mode.
    public init() {}

    /// The computation of the module. Subclasses override it.
    /// - Parameter input: the input.
    open func forward(_ input: Tensor) -> Tensor {
        preconditionFailure("\(type(of: self)): subclasses of Module must override forward(_:)")
    }

    /// Runs forward pre-hooks, ``forward(_:)`` and forward hooks.
    /// - Parameter input: the input.
    public func callAsFunction(_ input: Tensor) -> Tensor {
        var x = input
        for entry in preHooks { if let r = entry.hook(self, x) { x = r } }
        var y = forward(x)
        for entry in forwardHooks { if let r = entry.hook(self, x, y) { y = r } }
        return y
    }

    /// Registers a hook run before forward; returning a tensor replaces the input.
    /// - Parameter hook: the hook.
    /// - Returns: a handle whose `remove()` unregisters the hook (PyTorch's `RemovableHandle`).
    @discardableResult
    public func registerForwardPreHook(_ hook: @escaping (Module, Tensor) -> Tensor?) -> HookHandle {
        nextHookID += 1
        let id = nextHookID
        preHooks.append((id, hook))
        return HookHandle { [weak self] in self?.preHooks.removeAll { $0.id == id } }
    }

    /// Registers a hook run after forward; returning a tensor replaces the output.
    /// - Parameter hook: the hook.
    /// - Returns: a handle whose `remove()` unregisters the hook (PyTorch's `RemovableHandle`).
    @discardableResult
    public func registerForwardHook(_ hook: @escaping (Module, Tensor, Tensor) -> Tensor?) -> HookHandle {
        nextHookID += 1
        let id = nextHookID
        forwardHooks.append((id, hook))
        return HookHandle { [weak self] in self?.forwardHooks.removeAll { $0.id == id } }
    }

    // MARK: Discovery

    /// What reflection finds on one module, in declaration order (superclass properties first).
    enum Member {
        case parameter(String, Parameter)
        case buffer(String, Buffer)
        case child(String, Module)
    }

    /// The members of this module (not recursive). Subclasses holding modules in containers the reflection
    /// cannot see override it.
    func members() -> [Member] {
        var mirrors: [Mirror] = []
        var m: Mirror? = Mirror(reflecting: self)
        while let current = m {
            mirrors.append(current)
            m = current.superclassMirror
        }
        var out: [Member] = []
        for mirror in mirrors.reversed() {
            for child in mirror.children {
                guard var name = child.label else { continue }
                if name.hasPrefix("_") { name.removeFirst() }
                switch child.value {
                case let p as Parameter: out.append(.parameter(p.name ?? name, p))
                case let b as Buffer: out.append(.buffer(b.name ?? name, b))
                case let c as Module: out.append(.child(name, c))
                case let list as [Module]:
                    for (i, c) in list.enumerated() { out.append(.child("\(name).\(i)", c)) }
                default: break
                }
            }
        }
        return out
    }

    /// Direct children with their names (`named_children()`).
    public func namedChildren() -> [(String, Module)] {
        members().compactMap { if case .child(let n, let c) = $0 { return (n, c) } else { return nil } }
    }

    /// Direct children (`children()`).
    public func children() -> [Module] { namedChildren().map { $0.1 } }

    /// This module and all descendants with dotted names, this one first with name "" (`named_modules()`).
    public func namedModules(prefix: String = "") -> [(String, Module)] {
        var out = [(prefix, self)]
        for (name, child) in namedChildren() {
            out += child.namedModules(prefix: prefix.isEmpty ? name : "\(prefix).\(name)")
        }
        return out
    }

    /// This module and all descendants (`modules()`).
    public func modules() -> [Module] { namedModules().map { $0.1 } }

    /// Every parameter with its dotted name (`named_parameters()`).
    public func namedParameters() -> [(String, Tensor)] {
        namedParameterBoxes().map { ($0.0, $0.1.wrappedValue) }
    }

    /// Walks this module and its descendants, collecting what `pick` extracts from each non-child member under its
    /// dotted name.
    func collect<T>(prefix: String = "", _ pick: (Member) -> (String, T)?) -> [(String, T)] {
        var out: [(String, T)] = []
        for member in members() {
            if case .child(let n, let c) = member {
                out += c.collect(prefix: prefix + n + ".", pick)
            } else if let (name, value) = pick(member) {
                out.append((prefix + name, value))
            }
        }
        return out
    }

    func namedParameterBoxes() -> [(String, Parameter)] {
        collect { if case .parameter(let n, let p) = $0 { return (n, p) } else { return nil } }
    }

    func namedBufferBoxes() -> [(String, Buffer)] {
        collect { if case .buffer(let n, let b) = $0 { return (n, b) } else { return nil } }
    }

    /// Every parameter (`parameters()`).
    public func parameters() -> [Tensor] { namedParameters().map { $0.1 } }

    /// Every buffer with its dotted name (`named_buffers()`).
    public func namedBuffers() -> [(String, Tensor)] { namedBufferBoxes().map { ($0.0, $0.1.wrappedValue) } }

    /// Every buffer (`buffers()`).
    public func buffers() -> [Tensor] { namedBuffers().map { $0.1 } }

    /// The number of parameter elements.
    public var parameterCount: Int { parameters().reduce(0) { $0 + $1.count } }

    // MARK: Modes and gradients

    /// Sets training mode on this module and its descendants (`train()`).
    /// - Parameter mode: true for training, false for evaluation.
    @discardableResult
    public func train(_ mode: Bool = true) -> Self {
        for m in modules() { m.training = mode }
        return self
    }

    /// Sets evaluation mode (`eval()`).
    @discardableResult
    public func eval() -> Self { train(false) }

    /// Clears the gradients of every parameter (`zero_grad()`).
    /// - Parameter setToNone: drop the gradient tensors (PyTorch's default) instead of zeroing them.
    public func zeroGrad(setToNone: Bool = true) {
        for p in parameters() {
            if setToNone { p.grad = nil } else { noGrad { _ = p.grad?.zero_() } }
        }
    }

    /// Sets `requiresGrad` on every parameter (`requires_grad_()`).
    /// - Parameter requiresGrad: the flag.
    @discardableResult
    public func requiresGrad_(_ requiresGrad: Bool = true) -> Self {
        for p in parameters() { p.requiresGrad = requiresGrad }
        return self
    }

    /// Calls `body` on every module, children first (`apply()`).
    /// - Parameter body: the function.
    @discardableResult
    public func apply(_ body: (Module) -> Void) -> Self {
        for c in children() { c.apply(body) }
        body(self)
        return self
    }

    /// Converts every floating-point parameter and buffer to `dtype` (`to(dtype)`).
    /// - Parameter dtype: a floating-point dtype.
    @discardableResult
    public func to(dtype: DType) -> Self {
        precondition(dtype.isFloatingPoint, "Module.to(dtype:): expected a floating point dtype, got \(dtype)")
        for (_, p) in namedParameterBoxes() where p.wrappedValue.isFloatingPoint {
            p.wrappedValue = p.wrappedValue.detach().to(dtype).requiresGrad_(p.wrappedValue.requiresGrad)
        }
        for (_, b) in namedBufferBoxes() where b.wrappedValue.isFloatingPoint {
            b.wrappedValue = b.wrappedValue.to(dtype)
        }
        return self
    }

    /// Moves every parameter and buffer to `device` (`module.to(device)`); parameters stay leaves that require
    /// grad as before, so optimizers built afterwards see the moved tensors (build them after moving, as in
    /// PyTorch).
    /// - Parameter device: the target device.
    @discardableResult
    public func to(device: Device) -> Self {
        for (_, p) in namedParameterBoxes() where p.wrappedValue.device != device {
            p.wrappedValue = p.wrappedValue.detach().to(device).requiresGrad_(p.wrappedValue.requiresGrad)
        }
        for (_, b) in namedBufferBoxes() where b.wrappedValue.device != device {
            b.wrappedValue = b.wrappedValue.to(device)
        }
        return self
    }

    /// Moves every parameter and buffer to CUDA device `index` (`module.cuda()`).
    /// - Parameter index: the device ordinal.
    @discardableResult
    public func cuda(_ index: Int = 0) -> Self { to(device: .cuda(index)) }

    /// Moves every parameter and buffer to host memory (`module.cpu()`).
    @discardableResult
    public func cpu() -> Self { to(device: .cpu) }
}
