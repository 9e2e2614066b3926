// MARK: - Custom autograd functions

/// A user-defined differentiable operation (PyTorch's `torch.autograd.Function`).
///
/// Implement ``forward(_:inputs:)`` (runs without recording; save what backward needs in the context) and
/// ``backward(_:gradOutput:)`` (returns one gradient per input, nil for inputs that need none), then call
/// ``apply(_:)``.
public protocol AutogradFunction {
    /// Computes the output. Runs with grad mode off.
    /// - Parameters:
    ///   - ctx: stores tensors for backward.
    ///   - inputs: the inputs.
    func forward(_ ctx: FunctionContext, inputs: [Tensor]) -> Tensor
    /// Computes input gradients from the output gradient, with tensor ops (so it can itself be differentiated).
    /// - Parameters:
    ///   - ctx: the saved tensors.
    ///   - gradOutput: the gradient of the output.
    func backward(_ ctx: FunctionContext, gradOutput: Tensor) -> [Tensor?]
}

/// The context of a custom function: saved tensors (checked for in-place changes) and free-form values.
public final class FunctionContext {
    fileprivate var toSave: [Tensor] = []
    /// The tensors saved in forward, available in backward.
    public fileprivate(set) var savedTensors: [Tensor] = []
    /// Non-tensor values kept for backward.
    public var values: [String: Double] = [:]

    init() {}

    /// Saves tensors for backward (`ctx.save_for_backward`).
    /// - Parameter tensors: the tensors.
    public func saveForBackward(_ tensors: Tensor...) { toSave += tensors }
}

extension AutogradFunction {
    /// Runs the function and records it on the tape.
    /// - Parameter inputs: the inputs.
    /// - Returns: the output.
    public func apply(_ inputs: Tensor...) -> Tensor {
        let ctx = FunctionContext()
        let out = noGrad { forward(ctx, inputs: inputs) }
        if shouldRecord(inputs) {
            let name = String(describing: type(of: self))
            let saved = ctx.toSave
            // The output is returned as a fresh handle so that attaching its node does not alias an input.
            let result = out.aliased(shape: out.shape, strides: out.strides, offset: out.storageOffset)
            record(name, inputs: inputs, outputs: [result], saving: saved) { bctx in
                ctx.savedTensors = bctx.saved
                return self.backward(ctx, gradOutput: bctx.grad)
            }
            return result
        }
        return out
    }
}
