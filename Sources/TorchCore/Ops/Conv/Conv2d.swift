// MARK: - conv2d (composite over im2col + GEMM)

extension Tensor {
    /// 2-D cross-correlation (`F.conv2d`): input `[N, C, H, W]`, weight `[Cout, C/groups, kh, kw]`, optional bias
    /// `[Cout]`. Computed as `im2col` followed by one matrix product per group, so its gradients come from
    /// those ops.
    /// - Parameters:
    ///   - weight: the filters.
    ///   - bias: optional per-output-channel bias.
    ///   - stride: stride.
    ///   - padding: zero padding.
    ///   - dilation: dilation.
    ///   - groups: channel groups.
    public func conv2d(_ weight: Tensor, bias: Tensor? = nil, stride: (Int, Int) = (1, 1), padding: (Int, Int) = (0, 0),
                       dilation: (Int, Int) = (1, 1), groups: Int = 1) -> Tensor {
        precondition(rank == 4 && weight.rank == 4, "conv2d: expected 4-D input and weight, got \(shape) and \(weight.shape)")
        let (n, c, h, w) = (shape[0], shape[1], shape[2], shape[3])
        let cout = weight.shape[0], kh = weight.shape[2], kw = weight.shape[3]
        precondition(groups >= 1 && c % groups == 0 && cout % groups == 0 && weight.shape[1] == c / groups,
                     "conv2d: input \(shape) with groups=\(groups) expects weight [\(cout), \(c / Swift.max(groups, 1)), kh, kw], got \(weight.shape)")
        if let bias { precondition(bias.shape == [cout], "conv2d: bias should have shape [\(cout)], got \(bias.shape)") }
        let window = Window2d(kernel: (kh, kw), dilation: dilation, padding: padding, stride: stride)
        let (oh, ow) = window.outputSize(h, w)
        precondition(oh > 0 && ow > 0, "conv2d: kernel \(kh)×\(kw) (dilation \(dilation), padding \(padding)) is larger than the input \(h)×\(w)")
        let cols = im2col(window)  // [N, C·kh·kw, L]
        let l = oh * ow
        let kPer = (c / groups) * kh * kw, coutPer = cout / groups
        var outs: [Tensor] = []
        for g in 0..<groups {
            // [K, N·L] columns of this group, times the group's [Cout/g, K] filters.
            let gc = groups == 1 ? cols : cols.narrow(1, g * kPer, kPer)
            let colsMat = gc.permute(1, 0, 2).reshape([kPer, n * l])
            let wMat = (groups == 1 ? weight : weight.narrow(0, g * coutPer, coutPer)).reshape([coutPer, kPer])
            outs.append(wMat.mm(colsMat))  // [Cout/g, N·L]
        }
        let y = (groups == 1 ? outs[0] : Tensor.cat(outs, dim: 0)).reshape([cout, n, oh, ow]).permute(1, 0, 2, 3)
        let out = bias.map { y + $0.reshape([1, cout, 1, 1]) } ?? y
        return out.contiguous()
    }
}

extension OpInfo {
    static let conv2d = OpInfo(name: "conv2d", kind: .composite, dtypes: .floating, differentiable: true,
                               inputs: [.init([2, 4, 5, 5], .real), .init([6, 2, 3, 2], .real), .init([6], .real)]) {
        $0[0].conv2d($0[1], bias: $0[2], stride: (2, 1), padding: (1, 1), dilation: (1, 2), groups: 2)
    }
}
