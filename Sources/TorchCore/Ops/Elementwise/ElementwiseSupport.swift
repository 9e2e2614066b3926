// MARK: - Elementwise op machinery

/// A floating-point function of one variable (`exp`, `tanh`, …). Integer inputs are computed as `float32`,
/// half types in `float32` and rounded back, as PyTorch's CPU kernels do.
protocol UnaryFloatingFunction {
    func callAsFunction<T: FloatingScalar>(_ x: T) -> T
}

/// A function of one variable that keeps integer dtypes (`neg`, `abs`, `relu`, …).
protocol UnaryNumericFunction: UnaryFloatingFunction {
    func integer<T: IntegerScalar>(_ x: T) -> T
}

/// A function of two variables over a common computation type.
protocol BinaryFunction {
    func callAsFunction<T: FloatingScalar>(_ a: T, _ b: T) -> T
    func integer<T: IntegerScalar>(_ a: T, _ b: T) -> T
}

/// A comparison producing `bool`.
protocol CompareFunction {
    func callAsFunction<T: Comparable>(_ a: T, _ b: T) -> Bool
}

extension Tensor {
    /// Converts without recording (kernels' internal casts).
    func cast(_ dtype: DType) -> Tensor {
        if dtype == self.dtype { return self }
        let out = Tensor(uninitializedShape: shape, dtype: dtype)
        copyElements(from: self, to: out)
        return out
    }

    /// A 0-d tensor standing for a Swift scalar operand.
    static func wrapped(_ value: Double, dtype: DType) -> Tensor {
        let t = Tensor.full([], value, dtype: dtype)
        t.impl.isWrappedNumber = true
        return t
    }
}

/// The dtype of an op's result over `tensors` with PyTorch's rules: dimensioned tensors take precedence over
/// 0-d tensors, which take precedence over wrapped Swift scalars, unless a lower tier has a higher category.
func resultType(_ tensors: Tensor...) -> DType {
    var dim: DType? = nil, zero: DType? = nil, wrapped: DType? = nil
    for t in tensors {
        if t.impl.isWrappedNumber {
            let d: DType = t.dtype.isFloatingPoint ? .float32 : (t.dtype == .bool ? .bool : .int64)
            wrapped = wrapped.map { DType.promote($0, d) } ?? d
        } else if t.rank == 0 {
            zero = zero.map { DType.promote($0, t.dtype) } ?? t.dtype
        } else {
            dim = dim.map { DType.promote($0, t.dtype) } ?? t.dtype
        }
    }
    return combineCategories(dim, combineCategories(zero, wrapped))!
}

private func combineCategories(_ higher: DType?, _ lower: DType?) -> DType? {
    guard let h = higher else { return lower }
    guard let l = lower else { return h }
    if h.isFloatingPoint { return h }
    if h == .bool || l.isFloatingPoint { return DType.promote(h, l) }
    return h
}

// MARK: Kernels

/// Applies a floating function elementwise; the result is floating point (ints become `float32`).
func floatingMap<F: UnaryFloatingFunction>(_ f: F, _ x: Tensor) -> Tensor {
    let outType: DType = x.dtype.isFloatingPoint ? x.dtype : .float32
    let src = x.dtype == .float64 ? x : x.cast(.float32)
    let out = Tensor(uninitializedShape: x.shape, dtype: src.dtype)
    if src.dtype == .float64 {
        mapUnary(src, out: out) { (v: Double) in f(v) }
    } else {
        mapUnary(src, out: out) { (v: Float) in f(v) }
    }
    return out.cast(outType)
}

/// Applies a dtype-preserving function elementwise.
func numericMap<F: UnaryNumericFunction>(_ f: F, _ x: Tensor, op: String) -> Tensor {
    if x.dtype.isFloatingPoint { return floatingMap(f, x) }
    precondition(x.dtype != .bool, "\(op): not supported for bool tensors")
    let out = Tensor(uninitializedShape: x.shape, dtype: x.dtype)
    switch x.dtype {
    case .int64: mapUnary(x, out: out) { (v: Int64) in f.integer(v) }
    case .int32: mapUnary(x, out: out) { (v: Int32) in f.integer(v) }
    case .int16: mapUnary(x, out: out) { (v: Int16) in f.integer(v) }
    case .int8: mapUnary(x, out: out) { (v: Int8) in f.integer(v) }
    default: mapUnary(x, out: out) { (v: UInt8) in f.integer(v) }
    }
    return out
}

