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
    struct Reference: Decodable {
        let W0, b0, X, Y: Encoded
        let trajectories: [String: [Step]]
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
        default: return AdamW(params, lr: 0.01, weightDecay: 0.1)
        }
    }

    @Test(arguments: ["sgd", "sgd_momentum_wd", "sgd_nesterov", "adam", "adam_amsgrad_wd", "adamw"])
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
