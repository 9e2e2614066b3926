import RealModule
import TorchCore

/// The base of learning-rate schedulers (`torch.optim.lr_scheduler`): `step()` advances one epoch and writes
/// the new rate into every parameter group, with PyTorch's closed forms.
open class LRScheduler {
    /// The optimizer whose groups are scheduled.
    public let optimizer: Optimizer
    /// The initial rate of each group: its `initial_lr` option, which the first scheduler created on the optimizer
    /// records from the group's rate (as PyTorch does), so a second scheduler starts from the same base.
    public let baseLRs: [Double]
    /// Epochs stepped so far (PyTorch's `last_epoch`).
    public internal(set) var lastEpoch = 0

    /// Creates the scheduler and applies the rate of epoch 0.
    /// - Parameter optimizer: the optimizer.
    public init(_ optimizer: Optimizer) {
        self.optimizer = optimizer
        for i in optimizer.paramGroups.indices where optimizer.paramGroups[i].options["initial_lr"] == nil {
            optimizer.paramGroups[i]["initial_lr"] = optimizer.paramGroups[i]["lr"]
        }
        baseLRs = optimizer.paramGroups.map { $0["initial_lr"] }
        apply()
    }

    /// The rate of group `group` at epoch `epoch`. Subclasses override it.
    open func lr(epoch: Int, base: Double, group: Int) -> Double { base }

    /// PyTorch's recursive ("chainable") form: the rate at `epoch` from the group's current rate `lr`, as
    /// ``ChainedScheduler`` applies it. Schedulers without one set their closed form, overriding the others.
    func chainedLR(_ lr: Double, epoch: Int, group: Int) -> Double {
        self.lr(epoch: epoch, base: baseLRs[group], group: group)
    }

    /// Advances one epoch (`scheduler.step()`).
    public func step() {
        lastEpoch += 1
        apply()
    }

    /// The current rates (`get_last_lr()`).
    public var lastLR: [Double] { optimizer.paramGroups.map { $0["lr"] } }

    /// The scheduler's position (`state_dict()`): PyTorch's `last_epoch` and `base_lrs`.
    public func stateDict() -> LRSchedulerState { LRSchedulerState(lastEpoch: lastEpoch, baseLRs: baseLRs) }

    /// Restores a position saved by ``stateDict()`` and writes that epoch's rates into the optimizer
    /// (`load_state_dict`). The schedule's own settings come from how the scheduler was created.
    /// - Parameter state: the saved state; its base rates must match this scheduler's groups.
    public func loadStateDict(_ state: LRSchedulerState) {
        precondition(state.baseLRs.count == baseLRs.count,
                     "\(type(of: self)).loadStateDict: state has \(state.baseLRs.count) groups, the optimizer \(baseLRs.count)")
        precondition(state.baseLRs == baseLRs,
                     "\(type(of: self)).loadStateDict: saved base rates \(state.baseLRs) differ from this scheduler's \(baseLRs)")
        lastEpoch = state.lastEpoch
        apply()
    }

    func apply() {
        for i in optimizer.paramGroups.indices {
            optimizer.paramGroups[i]["lr"] = lr(epoch: lastEpoch, base: baseLRs[i], group: i)
        }
        applyMomentum(epoch: lastEpoch)
    }

    /// Writes the momentum (or β1) of epoch `epoch` into the groups; only the cyclic schedulers cycle it.
    func applyMomentum(epoch: Int) {}
}

/// A learning-rate scheduler's saved position.
public struct LRSchedulerState: Equatable, Sendable {
    /// Epochs stepped (`last_epoch`).
    public var lastEpoch: Int
    /// The groups' initial rates (`base_lrs`).
    public var baseLRs: [Double]
    /// Creates a state.
    /// - Parameters:
    ///   - lastEpoch: epochs stepped.
    ///   - baseLRs: the groups' initial rates.
    public init(lastEpoch: Int, baseLRs: [Double]) {
        self.lastEpoch = lastEpoch
        self.baseLRs = baseLRs
    }
}

/// `base · f(epoch)` (`LambdaLR`).
public final class LambdaLR: LRScheduler {
    let f: (Int) -> Double
    /// - Parameters:
    ///   - optimizer: the optimizer.
    ///   - lambda: the multiplicative factor of each epoch.
    public init(_ optimizer: Optimizer, lambda: @escaping (Int) -> Double) {
        f = lambda
        super.init(optimizer)
    }
    /// The rate at `epoch` for a group starting at `base`.
    public override func lr(epoch: Int, base: Double, group: Int) -> Double { base * f(epoch) }
}

