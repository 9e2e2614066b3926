import CTorchKernels

// MARK: - layerNorm (fused primitive)

extension Tensor {
    /// Layer normalisation over the trailing `normalizedShape` dimensions:
    /// `(x − mean)/√(var + eps)·weight + bias` with the biased variance (`torch.nn.functional.layer_norm`).
    ///
    /// The forward pass is one fused kernel; the backward formula is written with tensor ops (so double
    /// backward works) and checked against the composite definition by gradcheck.
    /// - Parameters:
    ///   - normalizedShape: the trailing shape to normalise over.
    ///   - weight: optional scale of shape `normalizedShape`.
    ///   - bias: optional shift of shape `normalizedShape`.
    ///   - eps: added to the variance.
    public func layerNorm(_ normalizedShape: [Int], weight: Tensor? = nil, bias: Tensor? = nil, eps: Double = 1e-5) -> Tensor {
        let device = commonDevice([self] + [weight, bias].compactMap { $0 }, op: "layerNorm")
        let k = normalizedShape.count
        precondition(k >= 1 && k <= rank && Array(shape.suffix(k)) == normalizedShape,
                     "layerNorm: Given normalized_shape=\(normalizedShape), expected input with shape [*, \(normalizedShape.map(String.init).joined(separator: ", "))], but got input of size \(shape)")
        if let weight { precondition(weight.shape == normalizedShape, "layerNorm: weight shape \(weight.shape) != normalized_shape \(normalizedShape)") }
        if let bias { precondition(bias.shape == normalizedShape, "layerNorm: bias shape \(bias.shape) != normalized_shape \(normalizedShape)") }
        precondition(dtype.isFloatingPoint, "layerNorm: expected a floating point input, got \(dtype)")
        let inner = normalizedShape.reduce(1, *)
        let work = dtype == .float64 ? DType.float64 : .float32
        let x = cast(work).contiguous()
        let w = weight?.cast(work).contiguous(), b = bias?.cast(work).contiguous()
        let out = Tensor(uninitializedShape: shape, dtype: work, device: device)
        let rows = inner == 0 ? 0 : x.count / inner
        if device != .cpu {
            let backend = DeviceBackends.require(device, op: "layerNorm")
            if !backend.layerNormRows(x, weight: w, bias: b, rows: rows, length: inner, eps: eps, output: out) {
                copyElements(from: hostStaged("layerNorm", [x] + [w, b].compactMap { $0 }, device: device) { h in
                    noGrad { h[0].layerNorm(normalizedShape, weight: w == nil ? nil : h[1], bias: b == nil ? nil : h[w == nil ? 1 : 2], eps: eps) }
                }, to: out)
            }
        } else if work == .float32 {
            let px = UnsafePointer(x.pointer(as: Float.self)), po = out.pointer(as: Float.self)
            let pw = w.map { UnsafePointer($0.pointer(as: Float.self)) }, pb = b.map { UnsafePointer($0.pointer(as: Float.self)) }
            let stream = streamingFlag(floats: out.count)
            ThreadPool.parallelFor(rows, grain: Swift.max(1, 16_384 / Swift.max(inner, 1))) { range in
                st_layernorm_rows_f32(px + range.lowerBound * inner, pw, pb, po + range.lowerBound * inner,
                                      range.count, inner, Float(eps), stream)
            }
        } else {
            layerNormRows(x, w, b, out, inner, eps, Double.self)
        }
        let result = out.cast(dtype)
        var inputs = [self]
        if let weight { inputs.append(weight) }
        if let bias { inputs.append(bias) }
        if shouldRecord(inputs) {
            let dims = Array((rank - k)..<rank)
            let hasWeight = weight != nil, hasBias = bias != nil
            record("layerNorm", inputs: inputs, outputs: [result], saving: inputs) { ctx in
                let g = ctx.grad, x = ctx.saved[0]
                let w: Tensor? = hasWeight ? ctx.saved[1] : nil
                let mu = x.mean(dims, keepdim: true)
                let rstd = (x.var(dims, correction: 0, keepdim: true) + eps).rsqrt()
                let xhat = (x - mu) * rstd
                let gxhat = w.map { g * $0 } ?? g
                let gx = rstd * (gxhat - gxhat.mean(dims, keepdim: true) - xhat * (gxhat * xhat).mean(dims, keepdim: true))
                var grads: [Tensor?] = [gx]
                if hasWeight { grads.append((g * xhat).sumToSize(normalizedShape)) }
                if hasBias { grads.append(g.sumToSize(normalizedShape)) }
                return grads
            }
        }
        return result
    }
}

private func layerNormRows<T: FloatingScalar>(_ x: Tensor, _ w: Tensor?, _ b: Tensor?, _ out: Tensor, _ n: Int,
                                              _ eps: Double, _: T.Type) {
    let rows = n == 0 ? 0 : x.count / n
    let px = x.pointer(as: T.self), po = out.pointer(as: T.self)
    let pw = w?.pointer(as: T.self), pb = b?.pointer(as: T.self)
    let epsT = T(fromDouble: eps)
    ThreadPool.parallelFor(rows, grain: Swift.max(1, 16_384 / Swift.max(n, 1))) { range in
        for r in range {
            let xr = px + r * n, yr = po + r * n
            let mean = sumFloats(UnsafePointer(xr), n) / T(n)
            var v0: T = 0, v1: T = 0, v2: T = 0, v3: T = 0
            var i = 0
            while i + 4 <= n {
                let d0 = xr[i] - mean, d1 = xr[i + 1] - mean, d2 = xr[i + 2] - mean, d3 = xr[i + 3] - mean
                v0 += d0 * d0; v1 += d1 * d1; v2 += d2 * d2; v3 += d3 * d3
                i += 4
            }
            var v = (v0 + v1) + (v2 + v3)
            while i < n { let d = xr[i] - mean; v += d * d; i += 1 }
            let rstd = 1 / ((v / T(n)) + epsT).squareRoot()
            if let pw, let pb {
                for j in 0..<n { yr[j] = (xr[j] - mean) * rstd * pw[j] + pb[j] }
            } else if let pw {
                for j in 0..<n { yr[j] = (xr[j] - mean) * rstd * pw[j] }
            } else if let pb {
                for j in 0..<n { yr[j] = (xr[j] - mean) * rstd + pb[j] }
            } else {
                for j in 0..<n { yr[j] = (xr[j] - mean) * rstd }
            }
        }
    }
}

extension OpInfo {
    static let layerNorm = OpInfo(name: "layerNorm", kind: .reduction, dtypes: .floating, differentiable: true,
                                  inputs: [.init([3, 4], .real), .init([4], .real), .init([4], .real)]) {
        $0[0].layerNorm([4], weight: $0[1], bias: $0[2])
    }
}
