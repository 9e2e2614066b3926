// MARK: - Elementwise op machinery

/// A floating-point function of one variable (`exp`, `tanh`, …). Integer inputs are computed as `float32`,
/// half types in `float32` and rounded back, as PyTorch's CPU kernels do.
protocol UnaryFloatingFunction {
    func callAsFunction<T: FloatingScalar>(_ x: T) -> T
    /// A vectorised whole-buffer kernel for contiguous float32 data, when the op has one (`CTorchKernels`).
    var contiguousFloat32: ((UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int) -> Void)? { get }
    /// The values of the op's ``ElementwiseExpression`` parameters `p0`, `p1` (for device kernels).
    var parameters: [Double] { get }
}

extension UnaryFloatingFunction {
    var contiguousFloat32: ((UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int) -> Void)? { nil }
    var parameters: [Double] { [] }
}

/// Runs a contiguous float32 buffer kernel over `x` into `out`, split over the intra-op threads.
/// Returns false when the layouts do not allow it.
func runContiguousFloat32(_ kernel: ((UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int) -> Void)?,
                          _ x: Tensor, _ out: Tensor) -> Bool {
    guard let kernel, x.dtype == .float32, out.dtype == .float32, x.isContiguous, out.isContiguous,
          x.shape == out.shape else { return false }
    let px = UnsafePointer(x.pointer(as: Float.self)), po = out.pointer(as: Float.self)
    ThreadPool.parallelFor(x.count, grain: 32_768) { range in
        kernel(px + range.lowerBound, po + range.lowerBound, range.count)
    }
    return true
}

/// A function of one variable that keeps integer dtypes (`neg`, `abs`, `relu`, …).
protocol UnaryNumericFunction: UnaryFloatingFunction {
    func integer<T: IntegerScalar>(_ x: T) -> T
}

/// A function of two variables over a common computation type.
protocol BinaryFunction {
    func callAsFunction<T: FloatingScalar>(_ a: T, _ b: T) -> T
    func integer<T: IntegerScalar>(_ a: T, _ b: T) -> T
    /// The `st_binary_f32` op code when the op has a vectorised float32 kernel.
    var float32Op: Int32? { get }
    /// The values of the op's ``ElementwiseExpression`` parameters `p0`, `p1` (for device kernels).
    var parameters: [Double] { get }
}

extension BinaryFunction {
    var float32Op: Int32? { nil }
    var parameters: [Double] { [] }
}

/// A comparison producing `bool`.
protocol CompareFunction {
    func callAsFunction<T: Comparable>(_ a: T, _ b: T) -> Bool
}

// MARK: Device dispatch

/// Runs the registry's elementwise primitive `op` on the backend of `device` into `output`; false when the backend
/// has no kernel for it. 0-d CPU operands (Swift scalars) stay on the host: the backend reads their value.
func deviceElementwise(_ op: String, _ parameters: [Double], _ inputs: [Tensor], _ output: Tensor, _ device: Device) -> Bool {
    let operands = inputs.map { $0.device == .cpu && $0.rank == 0 ? $0 : $0.transferred(to: device) }
    return DeviceBackends.require(device, op: op).elementwise(op, parameters: parameters, inputs: operands, output: output)
}

extension Tensor {
    /// `self` on `device`, except a 0-d CPU tensor (a Swift scalar operand), which stays on the host for the backend
    /// to pass by value.
    func onDeviceOrScalar(_ device: Device) -> Tensor {
        self.device == .cpu && rank == 0 ? self : transferred(to: device)
    }
}

/// `floatingMap` for a device tensor.
private func deviceFloatingMap<F: UnaryFloatingFunction>(_ f: F, _ x: Tensor, op: String, device: Device) -> Tensor {
    let src = x.dtype.isFloatingPoint ? x : x.cast(.float32)
    let out = Tensor(uninitializedShape: x.shape, dtype: src.dtype, device: device)
    if deviceElementwise(op, f.parameters, [src], out, device) { return out }
    return hostStaged(op, [x], device: device) { floatingMap(f, $0[0], op: op) }
}

