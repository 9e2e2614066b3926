// MARK: - Tensor

/// A multi-dimensional array with a dynamic dtype, strided views over shared storage and autograd support —
/// SwiftTorch's `torch.Tensor`.
///
/// `Tensor` is a cheap handle: copying it copies a reference. Views share storage and in-place ops are visible
/// through every view, as in PyTorch.
public struct Tensor: Sendable {
    @usableFromInline let impl: TensorImpl

    init(impl: TensorImpl) { self.impl = impl }

    /// A tensor over existing storage (used by readers that return views of a mapped file).
    package init(storage: Storage, shape: [Int], strides: [Int], offset: Int, dtype: DType) {
        impl = TensorImpl(storage: storage, shape: shape, strides: strides, offset: offset, dtype: dtype)
    }

    /// A new contiguous tensor with uninitialised memory on `device`.
    init(uninitializedShape shape: [Int], dtype: DType, device: Device = .cpu) {
        let n = shapeCount(shape)
        let storage = Storage(byteCount: n * dtype.itemSize, device: device)
        impl = TensorImpl(storage: storage, shape: shape, strides: contiguousStrides(shape), offset: 0, dtype: dtype)
    }

    /// A new contiguous tensor shaped like `like` (a contiguous tensor) on its device, sharing its shape and stride
    /// arrays.
    init(uninitializedLike like: Tensor, dtype: DType) {
        let storage = Storage(byteCount: like.count * dtype.itemSize, device: like.device)
        impl = TensorImpl(storage: storage, shape: like.impl.shape, strides: like.impl.strides, offset: 0, dtype: dtype)
    }

    // MARK: Metadata

    /// The size of each dimension (PyTorch's `shape`/`size()`).
    public var shape: [Int] { impl.shape }
    /// Element strides of each dimension.
    public var strides: [Int] { impl.strides }
    /// Element offset of the first element in the storage (`storage_offset()`).
    public var storageOffset: Int { impl.offset }
    /// The element type.
    public var dtype: DType { impl.dtype }
    /// The device holding the memory.
    public var device: Device { impl.storage.device }
    /// True when the tensor lives on a CUDA device (`is_cuda`).
    public var isCUDA: Bool { impl.storage.device != .cpu }
    /// Number of dimensions (`dim()`).
    public var rank: Int { impl.shape.count }
    /// Number of dimensions (`dim()`), PyTorch's name.
    public var ndim: Int { impl.shape.count }
    /// Number of elements (`numel()`).
    public var count: Int { impl.count }
    /// Number of elements, PyTorch's name.
    public func numel() -> Int { impl.count }
    /// The size of dimension `dim` (negative counts from the end).
    /// - Parameter dim: the dimension.
    public func size(_ dim: Int) -> Int { impl.shape[normalizeDim(dim, rank, op: "size")] }
    /// The shared storage.
    public var storage: Storage { impl.storage }
    /// The identity of this tensor object (shared by copies of the handle, not by views): Python's `id(t)`,
    /// for keying per-parameter state.
    public var identity: ObjectIdentifier { ObjectIdentifier(impl) }
    /// True when the elements are laid out densely in row-major order.
    public var isContiguous: Bool { impl.isContiguous }
    /// True when this is a floating-point tensor.
    public var isFloatingPoint: Bool { dtype.isFloatingPoint }

    /// Pointer to the first element (storage offset applied), for CPU kernels: device memory stops with a message
    /// (an op reached a CPU kernel without its device dispatch; see "Note (device dispatch)").
    var rawPointer: UnsafeMutableRawPointer {
        precondition(impl.storage.device == .cpu,
                     "internal error: a CPU kernel was given a tensor on \(impl.storage.device) (shape \(impl.shape), \(impl.dtype)); the op lacks its device dispatch")
        return impl.storage.data + impl.offset * impl.dtype.itemSize
    }

    /// The device address of the first element (storage offset applied), for device backends.
    public var deviceAddress: UInt64 { UInt64(UInt(bitPattern: impl.storage.data)) + UInt64(impl.offset * impl.dtype.itemSize) }

    /// Typed pointer to the first element. The caller guarantees `T` matches `dtype`.
    func pointer<T>(as type: T.Type) -> UnsafeMutablePointer<T> {
        rawPointer.assumingMemoryBound(to: T.self)
    }
}

// MARK: - TensorImpl

/// The shared state behind a ``Tensor`` handle.
///
/// Note (impl sendability): metadata is immutable; the autograd fields are mutated only by the thread that runs
/// the op or the backward pass, as in PyTorch.
@usableFromInline
final class TensorImpl: @unchecked Sendable {
    let storage: Storage
    let shape: [Int]
    let strides: [Int]
    let offset: Int
    let dtype: DType
    let count: Int
    /// Row-major dense layout (size-1 dimensions ignored), computed once.
    let isContiguous: Bool
    var autograd: AutogradMeta?
    /// True for a 0-d tensor made from a Swift scalar operand (`x * 2.5`): it takes part in type promotion
    /// like a Python number does in PyTorch.
    var isWrappedNumber = false

