// MARK: - sort / argsort / topk / kthvalue / median / mode / unique

extension Tensor {
    /// Sorts along `dim` (`torch.sort`, stable); NaN sorts as the largest value.
    /// - Parameters:
    ///   - dim: the dimension.
    ///   - descending: largest first.
    /// - Returns: the sorted values and their original indices (`int64`).
    public func sort(dim: Int = -1, descending: Bool = false) -> (values: Tensor, indices: Tensor) {
        if rank == 0 { return (self, Tensor(scalar: Int64(0)).transferred(to: device)) }
        let d = normalizeDim(dim, rank, op: "sort")
        let moved = movedim(d, -1).detach().cast(.float64).contiguous()
        let n = shape[d]
        if device != .cpu {
            let rows = n == 0 ? 0 : moved.count / n
            let positions = Tensor(uninitializedShape: moved.shape, dtype: .int64, device: device)
            if !DeviceBackends.require(device, op: "sort").sortRows(moved, rows: rows, length: n, descending: descending, indices: positions) {
                copyElements(from: hostStaged("sort", [moved], device: device) { h in h[0].sort(dim: -1, descending: descending).indices }, to: positions)
            }
            let indices = positions.movedim(-1, d).contiguous()
            return (gather(d, indices), indices)
        }
        let vals = moved.toArray(of: Double.self)
        var idx = [Int64](repeating: 0, count: vals.count)
        let rows = n == 0 ? 0 : vals.count / n
        for r in 0..<rows {
            let base = r * n
            let order = (0..<n).sorted { a, b in
                let x = vals[base + a], y = vals[base + b]
                if x.isNaN || y.isNaN { return descending ? (x.isNaN && !y.isNaN) : (!x.isNaN && y.isNaN) }
                if x == y { return a < b }
                return descending ? x > y : x < y
            }
            for j in 0..<n { idx[base + j] = Int64(order[j]) }
        }
        let indices = Tensor(idx, shape: moved.shape).movedim(-1, d).contiguous()
        return (gather(d, indices), indices)
    }

    /// Indices that sort along `dim` (`torch.argsort`).
    /// - Parameters:
    ///   - dim: the dimension.
    ///   - descending: largest first.
    public func argsort(dim: Int = -1, descending: Bool = false) -> Tensor { sort(dim: dim, descending: descending).indices }

    /// The `k` largest (or smallest) elements along `dim` (`torch.topk`), sorted.
    /// - Parameters:
    ///   - k: how many.
    ///   - dim: the dimension.
    ///   - largest: largest (true) or smallest.
    public func topk(_ k: Int, dim: Int = -1, largest: Bool = true) -> (values: Tensor, indices: Tensor) {
        let d = normalizeDim(dim, Swift.max(rank, 1), op: "topk")
        precondition(k >= 0 && k <= (rank == 0 ? 1 : shape[d]), "topk: selected index k out of range")
        let idx = sort(dim: d, descending: largest).indices.narrow(d, 0, k).contiguous()
        return (gather(d, idx), idx)
    }

    /// The `k`-th smallest element along `dim` (1-based) and its index (`torch.kthvalue`).
    /// - Parameters:
    ///   - k: the rank, from 1.
    ///   - dim: the dimension.
    ///   - keepdim: keep the dimension as size 1.
    public func kthvalue(_ k: Int, dim: Int = -1, keepdim: Bool = false) -> (values: Tensor, indices: Tensor) {
        let d = normalizeDim(dim, Swift.max(rank, 1), op: "kthvalue")
        precondition(k >= 1 && k <= shape[d], "kthvalue: selected number k out of range for dimension \(d)")
        let idx = sort(dim: d).indices.narrow(d, k - 1, 1).contiguous()
        let v = gather(d, idx)
        return keepdim ? (v, idx) : (v.squeeze(d), idx.squeeze(d))
    }

    /// The lower median of all elements (`torch.median()`).
    public func median() -> Tensor {
        let flat = reshape([-1])
        return flat.kthvalue((flat.count + 1) / 2, dim: 0).values
    }

    /// The lower median along `dim` and its index (`torch.median(dim)`).
    /// - Parameters:
    ///   - dim: the dimension.
    ///   - keepdim: keep the dimension as size 1.
    public func median(dim: Int, keepdim: Bool = false) -> (values: Tensor, indices: Tensor) {
        let d = normalizeDim(dim, rank, op: "median")
        return kthvalue((shape[d] + 1) / 2, dim: d, keepdim: keepdim)
    }

