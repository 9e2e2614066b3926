import TorchCore

extension F {
    /// `x / (1 + |x|)` (`F.softsign`).
    /// - Parameter input: the input.
    public static func softsign(_ input: Tensor) -> Tensor { input / (input.abs() + 1.0) }

    /// `x − tanh(x)` (`F.tanhshrink`).
    /// - Parameter input: the input.
    public static func tanhshrink(_ input: Tensor) -> Tensor { input - input.tanh() }

    /// `x` where `x > threshold`, else `value` (`F.threshold`).
    /// - Parameters:
    ///   - input: the input.
    ///   - threshold: the cut-off.
    ///   - value: the replacement.
    public static func threshold(_ input: Tensor, _ threshold: Double, _ value: Double) -> Tensor {
        where_(input.gt(threshold), input, Tensor.fullLike(input, value))
    }

    /// `x − λ` above λ, `x + λ` below −λ, 0 between (`F.softshrink`).
    /// - Parameters:
    ///   - input: the input.
    ///   - lambd: the half-width λ ≥ 0.
    public static func softshrink(_ input: Tensor, lambd: Double = 0.5) -> Tensor {
        precondition(lambd >= 0, "softshrink: lambda must be non-negative (got \(lambd))")
        let zero = Tensor.zerosLike(input)
        return where_(input.gt(lambd), input - lambd, where_(input.lt(-lambd), input + lambd, zero))
    }

    /// `x` where `|x| > λ`, else 0 (`F.hardshrink`).
    /// - Parameters:
    ///   - input: the input.
    ///   - lambd: the half-width λ.
    public static func hardshrink(_ input: Tensor, lambd: Double = 0.5) -> Tensor {
        where_(input.abs().gt(lambd), input, Tensor.zerosLike(input))
    }

    /// The gated linear unit `a · σ(b)` of the two halves of `dim` (`F.glu`).
    /// - Parameters:
    ///   - input: the input; `dim` must have even size.
    ///   - dim: the split dimension.
    public static func glu(_ input: Tensor, dim: Int = -1) -> Tensor {
        let d = dim < 0 ? dim + input.rank : dim
        precondition(d >= 0 && d < input.rank && input.shape[d] % 2 == 0,
                     "glu: halving dimension \(dim) of input \(input.shape) must have an even size")
        let halves = input.chunk(2, dim: d)
        return halves[0] * halves[1].sigmoid()
    }

    /// `max(0, x) + w · min(0, x)` with a learnable slope per channel (dimension 1) or one shared slope (`F.prelu`).
    /// - Parameters:
    ///   - input: the input.
    ///   - weight: `[1]` or `[C]` slopes.
    public static func prelu(_ input: Tensor, _ weight: Tensor) -> Tensor {
        var w = weight
        if weight.numel() != 1 {
            precondition(input.rank >= 2 && weight.rank == 1 && input.shape[1] == weight.shape[0],
                         "prelu: \(weight.numel()) slopes do not match the channels of input \(input.shape)")
            var shape = [Int](repeating: 1, count: input.rank)
            shape[1] = weight.shape[0]
            w = weight.reshape(shape)
        } else {
            w = weight.reshape([])
        }
        return input.relu() + w * input.clamp(max: 0)
    }

    /// `softmax(−x)` along `dim` (`F.softmin`).
    /// - Parameters:
    ///   - input: the input.
    ///   - dim: the dimension.
    public static func softmin(_ input: Tensor, dim: Int) -> Tensor { (-input).softmax(dim: dim) }
}
