import TorchCore

/// Adadelta (`torch.optim.Adadelta`): steps scaled by the ratio of running RMS of updates to running RMS of gradients.
public final class Adadelta: Optimizer {
    /// Creates the optimizer.
    /// - Parameters:
    ///   - params: the parameters.
    ///   - lr: factor applied to the computed update (PyTorch's default 1).
    ///   - rho: smoothing of both running averages.
    ///   - eps: added inside both square roots.
    ///   - weightDecay: L2 penalty added to the gradient.
    ///   - maximize: ascend instead of descend.
    public init(_ params: [Tensor], lr: Double = 1, rho: Double = 0.9, eps: Double = 1e-6, weightDecay: Double = 0,
                maximize: Bool = false) {
        super.init(groups: [ParamGroup(params: params)],
                   defaults: ["lr": lr, "rho": rho, "eps": eps, "weight_decay": weightDecay, "maximize": maximize ? 1 : 0])
    }

    /// One update of every parameter that has a gradient.
    public override func step() {
        noGrad {
            for group in paramGroups {
                let lr = group["lr"], rho = group["rho"], eps = group["eps"], wd = group["weight_decay"]
                let maximize = group["maximize"] != 0
                for p in group.params {
                    guard var g = p.grad else { continue }
                    if maximize { g = -g }
                    if wd != 0 { g = g + p * wd }
                    var s = stateOf(p)
                    if s["square_avg"] == nil {
                        s["step"] = Tensor(scalar: Float(0))
                        s["square_avg"] = Tensor.zerosLike(p)
                        s["acc_delta"] = Tensor.zerosLike(p)
                    }
                    s["step"] = Tensor(scalar: Float(s["step"]!.item() + 1))
                    let sq = s["square_avg"]!, acc = s["acc_delta"]!
                    sq.mul_(rho).addcmul_(g, g, value: 1 - rho)
                    let delta = (acc + eps).sqrt() / (sq + eps).sqrt() * g
                    acc.mul_(rho).addcmul_(delta, delta, value: 1 - rho)
                    p.add_(delta, alpha: -lr)
                    setState(p, s)
                }
            }
        }
    }
}