extension Tensor {
    /// Converts without recording (kernels' internal casts).
    func cast(_ dtype: DType) -> Tensor {
        if dtype == self.dtype { return self }
        let out = Tensor(uninitializedShape: shape, dtype: dtype, device: device)
        copyElements(from: self, to: out)
        return out
    }

    /// A 0-d tensor standing for a Swift scalar operand (or literal); `exact` keeps integers beyond 2^53.
    static func wrapped(_ value: Double, dtype: DType, exact: Int64? = nil) -> Tensor {
        let t: Tensor
        if let exact, dtype == .int64 {
            t = Tensor([exact], shape: [])
        } else {
            t = Tensor.full([], value, dtype: dtype)
        }
        t.impl.isWrappedNumber = true
        return t
    }
}

/// The dtype of an op's result over `tensors` with PyTorch's rules: dimensioned tensors take precedence over
/// 0-d tensors, which take precedence over wrapped Swift scalars, unless a lower tier has a higher category.
func resultType(_ a: Tensor, _ b: Tensor) -> DType {
    if a.dtype == b.dtype { return a.dtype }
    // Two wrapped numbers combine at full precision (float64 / int64), like Python numbers.
    if a.impl.isWrappedNumber && b.impl.isWrappedNumber { return DType.promote(a.dtype, b.dtype) }
    return resultType([a, b])
}

