// MARK: - gradcheck / gradgradcheck

/// The outcome of ``gradcheck(_:inputs:eps:atol:rtol:)``.
public struct GradcheckResult: Sendable, CustomStringConvertible {
    /// True when every analytical derivative matches its finite-difference estimate.
    public let passed: Bool
    /// The largest absolute difference seen.
    public let maxAbsError: Double
    /// Where the worst mismatch was, or "ok".
    public let message: String

    /// "gradcheck passed (max error …)" or the mismatch.
    public var description: String { passed ? "gradcheck passed (max abs error \(maxAbsError))" : message }
}

/// Compares the gradients computed by backward with central finite differences (`torch.autograd.gradcheck`).
///
/// Inputs should be `float64`; those with ``Tensor/requiresGrad`` are checked. The function must return one
/// tensor and be deterministic.
/// - Parameters:
///   - fn: the function under test.
///   - inputs: its inputs.
///   - eps: the finite-difference step.
///   - atol: absolute tolerance.
///   - rtol: relative tolerance.
/// - Returns: whether the check passed, with the largest error.
public func gradcheck(_ fn: ([Tensor]) -> Tensor, inputs: [Tensor], eps: Double = 1e-6,
                      atol: Double = 1e-5, rtol: Double = 1e-3) -> GradcheckResult {
    let checked = inputs.indices.filter { inputs[$0].requiresGrad }
    let output = fn(inputs)
    let outCount = output.count
    // Numerical Jacobian, one input element at a time.
    var numerical: [[Double]] = []  // [input][element * outCount + j]
    for i in checked {
        let x = inputs[i]
        let base = noGrad { x.detach().contiguous().to(.float64).toArray(of: Double.self) }
        var cols = [Double](repeating: 0, count: x.count * outCount)
        for k in 0..<x.count {
            func evaluate(_ delta: Double) -> [Double] {
                var v = base
                v[k] += delta
                // Fresh leaves with the same requiresGrad flags: the function may itself differentiate (as in
                // gradgradcheck), so it runs with grad mode on.
                let perturbed = Tensor(v, shape: x.shape).to(x.dtype)
                var args = inputs.map { $0.detach().requiresGrad_($0.requiresGrad) }
                args[i] = perturbed.requiresGrad_(x.requiresGrad)
                return enableGrad { fn(args).detach().contiguous().to(.float64).toArray(of: Double.self) }
            }
            let plus = evaluate(eps), minus = evaluate(-eps)
            for j in 0..<outCount { cols[k * outCount + j] = (plus[j] - minus[j]) / (2 * eps) }
        }
        numerical.append(cols)
    }
    // Analytical Jacobian, one output element at a time.
    var analytical = checked.map { [Double](repeating: 0, count: inputs[$0].count * outCount) }
    if output.requiresGrad {
        for j in 0..<outCount {
            var onehot = [Double](repeating: 0, count: outCount)
            onehot[j] = 1
            let g = Tensor(onehot, shape: output.shape).to(output.dtype)
            let grads = Torch.grad(outputs: [output], inputs: checked.map { inputs[$0] }, gradOutputs: [g],
                                   retainGraph: true, allowUnused: true)
            for (c, gi) in grads.enumerated() {
                guard let gi else { continue }
                let vals = gi.detach().contiguous().to(.float64).toArray(of: Double.self)
                for k in 0..<vals.count { analytical[c][k * outCount + j] = vals[k] }
            }
        }
    }
    var worst = 0.0
    for c in 0..<checked.count {
        for (idx, (a, n)) in zip(analytical[c], numerical[c]).enumerated() {
            let err = Swift.abs(a - n)
            worst = Swift.max(worst, err)
            if !(err <= atol + rtol * Swift.abs(n)) {
                return GradcheckResult(passed: false, maxAbsError: err,
                                       message: "Jacobian mismatch for output \(idx % outCount) with respect to input \(checked[c]) element \(idx / outCount): numerical \(n), analytical \(a)")
            }
        }
    }
    return GradcheckResult(passed: true, maxAbsError: worst, message: "ok")
}

/// Checks second derivatives: `gradcheck` of the function that maps the inputs and an output gradient `v` to
/// the gradients of `fn` built with `createGraph` (`torch.autograd.gradgradcheck`).
/// - Parameters:
///   - fn: the function under test.
///   - inputs: its `float64` inputs.
///   - eps: the finite-difference step.
///   - atol: absolute tolerance.
///   - rtol: relative tolerance.
///   - generator: the generator for the random output gradient.
/// - Returns: whether the check passed.
public func gradgradcheck(_ fn: @escaping ([Tensor]) -> Tensor, inputs: [Tensor], eps: Double = 1e-6,
                          atol: Double = 1e-5, rtol: Double = 1e-3, generator: Generator? = nil) -> GradcheckResult {
    let n = inputs.count
    let shape = noGrad { fn(inputs.map { $0.detach() }).shape }
    let v = Tensor.randn(shape, dtype: .float64, generator: generator).requiresGrad_()
    let differentiable = inputs.indices.filter { inputs[$0].requiresGrad }
    let gradFn: ([Tensor]) -> Tensor = { args in
        let xs = Array(args[0..<n])
        let y = fn(xs)
        guard y.requiresGrad else { return Tensor.zeros([differentiable.reduce(0) { $0 + xs[$1].count }], dtype: .float64) }
        let grads = Torch.grad(outputs: [y], inputs: differentiable.map { xs[$0] }, gradOutputs: [args[n]],
                               createGraph: true, allowUnused: true)
        let flat = grads.enumerated().map { c, g in (g ?? Tensor.zeros(xs[differentiable[c]].shape, dtype: .float64)).reshape([-1]) }
        return Tensor.cat(flat, dim: 0)
    }
    return gradcheck(gradFn, inputs: inputs + [v], eps: eps, atol: atol, rtol: rtol)
}
