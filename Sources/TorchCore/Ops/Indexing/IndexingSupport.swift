// MARK: - Index arithmetic shared by gather/scatter-style ops

/// Calls `body(linear, coords)` for every position of `shape` in row-major order.
@inline(__always)
func forEachPosition(_ shape: [Int], _ body: (Int, UnsafeMutablePointer<Int>) -> Void) {
    let n = shapeCount(shape)
    guard n > 0 else { return }
    let r = shape.count
    withUnsafeTemporaryAllocation(of: Int.self, capacity: max(r, 1)) { buf in
        let c = buf.baseAddress!
        for d in 0..<r { c[d] = 0 }
        for i in 0..<n {
            body(i, c)
            var d = r - 1
            while d >= 0 {
                c[d] += 1
                if c[d] < shape[d] { break }
                c[d] = 0
                d -= 1
            }
        }
    }
}

/// Reads an index tensor as `Int`s, checking its dtype.
func indexValues(_ index: Tensor, op: String) -> [Int] {
    precondition(index.dtype == .int64 || index.dtype == .int32 || index.dtype == .int16 || index.dtype == .int8 || index.dtype == .uint8,
                 "\(op): Expected dtype int64 for index (got \(index.dtype))")
    return index.toArray(of: Int64.self).map { Int($0) }
}

/// Moves one element of `itemSize` bytes.
@inline(__always)
func copyElement(_ dst: UnsafeMutableRawPointer, _ src: UnsafeRawPointer, _ itemSize: Int) {
    switch itemSize {
    case 1: dst.storeBytes(of: src.load(as: UInt8.self), as: UInt8.self)
    case 2: dst.storeBytes(of: src.load(as: UInt16.self), as: UInt16.self)
    case 4: dst.storeBytes(of: src.load(as: UInt32.self), as: UInt32.self)
    default: dst.storeBytes(of: src.load(as: UInt64.self), as: UInt64.self)
    }
}

/// Adds one element of `dtype` in place (`dst += src`).
@inline(__always)
func addElement(_ dst: UnsafeMutableRawPointer, _ src: UnsafeRawPointer, _ dtype: DType) {
    switch dtype {
    case .float32: dst.storeBytes(of: dst.load(as: Float.self) + src.load(as: Float.self), as: Float.self)
    case .float64: dst.storeBytes(of: dst.load(as: Double.self) + src.load(as: Double.self), as: Double.self)
    case .int64: dst.storeBytes(of: dst.load(as: Int64.self) &+ src.load(as: Int64.self), as: Int64.self)
    case .int32: dst.storeBytes(of: dst.load(as: Int32.self) &+ src.load(as: Int32.self), as: Int32.self)
    case .int16: dst.storeBytes(of: dst.load(as: Int16.self) &+ src.load(as: Int16.self), as: Int16.self)
    case .int8: dst.storeBytes(of: dst.load(as: Int8.self) &+ src.load(as: Int8.self), as: Int8.self)
    case .uint8: dst.storeBytes(of: dst.load(as: UInt8.self) &+ src.load(as: UInt8.self), as: UInt8.self)
    case .bool: dst.storeBytes(of: (dst.load(as: UInt8.self) | src.load(as: UInt8.self)), as: UInt8.self)
    case .float16: dst.storeBytes(of: Float16(Float(dst.load(as: Float16.self)) + Float(src.load(as: Float16.self))), as: Float16.self)
    case .bfloat16: dst.storeBytes(of: BFloat16(dst.load(as: BFloat16.self).floatValue + src.load(as: BFloat16.self).floatValue), as: BFloat16.self)
    }
}

extension Tensor {
    /// Byte address of the element at `coords` (one per dimension).
    @inline(__always)
    func address(_ coords: UnsafePointer<Int>) -> UnsafeMutableRawPointer {
        var off = storageOffset
        for d in 0..<rank { off += coords[d] * strides[d] }
        return storage.data + off * dtype.itemSize
    }
}

/// The index values checked against a dimension of size `n` and made non-negative, as an int64 tensor of
/// `shape` on `device` (what a device backend's gather and scatter kernels read).
func normalizedIndex(_ values: [Int], shape: [Int], size n: Int, device: Device, op: String) -> Tensor {
    let fixed = values.map { k -> Int64 in
        precondition(k >= -n && k < n, "\(op): index \(k) is out of bounds for dimension with size \(n)")
        return Int64(k < 0 ? k + n : k)
    }
    return Tensor(fixed, shape: shape).transferred(to: device)
}