/// The result dtype over any number of tensors (see ``resultType(_:_:)``).
func resultType(_ tensors: [Tensor]) -> DType {
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

/// Applies a floating function elementwise into `out` (a float32/float64 tensor of `x`'s shape and dtype).
func floatingMap<F: UnaryFloatingFunction>(_ f: F, _ x: Tensor, out: Tensor, op: String) {
    precondition(out.shape == x.shape && out.dtype == x.dtype && (x.dtype == .float32 || x.dtype == .float64),
                 "out=: expected a \(x.dtype) tensor of shape \(x.shape), got \(out.dtype) \(out.shape)")
    let device = commonDevice(x, out, op: op)
    if device != .cpu {
        if !deviceElementwise(op, f.parameters, [x], out, device) {
            copyElements(from: hostStaged(op, [x], device: device) { floatingMap(f, $0[0], op: op) }, to: out)
        }
    } else {
        applyFloating(f, x, out)
    }
    out.storage.bumpVersion()
}

/// Applies a floating function elementwise; the result is floating point (ints become `float32`).
func floatingMap<F: UnaryFloatingFunction>(_ f: F, _ x: Tensor, op: String) -> Tensor {
    if x.device != .cpu { return deviceFloatingMap(f, x, op: op, device: x.device) }
    let outType: DType = x.dtype.isFloatingPoint ? x.dtype : .float32
    let src = x.dtype == .float64 ? x : x.cast(.float32)
    let out = src.impl.isContiguous ? Tensor(uninitializedLike: src, dtype: src.dtype)
                                    : Tensor(uninitializedShape: x.shape, dtype: src.dtype)
    applyFloating(f, src, out)
    return out.cast(outType)
}

/// The kernel selection shared by both forms: float64 loop, float32 vector kernel, or float32 loop.
private func applyFloating<F: UnaryFloatingFunction>(_ f: F, _ src: Tensor, _ out: Tensor) {
    if src.dtype == .float64 {
        mapUnary(src, out: out, FloatKernel1<F, Double>(f: f))
    } else if !runContiguousFloat32(f.contiguousFloat32, src, out) {
        mapUnary(src, out: out, FloatKernel1<F, Float>(f: f))
    }
}

/// Applies a dtype-preserving function elementwise.
func numericMap<F: UnaryNumericFunction>(_ f: F, _ x: Tensor, op: String) -> Tensor {
    if x.dtype.isFloatingPoint { return floatingMap(f, x, op: op) }
    precondition(x.dtype != .bool, "\(op): not supported for bool tensors")
    if x.device != .cpu {
        let out = Tensor(uninitializedShape: x.shape, dtype: x.dtype, device: x.device)
        if deviceElementwise(op, f.parameters, [x], out, x.device) { return out }
        return hostStaged(op, [x], device: x.device) { numericMap(f, $0[0], op: op) }
    }
    let out = Tensor(uninitializedShape: x.shape, dtype: x.dtype)
    switch x.dtype {
    case .int64: mapUnary(x, out: out, IntKernel1<F, Int64>(f: f))
    case .int32: mapUnary(x, out: out, IntKernel1<F, Int32>(f: f))
    case .int16: mapUnary(x, out: out, IntKernel1<F, Int16>(f: f))
    case .int8: mapUnary(x, out: out, IntKernel1<F, Int8>(f: f))
    default: mapUnary(x, out: out, IntKernel1<F, UInt8>(f: f))
    }
    return out
}

/// Applies a binary function with broadcasting, computing in `dtype`'s computation type and writing into `out`
/// (allocated when nil).
func binaryMap<F: BinaryFunction>(_ f: F, _ a: Tensor, _ b: Tensor, dtype: DType, op: String, out: Tensor? = nil) -> Tensor {
    let shape = out?.shape ?? broadcastShapes(a.shape, b.shape, op: op)
    let ct: DType = dtype == .bool ? .uint8 : dtype.computeType
    let device = out.map { commonDevice(a, b, $0, op: op) } ?? commonDevice(a, b, op: op)
    if device != .cpu {
        return deviceBinaryMap(f, a, b, dtype: dtype, computeType: ct, shape: shape, op: op, out: out, device: device)
    }
    let x = a.cast(ct), y = b.cast(ct)
    let target: Tensor
    if let out, out.dtype == ct {
        target = out
    } else if x.impl.isContiguous && x.impl.shape == shape {
        target = Tensor(uninitializedLike: x, dtype: ct)
    } else {
        target = Tensor(uninitializedShape: shape, dtype: ct)
    }
    switch ct {
    case .float32: mapBinary(x, y, out: target, FloatKernel2<F, Float>(f: f))
    case .float64: mapBinary(x, y, out: target, FloatKernel2<F, Double>(f: f))
    case .int64: mapBinary(x, y, out: target, IntKernel2<F, Int64>(f: f))
    case .int32: mapBinary(x, y, out: target, IntKernel2<F, Int32>(f: f))
    case .int16: mapBinary(x, y, out: target, IntKernel2<F, Int16>(f: f))
    case .int8: mapBinary(x, y, out: target, IntKernel2<F, Int8>(f: f))
    case .uint8: mapBinary(x, y, out: target, IntKernel2<F, UInt8>(f: f))
    default: preconditionFailure("\(op): unsupported dtype \(dtype)")
    }
    return finishBinary(target, out: out, dtype: dtype, a, b)
}

/// The result of a binary map computed into `target` in the computation type: copied into `out` when one was
/// given, else cast to `dtype` (a wrapped Swift number when both operands were).
private func finishBinary(_ target: Tensor, out: Tensor?, dtype: DType, _ a: Tensor, _ b: Tensor) -> Tensor {
    if let out {
        if out.impl !== target.impl { copyElements(from: target, to: out) }
        return out
    }
    let result = target.cast(dtype)
    if a.impl.isWrappedNumber && b.impl.isWrappedNumber { result.impl.isWrappedNumber = true }
    return result
}

/// `binaryMap` when an operand is on a device.
private func deviceBinaryMap<F: BinaryFunction>(_ f: F, _ a: Tensor, _ b: Tensor, dtype: DType, computeType ct: DType,
                                                shape: [Int], op: String, out: Tensor?, device: Device) -> Tensor {
    let x = a.onDeviceOrScalar(device).cast(ct), y = b.onDeviceOrScalar(device).cast(ct)
    let target = out.flatMap { $0.dtype == ct ? $0 : nil } ?? Tensor(uninitializedShape: shape, dtype: ct, device: device)
    if !deviceElementwise(op, f.parameters, [x, y], target, device) {
        let host = hostStaged(op, [x, y], device: device) { binaryMap(f, $0[0], $0[1], dtype: ct, op: op) }
        copyElements(from: host, to: target)
    }
    return finishBinary(target, out: out, dtype: dtype, a, b)
}

/// Compares with broadcasting in the promoted type; the result is `bool`.
func compareMap<F: CompareFunction>(_ f: F, _ a: Tensor, _ b: Tensor, op: String) -> Tensor {
    let shape = broadcastShapes(a.shape, b.shape, op: op)
    var ct = resultType(a, b).computeType
    if ct == .bool { ct = .uint8 }
    let device = commonDevice(a, b, op: op)
    if device != .cpu {
        let x = a.onDeviceOrScalar(device).cast(ct), y = b.onDeviceOrScalar(device).cast(ct)
        let out = Tensor(uninitializedShape: shape, dtype: .bool, device: device)
        if deviceElementwise(op, [], [x, y], out, device) { return out }
        return hostStaged(op, [x, y], device: device) { compareMap(f, $0[0], $0[1], op: op) }
    }
    let x = a.cast(ct), y = b.cast(ct)
    let out = Tensor(uninitializedShape: shape, dtype: .bool)
    switch ct {
    case .float32: mapBinary(x, y, out: out, CompareKernel<F, Float>(f: f))
    case .float64: mapBinary(x, y, out: out, CompareKernel<F, Double>(f: f))
    case .int64: mapBinary(x, y, out: out, CompareKernel<F, Int64>(f: f))
    case .int32: mapBinary(x, y, out: out, CompareKernel<F, Int32>(f: f))
    case .int16: mapBinary(x, y, out: out, CompareKernel<F, Int16>(f: f))
    case .int8: mapBinary(x, y, out: out, CompareKernel<F, Int8>(f: f))
    default: mapBinary(x, y, out: out, CompareKernel<F, UInt8>(f: f))
    }
    return out
}

extension Tensor {
    /// Records the unary op that produced `y` from `self`, with its backward `(grad, input, output) -> inputGrad`.
    /// - Parameter savesInput: false when backward needs only the output (its `x` argument is then the output).
    func recordUnary(_ name: String, _ y: Tensor, savesInput: Bool = true,
                     backward: @escaping (_ g: Tensor, _ x: Tensor, _ y: Tensor) -> Tensor) -> Tensor {
        if shouldRecord(self) {
            if savesInput {
                record(name, inputs: [self], outputs: [y], saving: [self], savingOutputs: [0]) { ctx in
                    [backward(ctx.grad, ctx.saved[0], ctx.saved[1])]
                }
            } else {
                record(name, inputs: [self], outputs: [y], savingOutputs: [0]) { ctx in
                    [backward(ctx.grad, ctx.saved[0], ctx.saved[0])]
                }
            }
        }
        return y
    }
}

// MARK: Function objects binding an op to an element type

struct FloatKernel1<F: UnaryFloatingFunction, T: FloatingScalar>: Map1 {
    let f: F
    @inline(__always) func callAsFunction(_ a: T) -> T { f(a) }
}

struct IntKernel1<F: UnaryNumericFunction, T: IntegerScalar>: Map1 {
    let f: F
    @inline(__always) func callAsFunction(_ a: T) -> T { f.integer(a) }
}

struct FloatKernel2<F: BinaryFunction, T: FloatingScalar>: Map2 {
    let f: F
    @inline(__always) func callAsFunction(_ a: T, _ b: T) -> T { f(a, b) }
    var float32Op: Int32? { T.self == Float.self ? f.float32Op : nil }
}

struct IntKernel2<F: BinaryFunction, T: IntegerScalar>: Map2 {
    let f: F
    @inline(__always) func callAsFunction(_ a: T, _ b: T) -> T { f.integer(a, b) }
}

struct CompareKernel<F: CompareFunction, T: Comparable>: Map2 {
    let f: F
    @inline(__always) func callAsFunction(_ a: T, _ b: T) -> Bool { f(a, b) }
}
