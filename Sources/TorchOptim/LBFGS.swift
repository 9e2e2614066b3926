import TorchCore

/// Limited-memory BFGS (`torch.optim.LBFGS`), with PyTorch's algorithm: up to `maxIter` iterations per
/// ``step(closure:)``, a two-loop recursion over the last `historySize` curvature pairs, and either a fixed step
/// `lr` or a strong-Wolfe line search.
///
/// It needs the closure (it re-evaluates the loss several times per step) and supports one parameter group.
/// Its state (kept under the first parameter, as PyTorch does) has `func_evals`, `n_iter`, `d`, `t`, `H_diag`,
/// `prev_flat_grad`, `prev_loss`, and the history as `old_dirs`/`old_stps` (`[k, n]`) and `ro` (`[k]`).
public final class LBFGS: Optimizer {
    /// The line search.
    public enum LineSearch: Sendable {
        /// Bracketing and zoom with cubic interpolation until the strong Wolfe conditions hold.
        case strongWolfe
    }
    let lineSearch: LineSearch?

    /// Creates the optimizer.
    /// - Parameters:
    ///   - params: the parameters (one group).
    ///   - lr: the step length (the line search's first trial step).
    ///   - maxIter: iterations per step.
    ///   - maxEval: closure evaluations per step (`maxIter · 5/4` when nil).
    ///   - toleranceGrad: stop when the largest gradient element is at most this.
    ///   - toleranceChange: stop when the loss or the parameters change less than this.
    ///   - historySize: curvature pairs kept.
    ///   - lineSearchFn: `.strongWolfe`, or nil for fixed steps.
    public init(_ params: [Tensor], lr: Double = 1, maxIter: Int = 20, maxEval: Int? = nil, toleranceGrad: Double = 1e-7,
                toleranceChange: Double = 1e-9, historySize: Int = 100, lineSearchFn: LineSearch? = nil) {
        precondition(lr >= 0, "LBFGS: Invalid learning rate: \(lr)")
        precondition(maxIter > 0 && historySize > 0, "LBFGS: maxIter (\(maxIter)) and historySize (\(historySize)) must be positive")
        lineSearch = lineSearchFn
        super.init(groups: [ParamGroup(params: params)],
                   defaults: ["lr": lr, "max_iter": Double(maxIter), "max_eval": Double(maxEval ?? maxIter * 5 / 4),
                              "tolerance_grad": toleranceGrad, "tolerance_change": toleranceChange,
                              "history_size": Double(historySize)])
    }

    /// L-BFGS cannot step without re-evaluating the loss.
    public override func step() {
        preconditionFailure("LBFGS.step: L-BFGS needs the closure that re-evaluates the loss; call step(closure:)")
    }

    var params: [Tensor] { paramGroups[0].params }

    /// The gradients of all parameters as one vector (zeros for a parameter without one).
    func flatGrad() -> Tensor {
        Tensor.cat(params.map { p in p.grad.map { $0.reshape([-1]) } ?? Tensor.zeros([p.count], dtype: p.dtype) })
    }

    /// `p += t · update[slice of p]` for every parameter.
    func addGrad(_ t: Double, _ update: Tensor) {
        var offset = 0
        for p in params {
            p.add_(update.narrow(0, offset, p.count).reshape(p.shape), alpha: t)
            offset += p.count
        }
    }

    /// The loss and gradient at `x + t·d`, leaving the parameters at `x`.
    func directionalEvaluate(_ closure: () -> Tensor, _ x: [Tensor], _ t: Double, _ d: Tensor) -> (Double, Tensor) {
        addGrad(t, d)
        let loss = enableGrad(closure).item()
        let g = flatGrad()
        for (p, v) in zip(params, x) { p.copy_(v) }
        return (loss, g)
    }

    /// Runs up to `maxIter` L-BFGS iterations.
    /// - Parameter closure: clears the gradients, computes the loss, calls `backward` and returns the loss.
    /// - Returns: the loss of the first evaluation (PyTorch's `orig_loss`).
    @discardableResult
    public override func step(closure: () -> Tensor) -> Tensor {
        noGrad { run(closure) }
    }

