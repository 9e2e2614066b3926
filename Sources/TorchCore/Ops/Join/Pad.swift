// MARK: - pad

/// How ``Tensor/pad(_:mode:value:)`` fills the border.
public enum PaddingMode: String, Sendable {
    /// A constant value.
    case constant
    /// Mirror without repeating the edge (`[1,2,3]` → `3,2,1,2,3,2,1`).
    case reflect
    /// Repeat the edge value.
    case replicate
    /// Wrap around.
    case circular
}

extension Tensor {
    /// Pads the last dimensions (`torch.nn.functional.pad`): `padding` lists (before, after) pairs starting from
    /// the last dimension, as in PyTorch; negative amounts crop.
    /// - Parameters:
    ///   - padding: `[left, right, top, bottom, …]`.
    ///   - mode: how to fill.
    ///   - value: the fill value for `.constant`.
    public func pad(_ padding: [Int], mode: PaddingMode = .constant, value: Double = 0) -> Tensor {
        precondition(padding.count % 2 == 0 && padding.count / 2 <= rank,
                     "pad: Padding length must be divisible by 2 and at most twice the number of dimensions (got \(padding.count) for rank \(rank))")
        var r = self
        for i in 0..<(padding.count / 2) {
            let d = rank - 1 - i
            let before = padding[2 * i], after = padding[2 * i + 1]
            r = r.padDim(d, before, after, mode: mode, value: value)
        }
        return r
    }

    private func padDim(_ d: Int, _ before: Int, _ after: Int, mode: PaddingMode, value: Double) -> Tensor {
        var x = self
        // Negative padding crops.
        if before < 0 { x = x.narrow(d, -before, x.shape[d] + before) }
        if after < 0 { x = x.narrow(d, 0, x.shape[d] + after) }
        let b = Swift.max(before, 0), a = Swift.max(after, 0)
        if b == 0 && a == 0 { return x }
        let n = x.shape[d]
        switch mode {
        case .constant:
            var sb = x.shape, sa = x.shape
            sb[d] = b
            sa[d] = a
            return Tensor.cat([Tensor.full(sb, value, dtype: dtype, device: device), x, Tensor.full(sa, value, dtype: dtype, device: device)], dim: d)
        case .reflect, .replicate, .circular:
            precondition(mode != .reflect || (b < n && a < n),
                         "pad: Padding size should be less than the corresponding input dimension, but got: padding (\(b), \(a)) at dimension \(d) of input \(shape)")
            precondition(mode != .circular || (b <= n && a <= n), "pad: Padding value causes wrapping around more than once.")
            var idx: [Int64] = []
            for j in -b..<(n + a) {
                let k: Int
                switch mode {
                case .reflect:
                    var t = j
                    if t < 0 { t = -t }
                    if t >= n { t = 2 * (n - 1) - t }
                    k = t
                case .replicate: k = Swift.min(Swift.max(j, 0), n - 1)
                default: k = ((j % n) + n) % n
                }
                idx.append(Int64(k))
            }
            return x.indexSelect(d, Tensor(idx, shape: [idx.count]).transferred(to: device))
        }
    }
}

extension OpInfo {
    static let padConstant = OpInfo(name: "pad(constant)", kind: .shape, dtypes: .all, differentiable: true,
                                    inputs: [.init([3, 4], .real)]) { $0[0].pad([1, 2, 0, 1], value: 0.5) }
    static let padReflect = OpInfo(name: "pad(reflect)", kind: .shape, dtypes: .all, differentiable: true,
                                   inputs: [.init([3, 4], .real)]) { $0[0].pad([2, 1], mode: .reflect) }
}

extension OpInfo {
    static let padReplicate = OpInfo(name: "pad(replicate)", kind: .shape, dtypes: .all, differentiable: true,
                                     inputs: [.init([3, 4], .real)]) { $0[0].pad([2, 1, 1, 0], mode: .replicate) }
    static let padCircular = OpInfo(name: "pad(circular)", kind: .shape, dtypes: .all, differentiable: true,
                                    inputs: [.init([3, 4], .real)]) { $0[0].pad([1, 2], mode: .circular) }
}
