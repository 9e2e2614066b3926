// MARK: - Creation from Swift values

extension Tensor {
    /// A tensor holding `scalars` with the given shape (row-major), dtype from `T`.
    /// - Parameters:
    ///   - scalars: the elements in row-major order.
    ///   - shape: the shape (defaults to one dimension of `scalars.count`).
    public init<T: TensorScalar>(_ scalars: [T], shape: [Int]? = nil) {
        let shape = shape ?? [scalars.count]
        precondition(shapeCount(shape) == scalars.count,
                     "Tensor(_:shape:): shape \(shape) is invalid for input of size \(scalars.count)")
        self.init(uninitializedShape: shape, dtype: T.dtype)
        let p = pointer(as: T.self)
        scalars.withUnsafeBufferPointer { src in
            if T.self == Bool.self {
                for i in 0..<src.count { (rawPointer + i).storeBytes(of: (src[i] as! Bool) ? UInt8(1) : 0, as: UInt8.self) }
            } else {
                p.update(from: src.baseAddress!, count: src.count)
            }
        }
    }

    /// A tensor holding `scalars` converted to `dtype`.
    /// - Parameters:
    ///   - scalars: the elements in row-major order.
    ///   - shape: the shape.
    ///   - dtype: the element type.
    public init<T: TensorScalar>(_ scalars: [T], shape: [Int]? = nil, dtype: DType) {
        let t = Tensor(scalars, shape: shape)
        self = t.to(dtype)
    }

    /// A matrix from nested rows.
    /// - Parameter rows: rows of equal length.
    public init<T: TensorScalar>(_ rows: [[T]]) {
        let cols = rows.first?.count ?? 0
        precondition(rows.allSatisfy { $0.count == cols }, "Tensor(_:): expected sequence of length \(cols) at every row")
        self.init(rows.flatMap { $0 }, shape: [rows.count, cols])
    }

    /// A 3-D tensor from nested arrays.
    /// - Parameter planes: nested arrays of equal lengths.
    public init<T: TensorScalar>(_ planes: [[[T]]]) {
        let rows = planes.first?.count ?? 0
        let cols = planes.first?.first?.count ?? 0
        precondition(planes.allSatisfy { $0.count == rows && $0.allSatisfy { $0.count == cols } },
                     "Tensor(_:): ragged nested arrays")
        self.init(planes.flatMap { $0.flatMap { $0 } }, shape: [planes.count, rows, cols])
    }

    /// A 0-d tensor holding one value.
    /// - Parameters:
    ///   - scalar: the value.
    ///   - dtype: the element type (defaults to `T`'s).
    public init<T: TensorScalar>(scalar: T, dtype: DType? = nil) {
        let t = Tensor([scalar], shape: [])
        self = dtype.map { t.to($0) } ?? t
    }
}

// MARK: - Literals

/// Note (scalar literals): Swift may type a literal inside an expression as `Tensor` (`t * (1 - 0.1)` can
/// become `Tensor(1) - Tensor(0.1)`). So a scalar literal makes a *wrapped number*, as PyTorch makes of a
/// Python number: it keeps full precision (float64/int64), arithmetic between wrapped numbers stays wrapped,
/// and in an op with a real tensor it does not change that tensor's dtype (`float32Tensor * 0.1` is float32,
/// `intTensor * 2.5` is float32). Array literals of numbers get PyTorch's default dtypes (`[1, 2]` is int64,
/// `[1, 2.5]` float32), like `torch.tensor([...])`; use `Tensor(scalar:)` for a typed 0-d tensor.
extension Tensor: ExpressibleByFloatLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral,
    ExpressibleByArrayLiteral {
    /// A wrapped number holding the literal in float64.
    public init(floatLiteral value: Double) { self = Tensor.wrapped(value, dtype: .float64) }
    /// A wrapped number holding the literal in int64.
    public init(integerLiteral value: Int) { self = Tensor.wrapped(Double(value), dtype: .int64, exact: Int64(value)) }
    /// A wrapped `bool` number.
    public init(booleanLiteral value: Bool) { self = Tensor.wrapped(value ? 1 : 0, dtype: .bool) }
    /// Stacks the elements (`[[1, 2], [3, 4]]` is a 2×2 `int64` tensor; `[1, 2.5]` is `float32`).
    public init(arrayLiteral elements: Tensor...) {
        if elements.isEmpty {
            self = Tensor.empty([0])
            return
        }
        // Scalar literals carry full precision; the array gets PyTorch's default dtype for its kind.
        let stacked = Tensor.stack(elements.map { $0.literalDefaulted }, dim: 0)
        self = stacked
    }

    /// A literal-made value converted to PyTorch's default dtype of its kind (float32, int64, bool).
    var literalDefaulted: Tensor {
        guard impl.isWrappedNumber else { return self }
        switch dtype {
        case .float64: return cast(.float32)
        default: return cast(dtype)
        }
    }
}