/// `base · γ^⌊epoch / stepSize⌋` (`StepLR`).
public final class StepLR: LRScheduler {
    let stepSize: Int, gamma: Double
    /// - Parameters:
    ///   - optimizer: the optimizer.
    ///   - stepSize: epochs between decays.
    ///   - gamma: the decay factor.
    public init(_ optimizer: Optimizer, stepSize: Int, gamma: Double = 0.1) {
        self.stepSize = stepSize
        self.gamma = gamma
        super.init(optimizer)
    }
    /// The rate at `epoch` for a group starting at `base`.
    public override func lr(epoch: Int, base: Double, group: Int) -> Double { base * Double.pow(gamma, Double(epoch / stepSize)) }
    override func chainedLR(_ lr: Double, epoch: Int, group: Int) -> Double {
        epoch == 0 || epoch % stepSize != 0 ? lr : lr * gamma
    }
}

/// `base · γ^(number of milestones passed)` (`MultiStepLR`).
public final class MultiStepLR: LRScheduler {
    let milestones: [Int], gamma: Double
    /// - Parameters:
    ///   - optimizer: the optimizer.
    ///   - milestones: epochs at which to decay.
    ///   - gamma: the decay factor.
    public init(_ optimizer: Optimizer, milestones: [Int], gamma: Double = 0.1) {
        self.milestones = milestones
        self.gamma = gamma
        super.init(optimizer)
    }
    /// The rate at `epoch` for a group starting at `base`.
    public override func lr(epoch: Int, base: Double, group: Int) -> Double {
        base * Double.pow(gamma, Double(milestones.filter { $0 <= epoch }.count))
    }
    override func chainedLR(_ lr: Double, epoch: Int, group: Int) -> Double {
        lr * Double.pow(gamma, Double(milestones.filter { $0 == epoch }.count))
    }
}

/// `base · γ^epoch` (`ExponentialLR`).
public final class ExponentialLR: LRScheduler {
    let gamma: Double
    /// - Parameters:
    ///   - optimizer: the optimizer.
    ///   - gamma: the decay factor.
    public init(_ optimizer: Optimizer, gamma: Double) {
        self.gamma = gamma
        super.init(optimizer)
    }
    /// The rate at `epoch` for a group starting at `base`.
    public override func lr(epoch: Int, base: Double, group: Int) -> Double { base * Double.pow(gamma, Double(epoch)) }
    override func chainedLR(_ lr: Double, epoch: Int, group: Int) -> Double { epoch == 0 ? lr : lr * gamma }
}

/// `ηmin + (base − ηmin)(1 + cos(π·epoch/Tmax))/2` (`CosineAnnealingLR`, closed form).
public final class CosineAnnealingLR: LRScheduler {
    let tMax: Int, etaMin: Double
    /// - Parameters:
    ///   - optimizer: the optimizer.
    ///   - tMax: half-period in epochs.
    ///   - etaMin: the lowest rate.
    public init(_ optimizer: Optimizer, tMax: Int, etaMin: Double = 0) {
        self.tMax = tMax
        self.etaMin = etaMin
        super.init(optimizer)
    }
    /// The rate at `epoch` for a group starting at `base`.
    public override func lr(epoch: Int, base: Double, group: Int) -> Double {
        etaMin + (base - etaMin) * (1 + Double.cos(Double.pi * Double(epoch) / Double(tMax))) / 2
    }
    override func chainedLR(_ lr: Double, epoch: Int, group: Int) -> Double {
        if epoch == 0 { return lr }
        let t = Double(tMax), e = Double(epoch)
        if (epoch - 1 - tMax) % (2 * tMax) == 0 {
            return lr + (baseLRs[group] - etaMin) * (1 - Double.cos(Double.pi / t)) / 2
        }
        return (1 + Double.cos(Double.pi * e / t)) / (1 + Double.cos(Double.pi * (e - 1) / t)) * (lr - etaMin) + etaMin
    }
}

