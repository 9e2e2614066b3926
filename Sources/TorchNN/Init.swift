import RealModule
import TorchCore

/// Parameter initialisation (`torch.nn.init`): each function fills a tensor in place, without recording.
public enum Init {
    /// The recommended gain for a nonlinearity (`calculate_gain`): `linear`/`conv*`/`sigmoid` 1, `tanh` 5/3,
    /// `relu` √2, `leaky_relu` √(2/(1+slope²)), `selu` 3/4.
    /// - Parameters:
    ///   - nonlinearity: the name, as in PyTorch.
    ///   - param: the negative slope for `leaky_relu` (0.01 by default).
    public static func calculateGain(_ nonlinearity: String, param: Double? = nil) -> Double {
        switch nonlinearity {
        case "linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d", "sigmoid": return 1
        case "tanh": return 5.0 / 3
        case "relu": return 2.0.squareRoot()
        case "leaky_relu":
            let slope = param ?? 0.01
            return (2 / (1 + slope * slope)).squareRoot()
        case "selu": return 3.0 / 4
        default: preconditionFailure("calculateGain: unsupported nonlinearity \(nonlinearity)")
        }
    }

    /// `(fanIn, fanOut)` of a weight: `[out, in, k…]` has `fanIn = in·k…` and `fanOut = out·k…`.
    /// - Parameter t: a tensor with at least 2 dimensions.
    public static func fans(_ t: Tensor) -> (fanIn: Int, fanOut: Int) {
        precondition(t.rank >= 2, "Fan in and fan out can not be computed for tensor with fewer than 2 dimensions (got \(t.shape))")
        let receptive = t.shape.dropFirst(2).reduce(1, *)
        return (t.shape[1] * receptive, t.shape[0] * receptive)
    }

    /// Fills with U(a, b) (`uniform_`).
    @discardableResult
    public static func uniform_(_ t: Tensor, a: Double = 0, b: Double = 1, generator: Generator? = nil) -> Tensor {
        noGrad { t.uniform_(from: a, to: b, generator: generator) }
    }

    /// Fills with N(mean, std²) (`normal_`).
    @discardableResult
    public static func normal_(_ t: Tensor, mean: Double = 0, std: Double = 1, generator: Generator? = nil) -> Tensor {
        noGrad { t.normal_(mean: mean, std: std, generator: generator) }
    }

    /// Fills with a constant (`constant_`).
    @discardableResult
    public static func constant_(_ t: Tensor, _ value: Double) -> Tensor { noGrad { t.fill_(value) } }
    /// Fills with zeros (`zeros_`).
    @discardableResult
    public static func zeros_(_ t: Tensor) -> Tensor { constant_(t, 0) }
    /// Fills with ones (`ones_`).
    @discardableResult
    public static func ones_(_ t: Tensor) -> Tensor { constant_(t, 1) }

    /// Fills a 2-D tensor with the identity (`eye_`).
    @discardableResult
    public static func eye_(_ t: Tensor) -> Tensor {
        precondition(t.rank == 2, "eye_: only tensors with 2 dimensions are supported (got \(t.shape))")
        return noGrad { t.copy_(Tensor.eye(t.shape[0], t.shape[1], dtype: t.dtype)) }
    }

    /// Glorot uniform: U(−a, a) with `a = gain·√(6/(fanIn+fanOut))` (`xavier_uniform_`).
    @discardableResult
    public static func xavierUniform_(_ t: Tensor, gain: Double = 1, generator: Generator? = nil) -> Tensor {
        let (i, o) = fans(t)
        let a = gain * (6 / Double(i + o)).squareRoot()
        return uniform_(t, a: -a, b: a, generator: generator)
    }

    /// Glorot normal: N(0, std²) with `std = gain·√(2/(fanIn+fanOut))` (`xavier_normal_`).
    @discardableResult
    public static func xavierNormal_(_ t: Tensor, gain: Double = 1, generator: Generator? = nil) -> Tensor {
        let (i, o) = fans(t)
        return normal_(t, std: gain * (2 / Double(i + o)).squareRoot(), generator: generator)
    }

    /// He uniform: U(−b, b) with `b = gain·√(3/fan)` (`kaiming_uniform_`).
    /// - Parameters:
    ///   - a: the negative slope for `leaky_relu`.
    ///   - mode: `fan_in` or `fan_out`.
    ///   - nonlinearity: the gain's nonlinearity.
    @discardableResult
    public static func kaimingUniform_(_ t: Tensor, a: Double = 0, mode: String = "fan_in", nonlinearity: String = "leaky_relu",
                                       generator: Generator? = nil) -> Tensor {
        let (i, o) = fans(t)
        let fan = mode == "fan_in" ? i : o
        let bound = calculateGain(nonlinearity, param: a) * (3 / Double(fan)).squareRoot()
        return uniform_(t, a: -bound, b: bound, generator: generator)
    }

    /// He normal: N(0, std²) with `std = gain/√fan` (`kaiming_normal_`).
    @discardableResult
    public static func kaimingNormal_(_ t: Tensor, a: Double = 0, mode: String = "fan_in", nonlinearity: String = "leaky_relu",
                                      generator: Generator? = nil) -> Tensor {
        let (i, o) = fans(t)
        let fan = mode == "fan_in" ? i : o
        return normal_(t, std: calculateGain(nonlinearity, param: a) / Double(fan).squareRoot(), generator: generator)
    }

    /// Normal values redrawn until inside `[a, b]` (`trunc_normal_`).
    @discardableResult
    public static func truncNormal_(_ t: Tensor, mean: Double = 0, std: Double = 1, a: Double = -2, b: Double = 2,
                                    generator: Generator? = nil) -> Tensor {
        precondition(a < b, "truncNormal_: a must be below b")
        let g = generator ?? Generator.default
        var values: [Double] = []
        values.reserveCapacity(t.count)
        while values.count < t.count {
            let draw = Tensor.randn([Swift.max(16, (t.count - values.count) * 2)], dtype: .float64, generator: g).toArray(of: Double.self)
            for z in draw {
                let v = mean + std * z
                if v >= a && v <= b && values.count < t.count { values.append(v) }
            }
        }
        return noGrad { t.copy_(Tensor(values, shape: t.shape)) }
    }

    /// A (semi-)orthogonal matrix from the QR decomposition of a normal matrix (`orthogonal_`), by modified
    /// Gram–Schmidt; tensors with more than 2 dimensions are flattened to `[rows, rest]`.
    @discardableResult
    public static func orthogonal_(_ t: Tensor, gain: Double = 1, generator: Generator? = nil) -> Tensor {
        precondition(t.rank >= 2, "orthogonal_: only tensors with 2 or more dimensions are supported")
        let rows = t.shape[0], cols = t.count / rows
        let transpose = rows < cols
        let (m, n) = transpose ? (cols, rows) : (rows, cols)  // m ≥ n: orthonormal columns of an m×n matrix
        var a = Tensor.randn([m, n], dtype: .float64, generator: generator).toArray(of: Double.self)
        for j in 0..<n {
            for k in 0..<j {
                var dot = 0.0
                for i in 0..<m { dot += a[i * n + j] * a[i * n + k] }
                for i in 0..<m { a[i * n + j] -= dot * a[i * n + k] }
            }
            var norm = 0.0
            for i in 0..<m { norm += a[i * n + j] * a[i * n + j] }
            norm = norm.squareRoot()
            for i in 0..<m { a[i * n + j] /= norm }
        }
        var q = Tensor(a, shape: [m, n])
        if transpose { q = q.t() }
        return noGrad { t.copy_((q * gain).reshape(t.shape)) }
    }
}
