import RealModule
import TorchCore

/// Which group option a cyclic scheduler moves opposite to the rate: SGD's `momentum` or the Adam family's β1.
func momentumKey(_ optimizer: Optimizer, scheduler: String) -> String {
    let options = optimizer.paramGroups.first?.options ?? [:]
    if options["beta1"] != nil { return "beta1" }
    if options["momentum"] != nil { return "momentum" }
    preconditionFailure("\(scheduler): cycleMomentum needs an optimizer with momentum or betas (SGD, Adam, …); pass cycleMomentum: false")
}

/// The 1cycle policy (`OneCycleLR`): the rate warms up from `maxLR / divFactor` to `maxLR` over `pctStart` of the
/// steps, then anneals to `initial / finalDivFactor` (or, with `threePhase`, back to the initial rate first), while
/// the momentum moves the opposite way between `maxMomentum` and `baseMomentum`. Step it once per batch.
public final class OneCycleLR: LRScheduler {
    /// How a phase interpolates between its end points.
    public enum AnnealStrategy: Sendable {
        /// Half a cosine (PyTorch's `'cos'`).
        case cos
        /// A straight line (`'linear'`).
        case linear
    }
    struct Phase { let endStep: Double; let startLR, endLR, startMomentum, endMomentum: String }
    let totalSteps: Int, phases: [Phase], strategy: AnnealStrategy, momentumKey: String?

    /// Creates the scheduler; it overrides the groups' rates (and momenta) from step 0.
    /// - Parameters:
    ///   - optimizer: the optimizer.
    ///   - maxLR: the peak rate of every group.
    ///   - totalSteps: the number of `step()` calls in the whole cycle.
    ///   - pctStart: the fraction of steps spent warming up.
    ///   - annealStrategy: cosine or linear interpolation.
    ///   - cycleMomentum: move momentum (or β1) inversely to the rate.
    ///   - baseMomentum: the momentum at the peak rate.
    ///   - maxMomentum: the momentum at the lowest rates.
    ///   - divFactor: `maxLR / initial rate`.
    ///   - finalDivFactor: `initial rate / final rate`.
    ///   - threePhase: warm up, come back down to the initial rate, then anneal to the final rate.
    public init(_ optimizer: Optimizer, maxLR: Double, totalSteps: Int, pctStart: Double = 0.3,
                annealStrategy: AnnealStrategy = .cos, cycleMomentum: Bool = true, baseMomentum: Double = 0.85,
                maxMomentum: Double = 0.95, divFactor: Double = 25, finalDivFactor: Double = 1e4, threePhase: Bool = false) {
        precondition(totalSteps > 0, "OneCycleLR: totalSteps must be positive (got \(totalSteps))")
        precondition((0...1).contains(pctStart), "OneCycleLR: pctStart must lie in [0, 1] (got \(pctStart))")
        self.totalSteps = totalSteps
        strategy = annealStrategy
        let n = Double(totalSteps)
        if threePhase {
            phases = [Phase(endStep: pctStart * n - 1, startLR: "initial_lr", endLR: "max_lr",
                            startMomentum: "max_momentum", endMomentum: "base_momentum"),
                      Phase(endStep: 2 * pctStart * n - 2, startLR: "max_lr", endLR: "initial_lr",
                            startMomentum: "base_momentum", endMomentum: "max_momentum"),
                      Phase(endStep: n - 1, startLR: "initial_lr", endLR: "min_lr",
                            startMomentum: "max_momentum", endMomentum: "max_momentum")]
        } else {
            phases = [Phase(endStep: pctStart * n - 1, startLR: "initial_lr", endLR: "max_lr",
                            startMomentum: "max_momentum", endMomentum: "base_momentum"),
                      Phase(endStep: n - 1, startLR: "max_lr", endLR: "min_lr",
                            startMomentum: "base_momentum", endMomentum: "max_momentum")]
        }
        for i in optimizer.paramGroups.indices {
            optimizer.paramGroups[i]["initial_lr"] = maxLR / divFactor
            optimizer.paramGroups[i]["max_lr"] = maxLR
            optimizer.paramGroups[i]["min_lr"] = maxLR / divFactor / finalDivFactor
        }
        momentumKey = cycleMomentum ? TorchOptim.momentumKey(optimizer, scheduler: "OneCycleLR") : nil
        if let key = momentumKey {
            for i in optimizer.paramGroups.indices {
                optimizer.paramGroups[i][key] = maxMomentum
                optimizer.paramGroups[i]["max_momentum"] = maxMomentum
                optimizer.paramGroups[i]["base_momentum"] = baseMomentum
            }
        }
        super.init(optimizer)
    }

