import TorchCore

/// RMSprop (`torch.optim.RMSprop`) with momentum, centring and weight decay, PyTorch's update rule.
public final class RMSprop: Optimizer {
    /// Creates the optimizer.
    /// - Parameters:
    ///   - params: the parameters.
    ///   - lr: learning rate.
    ///   - alpha: smoothing of the squared-gradient average.
    ///   - eps: added to the denominator.
    ///   - weightDecay: L2 penalty.
    ///   - momentum: momentum factor.
    ///   - centered: normalise by the estimated variance instead of the second moment.
    public init(_ params: [Tensor], lr: Double = 1e-2, alpha: Double = 0.99, eps: Double = 1e-8, weightDecay: Double = 0,
                momentum: Double = 0, centered: Bool = false) {
        super.init(groups: [ParamGroup(params: params)],
                   defaults: ["lr": lr, "alpha": alpha, "eps": eps, "weight_decay": weightDecay, "momentum": momentum,
                              "centered": centered ? 1 : 0])
    }

    /// One update of every parameter that has a gradient.
    public override func step() {
        noGrad {
            for group in paramGroups {
                let lr = group["lr"], alpha = group["alpha"], eps = group["eps"], wd = group["weight_decay"]
                let momentum = group["momentum"], centered = group["centered"] != 0
                for p in group.params {
                    guard var g = p.grad else { continue }
                    if wd != 0 { g = g + p * wd }
                    var s = stateOf(p)
                    if s["square_avg"] == nil {
                        s["step"] = Tensor(scalar: Float(0))
                        s["square_avg"] = Tensor.zerosLike(p)
                        if momentum > 0 { s["momentum_buffer"] = Tensor.zerosLike(p) }
                        if centered { s["grad_avg"] = Tensor.zerosLike(p) }
                    }
                    s["step"] = Tensor(scalar: Float(s["step"]!.item() + 1))
                    let sq = s["square_avg"]!
                    sq.mul_(alpha).addcmul_(g, g, value: 1 - alpha)
                    var avg: Tensor
                    if centered {
                        let ga = s["grad_avg"]!
                        ga.lerp_(g, 1 - alpha)
                        avg = (sq - ga * ga).sqrt() + eps
                    } else {
                        avg = sq.sqrt() + eps
                    }
                    if momentum > 0 {
                        let buf = s["momentum_buffer"]!
                        buf.mul_(momentum).addcdiv_(g, avg)
                        p.add_(buf, alpha: -lr)
                    } else {
                        p.addcdiv_(g, avg, value: -lr)
                    }
                    setState(p, s)
                }
            }
        }
    }
}

/// Adagrad (`torch.optim.Adagrad`) with learning-rate decay and weight decay.
public final class Adagrad: Optimizer {
    /// Creates the optimizer.
    /// - Parameters:
    ///   - params: the parameters.
    ///   - lr: learning rate.
    ///   - lrDecay: rate decay per step.
    ///   - weightDecay: L2 penalty.
    ///   - initialAccumulatorValue: the starting sum of squares.
    ///   - eps: added to the denominator.
    public init(_ params: [Tensor], lr: Double = 1e-2, lrDecay: Double = 0, weightDecay: Double = 0,
                initialAccumulatorValue: Double = 0, eps: Double = 1e-10) {
        super.init(groups: [ParamGroup(params: params)],
                   defaults: ["lr": lr, "lr_decay": lrDecay, "weight_decay": weightDecay,
                              "initial_accumulator_value": initialAccumulatorValue, "eps": eps])
    }

    /// One update of every parameter that has a gradient.
    public override func step() {
        noGrad {
            for group in paramGroups {
                let lr = group["lr"], decay = group["lr_decay"], wd = group["weight_decay"], eps = group["eps"]
                for p in group.params {
                    guard var g = p.grad else { continue }
                    var s = stateOf(p)
                    if s["sum"] == nil {
                        s["step"] = Tensor(scalar: Float(0))
                        s["sum"] = Tensor.fullLike(p, group["initial_accumulator_value"])
                    }
                    let step: Double = s["step"]!.item() + 1
                    s["step"] = Tensor(scalar: Float(step))
                    if wd != 0 { g = g + p * wd }
                    let clr: Double = lr / (1 + (step - 1) * decay)
                    let sum = s["sum"]!
                    sum.addcmul_(g, g, value: 1)
                    p.addcdiv_(g, sum.sqrt() + eps, value: -clr)
                    setState(p, s)
                }
            }
        }
    }
}
