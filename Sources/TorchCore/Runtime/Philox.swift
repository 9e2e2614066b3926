// MARK: - Philox4x32-10: the counter-based generator of device tensors

/// Philox4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3", 2011): four 32-bit words from a
/// 64-bit counter and a 64-bit key in ten rounds, so every element of a device tensor is drawn independently and
/// in parallel. Random tensors on a device take one 64-bit word from their ``Generator`` as the key and use the
/// element index as the counter: the same seed gives the same device tensors, whichever backend (or the host
/// fallback, which uses this code) draws them.
///
/// Note (device random numbers): element `i` of a device tensor uses the four words of counter `i`: a uniform
/// value from words 0–1 (53 bits, `[0, 1)`), a normal one by Box–Muller from words 0–1 and 2–3 (computed in
/// double precision), then scaled and rounded to the tensor's dtype. The CUDA kernel (`RandomKernelSource`)
/// computes exactly this; `CUDAKernelEmulationTests` compares the two.
package enum Philox {
    static let m0: UInt32 = 0xD251_1F53, m1: UInt32 = 0xCD9E_8D57
    static let w0: UInt32 = 0x9E37_79B9, w1: UInt32 = 0xBB67_AE85

    /// The four words of `counter` under `key`.
    /// - Parameters:
    ///   - counter: the block index.
    ///   - key: the key (a draw of the tensor's generator).
    package static func block(counter: UInt64, key: UInt64) -> (UInt32, UInt32, UInt32, UInt32) {
        var c = (UInt32(truncatingIfNeeded: counter), UInt32(truncatingIfNeeded: counter >> 32), UInt32(0), UInt32(0))
        var k = (UInt32(truncatingIfNeeded: key), UInt32(truncatingIfNeeded: key >> 32))
        for round in 0..<10 {
            if round > 0 { k = (k.0 &+ w0, k.1 &+ w1) }
            let p0 = UInt64(m0) * UInt64(c.0), p1 = UInt64(m1) * UInt64(c.2)
            let hi0 = UInt32(p0 >> 32), lo0 = UInt32(truncatingIfNeeded: p0)
            let hi1 = UInt32(p1 >> 32), lo1 = UInt32(truncatingIfNeeded: p1)
            c = (hi1 ^ c.1 ^ k.0, lo1, hi0 ^ c.3 ^ k.1, lo0)
        }
        return c
    }

    /// A uniform double in `[0, 1)` from two words.
    @inline(__always)
    static func unit(_ a: UInt32, _ b: UInt32) -> Double {
        Double((UInt64(a) << 32 | UInt64(b)) >> 11) * 0x1.0p-53
    }

    /// Element `index` of a device tensor drawn from `distribution` with `key`.
    /// - Parameters:
    ///   - index: the element's linear position.
    ///   - key: the key.
    ///   - distribution: what to draw.
    package static func sample(_ index: Int, key: UInt64, _ distribution: RandomDistribution) -> Double {
        let w = block(counter: UInt64(index), key: key)
        switch distribution {
        case .uniform(let low, let high):
            return low + unit(w.0, w.1) * (high - low)
        case .normal(let mean, let std):
            let u1 = 1 - unit(w.0, w.1), u2 = unit(w.2, w.3)
            return mean + std * ((-2 * _log(u1)).squareRoot() * _cos(2 * Double.pi * u2))
        }
    }
}

/// What a device random fill draws.
public enum RandomDistribution: Sendable, Equatable {
    /// Uniform in `[low, high)`.
    case uniform(low: Double, high: Double)
    /// Normal with the given mean and standard deviation.
    case normal(mean: Double, std: Double)
}

extension Tensor {
    /// Fills this device tensor with Philox draws keyed by one word of `generator` (see "Note (device random
    /// numbers)"): the backend's kernel, or the same numbers computed on the host and copied.
    func fillRandomOnDevice(_ distribution: RandomDistribution, generator: Generator) {
        let key = generator.nextWord()
        let backend = DeviceBackends.require(device, op: "random")
        let dense = isContiguous && (dtype == .float32 || dtype == .float64) ? self
            : Tensor(uninitializedShape: shape, dtype: dtype == .float64 ? .float64 : .float32, device: device)
        if !backend.random(dense, distribution, key: key) {
            DeviceFallbacks.note("random", on: device)
            let values = (0..<count).map { Philox.sample($0, key: key, distribution) }
            copyElements(from: Tensor.fromDoubles(values, shape: shape, dtype: dense.dtype), to: dense)
        }
        if dense.impl !== impl { copyElements(from: dense, to: self) }
    }
}
