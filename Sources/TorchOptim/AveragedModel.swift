import TorchCore
import TorchNN

/// A running average of a model's parameters (`swa_utils.AveragedModel`): stochastic weight averaging (equal
/// weights) or an exponential moving average (EMA), optionally of the buffers too.
///
/// Its state dict is PyTorch's: `n_averaged`, then the averaged model's entries under `module.`. Swift cannot
/// deep-copy a class graph generically, so the averaged copy is a new instance of the same architecture that you
/// pass in; its values are overwritten with the model's.
public final class AveragedModel: Module {
    /// How the average is updated.
    public enum Averaging {
        /// `avg + (model − avg) / (n + 1)`: the equal-weight mean of every update (SWA).
        case swa
        /// `decay · avg + (1 − decay) · model` (PyTorch's `get_ema_multi_avg_fn(decay)`).
        case ema(decay: Double)
        /// A function of the current average, the model's value and the number of models averaged so far
        /// (PyTorch's `avg_fn`).
        case custom((_ averaged: Tensor, _ model: Tensor, _ numAveraged: Int) -> Tensor)
    }

    /// How many updates have been averaged (`n_averaged`).
    @Buffer(name: "n_averaged") public var nAveraged: Tensor = Tensor.zeros([], dtype: .int64)
    /// The averaged copy of the model.
    public let module: Module
    let averaging: Averaging
    let useBuffers: Bool

    /// Creates the average from `model`'s current values (averaging starts with the first
    /// ``updateParameters(_:)``, which copies them).
    /// - Parameters:
    ///   - model: the model being trained.
    ///   - copy: a new instance of the same architecture, to hold the average.
    ///   - averaging: `.swa` (default), `.ema(decay:)` or a custom rule.
    ///   - useBuffers: average the buffers too, instead of copying the model's.
    public init(_ model: Module, copy: Module, averaging: Averaging = .swa, useBuffers: Bool = false) {
        if case .ema(let decay) = averaging {
            precondition((0...1).contains(decay), "AveragedModel: Invalid decay value \(decay) provided. Please provide a value in [0,1] range.")
        }
        let theirs = model.stateDict(), mine = copy.stateDict()
        precondition(theirs.map { $0.key } == mine.map { $0.key } && zip(theirs, mine).allSatisfy { $0.value.shape == $1.value.shape },
                     "AveragedModel: `copy` must have the model's architecture (state-dict keys and shapes differ)")
        module = copy
        self.averaging = averaging
        self.useBuffers = useBuffers
        super.init()
        noGrad {
            for (a, b) in zip(copy.parameters() + copy.buffers(), model.parameters() + model.buffers()) { a.copy_(b) }
        }
    }

    /// Runs the averaged model.
    /// - Parameter input: the input.
    public override func forward(_ input: Tensor) -> Tensor { module(input) }

    /// Folds `model`'s current parameters (and buffers with `useBuffers`) into the average
    /// (`update_parameters`); the first call copies them. Without `useBuffers` the buffers are copied.
    /// - Parameter model: the model being trained.
    public func updateParameters(_ model: Module) {
        let mine = useBuffers ? module.parameters() + module.buffers() : module.parameters()
        let theirs = useBuffers ? model.parameters() + model.buffers() : model.parameters()
        precondition(mine.count == theirs.count && zip(mine, theirs).allSatisfy { $0.shape == $1.shape },
                     "AveragedModel.updateParameters: the model's parameters do not match the averaged copy's")
        noGrad {
            let n = Int(nAveraged.item(Int64.self))
            for (avg, current) in zip(mine, theirs) {
                if n == 0 {
                    avg.copy_(current)
                    continue
                }
                switch averaging {
                case .swa:
                    avg.copy_(avg + (current - avg) / Double(n + 1))
                case .ema(let decay):
                    if avg.isFloatingPoint {
                        avg.copy_(avg.lerp(current, 1 - decay))
                    } else {
                        avg.copy_(avg * decay + current * (1 - decay))
                    }
                case .custom(let f):
                    avg.copy_(f(avg, current, n))
                }
            }
            if !useBuffers {
                for (a, b) in zip(module.buffers(), model.buffers()) { a.copy_(b) }
            }
            nAveraged.add_(1)
        }
    }
}

/// Recomputes the running statistics of every `BatchNorm` in `model` with one pass over `loader`
/// (`swa_utils.update_bn`): the statistics are reset and averaged over all batches (momentum nil during the
/// pass), the model runs in training mode, and its mode and the layers' momenta are restored afterwards.
/// - Parameters:
///   - loader: batches whose `input` is fed to the model (targets are ignored).
///   - model: the model.
public func updateBN<S: Sequence>(_ loader: S, model: Module) where S.Element == (input: Tensor, target: Tensor) {
    let norms = model.modules().compactMap { $0 as? BatchNorm }
    guard !norms.isEmpty else { return }
    let momenta = norms.map { $0.momentum }
    for bn in norms {
        bn.resetRunningStats()
        bn.momentum = nil
    }
    let wasTraining = model.training
    model.train()
    noGrad {
        for batch in loader { _ = model(batch.input) }
    }
    for (bn, m) in zip(norms, momenta) { bn.momentum = m }
    model.train(wasTraining)
}
