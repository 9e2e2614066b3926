import TorchCore

/// NAdam (`torch.optim.NAdam`): Adam with Nesterov momentum and PyTorch's momentum-decay schedule.
public final class NAdam: Optimizer {
    /// Creates the optimizer.
    /// - Parameters:
    ///   - params: the parameters.
    ///   - lr: learning rate.
    ///   - betas: the averaging coefficients (β1, β2).
    ///   - eps: added to the denominator.
    ///   - weightDecay: weight decay (L2 on the gradient, or decoupled).
    ///   - momentumDecay: the ψ of the momentum schedule μₜ = β1·(1 − ½·0.96^(t·ψ)).
    ///   - decoupledWeightDecay: shrink the parameters by `lr·weightDecay` as AdamW does.
    ///   - maximize: ascend instead of descend.
    public init(_ params: [Tensor], lr: Double = 2e-3, betas: (Double, Double) = (0.9, 0.999), eps: Double = 1e-8,
                weightDecay: Double = 0, momentumDecay: Double = 4e-3, decoupledWeightDecay: Bool = false,
                maximize: Bool = false) {
        super.init(groups: [ParamGroup(params: params)],
                   defaults: ["lr": lr, "beta1": betas.0, "beta2": betas.1, "eps": eps, "weight_decay": weightDecay,
                              "momentum_decay": momentumDecay, "decoupled_weight_decay": decoupledWeightDecay ? 1 : 0,
                              "maximize": maximize ? 1 : 0])
    }

    /// One update of every parameter that has a gradient.
    public override func step() {
        noGrad {
            for group in paramGroups {
                let lr = group["lr"], b1 = group["beta1"], b2 = group["beta2"], eps = group["eps"]
                let wd = group["weight_decay"], psi = group["momentum_decay"]
                let decoupled = group["decoupled_weight_decay"] != 0, maximize = group["maximize"] != 0
                for p in group.params {
                    guard var g = p.grad else { continue }
                    if maximize { g = -g }
                    var s = stateOf(p)
                    if s["exp_avg"] == nil {
                        s["step"] = Tensor(scalar: Float(0))
                        // A float32 product would drift from PyTorch's, which is float64 for float64 parameters.
                        s["mu_product"] = Tensor(scalar: 1.0, dtype: p.dtype == .float64 ? .float64 : .float32)
                        s["exp_avg"] = Tensor.zerosLike(p)
                        s["exp_avg_sq"] = Tensor.zerosLike(p)
                    }
                    let step: Double = s["step"]!.item() + 1
                    s["step"] = Tensor(scalar: Float(step))
                    if wd != 0 {
                        if decoupled { p.mul_(1 - lr * wd) } else { g = g + p * wd }
                    }
                    let mu = b1 * (1 - 0.5 * Double.pow(0.96, step * psi))
                    let muNext = b1 * (1 - 0.5 * Double.pow(0.96, (step + 1) * psi))
                    let muProduct: Double = s["mu_product"]!.item() * mu
                    s["mu_product"] = Tensor(scalar: muProduct, dtype: s["mu_product"]!.dtype)
                    let muProductNow: Double = s["mu_product"]!.item()
                    let m = s["exp_avg"]!, v = s["exp_avg_sq"]!
                    m.lerp_(g, 1 - b1)
                    v.mul_(b2).addcmul_(g, g, value: 1 - b2)
                    let denom = (v / (1 - Double.pow(b2, step))).sqrt() + eps
                    p.addcdiv_(g, denom, value: -lr * (1 - mu) / (1 - muProductNow))
                    p.addcdiv_(m, denom, value: -lr * muNext / (1 - muProductNow * muNext))
                    setState(p, s)
                }
            }
        }
    }
}
