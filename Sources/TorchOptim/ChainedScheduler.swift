/// `base · Π_{k=1…epoch} f(k)` (`MultiplicativeLR`): each epoch multiplies the rate by `f(epoch)`.
public final class MultiplicativeLR: LRScheduler {
    let f: (Int) -> Double
    /// Running products `Π_{k≤e} f(k)`, grown as epochs are asked for.
    var products: [Double] = [1]

    /// - Parameters:
    ///   - optimizer: the optimizer.
    ///   - lambda: the factor applied at each epoch (from epoch 1).
    public init(_ optimizer: Optimizer, lambda: @escaping (Int) -> Double) {
        f = lambda
        super.init(optimizer)
    }

    /// The rate at `epoch` for a group starting at `base`.
    public override func lr(epoch: Int, base: Double, group: Int) -> Double {
        while products.count <= epoch { products.append(products.last! * f(products.count)) }
        return base * products[epoch]
    }

    override func chainedLR(_ lr: Double, epoch: Int, group: Int) -> Double { epoch > 0 ? lr * f(epoch) : lr }
}

/// Schedulers applied one after another at every step (`ChainedScheduler`), each to the rate the previous one
/// left, with PyTorch's recursive forms; `StepLR`, `MultiStepLR`, `ExponentialLR`, `ConstantLR`, `LinearLR`,
/// `PolynomialLR`, `CosineAnnealingLR` and `MultiplicativeLR` chain, the others set their own rate as in PyTorch.
public final class ChainedScheduler: LRScheduler {
    /// The schedulers, in the order they are applied.
    public let schedulers: [LRScheduler]
    /// The rates of `cachedEpoch` (one per group).
    var cache: (epoch: Int, lrs: [Double])?

    /// Creates the chain and applies epoch 0 of every scheduler in turn.
    /// - Parameters:
    ///   - schedulers: the schedulers, all on one optimizer.
    ///   - optimizer: that optimizer (the first scheduler's when nil).
    public init(_ schedulers: [LRScheduler], optimizer: Optimizer? = nil) {
        precondition(!schedulers.isEmpty, "ChainedScheduler: expects at least one scheduler")
        let opt = optimizer ?? schedulers[0].optimizer
        precondition(schedulers.allSatisfy { $0.optimizer === opt },
                     "ChainedScheduler: expects all schedulers to belong to the same optimizer")
        self.schedulers = schedulers
        super.init(opt)
    }

    /// The chain's rate at `epoch`: the recursion from the initial rate, advanced one epoch from the last one
    /// computed (replayed from epoch 0 after a jump, e.g. ``loadStateDict(_:)``).
    public override func lr(epoch: Int, base: Double, group: Int) -> Double {
        if cache == nil || cache!.epoch > epoch {
            cache = (0, baseLRs.indices.map { g in schedulers.reduce(baseLRs[g]) { $1.chainedLR($0, epoch: 0, group: g) } })
        }
        while cache!.epoch < epoch {
            let e = cache!.epoch + 1
            cache = (e, cache!.lrs.indices.map { g in schedulers.reduce(cache!.lrs[g]) { $1.chainedLR($0, epoch: e, group: g) } })
        }
        return cache!.lrs[group]
    }

    /// Keeps each scheduler's epoch in step with the chain and lets the cyclic ones set their momentum.
    override func applyMomentum(epoch: Int) {
        for s in schedulers {
            s.lastEpoch = epoch
            s.applyMomentum(epoch: epoch)
        }
    }
}
