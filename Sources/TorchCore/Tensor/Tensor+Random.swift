// MARK: - Random tensors

extension Tensor {
    /// Uniform values in [0, 1) (`torch.rand`). On a device the values are drawn there by Philox (see
    /// "Note (device random numbers)"), so they differ from the CPU's for the same seed, as in PyTorch.
    /// - Parameters:
    ///   - shape: the shape.
    ///   - dtype: a floating-point element type.
    ///   - generator: the generator (the default one when nil).
    ///   - device: where the tensor lives.
    public static func rand(_ shape: [Int], dtype: DType = .float32, generator: Generator? = nil, device: Device = .cpu) -> Tensor {
        precondition(dtype.isFloatingPoint, "rand: expected a floating point dtype, got \(dtype)")
        let g = generator ?? .default
        if device != .cpu {
            let t = Tensor(uninitializedShape: shape, dtype: dtype, device: device)
            t.fillRandomOnDevice(.uniform(low: 0, high: 1), generator: g)
            return t
        }
        return drawn(shape, dtype: dtype) { g.fillUniform($0, $1) }
    }

    /// Standard normal values (`torch.randn`); on a device drawn there by Philox.
    /// - Parameters:
    ///   - shape: the shape.
    ///   - dtype: a floating-point element type.
    ///   - generator: the generator (the default one when nil).
    ///   - device: where the tensor lives.
    public static func randn(_ shape: [Int], dtype: DType = .float32, generator: Generator? = nil, device: Device = .cpu) -> Tensor {
        precondition(dtype.isFloatingPoint, "randn: expected a floating point dtype, got \(dtype)")
        let g = generator ?? .default
        if device != .cpu {
            let t = Tensor(uninitializedShape: shape, dtype: dtype, device: device)
            t.fillRandomOnDevice(.normal(mean: 0, std: 1), generator: g)
            return t
        }
        return drawn(shape, dtype: dtype) { g.fillNormal($0, $1) }
    }

    /// Uniform integers in `low..<high` (`torch.randint`).
    /// - Parameters:
    ///   - low: the smallest value.
    ///   - high: the exclusive bound.
    ///   - shape: the shape.
    ///   - dtype: the element type.
    ///   - generator: the generator (the default one when nil).
    ///   - device: where the tensor lives (the values are drawn on the CPU and copied).
    public static func randint(_ low: Int, _ high: Int, _ shape: [Int], dtype: DType = .int64,
                               generator: Generator? = nil, device: Device = .cpu) -> Tensor {
        precondition(high > low, "randint: random_ expects 'from' to be less than 'to', but got from=\(low) >= to=\(high)")
        let g = generator ?? .default
        let n = shapeCount(shape)
        let span = UInt64(high - low)
        var v = [Int64](repeating: 0, count: n)
        for i in 0..<n { v[i] = Int64(low) + Int64(g.integer(below: span)) }
        return Tensor(v, shape: shape).to(dtype).transferred(to: device)
    }

    /// A random permutation of `0..<n` (`torch.randperm`).
    /// - Parameters:
    ///   - n: the length.
    ///   - dtype: the element type.
    ///   - generator: the generator (the default one when nil).
    ///   - device: where the tensor lives (drawn on the CPU and copied).
    public static func randperm(_ n: Int, dtype: DType = .int64, generator: Generator? = nil, device: Device = .cpu) -> Tensor {
        let g = generator ?? .default
        var v = (0..<Int64(n)).map { $0 }
        if n > 1 {
            for i in stride(from: n - 1, to: 0, by: -1) {
                let j = Int(g.integer(below: UInt64(i + 1)))
                v.swapAt(i, j)
            }
        }
        return Tensor(v, shape: [n]).to(dtype).transferred(to: device)
    }

    /// Uniform values like `other` (`torch.rand_like`).
    /// - Parameter other: the tensor whose shape and dtype to copy.
    public static func randLike(_ other: Tensor) -> Tensor { rand(other.shape, dtype: other.dtype, device: other.device) }
    /// Normal values like `other` (`torch.randn_like`).
    /// - Parameter other: the tensor whose shape and dtype to copy.
    public static func randnLike(_ other: Tensor) -> Tensor { randn(other.shape, dtype: other.dtype, device: other.device) }

    /// Draws 1 with probability given by each element of `self` (`torch.bernoulli`).
    /// - Parameter generator: the generator (the default one when nil).
    public func bernoulli(generator: Generator? = nil) -> Tensor {
        let g = generator ?? .default
        if device != .cpu {
            // Drawn on the device: 1 where a uniform draw falls below the probability.
            let u = Tensor.rand(shape, dtype: dtype == .float64 ? .float64 : .float32, generator: g, device: device)
            return noGrad { u.lt(detach()).to(dtype.isFloatingPoint ? dtype : .float32) }
        }
        let p = toArray(of: Double.self)
        precondition(p.allSatisfy { $0 >= 0 && $0 <= 1 }, "bernoulli: all elements of input must be in [0, 1]")
        let u = g.uniform(p.count)
        return Tensor.fromDoubles(zip(u, p).map { $0 < $1 ? 1 : 0 }, shape: shape, dtype: dtype.isFloatingPoint ? dtype : .float32)
            .transferred(to: device)
    }