/// A linear ramp of the factor from `startFactor` to `endFactor` over `totalIters` epochs (`LinearLR`).
public final class LinearLR: LRScheduler {
    let start: Double, end: Double, total: Int
    /// - Parameters:
    ///   - optimizer: the optimizer.
    ///   - startFactor: the factor at epoch 0.
    ///   - endFactor: the factor from `totalIters` on.
    ///   - totalIters: the ramp length.
    public init(_ optimizer: Optimizer, startFactor: Double = 1.0 / 3, endFactor: Double = 1, totalIters: Int = 5) {
        start = startFactor
        end = endFactor
        total = totalIters
        super.init(optimizer)
    }
    /// The rate at `epoch` for a group starting at `base`.
    public override func lr(epoch: Int, base: Double, group: Int) -> Double {
        base * (start + (end - start) * Double(Swift.min(epoch, total)) / Double(total))
    }
    override func chainedLR(_ lr: Double, epoch: Int, group: Int) -> Double {
        if epoch == 0 { return lr * start }
        if epoch > total { return lr }
        return lr * (1 + (end - start) / (Double(total) * start + Double(epoch - 1) * (end - start)))
    }
}

/// `base · factor` until `totalIters`, then `base` (`ConstantLR`).
public final class ConstantLR: LRScheduler {
    let factor: Double, total: Int
    /// - Parameters:
    ///   - optimizer: the optimizer.
    ///   - factor: the reduction before `totalIters`.
    ///   - totalIters: how long.
    public init(_ optimizer: Optimizer, factor: Double = 1.0 / 3, totalIters: Int = 5) {
        self.factor = factor
        total = totalIters
        super.init(optimizer)
    }
    /// The rate at `epoch` for a group starting at `base`.
    public override func lr(epoch: Int, base: Double, group: Int) -> Double { epoch < total ? base * factor : base }
    override func chainedLR(_ lr: Double, epoch: Int, group: Int) -> Double {
        epoch == 0 ? lr * factor : (epoch == total ? lr * (1 / factor) : lr)
    }
}

/// `base · (1 − min(epoch, totalIters)/totalIters)^power` (`PolynomialLR`).
public final class PolynomialLR: LRScheduler {
    let total: Int, power: Double
    /// - Parameters:
    ///   - optimizer: the optimizer.
    ///   - totalIters: epochs to reach zero.
    ///   - power: the polynomial power.
    public init(_ optimizer: Optimizer, totalIters: Int = 5, power: Double = 1) {
        total = totalIters
        self.power = power
        super.init(optimizer)
    }
    /// The rate at `epoch` for a group starting at `base`.
    public override func lr(epoch: Int, base: Double, group: Int) -> Double {
        base * Double.pow(1 - Double(Swift.min(epoch, total)) / Double(total), power)
    }
    override func chainedLR(_ lr: Double, epoch: Int, group: Int) -> Double {
        if epoch == 0 || epoch > total { return lr }
        let t = Double(total), e = Double(epoch)
        return lr * Double.pow((1 - e / t) / (1 - (e - 1) / t), power)
    }
}

// MARK: - Gradient clipping

/// Scales all gradients so that their joint p-norm is at most `maxNorm` (`clip_grad_norm_`).
/// - Parameters:
///   - parameters: the parameters.
///   - maxNorm: the largest allowed norm.
///   - normType: p (2 by default; `.infinity` for the max norm).
/// - Returns: the total norm before clipping.
@discardableResult
public func clipGradNorm_(_ parameters: [Tensor], maxNorm: Double, normType: Double = 2) -> Double {
    noGrad {
        let grads = parameters.compactMap { $0.grad }
        guard !grads.isEmpty else { return 0 }
        let norms = grads.map { $0.to(.float64).norm(p: normType).item() }
        let total: Double
        if normType == .infinity {
            total = norms.max()!
        } else {
            total = Double.pow(norms.map { Double.pow($0, normType) }.reduce(0, +), 1 / normType)
        }
        let coef = maxNorm / (total + 1e-6)
        if coef < 1 { for g in grads { g.mul_(coef) } }
        return total
    }
}

/// Clamps every gradient element into `[−clipValue, clipValue]` (`clip_grad_value_`).
/// - Parameters:
///   - parameters: the parameters.
///   - clipValue: the bound.
public func clipGradValue_(_ parameters: [Tensor], clipValue: Double) {
    noGrad { for p in parameters { _ = p.grad?.clamp_(min: -clipValue, max: clipValue) } }
}