/// Applies a binary function with broadcasting, computing in `dtype`'s computation type and writing into `out`
/// (allocated when nil).
func binaryMap<F: BinaryFunction>(_ f: F, _ a: Tensor, _ b: Tensor, dtype: DType, op: String, out: Tensor? = nil) -> Tensor {
    let shape = out?.shape ?? broadcastShapes(a.shape, b.shape, op: op)
    let ct: DType = dtype == .bool ? .uint8 : dtype.computeType
    let x = a.cast(ct), y = b.cast(ct)
    let target: Tensor
    if let out, out.dtype == ct {
        target = out
    } else {
        target = Tensor(uninitializedShape: shape, dtype: ct)
    }
    switch ct {
    case .float32: mapBinary(x, y, out: target) { (p: Float, q: Float) in f(p, q) }
    case .float64: mapBinary(x, y, out: target) { (p: Double, q: Double) in f(p, q) }
    case .int64: mapBinary(x, y, out: target) { (p: Int64, q: Int64) in f.integer(p, q) }
    case .int32: mapBinary(x, y, out: target) { (p: Int32, q: Int32) in f.integer(p, q) }
    case .int16: mapBinary(x, y, out: target) { (p: Int16, q: Int16) in f.integer(p, q) }
    case .int8: mapBinary(x, y, out: target) { (p: Int8, q: Int8) in f.integer(p, q) }
    case .uint8: mapBinary(x, y, out: target) { (p: UInt8, q: UInt8) in f.integer(p, q) }
    default: preconditionFailure("\(op): unsupported dtype \(dtype)")
    }
    if let out {
        if out.impl !== target.impl { copyElements(from: target, to: out) }
        return out
    }
    return target.cast(dtype)
}

/// Compares with broadcasting in the promoted type; the result is `bool`.
func compareMap<F: CompareFunction>(_ f: F, _ a: Tensor, _ b: Tensor, op: String) -> Tensor {
    let shape = broadcastShapes(a.shape, b.shape, op: op)
    var ct = resultType(a, b).computeType
    if ct == .bool { ct = .uint8 }
    let x = a.cast(ct), y = b.cast(ct)
    let out = Tensor(uninitializedShape: shape, dtype: .bool)
    switch ct {
    case .float32: mapBinary(x, y, out: out) { (p: Float, q: Float) in f(p, q) }
    case .float64: mapBinary(x, y, out: out) { (p: Double, q: Double) in f(p, q) }
    case .int64: mapBinary(x, y, out: out) { (p: Int64, q: Int64) in f(p, q) }
    case .int32: mapBinary(x, y, out: out) { (p: Int32, q: Int32) in f(p, q) }
    case .int16: mapBinary(x, y, out: out) { (p: Int16, q: Int16) in f(p, q) }
    case .int8: mapBinary(x, y, out: out) { (p: Int8, q: Int8) in f(p, q) }
    default: mapBinary(x, y, out: out) { (p: UInt8, q: UInt8) in f(p, q) }
    }
    return out
}

extension Tensor {
    /// Records the unary op that produced `y` from `self`, with its backward `(grad, input, output) -> inputGrad`.
    func recordUnary(_ name: String, _ y: Tensor,
                     backward: @escaping (_ g: Tensor, _ x: Tensor, _ y: Tensor) -> Tensor) -> Tensor {
        if shouldRecord(self) {
            record(name, inputs: [self], outputs: [y], saving: [self], savingOutputs: [0]) { ctx in
                [backward(ctx.grad, ctx.saved[0], ctx.saved[1])]
            }
        }
        return y
    }
}
