import TorchCore

/// `torch.finfo(dtype).eps`: the gap between 1 and the next representable value.
func machineEpsilon(_ dtype: DType) -> Double {
    switch dtype {
    case .float16: return 0.0009765625
    case .bfloat16: return 0.0078125
    case .float64: return Double.ulpOfOne
    default: return Double(Float.ulpOfOne)
    }
}

/// The shape `[1, C, 1, …]` that broadcasts a per-channel vector over `input`.
func channelShape(_ input: Tensor) -> [Int] {
    var shape = [Int](repeating: 1, count: input.rank)
    shape[1] = input.shape[1]
    return shape
}

extension F {
    /// Group normalisation (`F.group_norm`): the channels of `[N, C, …]` are split into `numGroups` groups, each
    /// normalised over its channels and all positions with the biased variance, then scaled and shifted per channel.
    /// - Parameters:
    ///   - input: `[N, C, …]`.
    ///   - numGroups: a divisor of `C`.
    ///   - weight: per-channel scale `[C]`, or nil.
    ///   - bias: per-channel shift `[C]`, or nil.
    ///   - eps: added to the variance.
    public static func groupNorm(_ input: Tensor, numGroups: Int, weight: Tensor? = nil, bias: Tensor? = nil,
                                 eps: Double = 1e-5) -> Tensor {
        precondition(input.rank >= 2, "groupNorm: expected input [N, C, …], got \(input.shape)")
        let n = input.shape[0], c = input.shape[1]
        precondition(numGroups > 0 && c % numGroups == 0,
                     "groupNorm: \(c) channels cannot be split into \(numGroups) groups (input \(input.shape))")
        let grouped = input.reshape([n, numGroups, -1])
        let mean = grouped.mean([2], keepdim: true)
        let variance = grouped.var([2], correction: 0, keepdim: true)
        var y = ((grouped - mean) * (variance + eps).rsqrt()).reshape(input.shape)
        if let weight { y = y * weight.reshape(channelShape(input)) }
        if let bias { y = y + bias.reshape(channelShape(input)) }
        return y
    }

    /// Instance normalisation (`F.instance_norm` without running statistics): each channel of each sample of
    /// `[N, C, …]` normalised over its positions with the biased variance, then scaled and shifted per channel.
    /// - Parameters:
    ///   - input: `[N, C, L…]` with at least one position dimension.
    ///   - weight: per-channel scale `[C]`, or nil.
    ///   - bias: per-channel shift `[C]`, or nil.
    ///   - eps: added to the variance.
    public static func instanceNorm(_ input: Tensor, weight: Tensor? = nil, bias: Tensor? = nil, eps: Double = 1e-5) -> Tensor {
        precondition(input.rank >= 3, "instanceNorm: expected input [N, C, L, …], got \(input.shape)")
        let dims = Array(2..<input.rank)
        precondition(dims.reduce(1) { $0 * input.shape[$1] } > 1,
                     "instanceNorm: expected more than 1 spatial element, got input size \(input.shape)")
        let mean = input.mean(dims, keepdim: true)
        let variance = input.var(dims, correction: 0, keepdim: true)
        var y = (input - mean) * (variance + eps).rsqrt()
        if let weight { y = y * weight.reshape(channelShape(input)) }
        if let bias { y = y + bias.reshape(channelShape(input)) }
        return y
    }

    /// Root-mean-square normalisation (`F.rms_norm`): `x / sqrt(mean(x²) + eps) · weight` over the trailing
    /// `normalizedShape`.
    /// - Parameters:
    ///   - input: `[…, normalizedShape]`.
    ///   - normalizedShape: the trailing shape to normalise over.
    ///   - weight: scale shaped `normalizedShape`, or nil.
    ///   - eps: added to the mean square; nil uses the machine epsilon of the input's dtype, as PyTorch does.
    public static func rmsNorm(_ input: Tensor, _ normalizedShape: [Int], weight: Tensor? = nil, eps: Double? = nil) -> Tensor {
        let k = normalizedShape.count
        precondition(k >= 1 && input.rank >= k && Array(input.shape.suffix(k)) == normalizedShape,
                     "rmsNorm: input \(input.shape) does not end with normalizedShape \(normalizedShape)")
        let dims = Array((input.rank - k)..<input.rank)
        let e = eps ?? machineEpsilon(input.dtype)
        var y = input * (input.square().mean(dims, keepdim: true) + e).rsqrt()
        if let weight { y = y * weight }
        return y
    }
}
