import Synchronization

// MARK: - Random number generation

/// A seeded pseudo-random generator (xoshiro256**), PyTorch's `torch.Generator`.
///
/// Numbers are produced serially, so the same seed gives the same tensors on every run and with any thread count.
public final class Generator: Sendable {
    private let state: Mutex<(UInt64, UInt64, UInt64, UInt64)>
    private let seedValue: Atomic<UInt64>

    /// Creates a generator with the given seed.
    /// - Parameter seed: the seed (PyTorch's default seed is 67280421310721).
    public init(seed: UInt64 = 67_280_421_310_721) {
        state = Mutex(Generator.expand(seed))
        seedValue = Atomic(seed)
    }

    /// Re-seeds the generator (`manual_seed`).
    /// - Parameter seed: the new seed.
    @discardableResult
    public func manualSeed(_ seed: UInt64) -> Generator {
        state.withLock { $0 = Generator.expand(seed) }
        seedValue.store(seed, ordering: .relaxed)
        return self
    }

    /// The seed last set (`initial_seed()`).
    public var initialSeed: UInt64 { seedValue.load(ordering: .relaxed) }

    private static func expand(_ seed: UInt64) -> (UInt64, UInt64, UInt64, UInt64) {
        var x = seed
        func splitmix() -> UInt64 {
            x &+= 0x9E37_79B9_7F4A_7C15
            var z = x
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        return (splitmix(), splitmix(), splitmix(), splitmix())
    }

    @inline(__always)
    private static func next(_ s: inout (UInt64, UInt64, UInt64, UInt64)) -> UInt64 {
        let result = ((s.1 &* 5) << 7 | (s.1 &* 5) >> 57) &* 9
        let t = s.1 << 17
        s.2 ^= s.0
        s.3 ^= s.1
        s.1 ^= s.2
        s.0 ^= s.3
        s.2 ^= t
        s.3 = (s.3 << 45) | (s.3 >> 19)
        return result
    }

    /// Fills `count` raw 64-bit words, serially.
    func fill(_ count: Int, _ body: (Int, UInt64) -> Void) {
        state.withLock { s in
            for i in 0..<count { body(i, Generator.next(&s)) }
        }
    }

    /// The uniform double in [0, 1) of one word.
    @inline(__always)
    private static func unit(_ w: UInt64) -> Double { Double(w >> 11) * 0x1.0p-53 }

    /// Hands `count` uniform doubles in [0, 1) to `body` in order, with their index (no array in between, so a
    /// random fill writes straight into its tensor).
    func fillUniform(_ count: Int, _ body: (Int, Double) -> Void) {
        fill(count) { i, w in body(i, Generator.unit(w)) }
    }

    /// Hands `count` standard normal doubles (Box–Muller on consecutive pairs of uniforms; an odd count draws
    /// one uniform more) to `body` in order, with their index.
    func fillNormal(_ count: Int, _ body: (Int, Double) -> Void) {
        state.withLock { s in
            var i = 0
            while i < count {
                let u1 = 1 - Generator.unit(Generator.next(&s))  // (0, 1]
                let u2 = Generator.unit(Generator.next(&s))
                let r = (-2 * _log(u1)).squareRoot()
                body(i, r * _cos(2 * Double.pi * u2))
                if i + 1 < count { body(i + 1, r * _sin(2 * Double.pi * u2)) }
                i += 2
            }
        }
    }

    /// `count` uniform doubles in [0, 1).
    func uniform(_ count: Int) -> [Double] {
        var out = [Double](repeating: 0, count: count)
        fillUniform(count) { i, u in out[i] = u }
        return out
    }

    /// `count` standard normal doubles (Box–Muller), the values of `fillNormal`.
    func normal(_ count: Int) -> [Double] {
        var out = [Double](repeating: 0, count: count)
        fillNormal(count) { i, z in out[i] = z }
        return out
    }

    /// One raw 64-bit word (the key of a device random fill).
    func nextWord() -> UInt64 { state.withLock { Generator.next(&$0) } }

    /// A uniform integer in `0..<bound`.
    func integer(below bound: UInt64) -> UInt64 {
        precondition(bound > 0, "random: empty range")
        var r: UInt64 = 0
        state.withLock { s in
            // Lemire's rejection for an unbiased draw.
            while true {
                let x = Generator.next(&s)
                let m = x.multipliedFullWidth(by: bound)
                if m.low >= (0 &- bound) % bound { r = m.high; return }
            }
        }
        return r
    }

    /// The generator's state as 40 bytes (`get_state()`): the four xoshiro256** words and the seed, little-endian.
    public func getState() -> Tensor {
        let words = state.withLock { s in [s.0, s.1, s.2, s.3] } + [seedValue.load(ordering: .relaxed)]
        let bytes = words.flatMap { w in (0..<8).map { UInt8(truncatingIfNeeded: w >> (8 * $0)) } }
        return Tensor(bytes, shape: [bytes.count])
    }

    /// Restores a state from ``getState()`` (`set_state()`), so the generator continues exactly from there.
    /// - Parameter newState: a `uint8` tensor of 40 elements.
    public func setState(_ newState: Tensor) {
        precondition(newState.dtype == .uint8 && newState.count == 40,
                     "Generator.setState: expected a uint8 tensor of 40 bytes from getState(), got \(newState.dtype) \(newState.shape)")
        let b = newState.contiguous().toArray(of: UInt8.self)
        let w = (0..<5).map { k in (0..<8).reduce(UInt64(0)) { $0 | UInt64(b[8 * k + $1]) << (8 * $1) } }
        precondition(w[0] | w[1] | w[2] | w[3] != 0, "Generator.setState: an all-zero xoshiro state is invalid")
        state.withLock { $0 = (w[0], w[1], w[2], w[3]) }
        seedValue.store(w[4], ordering: .relaxed)
    }

    /// The default generator used when none is passed (`torch.default_generator`): the process-wide one, or the
    /// one ``withDefault(_:_:)`` put in place for the current task.
    public static var `default`: Generator { scoped ?? global }

    static let global = Generator()
    @TaskLocal static var scoped: Generator?

    /// Runs `body` with `generator` as the default generator of the current task (and the tasks it creates), so
    /// `Torch.manualSeed`, initialisers and dropout inside it neither see nor disturb the process-wide stream —
    /// like a `torch.random.fork_rng()` that also isolates concurrent tasks.
    /// - Parameters:
    ///   - generator: the generator to use.
    ///   - body: the work.
    public static func withDefault<R>(_ generator: Generator, _ body: () throws -> R) rethrows -> R {
        try $scoped.withValue(generator, operation: body)
    }
}

@inline(__always) func _log(_ x: Double) -> Double { Double.log(x) }
@inline(__always) func _cos(_ x: Double) -> Double { Double.cos(x) }
@inline(__always) func _sin(_ x: Double) -> Double { Double.sin(x) }

import RealModule