// MARK: - Factories

extension Tensor {
    /// A tensor of `shape` with uninitialised values (`torch.empty`).
    /// - Parameters:
    ///   - shape: the shape.
    ///   - dtype: the element type.
    ///   - device: where the memory lives.
    public static func empty(_ shape: [Int], dtype: DType = .float32, device: Device = .cpu) -> Tensor {
        precondition(shape.allSatisfy { $0 >= 0 }, "empty: negative dimension in shape \(shape)")
        return Tensor(uninitializedShape: shape, dtype: dtype, device: device)
    }

    /// A tensor filled with `value` (`torch.full`).
    /// - Parameters:
    ///   - shape: the shape.
    ///   - value: the fill value.
    ///   - dtype: the element type.
    ///   - device: where the memory lives.
    public static func full(_ shape: [Int], _ value: Double, dtype: DType = .float32, device: Device = .cpu) -> Tensor {
        let t = empty(shape, dtype: dtype, device: device)
        t.fillRaw(value)
        return t
    }

    /// A tensor of zeros (`torch.zeros`).
    /// - Parameters:
    ///   - shape: the shape.
    ///   - dtype: the element type.
    ///   - device: where the memory lives.
    public static func zeros(_ shape: [Int], dtype: DType = .float32, device: Device = .cpu) -> Tensor {
        full(shape, 0, dtype: dtype, device: device)
    }

    /// A tensor of ones (`torch.ones`).
    /// - Parameters:
    ///   - shape: the shape.
    ///   - dtype: the element type.
    ///   - device: where the memory lives.
    public static func ones(_ shape: [Int], dtype: DType = .float32, device: Device = .cpu) -> Tensor {
        full(shape, 1, dtype: dtype, device: device)
    }

    /// Zeros with the shape and dtype of `other` (`torch.zeros_like`).
    /// - Parameters:
    ///   - other: the tensor whose shape to copy.
    ///   - dtype: the element type (defaults to `other`'s).
    public static func zerosLike(_ other: Tensor, dtype: DType? = nil) -> Tensor { zeros(other.shape, dtype: dtype ?? other.dtype, device: other.device) }
    /// Ones with the shape and dtype of `other` (`torch.ones_like`).
    /// - Parameters:
    ///   - other: the tensor whose shape to copy.
    ///   - dtype: the element type (defaults to `other`'s).
    public static func onesLike(_ other: Tensor, dtype: DType? = nil) -> Tensor { ones(other.shape, dtype: dtype ?? other.dtype, device: other.device) }
    /// `value` with the shape and dtype of `other` (`torch.full_like`).
    /// - Parameters:
    ///   - other: the tensor whose shape to copy.
    ///   - value: the fill value.
    ///   - dtype: the element type (defaults to `other`'s).
    public static func fullLike(_ other: Tensor, _ value: Double, dtype: DType? = nil) -> Tensor { full(other.shape, value, dtype: dtype ?? other.dtype, device: other.device) }
    /// Uninitialised memory with the shape and dtype of `other` (`torch.empty_like`).
    /// - Parameters:
    ///   - other: the tensor whose shape to copy.
    ///   - dtype: the element type (defaults to `other`'s).
    public static func emptyLike(_ other: Tensor, dtype: DType? = nil) -> Tensor { empty(other.shape, dtype: dtype ?? other.dtype, device: other.device) }

