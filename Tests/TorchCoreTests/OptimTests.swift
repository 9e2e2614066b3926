import Foundation
import Testing
import Torch
import _TestSupport

/// Optimizer trajectories against torch.optim on the same problem (`scripts/make_optim_reference.py`).
@Suite struct OptimTests {
    struct Encoded: Decodable {
        let shape: [Int]
        let values: [Double]
        var tensor: Tensor { Tensor(values, shape: shape) }
    }
    struct Step: Decodable { let W: Encoded; let b: Encoded; let loss: Double }
    struct Clip: Decodable { let g1, g2, c1, c2: Encoded; let total: Double }
    struct Reference: Decodable {
        let W0, b0, X, Y: Encoded
        let trajectories: [String: [Step]]
        let schedules: [String: [Double]]
        let momenta: [String: [Double]]
        let plateau_metrics: [Double]
        let plateau: [String: [Double]]
        let clip: Clip
    }

    static let reference: Reference = {
        let url = Bundle.module.url(forResource: "optim_reference", withExtension: "json", subdirectory: "Resources")!
        return try! JSONDecoder().decode(Reference.self, from: Data(contentsOf: url))
    }()

    func makeOptimizer(_ name: String, _ params: [Tensor]) -> Optimizer {
        switch name {
        case "sgd": return SGD(params, lr: 0.05)
        case "sgd_momentum_wd": return SGD(params, lr: 0.05, momentum: 0.9, dampening: 0.1, weightDecay: 0.01)
        case "sgd_nesterov": return SGD(params, lr: 0.05, momentum: 0.9, nesterov: true)
        case "adam": return Adam(params, lr: 0.01)
        case "adam_amsgrad_wd": return Adam(params, lr: 0.01, betas: (0.8, 0.99), weightDecay: 0.1, amsgrad: true)
        case "rmsprop": return RMSprop(params, lr: 0.01)
        case "rmsprop_centered_momentum": return RMSprop(params, lr: 0.01, alpha: 0.9, weightDecay: 0.05, momentum: 0.5, centered: true)
        case "adagrad": return Adagrad(params, lr: 0.1, lrDecay: 0.01, weightDecay: 0.02, initialAccumulatorValue: 0.1)
        case "adadelta": return Adadelta(params, lr: 1, rho: 0.8, weightDecay: 0.03)
        case "adamax": return Adamax(params, lr: 0.02, betas: (0.8, 0.95), weightDecay: 0.05)
        case "nadam": return NAdam(params, lr: 0.01, weightDecay: 0.05)
        case "nadam_decoupled":
            return NAdam(params, lr: 0.01, betas: (0.85, 0.99), weightDecay: 0.1, momentumDecay: 0.01, decoupledWeightDecay: true)
        case "radam": return RAdam(params, lr: 0.01, weightDecay: 0.05)
        case "radam_decoupled": return RAdam(params, lr: 0.01, betas: (0.9, 0.9), weightDecay: 0.1, decoupledWeightDecay: true)
        case "lion": return Lion(params, lr: 0.01, betas: (0.9, 0.99), weightDecay: 0.1)
        default: return AdamW(params, lr: 0.01, weightDecay: 0.1)
        }
    }

    @Test(arguments: ["sgd", "sgd_momentum_wd", "sgd_nesterov", "adam", "adam_amsgrad_wd", "adamw", "rmsprop",
                      "rmsprop_centered_momentum", "adagrad", "adadelta", "adamax", "nadam", "nadam_decoupled", "radam",
                      "radam_decoupled", "lion"])
    func trajectoryMatchesPyTorch(_ name: String) {
        let r = Self.reference
        let w = r.W0.tensor.requiresGrad_(), b = r.b0.tensor.requiresGrad_()
        let x = r.X.tensor, y = r.Y.tensor
        let opt = makeOptimizer(name, [w, b])
        for (i, expected) in r.trajectories[name]!.enumerated() {
            opt.zeroGrad()
            let loss = (x.matmul(w.t()) + b - y).square().mean()
            loss.backward()
            opt.step()
            #expect(Swift.abs(loss.item() - expected.loss) <= 1e-12 * Swift.max(1, Swift.abs(expected.loss)), "\(name) step \(i) loss")
            let cw = compareClose(w, expected.W.values, rtol: 1e-10, atol: 1e-12)
            let cb = compareClose(b, expected.b.values, rtol: 1e-10, atol: 1e-12)
            #expect(cw.isClose && cb.isClose, "\(name) step \(i): \(cw.message) \(cb.message)")
        }
    }