    init(storage: Storage, shape: [Int], strides: [Int], offset: Int, dtype: DType) {
        self.storage = storage
        self.shape = shape
        self.strides = strides
        self.offset = offset
        self.dtype = dtype
        self.count = shapeCount(shape)
        var expected = 1
        var contiguous = true
        for i in stride(from: shape.count - 1, through: 0, by: -1) where shape[i] != 1 {
            if strides[i] != expected { contiguous = false; break }
            expected *= shape[i]
        }
        self.isContiguous = contiguous
    }

    var meta: AutogradMeta {
        if let m = autograd { return m }
        let m = AutogradMeta()
        autograd = m
        return m
    }
}

// MARK: - Shape helpers

@inline(__always)
func shapeCount(_ shape: [Int]) -> Int {
    var n = 1
    for s in shape { n &*= s }
    return n
}

/// Row-major strides of a dense tensor of `shape`.
///
/// Note (array literals): ranks up to 4 are built as array literals. `[Int](repeating:count:)` goes through the
/// standard library's unspecialised buffer initialiser, which looks the array's metadata up in a locked runtime
/// table on every call (a few per cent of a small op, measured with perf).
package func contiguousStrides(_ shape: [Int]) -> [Int] {
    switch shape.count {
    case 0: return []
    case 1: return [1]
    case 2: return [Swift.max(shape[1], 1), 1]
    case 3:
        let s1 = Swift.max(shape[2], 1)
        return [s1 * Swift.max(shape[1], 1), s1, 1]
    case 4:
        let s2 = Swift.max(shape[3], 1), s1 = s2 * Swift.max(shape[2], 1)
        return [s1 * Swift.max(shape[1], 1), s1, s2, 1]
    default: break
    }
    var strides = [Int](repeating: 1, count: shape.count)
    var acc = 1
    for i in stride(from: shape.count - 1, through: 0, by: -1) {
        strides[i] = acc
        acc *= max(shape[i], 1)
    }
    return strides
}

/// Wraps a possibly negative dimension index, stopping with a message naming the op when it is out of range.
func normalizeDim(_ dim: Int, _ rank: Int, op: String) -> Int {
    let r = max(rank, 1)
    precondition(dim >= -r && dim < r, "\(op): dimension out of range (expected to be in range of [\(-r), \(r - 1)], but got \(dim))")
    return dim < 0 ? dim + r : dim
}

/// The broadcast shape of two shapes (NumPy/PyTorch rules).
public func broadcastShapes(_ a: [Int], _ b: [Int], op: String = "broadcast") -> [Int] {
    if a == b { return a }
    // When one shape is the result already (a bias against a batch), it is returned as is, not rebuilt.
    if a.count <= b.count && broadcasts(a, into: b) { return b }
    if b.count <= a.count && broadcasts(b, into: a) { return a }
    let n = max(a.count, b.count)
    var out = filledInts(1, n)
    for i in 0..<n {
        let da = i < n - a.count ? 1 : a[i - (n - a.count)]
        let db = i < n - b.count ? 1 : b[i - (n - b.count)]
        precondition(da == db || da == 1 || db == 1,
                     "\(op): shapes \(a) and \(b) cannot be broadcast (size \(da) vs \(db) at dimension \(i))")
        out[i] = da == 1 ? db : da
    }
    return out
}

/// Whether `shape` broadcasts to `target` (of at least its rank) with `target` as the result.
@inline(__always)
private func broadcasts(_ shape: [Int], into target: [Int]) -> Bool {
    let off = target.count - shape.count
    for i in 0..<shape.count where shape[i] != 1 && shape[i] != target[off + i] { return false }
    return true
}

/// Strides of `t` viewed as broadcast to `shape` (0 on broadcast dimensions).
package func broadcastStrides(_ shape: [Int], _ tshape: [Int], _ tstrides: [Int]) -> [Int] {
    let n = shape.count
    var out = filledInts(0, n)
    let off = n - tshape.count
    for i in 0..<tshape.count where tshape[i] != 1 {
        out[i + off] = tstrides[i]
    }
    return out
}

/// `[Int](repeating: value, count: n)`, as an array literal for n ≤ 4 (see `contiguousStrides`' note on array
/// literals).
@inline(__always)
func filledInts(_ value: Int, _ n: Int) -> [Int] {
    switch n {
    case 0: return []
    case 1: return [value]
    case 2: return [value, value]
    case 3: return [value, value, value]
    case 4: return [value, value, value, value]
    default: return [Int](repeating: value, count: n)
    }
}

/// `n` empty gradient slots, as an array literal for n ≤ 3.
@inline(__always)
func noTensors(_ n: Int) -> [Tensor?] {
    switch n {
    case 0: return []
    case 1: return [nil]
    case 2: return [nil, nil]
    case 3: return [nil, nil, nil]
    default: return [Tensor?](repeating: nil, count: n)
    }
}

/// Boxes a value for use across the threads of a fork/join region whose synchronisation makes it safe.
struct UncheckedSendable<T>: @unchecked Sendable {
    var value: T
    init(_ value: T) { self.value = value }
}
