// MARK: - cumsum / cumprod

extension Tensor {
    /// Running sum along `dim` (`torch.cumsum`); integer inputs give `int64`.
    /// - Parameter dim: the dimension.
    public func cumsum(dim: Int) -> Tensor {
        let d = normalizeDim(dim, Swift.max(rank, 1), op: "cumsum")
        let out = scanKernel(d, product: false)
        if shouldRecord(self) {
            record("cumsum", inputs: [self], outputs: [out]) { ctx in
                [ctx.grad.flip([d]).cumsum(dim: d).flip([d])]
            }
        }
        return out
    }

    /// Running product along `dim` (`torch.cumprod`). The gradient assumes no element is zero.
    /// - Parameter dim: the dimension.
    public func cumprod(dim: Int) -> Tensor {
        let d = normalizeDim(dim, Swift.max(rank, 1), op: "cumprod")
        let out = scanKernel(d, product: true)
        if shouldRecord(self) {
            record("cumprod", inputs: [self], outputs: [out], saving: [self], savingOutputs: [0]) { ctx in
                [cumprodBackward(ctx.grad, ctx.saved[0], ctx.saved[1], dim: d)]
            }
        }
        return out
    }

    private func scanKernel(_ d: Int, product: Bool) -> Tensor {
        if rank == 0 { return dtype.isFloatingPoint ? clone().detach() : cast(.int64) }
        let work = dtype.isFloatingPoint ? cast(.float64) : cast(.int64)
        if device != .cpu {
            // Rows along `d`, dense; scanned by the backend; the dimension order restored as a view.
            let layout = ReductionLayout(work, dims: [d], keepdim: true)
            let rows = Tensor(uninitializedShape: layout.source.shape, dtype: work.dtype, device: device)
            if !DeviceBackends.require(device, op: product ? "cumprod" : "cumsum")
                .scanRows(layout.source, rows: layout.outer, length: layout.inner, product: product, output: rows) {
                copyElements(from: hostStaged(product ? "cumprod" : "cumsum", [layout.source], device: device) { h in
                    h[0].scanKernel(h[0].rank - 1, product: product)
                }, to: rows)
            }
            var order = Array(0..<(rank - 1))
            order.insert(rank - 1, at: d)
            let result = rows.aliased(shape: order.map { rows.shape[$0] }, strides: order.map { rows.strides[$0] }, offset: 0)
            return dtype.isFloatingPoint ? result.cast(dtype) : result
        }
        let out = Tensor(uninitializedShape: shape, dtype: work.dtype)
        let n = shape[d]
        let outerShape = Array(shape[..<d]) + Array(shape[(d + 1)...])
        let xs = work.strides, os = out.strides
        forEachPosition(outerShape) { _, c in
            var xo = work.storageOffset, oo = 0
            var k = 0
            for i in 0..<rank where i != d {
                xo += c[k] * xs[i]
                oo += c[k] * os[i]
                k += 1
            }
            if work.dtype == .float64 {
                let xp = work.storage.data.assumingMemoryBound(to: Double.self), op = out.pointer(as: Double.self)
                var acc: Double = product ? 1 : 0
                for j in 0..<n {
                    acc = product ? acc * xp[xo + j * xs[d]] : acc + xp[xo + j * xs[d]]
                    op[oo + j * os[d]] = acc
                }
            } else {
                let xp = work.storage.data.assumingMemoryBound(to: Int64.self), op = out.pointer(as: Int64.self)
                var acc: Int64 = product ? 1 : 0
                for j in 0..<n {
                    acc = product ? acc &* xp[xo + j * xs[d]] : acc &+ xp[xo + j * xs[d]]
                    op[oo + j * os[d]] = acc
                }
            }
        }
        return dtype.isFloatingPoint ? out.cast(dtype) : out
    }
}

/// The gradient of `y = cumprod(x)` along `dim`, exact with zeros: `dL/dx_i = Σ_{j≥i} g_j Π_{k≤j, k≠i} x_k`.
///
/// Before the first zero of a row, `Σ_{j≥i} g_j y_j / x_i` (the division is safe there); at the first zero,
/// the same sum with that zero replaced by one; after it, zero.
func cumprodBackward(_ g: Tensor, _ x: Tensor, _ y: Tensor, dim d: Int) -> Tensor {
    let reverseCumsum: (Tensor) -> Tensor = { $0.flip([d]).cumsum(dim: d).flip([d]) }
    let nonzero = x.ne(0).to(x.dtype)
    let before = nonzero.cumprod(dim: d)  // 1 strictly before the first zero
    let n = x.shape[d]
    var firstShape = x.shape
    firstShape[d] = 1
    let shifted = Tensor.cat([Tensor.ones(firstShape, dtype: x.dtype, device: x.device), before.narrow(d, 0, n - 1)], dim: d)
    let firstZero = shifted - before  // 1 exactly at the first zero
    let safeX = where_(before.gt(0), x, Tensor.ones([], dtype: x.dtype))
    let head = reverseCumsum(g * y) / safeX * before
    let xOne = x + firstZero  // the first zero replaced by one
    let atZero = reverseCumsum(g * xOne.cumprod(dim: d)) * firstZero
    return head + atZero
}

extension OpInfo {
    static let cumsum = OpInfo(name: "cumsum", kind: .reduction, dtypes: .numeric, differentiable: true,
                               inputs: [.init([3, 4], .real)]) { $0[0].cumsum(dim: 1) }
    static let cumprod = OpInfo(name: "cumprod", kind: .reduction, dtypes: .numeric, differentiable: true,
                                inputs: [.init([3, 4], .nonzero)]) { $0[0].cumprod(dim: 0) }
}
