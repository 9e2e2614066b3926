import RealModule

// MARK: - Vectorisable transcendental functions

/// Note (vector math): libm's `expf`/`erff` are opaque calls, so a loop over them runs one element at a time.
/// These float32 versions use only arithmetic, comparisons and bit operations, so the loops that call them
/// vectorise. `exp` is Cephes' `expf` (range reduction by ln 2 in two parts, degree-6 polynomial; ≤ 2 ulp on
/// the tested range); `erf` uses Numerical Recipes' `erfc` Chebyshev fit (relative error < 1.2e-7). Doubles keep
/// libm's correctly rounded versions.
extension FloatingScalar {
    /// eˣ, vectorisable for `Float`.
    @inline(__always) static func vexp(_ x: Self) -> Self {
        if Self.self == Float.self { return unsafeBitCast(fastExpFloat(unsafeBitCast(x, to: Float.self)), to: Self.self) }
        return Self.exp(x)
    }

    /// erf(x), vectorisable for `Float`.
    @inline(__always) static func verf(_ x: Self) -> Self {
        if Self.self == Float.self { return unsafeBitCast(fastErfFloat(unsafeBitCast(x, to: Float.self)), to: Self.self) }
        return Self.erf(x)
    }
}

@inline(__always)
func fastExpFloat(_ x: Float) -> Float {
    // Branch-free so that loops vectorise: every special case is a select.
    let hi: Float = 88.72283905206835
    let tiny = x < -86.5
    let x0 = x.isNaN ? 0 : x
    // Tiny inputs are shifted by +40 and the result scaled by e^-40, keeping 2^n normal (subnormal results).
    let xs = tiny ? Swift.max(x0, -104) + 40 : Swift.min(x0, hi)
    let magic: Float = 12_582_912  // 1.5·2^23: adding it rounds to an integer held in the low mantissa bits
    let t = xs * 1.44269504088896341 + magic
    let n = t - magic
    var r = xs - n * 0.693359375
    r = r - n * -2.12194440e-4
    var p: Float = 1.9875691500e-4
    p = p * r + 1.3981999507e-3
    p = p * r + 8.3334519073e-3
    p = p * r + 4.1665795894e-2
    p = p * r + 1.6666665459e-1
    p = p * r + 5.0000001201e-1
    p = p * r * r + r + 1
    // 2^(n-1) from the integer bits of t (n is in [-92, 128]); times 2 afterwards so n = 128 stays finite.
    let nbits = t.bitPattern &- 0x4B40_0000
    let scale = Float(bitPattern: (nbits &+ 126) << 23)
    var y = p * scale * 2 * (tiny ? 4.2483542552915889e-18 : 1)
    y = x > hi ? Float.infinity : y
    y = x < -104 ? 0 : y
    return x.isNaN ? x : y
}

@inline(__always)
func fastErfFloat(_ x: Float) -> Float {
    let z = Swift.abs(x)
    let t = 1 / (1 + 0.5 * z)
    var p: Float = 0.17087277
    p = p * t - 0.82215223
    p = p * t + 1.48851587
    p = p * t - 1.13520398
    p = p * t + 0.27886807
    p = p * t - 0.18628806
    p = p * t + 0.09678418
    p = p * t + 0.37409196
    p = p * t + 1.00002368
    p = p * t - 1.26551223
    let erfc = t * fastExpFloat(-z * z + p)
    let r = 1 - erfc
    let signed = x < 0 ? -r : r
    return x.isNaN ? x : signed
}