    func anneal(_ start: Double, _ end: Double, _ pct: Double) -> Double {
        switch strategy {
        case .cos: return end + (start - end) / 2 * (Double.cos(Double.pi * pct) + 1)
        case .linear: return (end - start) * pct + start
        }
    }

    /// The phase containing `epoch` and the fraction of it done.
    func locate(_ epoch: Int) -> (Phase, Double) {
        precondition(epoch <= totalSteps, "OneCycleLR: tried to step \(epoch) times; the cycle has \(totalSteps) steps")
        var start = 0.0
        for (i, phase) in phases.enumerated() {
            if Double(epoch) <= phase.endStep || i == phases.count - 1 {
                return (phase, (Double(epoch) - start) / (phase.endStep - start))
            }
            start = phase.endStep
        }
        preconditionFailure("OneCycleLR: no phase")
    }

    /// The rate at step `epoch` of group `group`.
    public override func lr(epoch: Int, base: Double, group: Int) -> Double {
        let (phase, pct) = locate(epoch)
        let g = optimizer.paramGroups[group]
        return anneal(g[phase.startLR], g[phase.endLR], pct)
    }

    override func applyMomentum(epoch: Int) {
        guard let key = momentumKey else { return }
        let (phase, pct) = locate(epoch)
        for i in optimizer.paramGroups.indices {
            let g = optimizer.paramGroups[i]
            optimizer.paramGroups[i][key] = anneal(g[phase.startMomentum], g[phase.endMomentum], pct)
        }
    }
}

/// Cyclical learning rates (`CyclicLR`): the rate runs up from `baseLR` to `maxLR` in `stepSizeUp` steps and back
/// down in `stepSizeDown`, the amplitude scaled per cycle (`triangular2`) or per step (`expRange`); momentum cycles
/// the opposite way. Step it once per batch.
public final class CyclicLR: LRScheduler {
    /// How the amplitude shrinks.
    public enum Mode: Sendable {
        /// Constant amplitude.
        case triangular
        /// The amplitude halves every cycle.
        case triangular2
        /// The amplitude is scaled by `gamma^step`.
        case expRange(gamma: Double)
    }
    let baseLRValue: Double, maxLR: Double, totalSize: Double, stepRatio: Double, mode: Mode
    let momentumKey: String?, baseMomentum: Double, maxMomentum: Double

