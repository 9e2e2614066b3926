// MARK: - thresholdBackward (the gradient of relu)

struct ThresholdBackwardFunction: BinaryFunction {
    @inline(__always) func callAsFunction<T: FloatingScalar>(_ g: T, _ y: T) -> T { y > 0 ? g : 0 }
    @inline(__always) func integer<T: IntegerScalar>(_ g: T, _ y: T) -> T { y > 0 ? g : 0 }
}

/// `g` where `y > 0`, else 0: relu's gradient in one pass instead of compare, cast and multiply. Its own
/// gradient with respect to `g` is the same mask (with respect to `y` it is zero almost everywhere).
func thresholdBackward(_ g: Tensor, _ y: Tensor) -> Tensor {
    let out = binaryMap(ThresholdBackwardFunction(), g, y, dtype: g.dtype, op: "thresholdBackward")
    if shouldRecord(g) {
        record("thresholdBackward", inputs: [g], outputs: [out], saving: [y]) { ctx in
            [thresholdBackward(ctx.grad, ctx.saved[0])]
        }
    }
    return out
}
