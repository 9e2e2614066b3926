import Foundation
import Testing
import Torch
import _TestSupport

/// L-BFGS, ChainedScheduler, MultiplicativeLR, SWALR, AveragedModel and updateBN against torch.optim
/// (`scripts/make_optim_reference.py`).
@Suite struct OptimExtraTests {
    typealias Encoded = OptimTests.Encoded
    struct LBFGSStep: Decodable {
        let W: Encoded, b: Encoded
        let returned: Double
        let func_evals: Int, n_iter: Int
    }
    struct LBFGSRun: Decodable { let steps: [LBFGSStep]; let evaluations: [Double] }
    struct AveragedRun: Decodable { let keys: [String]; let trace: [[String: Encoded]] }
    struct Averaged: Decodable { let states: [[String: Encoded]]; let runs: [String: AveragedRun] }
    struct UpdateBN: Decodable {
        let batches: [Encoded]
        let state: [String: Encoded]
        let training_after: Bool
        let momentum_after: Double
    }
    struct Reference: Decodable {
        let W0, b0, X, Y: Encoded
        let schedules: [String: [Double]]
        let lbfgs: [String: LBFGSRun]
        let averaged: Averaged
        let update_bn: UpdateBN
    }

    static let reference: Reference = {
        let url = Bundle.module.url(forResource: "optim_reference", withExtension: "json", subdirectory: "Resources")!
        return try! JSONDecoder().decode(Reference.self, from: Data(contentsOf: url))
    }()

    func makeLBFGS(_ name: String, _ params: [Tensor]) -> LBFGS {
        switch name {
        case "lbfgs_lr_tolerance": return LBFGS(params, lr: 0.5, maxIter: 4, toleranceChange: 1e-4, historySize: 10)
        case "lbfgs_strong_wolfe": return LBFGS(params, lr: 1, maxIter: 5, historySize: 4, lineSearchFn: .strongWolfe)
        case "lbfgs_strong_wolfe_long": return LBFGS(params, lr: 0.8, maxIter: 20, maxEval: 15, historySize: 100, lineSearchFn: .strongWolfe)
        default: return LBFGS(params, lr: 1, maxIter: 6, historySize: 3)
        }
    }

    /// Every closure evaluation (its loss), the returned loss, the parameters and the evaluation and iteration
    /// counters after each of five steps.
    @Test(arguments: ["lbfgs", "lbfgs_lr_tolerance", "lbfgs_strong_wolfe", "lbfgs_strong_wolfe_long"])
    func lbfgsMatchesPyTorch(_ name: String) {
        let r = Self.reference, run = r.lbfgs[name]!
        let w = r.W0.tensor.requiresGrad_(), b = r.b0.tensor.requiresGrad_()
        let x = r.X.tensor, y = r.Y.tensor
        let opt = makeLBFGS(name, [w, b])
        var evaluations: [Double] = []
        let closure = { () -> Tensor in
            opt.zeroGrad()
            let loss = ((x.matmul(w.t()) + b).tanh() - y).square().mean() + 0.05 * w.pow(4).sum()
            loss.backward()
            evaluations.append(loss.item())
            return loss
        }
        for (i, expected) in run.steps.enumerated() {
            let returned = opt.step(closure: closure)
            #expect(Swift.abs(returned.item() - expected.returned) <= 1e-10, "\(name) step \(i) returned loss")
            let cw = compareClose(w, expected.W.values, rtol: 1e-8, atol: 1e-10)
            let cb = compareClose(b, expected.b.values, rtol: 1e-8, atol: 1e-10)
            #expect(cw.isClose && cb.isClose, "\(name) step \(i): \(cw.message) \(cb.message)")
            let state = opt.stateDict().state[0]!
            #expect(state["func_evals"]!.item(Int64.self) == Int64(expected.func_evals), "\(name) step \(i) func_evals")
            #expect(state["n_iter"]!.item(Int64.self) == Int64(expected.n_iter), "\(name) step \(i) n_iter")
        }
        #expect(evaluations.count == run.evaluations.count)
        for (k, (a, e)) in zip(evaluations, run.evaluations).enumerated() {
            #expect(Swift.abs(a - e) <= 1e-9 * Swift.max(1, Swift.abs(e)), "\(name) evaluation \(k): \(a) vs \(e)")
        }
    }

