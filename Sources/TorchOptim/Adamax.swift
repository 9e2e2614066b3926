import TorchCore

/// Adamax (`torch.optim.Adamax`): Adam with the second moment replaced by an exponentially weighted infinity norm.
public final class Adamax: Optimizer {
    /// Creates the optimizer.
    /// - Parameters:
    ///   - params: the parameters.
    ///   - lr: learning rate.
    ///   - betas: the averaging coefficients (β1, β2).
    ///   - eps: added to the gradient magnitude before taking the maximum.
    ///   - weightDecay: L2 penalty added to the gradient.
    ///   - maximize: ascend instead of descend.
    public init(_ params: [Tensor], lr: Double = 2e-3, betas: (Double, Double) = (0.9, 0.999), eps: Double = 1e-8,
                weightDecay: Double = 0, maximize: Bool = false) {
        super.init(groups: [ParamGroup(params: params)],
                   defaults: ["lr": lr, "beta1": betas.0, "beta2": betas.1, "eps": eps, "weight_decay": weightDecay,
                              "maximize": maximize ? 1 : 0])
    }

    /// One update of every parameter that has a gradient.
    public override func step() {
        noGrad {
            for group in paramGroups {
                let lr = group["lr"], b1 = group["beta1"], b2 = group["beta2"], eps = group["eps"]
                let wd = group["weight_decay"], maximize = group["maximize"] != 0
                for p in group.params {
                    guard var g = p.grad else { continue }
                    if maximize { g = -g }
                    if wd != 0 { g = g + p * wd }
                    var s = stateOf(p)
                    if s["exp_avg"] == nil {
                        s["step"] = Tensor(scalar: Float(0))
                        s["exp_avg"] = Tensor.zerosLike(p)
                        s["exp_inf"] = Tensor.zerosLike(p)
                    }
                    let step: Double = s["step"]!.item() + 1
                    s["step"] = Tensor(scalar: Float(step))
                    let m = s["exp_avg"]!, u = s["exp_inf"]!
                    m.lerp_(g, 1 - b1)
                    u.copy_((u * b2).maximum(g.abs() + eps))
                    p.addcdiv_(m, u, value: -lr / (1 - Double.pow(b1, step)))
                    setState(p, s)
                }
            }
        }
    }
}
