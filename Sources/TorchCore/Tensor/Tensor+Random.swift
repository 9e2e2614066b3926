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
        let t = Tensor(uninitializedShape: shape, dtype: dtype)
        if t.writeRandom({ g.fillUniform(t.count, $0) }) { return t }
        return fromDoubles(g.uniform(shapeCount(shape)), shape: shape, dtype: dtype)
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
        let t = Tensor(uninitializedShape: shape, dtype: dtype)
        if t.writeRandom({ g.fillNormal(t.count, $0) }) { return t }
        return fromDoubles(g.normal(shapeCount(shape)), shape: shape, dtype: dtype)
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
        if writeRandom({ sink in g.fillNormal(count) { sink($0, $1 * std + mean) } }) {
            storage.bumpVersion()
            return self
        }
        let v = g.normal(count).map { $0 * std + mean }
        copyIn(Tensor.fromDoubles(v, shape: shape, dtype: dtype))
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
        if writeRandom({ sink in g.fillUniform(count) { sink($0, from + $1 * (to - from)) } }) {
            storage.bumpVersion()
            return self
        }
        let v = g.uniform(count).map { from + $0 * (to - from) }
        copyIn(Tensor.fromDoubles(v, shape: shape, dtype: dtype))
        return self
    }

    /// Writes the values that `fill` hands to its sink (index, value) into this tensor, each rounded to the dtype
    /// as `to(dtype)` rounds a double, when this is a contiguous float32 or float64 CPU tensor; returns false,
    /// without calling `fill`, otherwise (the caller then takes the path through a float64 array).
    ///
    /// Note (random fills in place): drawing into the tensor's own memory keeps a model's initialisation from
    /// leaving float64 arrays and float64 tensors twice the parameters' size behind in the allocators (1.7 MiB
    /// for the MLP of `train_mlp`, which counted against its peak resident set).
    private func writeRandom(_ fill: ((Int, Double) -> Void) -> Void) -> Bool {
        guard device == .cpu, isContiguous else { return false }
        switch dtype {
        case .float32:
            let p = pointer(as: Float.self)
            fill { p[$0] = Float($1) }
        case .float64:
            let p = pointer(as: Double.self)
            fill { p[$0] = $1 }
        default:
            return false
        }
        return true
    }

    /// Writes `src` into this tensor's memory without recording and bumps the version.
    func copyIn(_ src: Tensor) {
        copyElements(from: src, to: self)
        storage.bumpVersion()
    }
}