    @Test(arguments: ["step", "multistep", "exponential", "cosine", "linear", "constant", "polynomial", "lambda",
                      "onecycle", "onecycle_linear_three_phase", "onecycle_adam", "cyclic", "cyclic_triangular2",
                      "cyclic_exp_range", "warm_restarts", "warm_restarts_fixed", "sequential"])
    func scheduleMatchesPyTorch(_ name: String) {
        let p = Tensor.zeros([1]).requiresGrad_()
        let opt: Optimizer = name.hasSuffix("_adam") ? Adam([p], lr: 0.1) : SGD([p], lr: 0.1)
        let momentumKey = name.hasSuffix("_adam") ? "beta1" : "momentum"
        let s: LRScheduler
        switch name {
        case "step": s = StepLR(opt, stepSize: 3, gamma: 0.5)
        case "multistep": s = MultiStepLR(opt, milestones: [2, 5, 9], gamma: 0.3)
        case "exponential": s = ExponentialLR(opt, gamma: 0.9)
        case "cosine": s = CosineAnnealingLR(opt, tMax: 10, etaMin: 0.001)
        case "linear": s = LinearLR(opt, startFactor: 0.25, endFactor: 1, totalIters: 4)
        case "constant": s = ConstantLR(opt, factor: 0.5, totalIters: 3)
        case "polynomial": s = PolynomialLR(opt, totalIters: 8, power: 2)
        case "onecycle", "onecycle_adam": s = OneCycleLR(opt, maxLR: name == "onecycle" ? 1 : 0.01, totalSteps: 12)
        case "onecycle_linear_three_phase":
            s = OneCycleLR(opt, maxLR: 0.5, totalSteps: 12, pctStart: 0.25, annealStrategy: .linear, baseMomentum: 0.8,
                           maxMomentum: 0.9, divFactor: 10, finalDivFactor: 100, threePhase: true)
        case "cyclic": s = CyclicLR(opt, baseLR: 0.01, maxLR: 0.1, stepSizeUp: 3)
        case "cyclic_triangular2":
            s = CyclicLR(opt, baseLR: 0.01, maxLR: 0.1, stepSizeUp: 2, stepSizeDown: 3, mode: .triangular2, cycleMomentum: false)
        case "cyclic_exp_range": s = CyclicLR(opt, baseLR: 0.01, maxLR: 0.1, stepSizeUp: 2, mode: .expRange(gamma: 0.9))
        case "warm_restarts": s = CosineAnnealingWarmRestarts(opt, t0: 3, tMult: 2, etaMin: 0.001)
        case "warm_restarts_fixed": s = CosineAnnealingWarmRestarts(opt, t0: 4)
        case "sequential":
            s = SequentialLR(opt, schedulers: [LinearLR(opt, startFactor: 0.1, totalIters: 3), ExponentialLR(opt, gamma: 0.8),
                                               StepLR(opt, stepSize: 2, gamma: 0.5)], milestones: [3, 7])
        default: s = LambdaLR(opt) { 1.0 / Double(1 + $0) }
        }
        var lrs: [Double] = [], momenta: [Double] = []
        for _ in 0..<12 {
            lrs.append(opt.paramGroups[0]["lr"])
            momenta.append(opt.paramGroups[0][momentumKey])
            s.step()
        }
        let expected = Self.reference.schedules[name]!, expectedMomenta = Self.reference.momenta[name]!
        #expect(lrs.count == expected.count)
        for (a, e) in zip(lrs, expected) {
            #expect(Swift.abs(a - e) <= 1e-12 * Swift.max(1, Swift.abs(e)), "\(name): \(lrs) vs \(expected)")
        }
        for (a, e) in zip(momenta, expectedMomenta) {
            #expect(Swift.abs(a - e) <= 1e-12, "\(name) momentum: \(momenta) vs \(expectedMomenta)")
        }
    }

    @Test(arguments: ["cosine", "onecycle", "sequential", "warm_restarts"])
    func schedulerStateDictResumesTheSameSchedule(_ name: String) {
        func make(_ opt: Optimizer) -> LRScheduler {
            switch name {
            case "cosine": return CosineAnnealingLR(opt, tMax: 10, etaMin: 0.001)
            case "onecycle": return OneCycleLR(opt, maxLR: 1, totalSteps: 12)
            case "warm_restarts": return CosineAnnealingWarmRestarts(opt, t0: 3, tMult: 2)
            default:
                return SequentialLR(opt, schedulers: [LinearLR(opt, startFactor: 0.1, totalIters: 3), ExponentialLR(opt, gamma: 0.8)],
                                    milestones: [3])
            }
        }
        func trace(_ opt: Optimizer, _ s: LRScheduler, _ steps: Int) -> [[Double]] {
            (0..<steps).map { _ in
                defer { s.step() }
                return [opt.paramGroups[0]["lr"], opt.paramGroups[0]["momentum"]]
            }
        }
        let p = Tensor.zeros([1]).requiresGrad_()
        let opt = SGD([p], lr: 0.1)
        let s = make(opt)
        let whole = trace(opt, s, 11)

        let opt1 = SGD([p], lr: 0.1)
        let s1 = make(opt1)
        _ = trace(opt1, s1, 5)
        let saved = s1.stateDict()
        #expect(saved.lastEpoch == 5 && saved.baseLRs == s1.baseLRs)
        let opt2 = SGD([p], lr: 0.1)
        let s2 = make(opt2)
        s2.loadStateDict(saved)
        #expect(trace(opt2, s2, 6) == Array(whole[5...]))
    }