    /// The most frequent value along `dim` (the smallest among ties) and the index of its last occurrence
    /// (`torch.mode`).
    /// - Parameters:
    ///   - dim: the dimension.
    ///   - keepdim: keep the dimension as size 1.
    public func mode(dim: Int = -1, keepdim: Bool = false) -> (values: Tensor, indices: Tensor) {
        if let d = cpuFallbackDevice("mode", [self]) {
            let r = cpu().mode(dim: dim, keepdim: keepdim)
            return (r.values.to(d), r.indices.to(d))
        }
        let d = normalizeDim(dim, Swift.max(rank, 1), op: "mode")
        let moved = movedim(d, -1).detach().cast(.float64).contiguous()
        let n = shape[d]
        let vals = moved.toArray(of: Double.self)
        let rows = n == 0 ? 0 : vals.count / n
        var best = [Int64](repeating: 0, count: rows)
        for r in 0..<rows {
            var counts: [Double: (Int, Int)] = [:]
            for j in 0..<n {
                let v = vals[r * n + j]
                counts[v] = ((counts[v]?.0 ?? 0) + 1, j)
            }
            let top = counts.max { a, b in a.value.0 != b.value.0 ? a.value.0 < b.value.0 : a.key > b.key }!
            best[r] = Int64(top.value.1)
        }
        var keptShape = shape
        keptShape[d] = 1
        let idx = Tensor(best, shape: keptShape)
        let v = noGrad { gather(d, idx) }
        return keepdim ? (v, idx) : (v.squeeze(d), idx.squeeze(d))
    }

    /// The sorted distinct elements (`torch.unique(sorted=True)`), with optional inverse indices and counts.
    /// - Parameters:
    ///   - returnInverse: also return, for each element, the index of its value in the result.
    ///   - returnCounts: also return how often each value occurs.
    public func unique(returnInverse: Bool = false, returnCounts: Bool = false) -> (values: Tensor, inverse: Tensor?, counts: Tensor?) {
        if device != .cpu && count > 0 { return deviceUnique(returnInverse: returnInverse, returnCounts: returnCounts) }
        if let d = cpuFallbackDevice("unique", [self]) {
            let r = cpu().unique(returnInverse: returnInverse, returnCounts: returnCounts)
            return (r.values.to(d), r.inverse?.to(d), r.counts?.to(d))
        }
        let vals = contiguous().detach().cast(.float64).toArray(of: Double.self)
        let distinct = Array(Set(vals)).sorted()
        var pos: [Double: Int] = [:]
        for (i, v) in distinct.enumerated() { pos[v] = i }
        let values = Tensor(distinct, shape: [distinct.count]).cast(dtype)
        let inverse = returnInverse ? Tensor(vals.map { Int64(pos[$0]!) }, shape: shape) : nil
        var counts: Tensor? = nil
        if returnCounts {
            var c = [Int64](repeating: 0, count: distinct.count)
            for v in vals { c[pos[v]!] += 1 }
            counts = Tensor(c, shape: [distinct.count])
        }
        return (values, inverse, counts)
    }
}

extension Tensor {
    /// `unique` on a device, with device ops: sort, mark where a new value starts, select those; the inverse is the
    /// running count of starts scattered back through the sort order, the counts the gaps between starts.
    fileprivate func deviceUnique(returnInverse: Bool, returnCounts: Bool) -> (values: Tensor, inverse: Tensor?, counts: Tensor?) {
        noGrad {
            let flat = detach().reshape([-1])
            let n = flat.count
            let (sorted, order) = flat.sort()
            let first = Tensor.ones([1], dtype: .bool, device: device)
            let starts = n == 1 ? first : Tensor.cat([first, sorted.narrow(0, 1, n - 1).ne(sorted.narrow(0, 0, n - 1))])
            let values = sorted.maskedSelect(starts)
            var inverse: Tensor? = nil
            if returnInverse {
                let group = starts.to(.int64).cumsum(dim: 0) - 1
                inverse = Tensor.zeros([n], dtype: .int64, device: device).scatter(0, order, group).reshape(shape)
            }
            var counts: Tensor? = nil
            if returnCounts {
                let at = starts.nonzero().reshape([-1])
                let ends = Tensor.cat([at.narrow(0, 1, at.count - 1), Tensor.full([1], Double(n), dtype: .int64, device: device)])
                counts = ends - at
            }
            return (values, inverse, counts)
        }
    }
}

extension OpInfo {
    static let sort = OpInfo(name: "sort", kind: .indexing, dtypes: .numeric, differentiable: true,
                             inputs: [.init([3, 4], .real)]) { $0[0].sort(dim: 1).values }
    static let topk = OpInfo(name: "topk", kind: .indexing, dtypes: .numeric, differentiable: true,
                             inputs: [.init([3, 4], .real)]) { $0[0].topk(2, dim: 1).values }
}

extension OpInfo {
    static let kthvalue = OpInfo(name: "kthvalue", kind: .indexing, dtypes: .numeric, differentiable: true,
                                 inputs: [.init([3, 4], .real)]) { $0[0].kthvalue(2, dim: 1).values }
    static let medianDim = OpInfo(name: "median(dim)", kind: .indexing, dtypes: .numeric, differentiable: true,
                                  inputs: [.init([3, 5], .real)]) { $0[0].median(dim: 1).values }
}
