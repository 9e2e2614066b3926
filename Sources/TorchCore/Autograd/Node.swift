import Synchronization

// MARK: - Graph nodes

/// An edge of the backward graph: the `inputNr`-th gradient input of `node`.
public struct Edge {
    let node: Node
    let inputNr: Int
}

/// A node of the backward graph (PyTorch's `grad_fn`): it maps the gradients of an op's outputs to gradients of
/// its inputs.
open class Node: CustomStringConvertible {
    /// The op's backward name as PyTorch prints it, e.g. `MulBackward0` (built on demand, not per op).
    public var name: String { Node.backwardName(opName) }
    /// The forward op that created the node (for anomaly mode and error messages).
    public let opName: String
    /// The op's inputs: where each one's gradient goes (nil when it needs none) and its shape and dtype.
    let inputs: [NodeInput]
    var preHooks: [Int: [TensorHook]] = [:]
    /// `retainGrad` hooks: they run after every other hook, so `.grad` holds the final gradient.
    var retainHooks: [Int: (Tensor) -> Void] = [:]
    let numOutputs: Int
    let sequenceNr: Int
    var released = false
    /// Scratch slot for the engine: the node's index in the current backward pass (-1 outside one).
    var engineIndex = -1

    static let counter = Atomic<Int>(0)

    init(opName: String, inputs: [NodeInput], numOutputs: Int) {
        self.opName = opName
        self.inputs = inputs
        self.numOutputs = numOutputs
        self.sequenceNr = Node.counter.wrappingAdd(1, ordering: .relaxed).newValue
    }

    static func backwardName(_ op: String) -> String {
        // ASCII capitalisation of the first letter (op names are ASCII identifiers).
        var bytes = Array(op.utf8)
        if let f = bytes.first, f >= 97 && f <= 122 { bytes[0] = f - 32 }
        return String(decoding: bytes, as: UTF8.self) + "Backward0"
    }

    /// `<MulBackward0>`.
    public var description: String { "<\(name)>" }

    /// The next nodes, as PyTorch's `next_functions`.
    public var nextFunctions: [Node?] { inputs.map { $0.edge?.node } }

    func addPreHook(_ output: Int, _ hook: @escaping TensorHook) {
        preHooks[output, default: []].append(hook)
    }

    /// Computes input gradients from output gradients. Subclasses override.
    func apply(_ grads: [Tensor?]) -> [Tensor?] { fatalError("Node.apply must be overridden by \(name)") }

    /// Frees saved tensors after a backward pass without `retainGraph`.
    func release() { released = true }
}

/// One input of a node: the edge its gradient flows along (nil when it needs none), and the shape and dtype it
/// had when its op was recorded, so its gradient is summed back over broadcast dimensions and cast. (One array
/// of these per node, not one of edges and one of shapes: a recorded op allocates once for its inputs.)
struct NodeInput {
    let edge: Edge?
    let shape: [Int]
    let dtype: DType
}

/// Accumulates incoming gradients into a leaf's `.grad`.
///
/// Note (accumulator lifetime): the leaf owns its accumulator and the accumulator refers to the leaf weakly, so
/// one accumulator serves every backward pass of a parameter (no per-step allocation) and a graph that outlives
/// its leaf simply drops the gradient, as in PyTorch.
final class AccumulateGrad: Node {
    weak var leaf: TensorImpl?

    init(leaf: TensorImpl) {
        self.leaf = leaf
        super.init(opName: "accumulateGrad", inputs: [], numOutputs: 1)
    }

    override func apply(_ grads: [Tensor?]) -> [Tensor?] {
        var g = grads[0]
        accumulate(&g)
        return []
    }

    /// Adds the gradient in `g` to the leaf's `.grad` and empties `g`. The engine hands the gradient over this
    /// way (dropping its own references first), so that a gradient nothing else refers to can become `.grad`
    /// without a copy.
    func accumulate(_ g: inout Tensor?) {
        guard var grad = g, let leaf else { g = nil; return }
        g = nil
        let meta = leaf.meta
        for hook in meta.leafHooks {
            if let r = hook(grad) { grad = r }
        }
        if let old = meta.grad {
            meta.grad = old + grad
        } else if GradMode.isEnabled {
            // A graph of the gradient is being built: stored as is, keeping its history.
            meta.grad = grad
        } else {
            meta.grad = Tensor.adoptOrCopy(grad)
        }
    }
}

