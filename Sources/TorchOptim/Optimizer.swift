import TorchCore

/// A group of parameters with its own hyperparameters (PyTorch's `param_groups` entry).
public struct ParamGroup {
    /// The parameters.
    public var params: [Tensor]
    /// Hyperparameters by PyTorch's names (`lr`, `momentum`, `betas` as `beta1`/`beta2`, …).
    public var options: [String: Double]

    /// Creates a group.
    /// - Parameters:
    ///   - params: the parameters.
    ///   - options: hyperparameters overriding the optimizer's defaults.
    public init(params: [Tensor], options: [String: Double] = [:]) {
        self.params = params
        self.options = options
    }

    /// A hyperparameter.
    public subscript(_ key: String) -> Double {
        get { options[key] ?? 0 }
        set { options[key] = newValue }
    }
}

/// An optimizer's state in PyTorch's layout: per-parameter state by parameter index (counting through the
/// groups in order) and the groups' hyperparameters with their parameter indices.
public struct OptimizerStateDict {
    /// State tensors by parameter index, then by name (`momentum_buffer`, `exp_avg`, `step`, …).
    public var state: [Int: [String: Tensor]]
    /// Hyperparameters of each group, and the indices of its parameters.
    public var paramGroups: [(options: [String: Double], params: [Int])]

    /// Creates a state.
    /// - Parameters:
    ///   - state: state tensors by parameter index.
    ///   - paramGroups: each group's hyperparameters and parameter indices.
    public init(state: [Int: [String: Tensor]], paramGroups: [(options: [String: Double], params: [Int])]) {
        self.state = state
        self.paramGroups = paramGroups
    }
}

/// The base class of optimizers (`torch.optim.Optimizer`): parameter groups, per-parameter state, `zeroGrad`,
/// `step`, and `stateDict`/`loadStateDict`.
open class Optimizer {
    /// The parameter groups.
    public var paramGroups: [ParamGroup]
    /// Per-parameter state, keyed by the parameter's identity.
    var state: [ObjectIdentifier: [String: Tensor]] = [:]

    /// Creates an optimizer over groups, filling missing hyperparameters from `defaults`.
    /// - Parameters:
    ///   - groups: the parameter groups.
    ///   - defaults: default hyperparameters.
    public init(groups: [ParamGroup], defaults: [String: Double]) {
        precondition(!groups.isEmpty && groups.allSatisfy { !$0.params.isEmpty }, "Optimizer: got an empty parameter list")
        paramGroups = groups.map { g in
            var g = g
            for (k, v) in defaults where g.options[k] == nil { g.options[k] = v }
            return g
        }
    }

    /// Clears every parameter's gradient (`zero_grad`).
    /// - Parameter setToNone: drop the gradient tensors (PyTorch's default) instead of zeroing them.
    public func zeroGrad(setToNone: Bool = true) {
        for g in paramGroups {
            for p in g.params {
                if setToNone { p.grad = nil } else { noGrad { _ = p.grad?.zero_() } }
            }
        }
    }

    /// Updates the parameters from their gradients. Subclasses override it.
    open func step() {
        preconditionFailure("\(type(of: self)): subclasses of Optimizer must override step()")
    }

    /// Re-evaluates the loss with `closure` (under grad mode), then steps (`step(closure)`).
    /// - Parameter closure: computes the loss and calls `backward`.
    /// - Returns: the loss.
    @discardableResult
    open func step(closure: () -> Tensor) -> Tensor {
        let loss = enableGrad(closure)
        step()
        return loss
    }

    /// The state of one parameter.
    func stateOf(_ p: Tensor) -> [String: Tensor] { state[p.identity] ?? [:] }
    func setState(_ p: Tensor, _ s: [String: Tensor]) { state[p.identity] = s }

    /// The state in PyTorch's layout (`state_dict()`).
    public func stateDict() -> OptimizerStateDict {
        var out = OptimizerStateDict(state: [:], paramGroups: [])
        var index = 0
        for g in paramGroups {
            var ids: [Int] = []
            for p in g.params {
                if let s = state[p.identity] { out.state[index] = s }
                ids.append(index)
                index += 1
            }
            out.paramGroups.append((g.options, ids))
        }
        return out
    }

    /// Restores state saved by ``stateDict()`` for the same parameter layout (`load_state_dict`).
    /// - Parameter dict: the saved state.
    public func loadStateDict(_ dict: OptimizerStateDict) {
        precondition(dict.paramGroups.count == paramGroups.count,
                     "loadStateDict: loaded state dict has a different number of parameter groups (\(dict.paramGroups.count) vs \(paramGroups.count))")
        var flat: [Tensor] = []
        for (i, g) in paramGroups.enumerated() {
            precondition(dict.paramGroups[i].params.count == g.params.count,
                         "loadStateDict: loaded state dict contains a parameter group that doesn't match the size of optimizer's group")
            paramGroups[i].options = dict.paramGroups[i].options
            flat += g.params
        }
        state = [:]
        for (i, s) in dict.state where i < flat.count {
            // State follows its parameter's device, as in PyTorch (0-d values such as `step` stay where they are).
            let device = flat[i].device
            state[flat[i].identity] = s.mapValues { $0.rank > 0 ? $0.detach().to(device).clone() : $0.detach().clone() }
        }
    }
}