    func run(_ closure: () -> Tensor) -> Tensor {
        let group = paramGroups[0]
        let lr = group["lr"], maxIter = Int(group["max_iter"]), maxEval = Int(group["max_eval"])
        let tolGrad = group["tolerance_grad"], tolChange = group["tolerance_change"], historySize = Int(group["history_size"])
        var s = History(stateOf(params[0]))

        let origLoss = enableGrad(closure)
        var loss = origLoss.item()
        var currentEvals = 1
        s.funcEvals += 1
        var g = flatGrad()
        if g.abs().max().item() <= tolGrad {
            setState(params[0], s.encoded())
            return origLoss
        }

        var nIter = 0
        while nIter < maxIter {
            nIter += 1
            s.nIter += 1
            // The search direction from the two-loop recursion.
            if s.nIter == 1 {
                s.d = -g
                s.dirs = []
                s.steps = []
                s.ro = []
                s.hDiag = 1
            } else {
                let y = g - s.prevFlatGrad!
                let sv = s.d! * s.t
                let ys = y.dot(sv).item()
                if ys > 1e-10 {
                    if s.dirs.count == historySize {
                        s.dirs.removeFirst()
                        s.steps.removeFirst()
                        s.ro.removeFirst()
                    }
                    s.dirs.append(y)
                    s.steps.append(sv)
                    s.ro.append(1 / ys)
                    s.hDiag = ys / y.dot(y).item()
                }
                var al = [Double](repeating: 0, count: s.dirs.count)
                let q = -g
                for i in stride(from: s.dirs.count - 1, through: 0, by: -1) {
                    al[i] = s.steps[i].dot(q).item() * s.ro[i]
                    q.add_(s.dirs[i], alpha: -al[i])
                }
                let r = q * s.hDiag
                for i in 0..<s.dirs.count {
                    let be = s.dirs[i].dot(r).item() * s.ro[i]
                    r.add_(s.steps[i], alpha: al[i] - be)
                }
                s.d = r
            }
            s.prevFlatGrad = g.clone()
            s.prevLoss = loss
            // The step length.
            s.t = s.nIter == 1 ? Swift.min(1, 1 / g.abs().sum().item()) * lr : lr
            let d = s.d!
            let gtd = g.dot(d).item()
            if gtd > -tolChange { break }

            var lsEvals = 0
            var optimal = false
            if lineSearch != nil {
                let x = params.map { $0.clone() }
                let result = StrongWolfe.search({ directionalEvaluate(closure, x, $0, $1) }, t: s.t, d: d, f: loss, g: g, gtd: gtd,
                                                toleranceChange: 1e-9, maxLS: maxEval - currentEvals)
                (loss, g, s.t, lsEvals) = (result.f, result.g, result.t, result.evals)
                addGrad(s.t, d)
                optimal = g.abs().max().item() <= tolGrad
            } else {
                addGrad(s.t, d)
                if nIter != maxIter {
                    loss = enableGrad(closure).item()
                    g = flatGrad()
                    optimal = g.abs().max().item() <= tolGrad
                    lsEvals = 1
                }
            }
            currentEvals += lsEvals
            s.funcEvals += lsEvals

            if nIter == maxIter || currentEvals >= maxEval || optimal { break }
            if (d * s.t).abs().max().item() <= tolChange { break }
            if Swift.abs(loss - s.prevLoss) < tolChange { break }
        }
        setState(params[0], s.encoded())
        return origLoss
    }

    /// The optimizer's state between steps, decoded from and encoded to tensors.
    struct History {
        var funcEvals = 0, nIter = 0
        var d: Tensor?, t = 0.0, hDiag = 1.0
        var dirs: [Tensor] = [], steps: [Tensor] = [], ro: [Double] = []
        var prevFlatGrad: Tensor?, prevLoss = 0.0

        init(_ state: [String: Tensor]) {
            funcEvals = state["func_evals"].map { Int($0.item(Int64.self)) } ?? 0
            nIter = state["n_iter"].map { Int($0.item(Int64.self)) } ?? 0
            d = state["d"]
            t = state["t"]?.item() ?? 0
            hDiag = state["H_diag"]?.item() ?? 1
            prevFlatGrad = state["prev_flat_grad"]
            prevLoss = state["prev_loss"]?.item() ?? 0
            if let dirs = state["old_dirs"], let steps = state["old_stps"], let ro = state["ro"] {
                self.dirs = dirs.unbind(0).map { $0.clone() }
                self.steps = steps.unbind(0).map { $0.clone() }
                self.ro = ro.toArray(of: Double.self)
            }
        }

        func encoded() -> [String: Tensor] {
            var out: [String: Tensor] = ["func_evals": Tensor(scalar: Int64(funcEvals)), "n_iter": Tensor(scalar: Int64(nIter))]
            if let d {
                out["d"] = d
                out["t"] = Tensor(scalar: t)
                out["H_diag"] = Tensor(scalar: hDiag)
                out["prev_loss"] = Tensor(scalar: prevLoss)
                out["ro"] = Tensor(ro, shape: [ro.count])
                out["old_dirs"] = dirs.isEmpty ? Tensor.zeros([0, d.count], dtype: d.dtype) : Tensor.stack(dirs)
                out["old_stps"] = steps.isEmpty ? Tensor.zeros([0, d.count], dtype: d.dtype) : Tensor.stack(steps)
            }
            if let prevFlatGrad { out["prev_flat_grad"] = prevFlatGrad }
            return out
        }
    }
}

