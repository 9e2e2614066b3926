// MARK: - Backward engine

/// Runs the backward pass over the graph recorded during the forward pass.
///
/// Note (engine bookkeeping): the nodes reachable from the roots are numbered once (`Node.engineIndex`), so
/// dependency counts and gradient buffers live in arrays rather than hash maps.
enum Engine {
    /// Executes the graph from `roots` (edges with their starting gradients).
    ///
    /// - Parameters:
    ///   - roots: the output edges and gradients to start from.
    ///   - retainGraph: keep saved tensors so the graph can be run again.
    ///   - createGraph: record the backward ops themselves (for higher-order gradients).
    ///   - captures: when non-nil (`Torch.grad`), the edges whose incoming gradient is returned instead of being
    ///     accumulated into `.grad`; leaves are then never written.
    /// - Returns: the captured gradients, in the order of `captures`.
    static func run(roots: [(Edge, Tensor)], retainGraph: Bool, createGraph: Bool,
                    captures: [Edge]? = nil) -> [Tensor?] {
        // Number the reachable nodes and count incoming edges.
        var nodes: [Node] = []
        nodes.reserveCapacity(32)
        func visit(_ n: Node) -> Bool {
            if n.engineIndex >= 0 && n.engineIndex < nodes.count && nodes[n.engineIndex] === n { return false }
            n.engineIndex = nodes.count
            nodes.append(n)
            return true
        }
        var stack: [Node] = []
        stack.reserveCapacity(16)
        for (edge, _) in roots where visit(edge.node) { stack.append(edge.node) }
        while let node = stack.popLast() {
            for input in node.inputs { if let e = input.edge, visit(e.node) { stack.append(e.node) } }
        }
        defer { for n in nodes { n.engineIndex = -1 } }
        var deps = filledInts(0, nodes.count)
        // Every node's incoming gradients live in one flat buffer: node i's outputs at offsets[i]..<offsets[i + 1].
        var offsets = filledInts(0, nodes.count + 1)
        for (i, n) in nodes.enumerated() {
            for input in n.inputs { if let e = input.edge { deps[e.node.engineIndex] += 1 } }
            offsets[i + 1] = offsets[i] + Swift.max(n.numOutputs, 1)
        }

        var captureSlots = [[(Int, Int)]](repeating: [], count: captures == nil ? 0 : nodes.count)
        var captured = noTensors(captures?.count ?? 0)
        if let captures {
            for (i, e) in captures.enumerated() where e.node.engineIndex >= 0 && e.node.engineIndex < nodes.count
                && nodes[e.node.engineIndex] === e.node {
                captureSlots[e.node.engineIndex].append((e.inputNr, i))
            }
        }

        var buffers = [Tensor?](repeating: nil, count: offsets[nodes.count])
        func add(_ g: Tensor, to edge: Edge) {
            let slot = offsets[edge.node.engineIndex] + edge.inputNr
            buffers[slot] = accumulate(buffers[slot], g)
        }
        for (edge, g) in roots { add(g, to: edge) }
        var ready: [Node] = []
        ready.reserveCapacity(8)
        for (edge, _) in roots where deps[edge.node.engineIndex] == 0 && !ready.contains(where: { $0 === edge.node }) {
            ready.append(edge.node)
        }

        // A local function rather than a closure value, so the state above is not moved to the heap.
        func drain() {
            while !ready.isEmpty {
                // Run the most recently created ready node first (PyTorch's ordering by sequence number).
                var best = 0
                for i in 1..<ready.count where ready[i].sequenceNr > ready[best].sequenceNr { best = i }
                let node = ready.remove(at: best)
                let index = node.engineIndex
                let first = offsets[index], end = offsets[index + 1]
                let accumulator = node as? AccumulateGrad
                if let accumulator, captures == nil {
                    // A leaf (its hooks run in accumulate; tensor hooks and retainGrad are for non-leaves): the
                    // gradient is handed over (see AccumulateGrad.accumulate), not shared.
                    var g = buffers[first]
                    buffers[first] = nil
                    accumulator.accumulate(&g)
                    continue
                }
                var grads = Array(buffers[first..<end])
                for i in first..<end { buffers[i] = nil }
                // Tensor hooks registered on the node's outputs, then retainGrad.
                for (out, hooks) in node.preHooks where out < grads.count {
                    guard var g = grads[out] else { continue }
                    for h in hooks { if let r = h(g) { g = r } }
                    grads[out] = g
                }
                for (out, hook) in node.retainHooks where out < grads.count {
                    if let g = grads[out] { hook(g) }
                }
                if captures != nil {
                    for (inputNr, slot) in captureSlots[index] where inputNr < grads.count {
                        captured[slot] = accumulate(captured[slot], grads[inputNr])
                    }
                }
                var inputGrads: [Tensor?] = []
                if accumulator == nil && grads.contains(where: { $0 != nil }) {
                    inputGrads = node.apply(grads)
                    if !retainGraph { node.release() }
                }
                for (i, input) in node.inputs.enumerated() {
                    guard let edge = input.edge else { continue }
                    if i < inputGrads.count, var g = inputGrads[i] {
                        g = conform(g, to: input, node: node)
                        if GradMode.isAnomalyDetectionEnabled {
                            let hasNaN = noGrad { g.isnan().any().item(Bool.self) }
                            precondition(!hasNaN, "Function '\(node.name)' returned nan values in its \(i)th output (forward op: \(node.opName)).")
                        }
                        add(g, to: edge)
                    }
                    let ni = edge.node.engineIndex
                    deps[ni] -= 1
                    if deps[ni] == 0 { ready.append(edge.node) }
                }
            }
        }
        if createGraph { enableGrad { drain() } } else { noGrad { drain() } }
        return captured
    }