    @Test func lbfgsStateDictResumes() {
        let r = Self.reference
        func problem() -> (Tensor, Tensor, () -> Tensor, LBFGS) {
            let w = r.W0.tensor.requiresGrad_(), b = r.b0.tensor.requiresGrad_()
            let opt = LBFGS([w, b], lr: 1, maxIter: 5, historySize: 4, lineSearchFn: .strongWolfe)
            let closure = { () -> Tensor in
                opt.zeroGrad()
                let loss = ((r.X.tensor.matmul(w.t()) + b).tanh() - r.Y.tensor).square().mean() + 0.05 * w.pow(4).sum()
                loss.backward()
                return loss
            }
            return (w, b, closure, opt)
        }
        let (w1, _, c1, o1) = problem()
        for _ in 0..<4 { o1.step(closure: c1) }
        let (w2, b2, c2, o2) = problem()
        for _ in 0..<2 { o2.step(closure: c2) }
        let saved = o2.stateDict(), savedW = w2.detach().clone(), savedB = b2.detach().clone()
        let (w3, b3, c3, o3) = problem()
        noGrad {
            w3.copy_(savedW)
            b3.copy_(savedB)
        }
        o3.loadStateDict(saved)
        for _ in 0..<2 { o3.step(closure: c3) }
        #expect(w3.equal(w1), "a restored L-BFGS continues exactly")
    }

    @Test(arguments: ["multiplicative", "chained_constant_exponential", "chained_linear_step_multiplicative",
                      "chained_cosine_multistep", "chained_polynomial_constant", "swalr_cos", "swalr_linear", "swalr_immediate"])
    func scheduleMatchesPyTorch(_ name: String) {
        let p = Tensor.zeros([1]).requiresGrad_()
        let opt = SGD([p], lr: 0.1)
        let s: LRScheduler
        switch name {
        case "multiplicative": s = MultiplicativeLR(opt) { $0 % 2 == 1 ? 0.9 : 0.97 }
        case "chained_constant_exponential":
            s = ChainedScheduler([ConstantLR(opt, factor: 0.5, totalIters: 4), ExponentialLR(opt, gamma: 0.9)])
        case "chained_linear_step_multiplicative":
            s = ChainedScheduler([LinearLR(opt, startFactor: 0.2, totalIters: 5), StepLR(opt, stepSize: 3, gamma: 0.5),
                                  MultiplicativeLR(opt) { _ in 0.95 }])
        case "chained_cosine_multistep":
            s = ChainedScheduler([CosineAnnealingLR(opt, tMax: 10), MultiStepLR(opt, milestones: [4, 8], gamma: 0.5)])
        case "chained_polynomial_constant":
            s = ChainedScheduler([PolynomialLR(opt, totalIters: 10, power: 1.5), ConstantLR(opt, factor: 0.25, totalIters: 2)])
        case "swalr_cos": s = SWALR(opt, swaLR: 0.02, annealEpochs: 5, annealStrategy: .cos)
        case "swalr_linear": s = SWALR(opt, swaLR: 0.3, annealEpochs: 3, annealStrategy: .linear)
        default: s = SWALR(opt, swaLR: 0.05, annealEpochs: 0)
        }
        var lrs: [Double] = []
        for _ in 0..<12 {
            lrs.append(opt.paramGroups[0]["lr"])
            s.step()
        }
        let expected = Self.reference.schedules[name]!
        #expect(lrs.count == expected.count)
        for (a, e) in zip(lrs, expected) {
            #expect(Swift.abs(a - e) <= 1e-12 * Swift.max(1, Swift.abs(e)), "\(name): \(lrs) vs \(expected)")
        }
    }