/// PyTorch's strong-Wolfe line search (`_strong_wolfe`, after minFunc): bracket a step satisfying the strong
/// Wolfe conditions, then zoom in with safeguarded cubic interpolation.
enum StrongWolfe {
    /// The minimiser of the cubic through `(x1, f1, g1)` and `(x2, f2, g2)`, clamped to `bounds` (the interval
    /// between the points when nil); the middle of the bounds when the cubic has no minimum.
    static func cubicInterpolate(_ x1: Double, _ f1: Double, _ g1: Double, _ x2: Double, _ f2: Double, _ g2: Double,
                                 bounds: (Double, Double)? = nil) -> Double {
        let (lo, hi) = bounds ?? (x1 <= x2 ? (x1, x2) : (x2, x1))
        let d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2)
        let d2Square = d1 * d1 - g1 * g2
        guard d2Square >= 0 else { return (lo + hi) / 2 }
        let d2 = d2Square.squareRoot()
        let minPos = x1 <= x2 ? x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
                              : x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2))
        return Swift.min(Swift.max(minPos, lo), hi)
    }

    struct Point {
        var t: Double, f: Double, g: Tensor, gtd: Double
    }

    /// Searches along `d` from loss `f`, gradient `g` and slope `gtd`, starting with step `t`.
    static func search(_ evaluate: (Double, Tensor) -> (Double, Tensor), t startT: Double, d: Tensor, f: Double, g: Tensor, gtd: Double,
                       c1: Double = 1e-4, c2: Double = 0.9, toleranceChange: Double, maxLS: Int)
        -> (f: Double, g: Tensor, t: Double, evals: Int) {
        let dNorm = d.abs().max().item()
        var t = startT
        var (fNew, gNew) = evaluate(t, d)
        var evals = 1
        var gtdNew = gNew.dot(d).item()
        var prev = Point(t: 0, f: f, g: g.clone(), gtd: gtd)
        var done = false
        var lsIter = 0
        var bracket: [Point] = []
        // Bracketing phase.
        while lsIter < maxLS {
            if fNew > f + c1 * t * gtd || (lsIter > 1 && fNew >= prev.f) {
                bracket = [prev, Point(t: t, f: fNew, g: gNew.clone(), gtd: gtdNew)]
                break
            }
            if Swift.abs(gtdNew) <= -c2 * gtd {
                bracket = [Point(t: t, f: fNew, g: gNew, gtd: gtdNew)]
                done = true
                break
            }
            if gtdNew >= 0 {
                bracket = [prev, Point(t: t, f: fNew, g: gNew.clone(), gtd: gtdNew)]
                break
            }
            let minStep = t + 0.01 * (t - prev.t), maxStep = t * 10
            let old = t
            t = cubicInterpolate(prev.t, prev.f, prev.gtd, t, fNew, gtdNew, bounds: (minStep, maxStep))
            prev = Point(t: old, f: fNew, g: gNew.clone(), gtd: gtdNew)
            (fNew, gNew) = evaluate(t, d)
            evals += 1
            gtdNew = gNew.dot(d).item()
            lsIter += 1
        }
        if lsIter == maxLS {
            // PyTorch keeps the previous slopes here, so that the zoom below uses them as they were.
            let lowGTD = bracket.first?.gtd ?? gtd, highGTD = bracket.count > 1 ? bracket[1].gtd : gtdNew
            bracket = [Point(t: 0, f: f, g: g, gtd: lowGTD), Point(t: t, f: fNew, g: gNew, gtd: highGTD)]
        }
        // Zoom phase.
        var insufficientProgress = false
        var (low, high) = bracket[0].f <= bracket[bracket.count - 1].f ? (0, 1) : (1, 0)
        while !done && lsIter < maxLS {
            if Swift.abs(bracket[1].t - bracket[0].t) * dNorm < toleranceChange { break }
            t = cubicInterpolate(bracket[0].t, bracket[0].f, bracket[0].gtd, bracket[1].t, bracket[1].f, bracket[1].gtd)
            let hi = Swift.max(bracket[0].t, bracket[1].t), lo = Swift.min(bracket[0].t, bracket[1].t)
            let eps = 0.1 * (hi - lo)
            if Swift.min(hi - t, t - lo) < eps {
                if insufficientProgress || t >= hi || t <= lo {
                    t = Swift.abs(t - hi) < Swift.abs(t - lo) ? hi - eps : lo + eps
                    insufficientProgress = false
                } else {
                    insufficientProgress = true
                }
            } else {
                insufficientProgress = false
            }
            (fNew, gNew) = evaluate(t, d)
            evals += 1
            gtdNew = gNew.dot(d).item()
            lsIter += 1
            if fNew > f + c1 * t * gtd || fNew >= bracket[low].f {
                bracket[high] = Point(t: t, f: fNew, g: gNew.clone(), gtd: gtdNew)
                (low, high) = bracket[0].f <= bracket[1].f ? (0, 1) : (1, 0)
            } else {
                if Swift.abs(gtdNew) <= -c2 * gtd {
                    done = true
                } else if gtdNew * (bracket[high].t - bracket[low].t) >= 0 {
                    bracket[high] = bracket[low]
                }
                bracket[low] = Point(t: t, f: fNew, g: gNew.clone(), gtd: gtdNew)
            }
        }
        let best = bracket[low]
        return (best.f, best.g, best.t, evals)
    }
}