    /// Creates the scheduler; the groups' rates start at `baseLR`.
    /// - Parameters:
    ///   - optimizer: the optimizer.
    ///   - baseLR: the lower rate.
    ///   - maxLR: the upper rate.
    ///   - stepSizeUp: steps from the lower to the upper rate.
    ///   - stepSizeDown: steps back down (`stepSizeUp` when nil).
    ///   - mode: the amplitude policy.
    ///   - cycleMomentum: move momentum (or β1) inversely to the rate.
    ///   - baseMomentum: the momentum at the upper rate.
    ///   - maxMomentum: the momentum at the lower rate.
    public init(_ optimizer: Optimizer, baseLR: Double, maxLR: Double, stepSizeUp: Int = 2000, stepSizeDown: Int? = nil,
                mode: Mode = .triangular, cycleMomentum: Bool = true, baseMomentum: Double = 0.8, maxMomentum: Double = 0.9) {
        precondition(stepSizeUp > 0 && (stepSizeDown ?? 1) >= 0,
                     "CyclicLR: step sizes must be positive (got up \(stepSizeUp), down \(stepSizeDown.map(String.init) ?? "nil"))")
        baseLRValue = baseLR
        self.maxLR = maxLR
        totalSize = Double(stepSizeUp + (stepSizeDown ?? stepSizeUp))
        stepRatio = Double(stepSizeUp) / totalSize
        self.mode = mode
        self.baseMomentum = baseMomentum
        self.maxMomentum = maxMomentum
        for i in optimizer.paramGroups.indices { optimizer.paramGroups[i]["lr"] = baseLR }
        momentumKey = cycleMomentum ? TorchOptim.momentumKey(optimizer, scheduler: "CyclicLR") : nil
        if let key = momentumKey {
            for i in optimizer.paramGroups.indices {
                optimizer.paramGroups[i][key] = maxMomentum
                optimizer.paramGroups[i]["max_momentum"] = maxMomentum
                optimizer.paramGroups[i]["base_momentum"] = baseMomentum
            }
        }
        super.init(optimizer)
    }

    /// The position in the cycle (0…1 up, 1…0 down) and the amplitude scale at step `epoch`.
    func position(_ epoch: Int) -> (factor: Double, scale: Double) {
        let e = Double(epoch)
        let cycle = (1 + e / totalSize).rounded(.down)
        let x = 1 + e / totalSize - cycle
        let factor = x <= stepRatio ? x / stepRatio : (x - 1) / (stepRatio - 1)
        let scale: Double
        switch mode {
        case .triangular: scale = 1
        case .triangular2: scale = 1 / Double.pow(2, cycle - 1)
        case .expRange(let gamma): scale = Double.pow(gamma, e)
        }
        return (factor, scale)
    }

    /// The rate at step `epoch`, between `baseLR` and `maxLR`.
    public override func lr(epoch: Int, base: Double, group: Int) -> Double {
        let (factor, scale) = position(epoch)
        return baseLRValue + (maxLR - baseLRValue) * factor * scale
    }

    override func applyMomentum(epoch: Int) {
        guard let key = momentumKey else { return }
        let (factor, scale) = position(epoch)
        for i in optimizer.paramGroups.indices {
            optimizer.paramGroups[i][key] = maxMomentum - (maxMomentum - baseMomentum) * factor * scale
        }
    }
}

/// Cosine annealing with warm restarts (`CosineAnnealingWarmRestarts`, SGDR): a cosine from the base rate to
/// `etaMin` over `t0` epochs, restarting with periods multiplied by `tMult`.
public final class CosineAnnealingWarmRestarts: LRScheduler {
    let t0: Int, tMult: Int, etaMin: Double

    /// - Parameters:
    ///   - optimizer: the optimizer.
    ///   - t0: epochs until the first restart.
    ///   - tMult: the factor by which each period grows.
    ///   - etaMin: the lowest rate.
    public init(_ optimizer: Optimizer, t0: Int, tMult: Int = 1, etaMin: Double = 0) {
        precondition(t0 > 0 && tMult >= 1, "CosineAnnealingWarmRestarts: t0 must be positive and tMult at least 1 (got \(t0), \(tMult))")
        self.t0 = t0
        self.tMult = tMult
        self.etaMin = etaMin
        super.init(optimizer)
    }

    /// The position in the current period (`T_cur`) and its length (`T_i`) at epoch `epoch`.
    func period(_ epoch: Int) -> (tCur: Int, tI: Int) {
        var tCur = epoch, tI = t0
        while tCur >= tI {
            tCur -= tI
            tI *= tMult
        }
        return (tCur, tI)
    }

    /// The rate at epoch `epoch` for a group starting at `base`.
    public override func lr(epoch: Int, base: Double, group: Int) -> Double {
        let (tCur, tI) = period(epoch)
        return etaMin + (base - etaMin) * (1 + Double.cos(Double.pi * Double(tCur) / Double(tI))) / 2
    }
}
