import ArgumentParser
import RealModule
import Torch

/// `swifttorch demo`: fits a small linear regression with autograd and prints the loss falling.
struct Demo: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Fit y = 3x₁ − 2x₂ + 0.5 + noise with a Linear layer, MSE loss and SGD.")

    @Option(help: "Training steps.") var steps = 200
    @Option(help: "Learning rate.") var lr = 0.1
    @Option(help: "Random seed.") var seed: UInt64 = 0

    func run() throws {
        Torch.manualSeed(seed)
        let n = 256
        let x = Tensor.randn([n, 2])
        let trueW = Tensor([Float(3), -2], shape: [2, 1])
        let y = x.matmul(trueW) + 0.5 + Tensor.randn([n, 1]) * 0.1
        let model = Linear(2, 1)
        let optimizer = SGD(model.parameters(), lr: lr)
        var last = Double.infinity
        for step in 0...steps {
            optimizer.zeroGrad()
            let loss = F.mseLoss(model(x), y)
            loss.backward()
            optimizer.step()
            last = loss.item()
            if step % Swift.max(1, steps / 10) == 0 {
                print("step \(step)  loss \(ElementFormatting.fixed(last))")
            }
        }
        let wv = model.weight.detach().toArray(of: Float.self), bv = model.bias.detach().item(Float.self)
        print("learned w = [\(ElementFormatting.fixed(Double(wv[0]))), \(ElementFormatting.fixed(Double(wv[1])))], b = \(ElementFormatting.fixed(Double(bv))) (true: [3, -2], 0.5)")
        if !(last < 0.05) { throw ValidationError("the loss did not fall below 0.05 (final \(last))") }
    }
}

/// Number formatting without Foundation.
enum ElementFormatting {
    static func fixed(_ v: Double, _ digits: Int = 4) -> String {
        guard v.isFinite else { return "\(v)" }
        let scale = Double.pow(10, Double(digits))
        let r = (Swift.abs(v) * scale).rounded()
        let ip = Int64(r / scale), fp = Int64(r - Double(ip) * scale)
        var frac = String(fp)
        frac = String(repeating: "0", count: Swift.max(0, digits - frac.count)) + frac
        return (v < 0 && r != 0 ? "-" : "") + String(ip) + (digits > 0 ? "." + frac : "")
    }
}
