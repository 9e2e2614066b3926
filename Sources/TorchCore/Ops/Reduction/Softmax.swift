import CTorchKernels
import RealModule

// MARK: - softmax / logSoftmax

extension Tensor {
    /// `exp(x) / Σ exp(x)` along `dim`, computed stably (`torch.softmax`).
    /// - Parameter dim: the dimension that sums to one.
    public func softmax(dim: Int) -> Tensor {
        let d = normalizeDim(dim, Swift.max(rank, 1), op: "softmax")
        let out = softmaxKernel(d, log: false)
        if shouldRecord(self) {
            record("softmax", inputs: [self], outputs: [out], savingOutputs: [0]) { ctx in
                let y = ctx.saved[0], g = ctx.grad
                return [y * (g - (g * y).sum([d], keepdim: true))]
            }
        }
        return out
    }

    /// `x − logsumexp(x)` along `dim` (`torch.log_softmax`).
    /// - Parameter dim: the dimension.
    public func logSoftmax(dim: Int) -> Tensor {
        let d = normalizeDim(dim, Swift.max(rank, 1), op: "logSoftmax")
        let out = softmaxKernel(d, log: true)
        if shouldRecord(self) {
            record("logSoftmax", inputs: [self], outputs: [out], savingOutputs: [0]) { ctx in
                let y = ctx.saved[0], g = ctx.grad
                return [g - y.exp() * g.sum([d], keepdim: true)]
            }
        }
        return out
    }

    private func softmaxKernel(_ d: Int, log: Bool) -> Tensor {
        precondition(dtype.isFloatingPoint, "softmax: expected a floating point tensor (got \(dtype))")
        if rank == 0 { return log ? Tensor.zerosLike(self) : Tensor.onesLike(self) }
        let work = dtype == .float64 ? self : cast(.float32)
        let moved = d == rank - 1 ? work : work.aliased(shape: movedShape(d), strides: movedStrides(d), offset: work.storageOffset)
        let layout = ReductionLayout(moved, dims: [moved.rank - 1], keepdim: true)
        let out = Tensor(uninitializedShape: layout.source.shape, dtype: work.dtype, device: device)
        if device != .cpu {
            let backend = DeviceBackends.require(device, op: log ? "logSoftmax" : "softmax")
            if !backend.softmaxRows(layout.source, rows: layout.outer, length: layout.inner, log: log, output: out) {
                let source = layout.source
                copyElements(from: hostStaged(log ? "logSoftmax" : "softmax", [source], device: device) { h in
                    noGrad { log ? h[0].logSoftmax(dim: -1) : h[0].softmax(dim: -1) }
                }, to: out)
            }
        } else if work.dtype == .float32 {
            let src = UnsafePointer(layout.source.pointer(as: Float.self)), dst = out.pointer(as: Float.self)
            let n = layout.inner
            let stream = streamingFlag(floats: out.count)
            ThreadPool.parallelFor(layout.outer, grain: Swift.max(1, 16_384 / Swift.max(n, 1))) { range in
                st_softmax_rows_f32(src + range.lowerBound * n, dst + range.lowerBound * n, range.count, n, log ? 1 : 0,
                                    stream)
            }
        } else {
            softmaxRows(layout, out, log, Double.self)
        }
        var result = out
        if d != rank - 1 {
            // Undo the move of `d` to the end.
            var order = Array(0..<(rank - 1))
            order.insert(rank - 1, at: d)
            result = out.aliased(shape: order.map { out.shape[$0] }, strides: order.map { out.strides[$0] }, offset: 0)
        }
        return result.cast(dtype)
    }

    private func movedShape(_ d: Int) -> [Int] { var s = shape; let v = s.remove(at: d); s.append(v); return s }
    private func movedStrides(_ d: Int) -> [Int] { var s = strides; let v = s.remove(at: d); s.append(v); return s }
}

func softmaxRows<T: FloatingScalar>(_ layout: ReductionLayout, _ out: Tensor, _ log: Bool, _: T.Type) {
    let src = layout.source.pointer(as: T.self), dst = out.pointer(as: T.self)
    let n = layout.inner
    ThreadPool.parallelFor(layout.outer, grain: Swift.max(1, 16_384 / Swift.max(n, 1))) { range in
        for r in range {
            let x = src + r * n, y = dst + r * n
            var m = -T.infinity
            for i in 0..<n where x[i] > m || x[i].isNaN { m = x[i] }
            if m == -T.infinity { m = 0 }
            var s: T = 0
            for i in 0..<n {
                let e = T.vexp(x[i] - m)
                y[i] = e
                s += e
            }
            if log {
                let ls = T.log(s) + m
                for i in 0..<n { y[i] = x[i] - ls }
            } else {
                let inv = 1 / s
                for i in 0..<n { y[i] *= inv }
            }
        }
    }
}

/// Softmax along `dim` (`torch.softmax`).
/// - Parameters:
///   - x: the input.
///   - dim: the dimension.
public func softmax(_ x: Tensor, dim: Int) -> Tensor { x.softmax(dim: dim) }
/// Log-softmax along `dim` (`torch.log_softmax`).
/// - Parameters:
///   - x: the input.
///   - dim: the dimension.
public func logSoftmax(_ x: Tensor, dim: Int) -> Tensor { x.logSoftmax(dim: dim) }

extension OpInfo {
    static let softmax = OpInfo(name: "softmax", kind: .reduction, dtypes: .floating, differentiable: true,
                                inputs: [.init([3, 4], .real)]) { $0[0].softmax(dim: 1) }
    static let softmaxDim0 = OpInfo(name: "softmax(dim0)", kind: .reduction, dtypes: .floating, differentiable: true,
                                    inputs: [.init([3, 4], .real)]) { $0[0].softmax(dim: 0) }
    static let logSoftmax = OpInfo(name: "logSoftmax", kind: .reduction, dtypes: .floating, differentiable: true,
                                   inputs: [.init([3, 4], .real)]) { $0[0].logSoftmax(dim: -1) }
}
