import TorchCore

/// RAdam (`torch.optim.RAdam`): Adam whose adaptive step is switched on, with a variance rectification, once the
/// second-moment estimate is trustworthy (ρₜ > 5); before that it takes bias-corrected momentum steps.
public final class RAdam: Optimizer {
    /// Creates the optimizer.
    /// - Parameters:
    ///   - params: the parameters.
    ///   - lr: learning rate.
    ///   - betas: the averaging coefficients (β1, β2).
    ///   - eps: added to the denominator.
    ///   - weightDecay: weight decay (L2 on the gradient, or decoupled).
    ///   - decoupledWeightDecay: shrink the parameters by `lr·weightDecay` as AdamW does.
    ///   - maximize: ascend instead of descend.
    public init(_ params: [Tensor], lr: Double = 1e-3, betas: (Double, Double) = (0.9, 0.999), eps: Double = 1e-8,
                weightDecay: Double = 0, decoupledWeightDecay: Bool = false, maximize: Bool = false) {
        super.init(groups: [ParamGroup(params: params)],
                   defaults: ["lr": lr, "beta1": betas.0, "beta2": betas.1, "eps": eps, "weight_decay": weightDecay,
                              "decoupled_weight_decay": decoupledWeightDecay ? 1 : 0, "maximize": maximize ? 1 : 0])
    }

    /// One update of every parameter that has a gradient.
    public override func step() {
        noGrad {
            for group in paramGroups {
                let lr = group["lr"], b1 = group["beta1"], b2 = group["beta2"], eps = group["eps"]
                let wd = group["weight_decay"], decoupled = group["decoupled_weight_decay"] != 0
                let maximize = group["maximize"] != 0
                for p in group.params {
                    guard var g = p.grad else { continue }
                    if maximize { g = -g }
                    var s = stateOf(p)
                    if s["exp_avg"] == nil {
                        s["step"] = Tensor(scalar: Float(0))
                        s["exp_avg"] = Tensor.zerosLike(p)
                        s["exp_avg_sq"] = Tensor.zerosLike(p)
                    }
                    let step: Double = s["step"]!.item() + 1
                    s["step"] = Tensor(scalar: Float(step))
                    if wd != 0 {
                        if decoupled { p.mul_(1 - lr * wd) } else { g = g + p * wd }
                    }
                    let m = s["exp_avg"]!, v = s["exp_avg_sq"]!
                    m.lerp_(g, 1 - b1)
                    v.mul_(b2).addcmul_(g, g, value: 1 - b2)
                    let bias1 = 1 - Double.pow(b1, step), bias2 = 1 - Double.pow(b2, step)
                    let corrected = m / bias1
                    let rhoInf = 2 / (1 - b2) - 1
                    let rhoT = rhoInf - 2 * step * Double.pow(b2, step) / bias2
                    if rhoT > 5 {
                        let rect = ((rhoT - 4) * (rhoT - 2) * rhoInf / ((rhoInf - 4) * (rhoInf - 2) * rhoT)).squareRoot()
                        let adaptive = bias2.squareRoot() / (v.sqrt() + eps)
                        p.sub_(corrected * lr * adaptive * rect)
                    } else {
                        p.sub_(corrected * lr)
                    }
                    setState(p, s)
                }
            }
        }
    }
}
