// MARK: - Recording ops on the tape

/// True when an op on this input must be recorded: grad mode is on and the input requires grad.
@inline(__always)
func shouldRecord(_ a: Tensor) -> Bool {
    a.impl.autograd?.requiresGrad == true && GradMode.isEnabled
}

/// True when an op on these inputs must be recorded: grad mode is on and some input requires grad.
@inline(__always)
func shouldRecord(_ a: Tensor, _ b: Tensor) -> Bool {
    (a.impl.autograd?.requiresGrad == true || b.impl.autograd?.requiresGrad == true) && GradMode.isEnabled
}

/// True when an op on these inputs must be recorded.
@inline(__always)
func shouldRecord(_ inputs: [Tensor]) -> Bool {
    var any = false
    for t in inputs where t.impl.autograd?.requiresGrad == true { any = true; break }
    return any && GradMode.isEnabled
}

/// Records a primitive op on the tape: creates its backward node and attaches it to the outputs.
///
/// - Parameters:
///   - op: the forward op's name (`mul`), from which the node is named (`MulBackward0`).
///   - inputs: the differentiable inputs, in the order the backward closure returns their gradients.
///   - outputs: the op's outputs.
///   - saving: inputs (or other tensors) needed by backward; they come first in `ctx.saved`.
///   - savingOutputs: indices of outputs needed by backward; they follow in `ctx.saved`.
///   - backward: maps output gradients to input gradients, written with tensor ops so it can itself be
///     differentiated.
func record(_ op: String, inputs: [Tensor], outputs: [Tensor], saving: [Tensor] = [], savingOutputs: [Int] = [],
            backward: @escaping (BackwardContext) -> [Tensor?]) {
    var saved = saving.map { SavedTensor($0) }
    for i in savingOutputs { saved.append(SavedTensor(outputs[i], isOutput: true, outputNr: i)) }
    let node = FunctionNode(opName: op, inputs: inputs, saved: saved, numOutputs: outputs.count, backward: backward)
    for (i, out) in outputs.enumerated() where out.dtype.isFloatingPoint {
        out.attachGradFn(node, outputNr: i)
    }
}
