import TorchCore

/// Stochastic gradient descent with momentum, dampening, Nesterov momentum, weight decay and `maximize`
/// (`torch.optim.SGD`), with PyTorch's update rule.
public final class SGD: Optimizer {
    /// Creates the optimizer.
    /// - Parameters:
    ///   - params: the parameters.
    ///   - lr: learning rate.
    ///   - momentum: momentum factor.
    ///   - dampening: dampening of the momentum.
    ///   - weightDecay: L2 penalty.
    ///   - nesterov: Nesterov momentum.
    ///   - maximize: ascend instead of descend.
    public init(_ params: [Tensor], lr: Double, momentum: Double = 0, dampening: Double = 0, weightDecay: Double = 0,
                nesterov: Bool = false, maximize: Bool = false) {
        precondition(!nesterov || (momentum > 0 && dampening == 0), "SGD: Nesterov momentum requires a momentum and zero dampening")
        super.init(groups: [ParamGroup(params: params)],
                   defaults: ["lr": lr, "momentum": momentum, "dampening": dampening, "weight_decay": weightDecay,
                              "nesterov": nesterov ? 1 : 0, "maximize": maximize ? 1 : 0])
    }

    /// One update of every parameter that has a gradient.
    public override func step() {
        noGrad {
            for group in paramGroups {
                let lr = group["lr"], momentum = group["momentum"], dampening = group["dampening"]
                let wd = group["weight_decay"], nesterov = group["nesterov"] != 0, maximize = group["maximize"] != 0
                for p in group.params {
                    guard var g = p.grad else { continue }
                    if maximize { g = -g }
                    if wd != 0 { g = g + p * wd }
                    if momentum != 0 {
                        var s = stateOf(p)
                        let buf: Tensor
                        if let old = s["momentum_buffer"] {
                            buf = old
                            buf.mul_(momentum).add_(g, alpha: 1 - dampening)
                        } else {
                            buf = g.detach().clone()
                            s["momentum_buffer"] = buf
                            setState(p, s)
                        }
                        g = nesterov ? g + buf * momentum : buf
                    }
                    p.add_(g, alpha: -lr)
                }
            }
        }
    }
}
