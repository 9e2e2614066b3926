import TorchCore

/// Lion (Chen et al., 2023, "Symbolic Discovery of Optimization Algorithms"): the step is the sign of an
/// interpolation of momentum and gradient, with decoupled weight decay. `torch.optim` has no Lion; this follows
/// the paper's Algorithm 2: `p ← p·(1 − lr·wd) − lr·sign(β1·m + (1 − β1)·g)`, then `m ← β2·m + (1 − β2)·g`.
public final class Lion: Optimizer {
    /// Creates the optimizer.
    /// - Parameters:
    ///   - params: the parameters.
    ///   - lr: learning rate (typically 3–10× smaller than AdamW's).
    ///   - betas: (β1 for the update, β2 for the momentum).
    ///   - weightDecay: decoupled decay.
    ///   - maximize: ascend instead of descend.
    public init(_ params: [Tensor], lr: Double = 1e-4, betas: (Double, Double) = (0.9, 0.99), weightDecay: Double = 0,
                maximize: Bool = false) {
        super.init(groups: [ParamGroup(params: params)],
                   defaults: ["lr": lr, "beta1": betas.0, "beta2": betas.1, "weight_decay": weightDecay, "maximize": maximize ? 1 : 0])
    }

    /// One update of every parameter that has a gradient.
    public override func step() {
        noGrad {
            for group in paramGroups {
                let lr = group["lr"], b1 = group["beta1"], b2 = group["beta2"], wd = group["weight_decay"]
                let maximize = group["maximize"] != 0
                for p in group.params {
                    guard var g = p.grad else { continue }
                    if maximize { g = -g }
                    var s = stateOf(p)
                    if s["exp_avg"] == nil { s["exp_avg"] = Tensor.zerosLike(p) }
                    let m = s["exp_avg"]!
                    if wd != 0 { p.mul_(1 - lr * wd) }
                    let update = (m * b1 + g * (1 - b1)).sign()
                    p.add_(update, alpha: -lr)
                    m.mul_(b2).add_(g, alpha: 1 - b2)
                    setState(p, s)
                }
            }
        }
    }
}
