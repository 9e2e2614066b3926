import TorchCore

/// Adam (`torch.optim.Adam`) with AMSGrad and L2 weight decay; ``AdamW`` decouples the decay.
public class Adam: Optimizer {
    let decoupled: Bool

    /// Creates the optimizer.
    /// - Parameters:
    ///   - params: the parameters.
    ///   - lr: learning rate.
    ///   - betas: the averaging coefficients (β1, β2).
    ///   - eps: added to the denominator.
    ///   - weightDecay: L2 penalty added to the gradient.
    ///   - amsgrad: use the maximum of past second moments.
    ///   - maximize: ascend instead of descend.
    public init(_ params: [Tensor], lr: Double = 1e-3, betas: (Double, Double) = (0.9, 0.999), eps: Double = 1e-8,
                weightDecay: Double = 0, amsgrad: Bool = false, maximize: Bool = false) {
        decoupled = false
        super.init(groups: [ParamGroup(params: params)],
                   defaults: ["lr": lr, "beta1": betas.0, "beta2": betas.1, "eps": eps, "weight_decay": weightDecay,
                              "amsgrad": amsgrad ? 1 : 0, "maximize": maximize ? 1 : 0])
    }

    init(_ params: [Tensor], lr: Double, betas: (Double, Double), eps: Double, weightDecay: Double, amsgrad: Bool,
         maximize: Bool, decoupled: Bool) {
        self.decoupled = decoupled
        super.init(groups: [ParamGroup(params: params)],
                   defaults: ["lr": lr, "beta1": betas.0, "beta2": betas.1, "eps": eps, "weight_decay": weightDecay,
                              "amsgrad": amsgrad ? 1 : 0, "maximize": maximize ? 1 : 0])
    }

    /// One update of every parameter that has a gradient (PyTorch's bias-corrected rule).
    public override func step() {
        noGrad {
            for group in paramGroups {
                let lr = group["lr"], b1 = group["beta1"], b2 = group["beta2"], eps = group["eps"]
                let wd = group["weight_decay"], amsgrad = group["amsgrad"] != 0, maximize = group["maximize"] != 0
                for p in group.params {
                    guard var g = p.grad else { continue }
                    if !amsgrad, fusedStep(p, g, lr: lr, b1: b1, b2: b2, eps: eps, wd: wd, maximize: maximize) { continue }
                    if maximize { g = -g }
                    if wd != 0 {
                        if decoupled { p.mul_(1 - lr * wd) } else { g = g + p * wd }
                    }
                    var s = initialState(p, amsgrad: amsgrad)
                    let step = s["step"]!.item() + 1
                    s["step"] = Tensor(scalar: Float(step))
                    let m = s["exp_avg"]!, v = s["exp_avg_sq"]!
                    m.lerp_(g, 1 - b1)
                    v.mul_(b2).addcmul_(g, g, value: 1 - b2)
                    let bias1 = 1 - Double.pow(b1, step), bias2 = 1 - Double.pow(b2, step)
                    var second = v
                    if amsgrad {
                        let vmax = s["max_exp_avg_sq"]!
                        vmax.copy_(vmax.maximum(v))
                        second = vmax
                    }
                    let denom = second.sqrt() / bias2.squareRoot() + eps
                    p.addcdiv_(m, denom, value: -lr / bias1)
                    setState(p, s)
                }
            }
        }
    }
}

extension Adam {
    /// The state of `p`, with zero moments (and step 0) the first time.
    func initialState(_ p: Tensor, amsgrad: Bool) -> [String: Tensor] {
        var s = stateOf(p)
        if s["step"] == nil {
            s["step"] = Tensor(scalar: Float(0))
            s["exp_avg"] = Tensor.zerosLike(p)
            s["exp_avg_sq"] = Tensor.zerosLike(p)
            if amsgrad { s["max_exp_avg_sq"] = Tensor.zerosLike(p) }
        }
        return s
    }

    /// The fused device update (one kernel per parameter instead of a dozen), when the parameter's backend has it.
    func fusedStep(_ p: Tensor, _ g: Tensor, lr: Double, b1: Double, b2: Double, eps: Double, wd: Double, maximize: Bool) -> Bool {
        guard p.device != .cpu else { return false }
        var s = initialState(p, amsgrad: false)
        let step = s["step"]!.item() + 1
        let rule = AdamStep(lr: lr, beta1: b1, beta2: b2, eps: eps, weightDecay: wd, decoupled: decoupled, maximize: maximize,
                            bias1: 1 - Double.pow(b1, step), bias2: 1 - Double.pow(b2, step))
        guard p.fusedAdamStep_(grad: g, expAvg: s["exp_avg"]!, expAvgSq: s["exp_avg_sq"]!, rule) else {
            setState(p, s)  // the moments exist now; the tensor ops below update them
            return false
        }
        s["step"] = Tensor(scalar: Float(step))
        setState(p, s)
        return true
    }
}

/// Adam with decoupled weight decay (`torch.optim.AdamW`): `p ← p·(1 − lr·wd)` before the Adam update.
public final class AdamW: Adam {
    /// Creates the optimizer.
    /// - Parameters:
    ///   - params: the parameters.
    ///   - lr: learning rate.
    ///   - betas: the averaging coefficients (β1, β2).
    ///   - eps: added to the denominator.
    ///   - weightDecay: decoupled decay (PyTorch's default 0.01).
    ///   - amsgrad: use the maximum of past second moments.
    ///   - maximize: ascend instead of descend.
    public override init(_ params: [Tensor], lr: Double = 1e-3, betas: (Double, Double) = (0.9, 0.999), eps: Double = 1e-8,
                         weightDecay: Double = 0.01, amsgrad: Bool = false, maximize: Bool = false) {
        super.init(params, lr: lr, betas: betas, eps: eps, weightDecay: weightDecay, amsgrad: amsgrad,
                   maximize: maximize, decoupled: true)
    }
}