    private static func accumulate(_ a: Tensor?, _ b: Tensor?) -> Tensor? {
        guard let b else { return a }
        guard let a else { return b }
        return a + b
    }

    /// Sums a gradient back over broadcast dimensions and casts it to the input's dtype.
    private static func conform(_ g: Tensor, to meta: NodeInput, node: Node) -> Tensor {
        var g = g
        if g.shape != meta.shape { g = g.sumToSize(meta.shape) }
        if g.dtype != meta.dtype && meta.dtype.isFloatingPoint { g = g.to(meta.dtype) }
        return g
    }
}

// MARK: - Public entry points

extension Tensor {
    /// Computes the gradient of this tensor with respect to the graph leaves and accumulates it into their `.grad`.
    ///
    /// - Parameters:
    ///   - gradient: the gradient of this tensor; may be omitted for a one-element tensor (it is then 1).
    ///   - retainGraph: keep the graph so backward can run through it again.
    ///   - createGraph: record the backward pass, so higher-order gradients can be taken.
    public func backward(gradient: Tensor? = nil, retainGraph: Bool? = nil, createGraph: Bool = false) {
        precondition(requiresGrad, "backward: element 0 of tensors does not require grad and does not have a grad_fn")
        let g: Tensor
        if let gradient {
            precondition(gradient.shape == shape, "backward: gradient shape \(gradient.shape) does not match tensor shape \(shape)")
            g = gradient
        } else {
            precondition(count == 1, "backward: grad can be implicitly created only for scalar outputs (shape \(shape))")
            g = Tensor.onesLike(self)
        }
        _ = Engine.run(roots: [(gradientEdge!, g)], retainGraph: retainGraph ?? createGraph, createGraph: createGraph)
    }
}

extension Torch {
    /// Computes and returns the gradients of `outputs` with respect to `inputs` without touching any `.grad`
    /// (`torch.autograd.grad`).
    ///
    /// - Parameters:
    ///   - outputs: the differentiated tensors.
    ///   - inputs: the tensors to differentiate with respect to.
    ///   - gradOutputs: gradients of `outputs` (ones for one-element outputs when omitted).
    ///   - retainGraph: keep the graph (defaults to `createGraph`).
    ///   - createGraph: record the backward pass for higher-order gradients.
    ///   - allowUnused: return nil for an input the outputs do not depend on instead of stopping.
    /// - Returns: one gradient per input.
    public static func grad(outputs: [Tensor], inputs: [Tensor], gradOutputs: [Tensor]? = nil,
                            retainGraph: Bool? = nil, createGraph: Bool = false,
                            allowUnused: Bool = false) -> [Tensor?] {
        var roots: [(Edge, Tensor)] = []
        for (i, out) in outputs.enumerated() {
            precondition(out.requiresGrad, "grad: element \(i) of tensors does not require grad and does not have a grad_fn")
            let g = gradOutputs?[i] ?? {
                precondition(out.count == 1, "grad: grad can be implicitly created only for scalar outputs (shape \(out.shape))")
                return Tensor.onesLike(out)
            }()
            roots.append((out.gradientEdge!, g))
        }
        let edges = inputs.enumerated().map { (i, t) -> Edge in
            precondition(t.requiresGrad, "grad: input \(i) does not require grad")
            return t.gradientEdge!
        }
        let result = Engine.run(roots: roots, retainGraph: retainGraph ?? createGraph, createGraph: createGraph,
                                captures: edges)
        if !allowUnused {
            for (i, r) in result.enumerated() {
                precondition(r != nil, "grad: one of the differentiated tensors (input \(i)) appears to not have been used in the graph. Set allowUnused: true if this is the desired behavior.")
            }
        }
        return result
    }
}