    /// Draws `numSamples` category indices per row from the (unnormalised) weights in `self`
    /// (`torch.multinomial`), for a 1-D or 2-D tensor.
    /// - Parameters:
    ///   - numSamples: draws per row.
    ///   - replacement: whether a category can be drawn more than once.
    ///   - generator: the generator (the default one when nil).
    public func multinomial(_ numSamples: Int, replacement: Bool = false, generator: Generator? = nil) -> Tensor {
        precondition(rank == 1 || rank == 2, "multinomial: prob_dist must be 1 or 2 dim (got \(rank))")
        let g = generator ?? .default
        let rows = rank == 1 ? 1 : shape[0]
        let cats = shape[rank - 1]
        precondition(replacement || numSamples <= cats, "multinomial: cannot sample n_sample > prob_dist.size(-1) samples without replacement")
        let w = contiguous().toArray(of: Double.self)
        var out: [Int64] = []
        for r in 0..<rows {
            var weights = Array(w[(r * cats)..<((r + 1) * cats)])
            precondition(weights.allSatisfy { $0 >= 0 && $0.isFinite }, "multinomial: probability tensor contains either inf, nan or element < 0")
            for _ in 0..<numSamples {
                let total = weights.reduce(0.0) { $0 + $1 }
                precondition(total > 0, "multinomial: invalid multinomial distribution (sum of probabilities <= 0)")
                let u = g.uniform(1)[0] * total
                var acc = 0.0
                var pick = cats - 1
                for (i, wi) in weights.enumerated() where wi > 0 {
                    acc += wi
                    if u < acc { pick = i; break }
                }
                out.append(Int64(pick))
                if !replacement { weights[pick] = 0 }
            }
        }
        return Tensor(out, shape: rank == 1 ? [numSamples] : [rows, numSamples]).transferred(to: device)
    }

    /// Fills with normal values in place (`normal_`).
    /// - Parameters:
    ///   - mean: the mean.
    ///   - std: the standard deviation.
    ///   - generator: the generator (the default one when nil).
    @discardableResult
    public func normal_(mean: Double = 0, std: Double = 1, generator: Generator? = nil) -> Tensor {
        let g = generator ?? .default
        if device != .cpu {
            fillRandomOnDevice(.normal(mean: mean, std: std), generator: g)
            storage.bumpVersion()
            return self
        }
        fillRandom { n, sink in g.fillNormal(n) { sink($0, $1 * std + mean) } }
        return self
    }

    /// Fills with uniform values in `[from, to)` in place (`uniform_`).
    /// - Parameters:
    ///   - from: the lower bound.
    ///   - to: the upper bound.
    ///   - generator: the generator (the default one when nil).
    @discardableResult
    public func uniform_(from: Double = 0, to: Double = 1, generator: Generator? = nil) -> Tensor {
        let g = generator ?? .default
        if device != .cpu {
            fillRandomOnDevice(.uniform(low: from, high: to), generator: g)
            storage.bumpVersion()
            return self
        }
        fillRandom { n, sink in g.fillUniform(n) { sink($0, from + $1 * (to - from)) } }
        return self
    }

    /// A random draw of `n` values, in order: `fill(n, sink)` hands each value, with its index, to `sink`.
    typealias RandomFill = (Int, (Int, Double) -> Void) -> Void

    /// A new CPU tensor holding the values of `fill`: drawn into float32 memory for float32 and into float64
    /// memory otherwise, then rounded to `dtype` by `to(dtype)`.
    ///
    /// Note (random fills in place): drawing into the tensor's own memory, rather than through float64 arrays and
    /// a float64 tensor, keeps a model's initialisation from leaving temporaries twice the parameters' size
    /// behind in the allocators (1.7 MiB for the MLP of `train_mlp`, which counted against its peak resident set).
    static func drawn(_ shape: [Int], dtype: DType, _ fill: RandomFill) -> Tensor {
        let t = Tensor(uninitializedShape: shape, dtype: dtype == .float32 ? .float32 : .float64)
        t.writeRandom(fill)
        return t.dtype == dtype ? t : t.to(dtype)
    }

    /// Replaces this CPU tensor's values by those of `fill`, directly into its memory when it is a contiguous
    /// float32 or float64 tensor, through `drawn` otherwise; bumps the version.
    private func fillRandom(_ fill: RandomFill) {
        if isContiguous && (dtype == .float32 || dtype == .float64) {
            writeRandom(fill)
            storage.bumpVersion()
        } else {
            copyIn(Tensor.drawn(shape, dtype: dtype, fill))
        }
    }

    /// Writes the values of `fill` into this contiguous float32 or float64 CPU tensor, each rounded to its dtype.
    private func writeRandom(_ fill: RandomFill) {
        precondition(isContiguous && (dtype == .float32 || dtype == .float64), "internal error: writeRandom into a \(dtype) tensor")
        if dtype == .float32 {
            let p = pointer(as: Float.self)
            fill(count) { p[$0] = Float($1) }
        } else {
            let p = pointer(as: Double.self)
            fill(count) { p[$0] = $1 }
        }
    }

    /// Writes `src` into this tensor's memory without recording and bumps the version.
    func copyIn(_ src: Tensor) {
        copyElements(from: src, to: self)
        storage.bumpVersion()
    }
}
