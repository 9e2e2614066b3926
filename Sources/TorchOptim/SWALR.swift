import RealModule

/// Anneals each group's rate to `swaLR` over `annealEpochs` epochs, then holds it (`swa_utils.SWALR`):
/// `lr = swaLR·α + base·(1 − α)` with `α = (1 − cos(π·t))/2` (or `t` for linear) and
/// `t = min(epoch / max(1, annealEpochs), 1)`.
public final class SWALR: LRScheduler {
    /// How the rate moves to `swaLR`.
    public enum AnnealStrategy: Sendable {
        /// Half a cosine period.
        case cos
        /// A straight line.
        case linear
    }
    let annealEpochs: Int
    let strategy: AnnealStrategy

    /// - Parameters:
    ///   - optimizer: the optimizer.
    ///   - swaLR: the final rate of every group (recorded as the group's `swa_lr`).
    ///   - annealEpochs: epochs to reach it (0: at once).
    ///   - annealStrategy: `.cos` (default) or `.linear`.
    public convenience init(_ optimizer: Optimizer, swaLR: Double, annealEpochs: Int = 10, annealStrategy: AnnealStrategy = .cos) {
        self.init(optimizer, swaLRs: Array(repeating: swaLR, count: optimizer.paramGroups.count),
                  annealEpochs: annealEpochs, annealStrategy: annealStrategy)
    }

    /// - Parameters:
    ///   - optimizer: the optimizer.
    ///   - swaLRs: the final rate of each group.
    ///   - annealEpochs: epochs to reach them (0: at once).
    ///   - annealStrategy: `.cos` (default) or `.linear`.
    public init(_ optimizer: Optimizer, swaLRs: [Double], annealEpochs: Int = 10, annealStrategy: AnnealStrategy = .cos) {
        precondition(swaLRs.count == optimizer.paramGroups.count,
                     "SWALR: swa_lr must have the same length as optimizer.param_groups (\(swaLRs.count) vs \(optimizer.paramGroups.count))")
        precondition(annealEpochs >= 0, "SWALR: anneal_epochs must be equal or greater than 0, got \(annealEpochs)")
        for (i, v) in swaLRs.enumerated() { optimizer.paramGroups[i]["swa_lr"] = v }
        self.annealEpochs = annealEpochs
        strategy = annealStrategy
        super.init(optimizer)
    }

    func alpha(_ step: Int) -> Double {
        let t = Swift.max(0, Swift.min(1, Double(step) / Double(Swift.max(1, annealEpochs))))
        return strategy == .cos ? (1 - Double.cos(Double.pi * t)) / 2 : t
    }

    /// The rate at `epoch` for a group starting at `base`.
    public override func lr(epoch: Int, base: Double, group: Int) -> Double {
        let a = alpha(annealEpochs == 0 ? Swift.max(1, epoch) : epoch)
        return optimizer.paramGroups[group]["swa_lr"] * a + base * (1 - a)
    }

    /// PyTorch's form: recovers the rate before annealing from the current one, then anneals it one more epoch.
    override func chainedLR(_ lr: Double, epoch: Int, group: Int) -> Double {
        let step = annealEpochs == 0 ? Swift.max(1, epoch) : epoch
        let swa = optimizer.paramGroups[group]["swa_lr"]
        let previous = alpha(step - 1), a = alpha(step)
        let start = previous == 1 ? swa : (lr - previous * swa) / (1 - previous)
        return swa * a + start * (1 - a)
    }
}