    /// Values `start, start+step, …` below `end` (`torch.arange`); `int64` unless a float dtype is asked for or
    /// an argument has a fraction.
    /// - Parameters:
    ///   - start: the first value.
    ///   - end: the exclusive bound.
    ///   - step: the spacing (nonzero).
    ///   - dtype: the element type.
    ///   - device: where the tensor lives.
    public static func arange(_ start: Double, _ end: Double, step: Double = 1, dtype: DType? = nil, device: Device = .cpu) -> Tensor {
        precondition(step != 0, "arange: step must be nonzero")
        precondition((end - start) / step >= 0 || start == end, "arange: upper bound and larger bound inconsistent with step sign")
        let n = Swift.max(0, Int(((end - start) / step).rounded(.up)))
        let isInt = start == start.rounded() && end == end.rounded() && step == step.rounded()
        let dt = dtype ?? (isInt ? .int64 : .float32)
        return fromDoubles((0..<n).map { start + Double($0) * step }, shape: [n], dtype: dt).transferred(to: device)
    }

    /// `0, 1, …, end-1` as `int64` (`torch.arange(end)`).
    /// - Parameters:
    ///   - end: the exclusive bound.
    ///   - dtype: the element type.
    ///   - device: where the tensor lives.
    public static func arange(_ end: Int, dtype: DType = .int64, device: Device = .cpu) -> Tensor {
        arange(0, Double(end), dtype: dtype, device: device)
    }

    /// `steps` evenly spaced values from `start` to `end` inclusive (`torch.linspace`).
    /// - Parameters:
    ///   - start: the first value.
    ///   - end: the last value.
    ///   - steps: how many values.
    ///   - dtype: the element type.
    ///   - device: where the tensor lives.
    public static func linspace(_ start: Double, _ end: Double, steps: Int, dtype: DType = .float32, device: Device = .cpu) -> Tensor {
        precondition(steps >= 0, "linspace: number of steps must be non-negative")
        if steps == 1 { return fromDoubles([start], shape: [1], dtype: dtype).transferred(to: device) }
        let step = (end - start) / Double(steps - 1)
        // PyTorch fills the first half from the start and the second half from the end.
        let half = steps / 2
        let vals = (0..<steps).map { i -> Double in i < half ? start + step * Double(i) : end - step * Double(steps - 1 - i) }
        return fromDoubles(vals, shape: [steps], dtype: dtype).transferred(to: device)
    }

    /// The `n × m` identity matrix (`torch.eye`).
    /// - Parameters:
    ///   - n: rows.
    ///   - m: columns (defaults to `n`).
    ///   - dtype: the element type.
    ///   - device: where the tensor lives.
    public static func eye(_ n: Int, _ m: Int? = nil, dtype: DType = .float32, device: Device = .cpu) -> Tensor {
        let m = m ?? n
        var v = [Double](repeating: 0, count: n * m)
        for i in 0..<Swift.min(n, m) { v[i * m + i] = 1 }
        return fromDoubles(v, shape: [n, m], dtype: dtype).transferred(to: device)
    }

    static func fromDoubles(_ values: [Double], shape: [Int], dtype: DType) -> Tensor {
        if dtype == .float64 { return Tensor(values, shape: shape) }
        return Tensor(values, shape: shape).to(dtype)
    }

    /// Writes `value` into every element without recording (the kernel of `fill_`).
    func fillRaw(_ value: Double) {
        if device != .cpu {
            copyElements(from: Tensor.full([], value, dtype: dtype), to: self)
            return
        }
        struct Fill: DTypeVisitor {
            let t: Tensor
            let value: Double
            func visit<T: TensorScalar>(_ type: T.Type) {
                let v = T(fromDouble: value)
                if T.self == Bool.self {
                    let b: UInt8 = value != 0 ? 1 : 0
                    mapUnary(t, out: t, ConstantKernel<UInt8>(value: b))
                } else {
                    mapUnary(t, out: t, ConstantKernel<T>(value: v))
                }
            }
        }
        dtype.dispatch(Fill(t: self, value: value))
    }
}