    @Test func chainedSchedulerStateDictResumes() {
        func make(_ opt: Optimizer) -> LRScheduler {
            ChainedScheduler([CosineAnnealingLR(opt, tMax: 6), ConstantLR(opt, factor: 0.5, totalIters: 3)])
        }
        let o1 = SGD([Tensor.zeros([1]).requiresGrad_()], lr: 0.1), s1 = make(o1)
        var straight: [Double] = []
        for _ in 0..<10 {
            s1.step()
            straight.append(o1.paramGroups[0]["lr"])
        }
        let o2 = SGD([Tensor.zeros([1]).requiresGrad_()], lr: 0.1), s2 = make(o2)
        for _ in 0..<4 { s2.step() }
        let o3 = SGD([Tensor.zeros([1]).requiresGrad_()], lr: 0.1), s3 = make(o3)
        s3.loadStateDict(s2.stateDict())
        var resumed: [Double] = []
        for _ in 0..<6 {
            s3.step()
            resumed.append(o3.paramGroups[0]["lr"])
        }
        #expect(resumed == Array(straight.suffix(6)))
    }

    static func net() -> Sequential {
        Sequential {
            Linear(3, 4)
            BatchNorm1d(4)
            Linear(4, 2)
        }
    }

    static func load(_ module: Module, _ state: [String: Encoded]) {
        let dict = module.stateDict()
        let values = dict.map { entry in (entry.key, state[entry.key]!.tensor.to(entry.value.dtype)) }
        _ = try! module.loadStateDict(Dictionary(uniqueKeysWithValues: values))
    }

    @Test(arguments: ["swa", "ema_buffers"])
    func averagedModelMatchesPyTorch(_ name: String) {
        let r = Self.reference.averaged, run = r.runs[name]!
        let model = Self.net()
        let avg = name == "swa" ? AveragedModel(model, copy: Self.net())
                                : AveragedModel(model, copy: Self.net(), averaging: .ema(decay: 0.75), useBuffers: true)
        #expect(avg.stateDict().map { $0.key } == run.keys)
        for (k, state) in r.states.enumerated() {
            Self.load(model, state)
            avg.updateParameters(model)
            for (key, value) in avg.stateDict() {
                let expected = run.trace[k][key]!
                let c = compareClose(value, expected.values, rtol: 1e-6, atol: 1e-6)
                #expect(c.isClose && value.shape == expected.shape, "\(name) update \(k) \(key): \(c.message)")
            }
        }
    }

    @Test func customAveragingAndForward() {
        let model = Linear(2, 1)
        let avg = AveragedModel(model, copy: Linear(2, 1), averaging: .custom { a, m, n in a * 0 + m * Double(n) })
        avg.updateParameters(model)
        noGrad { _ = model.weight.fill_(2) }
        avg.updateParameters(model)
        let w = avg.module.parameters()[0]
        #expect(w.toArray(of: Float.self) == [2, 2], "n = 1 at the second update")
        #expect(avg(Tensor([[1.0, 1.0]] as [[Float]])).shape == [1, 1])
    }

    @Test func updateBNMatchesPyTorch() throws {
        let r = Self.reference.update_bn
        let net = Sequential {
            Linear(3, 4)
            BatchNorm1d(4, momentum: 0.3)
            ReLU()
            BatchNorm1d(4)
        }
        // Start from PyTorch's weights (the running statistics are reset by updateBN anyway).
        Self.load(net, r.state)
        noGrad {
            for bn in net.modules().compactMap({ $0 as? BatchNorm }) {
                bn.runningMean.fill_(5)
                bn.numBatchesTracked.fill_(7)
            }
        }
        net.eval()
        let batches = r.batches.map { ($0.tensor.to(.float32), Tensor.zeros([5])) }
        updateBN(batches, model: net)
        for (key, value) in net.stateDict() {
            let c = compareClose(value, r.state[key]!.values, rtol: 1e-5, atol: 1e-6)
            #expect(c.isClose, "\(key): \(c.message)")
        }
        #expect(net.training == r.training_after)
        #expect((net.modules()[2] as? BatchNorm)?.momentum == r.momentum_after)
    }
}