    @Test func reduceLROnPlateauStateDictResumes() {
        let metrics = Self.reference.plateau_metrics
        func run(_ s: ReduceLROnPlateau, _ ms: ArraySlice<Double>) -> [Double] { ms.map { s.step($0); return s.lastLR[0] } }
        let whole = run(ReduceLROnPlateau(SGD([Tensor.zeros([1]).requiresGrad_()], lr: 0.1), factor: 0.5, patience: 1, cooldown: 1),
                        metrics[...])
        let opt1 = SGD([Tensor.zeros([1]).requiresGrad_()], lr: 0.1)
        let first = ReduceLROnPlateau(opt1, factor: 0.5, patience: 1, cooldown: 1)
        _ = run(first, metrics[..<7])
        let opt2 = SGD([Tensor.zeros([1]).requiresGrad_()], lr: 0.1)
        opt2.loadStateDict(opt1.stateDict())
        let second = ReduceLROnPlateau(opt2, factor: 0.5, patience: 1, cooldown: 1)
        second.loadStateDict(first.stateDict())
        #expect(run(second, metrics[7...]) == Array(whole[7...]))
    }

    @Test(arguments: ["plateau_min", "plateau_max_abs"])
    func reduceLROnPlateauMatchesPyTorch(_ name: String) {
        let p = Tensor.zeros([1]).requiresGrad_()
        let opt = SGD([p], lr: 0.1)
        let s = name == "plateau_min"
            ? ReduceLROnPlateau(opt, factor: 0.5, patience: 1, cooldown: 1, minLR: 0.02)
            : ReduceLROnPlateau(opt, mode: .max, factor: 0.3, patience: 2, threshold: 0.01, thresholdMode: .abs)
        var lrs: [Double] = []
        for m in Self.reference.plateau_metrics {
            s.step(m)
            lrs.append(s.lastLR[0])
        }
        let expected = Self.reference.plateau[name]!
        #expect(lrs.count == expected.count)
        for (a, e) in zip(lrs, expected) {
            #expect(Swift.abs(a - e) <= 1e-15, "\(name): \(lrs) vs \(expected)")
        }
    }

    @Test func schedulersShareTheInitialRate() {
        // A second scheduler on the same optimizer starts from the recorded initial_lr, not the first one's rate.
        let p = Tensor.zeros([1]).requiresGrad_()
        let opt = SGD([p], lr: 0.1)
        _ = LinearLR(opt, startFactor: 0.5, totalIters: 2)
        #expect(opt.paramGroups[0]["lr"] == 0.05)
        let second = ExponentialLR(opt, gamma: 0.5)
        #expect(second.baseLRs == [0.1])
        #expect(opt.paramGroups[0]["initial_lr"] == 0.1)
    }

    @Test func clipGradNormMatchesPyTorch() {
        let c = Self.reference.clip
        let p1 = Tensor.zeros([2]).requiresGrad_(), p2 = Tensor.zeros([2, 2]).requiresGrad_()
        p1.grad = c.g1.tensor.to(.float32)
        p2.grad = c.g2.tensor.to(.float32)
        let total = clipGradNorm_([p1, p2], maxNorm: 2)
        #expect(Swift.abs(total - c.total) < 1e-6)
        #expect(compareClose(p1.grad!, c.c1.values, rtol: 1e-6, atol: 1e-7).isClose)
        #expect(compareClose(p2.grad!, c.c2.values, rtol: 1e-6, atol: 1e-7).isClose)
        clipGradValue_([p2], clipValue: 0.1)
        #expect(p2.grad!.abs().max().item() <= 0.1 + 1e-7)
    }

    @Test func stateDictRoundTripContinuesTheSameTrajectory() {
        let r = Self.reference
        func run(split: Bool) -> [Double] {
            let w = r.W0.tensor.requiresGrad_(), b = r.b0.tensor.requiresGrad_()
            var opt: Optimizer = Adam([w, b], lr: 0.01)
            for i in 0..<6 {
                if split && i == 3 {
                    let saved = opt.stateDict()
                    opt = Adam([w, b], lr: 0.5)  // hyperparameters come back from the state dict
                    opt.loadStateDict(saved)
                }
                opt.zeroGrad()
                (r.X.tensor.matmul(w.t()) + b - r.Y.tensor).square().mean().backward()
                opt.step()
            }
            return w.detach().toArray(of: Double.self)
        }
        #expect(run(split: false) == run(split: true))
        let w = r.W0.tensor.requiresGrad_()
        let sgd = SGD([w], lr: 0.1, momentum: 0.9)
        (w * w).sum().backward()
        sgd.step()
        let dict = sgd.stateDict()
        #expect(dict.state[0]?["momentum_buffer"] != nil && dict.paramGroups[0].params == [0])
        #expect(dict.paramGroups[0].options["lr"] == 0.1)
    }
}
