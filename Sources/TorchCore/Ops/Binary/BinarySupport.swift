// MARK: - Helpers shared by binary ops

/// The result type of an op that always produces floating point (true division, `atan2`).
func floatResultType(_ a: Tensor, _ b: Tensor) -> DType {
    let t = resultType(a, b)
    return t.isFloatingPoint ? t : .float32
}

@inline(__always)
func pyRemainder<T: FloatingScalar>(_ a: T, _ b: T) -> T {
    let r = T(fromDouble: a.doubleValue.truncatingRemainder(dividingBy: b.doubleValue))
    return (r != 0 && (r < 0) != (b < 0)) ? r + b : r
}

@inline(__always)
func intRemainder<T: IntegerScalar>(_ a: T, _ b: T) -> T {
    precondition(b != 0, "remainder: ZeroDivisionError (integer division by zero)")
    let r = a % b
    return (r != 0 && (r < 0) != (b < 0)) ? r &+ b : r
}

@inline(__always)
func intFmod<T: IntegerScalar>(_ a: T, _ b: T) -> T {
    precondition(b != 0, "fmod: ZeroDivisionError (integer division by zero)")
    return a % b
}

/// Gradient of `maximum`/`minimum`: to the selected operand, split evenly on ties (as PyTorch).
func maxMinBackward(_ g: Tensor, _ a: Tensor, _ b: Tensor, isMax: Bool) -> [Tensor?] {
    let pickA = (isMax ? a.gt(b) : a.lt(b)).to(g.dtype)
    let tie = a.eq(b).to(g.dtype) * 0.5
    let wa = pickA + tie
    return [g * wa, g * (1 - wa)]
}
