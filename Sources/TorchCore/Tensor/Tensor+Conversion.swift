// MARK: - Conversions and element access

extension Tensor {
    /// This tensor converted to `dtype` (a new tensor; returns `self` when the dtype already matches).
    /// Differentiable between floating-point types.
    /// - Parameter dtype: the target element type.
    public func to(_ dtype: DType) -> Tensor {
        if dtype == self.dtype { return self }
        let out = Tensor(uninitializedShape: shape, dtype: dtype, device: device)
        copyElements(from: self, to: out)
        if dtype.isFloatingPoint && shouldRecord(self) {
            let srcType = self.dtype
            record("to", inputs: [self], outputs: [out]) { ctx in [ctx.grad.to(srcType)] }
        }
        return out
    }

    /// This tensor converted to `dtype` (PyTorch's `.to(dtype=...)`).
    /// - Parameter dtype: the target element type.
    public func to(dtype: DType) -> Tensor { to(dtype) }

    /// A contiguous tensor with the same values: `self` when already contiguous (`contiguous()`).
    public func contiguous() -> Tensor {
        isContiguous ? self : clone()
    }

    /// A contiguous copy with its own storage (`clone()`); differentiable.
    public func clone() -> Tensor {
        let out = contiguousCopy()
        if shouldRecord(self) {
            record("clone", inputs: [self], outputs: [out]) { ctx in [ctx.grad] }
        }
        return out
    }

    /// A contiguous copy that is not recorded.
    func contiguousCopy() -> Tensor {
        let out = Tensor(uninitializedShape: shape, dtype: dtype, device: device)
        copyElements(from: self, to: out)
        return out
    }

    /// The single value of a one-element tensor as `T` (`item()`).
    /// - Parameter type: the Swift type to return.
    public func item<T: TensorScalar>(_ type: T.Type = T.self) -> T {
        precondition(count == 1, "item: a Tensor with \(count) elements cannot be converted to Scalar")
        if device != .cpu { return transferred(to: .cpu).item(type) }
        if T.isIntegral && !dtype.isFloatingPoint { return T(fromInt64: intElement(at: 0)) }
        return T(fromDouble: element(at: 0))
    }

    /// The single value of a one-element tensor as `Double`.
    public func item() -> Double { item(Double.self) }

    /// The elements in row-major order, converted to `T` (`tolist()` flattened).
    /// - Parameter type: the Swift element type.
    public func toArray<T: TensorScalar>(of type: T.Type) -> [T] {
        if device != .cpu { return transferred(to: .cpu).toArray(of: type) }
        let c = (dtype == T.dtype ? self : self.to(T.dtype)).contiguous()
        if T.self == Int.self || T.self == Bool.self || T.self == Float.self || T.self == Double.self
            || T.self == Int64.self || T.self == Int32.self || T.self == Int16.self || T.self == Int8.self
            || T.self == UInt8.self || T.self == Float16.self || T.self == BFloat16.self {
            let p = c.pointer(as: T.self)
            return Array(UnsafeBufferPointer(start: p, count: count))
        }
        return (0..<count).map { T(fromDouble: c.element(at: $0)) }
    }

    /// The elements in row-major order as `Double`s.
    public var scalars: [Double] { toArray(of: Double.self) }

    /// Byte address of the element at a row-major position.
    private func address(ofLinear linear: Int) -> UnsafeMutableRawPointer {
        precondition(device == .cpu, "internal error: element access to a tensor on \(device)")
        var rem = linear
        var off = 0
        for d in stride(from: rank - 1, through: 0, by: -1) {
            let i = rem % shape[d]
            rem /= shape[d]
            off += i * strides[d]
        }
        return storage.data + (storageOffset + off) * dtype.itemSize
    }

    /// The element at a row-major position, as `Double` (slow; for printing and tests).
    func element(at linear: Int) -> Double {
        let p = address(ofLinear: linear)
        switch dtype {
        case .float32: return Double(p.load(as: Float.self))
        case .float64: return p.load(as: Double.self)
        case .float16: return Double(Float(p.load(as: Float16.self)))
        case .bfloat16: return Double(p.load(as: BFloat16.self).floatValue)
        case .int64: return Double(p.load(as: Int64.self))
        case .int32: return Double(p.load(as: Int32.self))
        case .int16: return Double(p.load(as: Int16.self))
        case .int8: return Double(p.load(as: Int8.self))
        case .uint8: return Double(p.load(as: UInt8.self))
        case .bool: return p.load(as: UInt8.self) != 0 ? 1 : 0
        }
    }

    /// The exact Int64 element at a row-major position (integer and bool tensors).
    func intElement(at linear: Int) -> Int64 {
        let p = address(ofLinear: linear)
        switch dtype {
        case .int64: return p.load(as: Int64.self)
        case .int32: return Int64(p.load(as: Int32.self))
        case .int16: return Int64(p.load(as: Int16.self))
        case .int8: return Int64(p.load(as: Int8.self))
        case .uint8, .bool: return Int64(p.load(as: UInt8.self))
        default: return Int64(fromDouble: element(at: linear))
        }
    }
}

extension OpInfo {
    static let cloneOp = OpInfo(name: "clone", kind: .unary, dtypes: .all, differentiable: true,
                                elementwise: ElementwiseExpression("x", integer: "x", boolean: "x"),
                                inputs: [.init([3, 4], .real)]) { $0[0].clone() }
}