extension Tensor {
    /// Note (grad ownership): a gradient can alias other memory (an expanded view of ones, the caller's
    /// `gradient:`, the same tensor sent to two leaves by an addition's backward), and `.grad` may later be
    /// updated in place, so the first gradient of a leaf must be memory of its own. When this tensor handle is
    /// the only reference to its `TensorImpl` and that impl the only reference to a dense storage of exactly its
    /// elements, it already is, and the storage is adopted (PyTorch's AccumulateGrad "steals" such gradients);
    /// otherwise the gradient is copied. A uniqueness test that fails only costs the copy.
    static func adoptOrCopy(_ t: consuming Tensor) -> Tensor {
        var impl: TensorImpl? = t.impl
        _ = consume t
        let shape = impl!.shape, strides = impl!.strides, offset = impl!.offset, dtype = impl!.dtype
        let dense = impl!.isContiguous && offset == 0 && impl!.autograd == nil && !impl!.isWrappedNumber
        let soleHandle = isKnownUniquelyReferenced(&impl)
        var storage: Storage? = impl!.storage
        impl = nil
        if soleHandle && dense && isKnownUniquelyReferenced(&storage)
            && storage!.byteCount == shapeCount(shape) * dtype.itemSize {
            return Tensor(storage: storage!, shape: shape, strides: strides, offset: 0, dtype: dtype)
        }
        return Tensor(storage: storage!, shape: shape, strides: strides, offset: offset, dtype: dtype).contiguousCopy()
    }
}

/// A node whose backward is a closure over saved tensors: what every primitive op records.
final class FunctionNode: Node {
    var backwardFn: ((BackwardContext) -> [Tensor?])?
    var saved: [SavedTensor]

    init(opName: String, inputs: [Tensor], saved: [SavedTensor], numOutputs: Int,
         backward: @escaping (BackwardContext) -> [Tensor?]) {
        self.backwardFn = backward
        self.saved = saved
        super.init(opName: opName, inputs: inputs.map { NodeInput(edge: $0.gradientEdge, shape: $0.impl.shape, dtype: $0.dtype) },
                   numOutputs: numOutputs)
    }

    override func apply(_ grads: [Tensor?]) -> [Tensor?] {
        guard let fn = backwardFn, !released else {
            preconditionFailure("\(name): Trying to backward through the graph a second time (or directly access saved tensors after they have already been freed). Saved intermediate values of the graph are freed when you call .backward() or autograd.grad(). Specify retainGraph: true if you need to backward through the graph a second time.")
        }
        let ctx = BackwardContext(grads: grads, saved: saved.map { $0.unpack(for: self) }, node: self)
        return fn(ctx)
    }

    override func release() {
        super.release()
        backwardFn = nil
        saved = []
    }
}

/// What a backward closure receives: the output gradients and the unpacked saved tensors.
public struct BackwardContext {
    /// Gradients of the outputs (nil when an output got none).
    public let grads: [Tensor?]
    /// The saved tensors, in the order they were saved.
    public let saved: [Tensor]
    let node: Node

    /// The gradient of the first output (zeros are never passed: a single-output node always gets one).
    public var grad: Tensor { grads[0]! }

    /// Whether the `i`-th input of the op has somewhere to send its gradient (it requires grad), so a backward
    /// can skip the work for inputs that do not (PyTorch's `needs_input_grad`).
    public func needsInputGrad(_ i: Int) -> Bool { i < node.inputs.count && node.inputs[i].edge != nil }
}

// MARK: - SavedTensor

/// A tensor saved for backward, with the storage version at save time so that a later in-place change is caught.
struct SavedTensor {
    let data: Tensor
    let version: Int
    let isOutput: Bool
    let outputNr: Int
    let requiresGrad: Bool

    init(_ t: Tensor, isOutput: Bool = false, outputNr: Int = 0) {
        // An output is saved without its grad_fn (which is the saving node) to avoid a reference cycle.
        self.data = isOutput ? t.detach() : t
        self.version = t.impl.storage.version
        self.isOutput = isOutput
        self.outputNr = outputNr
        // An output is saved before its node is attached; it is differentiable whenever it is floating point.
        self.requiresGrad = isOutput ? t.dtype.isFloatingPoint : t.requiresGrad
    }

    func unpack(for node: Node) -> Tensor {
        precondition(data.impl.storage.version == version,
                     "\(node.name): one of the variables needed for gradient computation has been modified by an inplace operation: [\(data.dtype) \(data.shape)] is at version \(data.impl.storage.version); expected version \(version) instead.")
        if isOutput && requiresGrad {
            let t = Tensor(impl: TensorImpl(storage: data.impl.storage, shape: data.shape, strides: data.strides,
                                            offset: data.storageOffset, dtype: data.dtype))
            t.attachGradFn(node, outputNr: outputNr)
            return t
        }
        return data
    }
}

