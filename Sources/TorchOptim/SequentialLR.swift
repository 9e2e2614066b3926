/// Runs schedulers one after another (`SequentialLR`): `schedulers[i]` takes over at `milestones[i - 1]` and counts
/// its epochs from there, from the groups' initial rates.
public final class SequentialLR: LRScheduler {
    /// The schedulers, in order.
    public let schedulers: [LRScheduler]
    /// The epochs at which the next scheduler takes over.
    public let milestones: [Int]

    /// Creates the composition and restores the rate of epoch 0 of the first scheduler.
    /// - Parameters:
    ///   - optimizer: the optimizer all the schedulers were created on.
    ///   - schedulers: the schedulers.
    ///   - milestones: one fewer than the schedulers, increasing.
    public init(_ optimizer: Optimizer, schedulers: [LRScheduler], milestones: [Int]) {
        precondition(!schedulers.isEmpty && milestones.count == schedulers.count - 1,
                     "SequentialLR: expected one more scheduler than milestones (got \(schedulers.count) schedulers, \(milestones.count) milestones)")
        precondition(zip(milestones, milestones.dropFirst()).allSatisfy { $0 < $1 }, "SequentialLR: milestones must increase (got \(milestones))")
        precondition(schedulers.allSatisfy { $0.optimizer === optimizer }, "SequentialLR: every scheduler must drive the same optimizer")
        self.schedulers = schedulers
        self.milestones = milestones
        super.init(optimizer)
    }

    /// The scheduler active at `epoch` and its own epoch count.
    func active(_ epoch: Int) -> (LRScheduler, Int) {
        let idx = milestones.prefix { $0 <= epoch }.count
        return (schedulers[idx], idx == 0 ? epoch : epoch - milestones[idx - 1])
    }

    /// The rate the active scheduler gives at `epoch`.
    public override func lr(epoch: Int, base: Double, group: Int) -> Double {
        let (s, local) = active(epoch)
        return s.lr(epoch: local, base: s.baseLRs[group], group: group)
    }

    /// The active scheduler's counter follows the composition's, so a restored composition resumes in step.
    override func applyMomentum(epoch: Int) {
        let (s, local) = active(epoch)
        s.lastEpoch = local
        s.applyMomentum(epoch: local)
    }
}
