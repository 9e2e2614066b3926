/// Divides the rates by `1/factor` when a metric has stopped improving for `patience` epochs
/// (`ReduceLROnPlateau`); call `step(metric)` once per epoch with, e.g., the validation loss.
public final class ReduceLROnPlateau {
    /// Whether smaller or larger metrics are better.
    public enum Mode: Sendable {
        /// Lower is better (a loss).
        case min
        /// Higher is better (an accuracy).
        case max
    }
    /// How much better counts as an improvement.
    public enum ThresholdMode: Sendable {
        /// By a fraction of the best value.
        case rel
        /// By an absolute amount.
        case abs
    }
    /// The optimizer whose rates are reduced.
    public let optimizer: Optimizer
    let mode: Mode, factor: Double, patience: Int, threshold: Double, thresholdMode: ThresholdMode
    let cooldown: Int, minLR: Double, eps: Double
    /// The best metric so far.
    public private(set) var best: Double
    /// Epochs since the last improvement.
    public private(set) var numBadEpochs = 0
    /// Epochs of cooldown left after a reduction.
    public private(set) var cooldownCounter = 0
    /// Epochs stepped so far.
    public private(set) var lastEpoch = 0

    /// Creates the scheduler.
    /// - Parameters:
    ///   - optimizer: the optimizer.
    ///   - mode: whether the metric should fall or rise.
    ///   - factor: the multiplier applied on a plateau (below 1).
    ///   - patience: epochs without improvement tolerated before reducing.
    ///   - threshold: the least change that counts as improvement.
    ///   - thresholdMode: relative or absolute threshold.
    ///   - cooldown: epochs to wait after a reduction before counting bad epochs again.
    ///   - minLR: the floor of every group's rate.
    ///   - eps: reductions smaller than this are skipped.
    public init(_ optimizer: Optimizer, mode: Mode = .min, factor: Double = 0.1, patience: Int = 10,
                threshold: Double = 1e-4, thresholdMode: ThresholdMode = .rel, cooldown: Int = 0, minLR: Double = 0,
                eps: Double = 1e-8) {
        precondition(factor < 1, "ReduceLROnPlateau: factor must be below 1 (got \(factor))")
        self.optimizer = optimizer
        self.mode = mode
        self.factor = factor
        self.patience = patience
        self.threshold = threshold
        self.thresholdMode = thresholdMode
        self.cooldown = cooldown
        self.minLR = minLR
        self.eps = eps
        best = mode == .min ? .infinity : -.infinity
    }

    /// The current rates (`get_last_lr()`).
    public var lastLR: [Double] { optimizer.paramGroups.map { $0["lr"] } }

    /// The scheduler's progress (`state_dict()`): best metric, bad-epoch and cooldown counters, epochs stepped.
    /// The rates themselves live in the optimizer's state dict.
    public func stateDict() -> [String: Double] {
        ["best": best, "num_bad_epochs": Double(numBadEpochs), "cooldown_counter": Double(cooldownCounter), "last_epoch": Double(lastEpoch)]
    }

    /// Restores progress saved by ``stateDict()``.
    /// - Parameter state: the saved counters; every key of ``stateDict()`` must be present.
    public func loadStateDict(_ state: [String: Double]) {
        guard let best = state["best"], let bad = state["num_bad_epochs"], let cooldown = state["cooldown_counter"],
              let epoch = state["last_epoch"] else {
            preconditionFailure("ReduceLROnPlateau.loadStateDict: missing keys in \(state.keys.sorted())")
        }
        self.best = best
        numBadEpochs = Int(bad)
        cooldownCounter = Int(cooldown)
        lastEpoch = Int(epoch)
    }

    func isBetter(_ a: Double) -> Bool {
        switch (mode, thresholdMode) {
        case (.min, .rel): return a < best * (1 - threshold)
        case (.min, .abs): return a < best - threshold
        case (.max, .rel): return a > best * (threshold + 1)
        case (.max, .abs): return a > best + threshold
        }
    }

    /// Records one epoch's metric and reduces the rates after `patience` epochs without improvement.
    /// - Parameter metric: the monitored value.
    public func step(_ metric: Double) {
        lastEpoch += 1
        if isBetter(metric) {
            best = metric
            numBadEpochs = 0
        } else {
            numBadEpochs += 1
        }
        if cooldownCounter > 0 {
            cooldownCounter -= 1
            numBadEpochs = 0
        }
        if numBadEpochs > patience {
            for i in optimizer.paramGroups.indices {
                let old = optimizer.paramGroups[i]["lr"]
                let new = Swift.max(old * factor, minLR)
                if old - new > eps { optimizer.paramGroups[i]["lr"] = new }
            }
            cooldownCounter = cooldown
            numBadEpochs = 0
        }
    }
}
