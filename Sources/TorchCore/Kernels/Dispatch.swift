// MARK: - Dtype dispatch

/// Calls a generic function with the Swift type of a dtype.
protocol DTypeVisitor {
    associatedtype Result
    func visit<T: TensorScalar>(_ type: T.Type) -> Result
}

extension DType {
    /// Calls `visitor.visit(T.self)` with the element type of this dtype.
    func dispatch<V: DTypeVisitor>(_ visitor: V) -> V.Result {
        switch self {
        case .float32: return visitor.visit(Float.self)
        case .float64: return visitor.visit(Double.self)
        case .float16: return visitor.visit(Float16.self)
        case .bfloat16: return visitor.visit(BFloat16.self)
        case .int64: return visitor.visit(Int64.self)
        case .int32: return visitor.visit(Int32.self)
        case .int16: return visitor.visit(Int16.self)
        case .int8: return visitor.visit(Int8.self)
        case .uint8: return visitor.visit(UInt8.self)
        case .bool: return visitor.visit(Bool.self)
        }
    }
}

/// Copies `src` (broadcast to `dst`'s shape) into `dst`, converting the element type.
struct CastCopy<S: TensorScalar>: DTypeVisitor {
    let src: Tensor
    let dst: Tensor
    func visit<D: TensorScalar>(_ type: D.Type) {
        mapUnary(src, out: dst, ConvertKernel<S, D>())
    }
}

private struct CastCopyOuter: DTypeVisitor {
    let src: Tensor
    let dst: Tensor
    func visit<S: TensorScalar>(_ type: S.Type) { dst.dtype.dispatch(CastCopy<S>(src: src, dst: dst)) }
}

/// Copies raw elements of the same size (any dtype pair with equal item size and identical bits).
private func bitCopy(_ src: Tensor, _ dst: Tensor) {
    if copyRepeatedBlock(src, dst) { return }
    switch src.dtype.itemSize {
    case 1: mapUnary(src, out: dst, IdentityKernel<UInt8>())
    case 2: mapUnary(src, out: dst, IdentityKernel<UInt16>())
    case 4: mapUnary(src, out: dst, IdentityKernel<UInt32>())
    default: mapUnary(src, out: dst, IdentityKernel<UInt64>())
    }
}

/// A small contiguous `src` broadcast over leading dimensions into a contiguous `dst` (a bias copied into each row
/// of addmm's output, or a plain dense copy) as whole-block copies, without setting up a strided iteration; false
/// when the layouts are anything else, or when `dst` is large enough for `mapUnary` to split it over threads.
private func copyRepeatedBlock(_ src: Tensor, _ dst: Tensor) -> Bool {
    guard dst.count <= elementwiseGrain, src.isContiguous && dst.isContiguous, src.count > 0 else { return false }
    let ss = src.shape, ds = dst.shape
    var lead = 0
    while lead < ss.count && ss[lead] == 1 { lead += 1 }
    let trailing = ss.count - lead
    guard trailing <= ds.count else { return false }
    for i in 0..<trailing where ss[lead + i] != ds[ds.count - trailing + i] { return false }
    let block = src.count * src.dtype.itemSize, copies = dst.count / src.count
    let from = UnsafeRawPointer(src.rawPointer), to = dst.rawPointer
    for c in 0..<copies { (to + c * block).copyMemory(from: from, byteCount: block) }
    return true
}

/// Copies `src` into `dst` (broadcasting `src`), converting dtypes; the kernel behind `copy_`, `contiguous`
/// and `to(_:)`.
func copyElements(from src: Tensor, to dst: Tensor) {
    if src.device != .cpu || dst.device != .cpu {
        deviceCopyElements(from: src, to: dst)
        return
    }
    if src.dtype == dst.dtype {
        bitCopy(src, dst)
    } else if dst.dtype == .bool {
        // Nonzero -> true, whatever the source type.
        src.dtype.dispatch(ToBool(src: src, dst: dst))
    } else {
        src.dtype.dispatch(CastCopyOuter(src: src, dst: dst))
    }
}

private struct ToBool: DTypeVisitor {
    let src: Tensor
    let dst: Tensor
    func visit<S: TensorScalar>(_ type: S.Type) {
        mapUnary(src, out: dst) { (x: S) -> Bool in x.doubleValue != 0 }
    }
}

struct ConvertKernel<S: TensorScalar, D: TensorScalar>: Map1 {
    /// Integer to integer goes through `Int64` (exact, wrapping); everything else through `Double`.
    @inline(__always) func callAsFunction(_ a: S) -> D {
        if S.isIntegral && D.isIntegral { return D(fromInt64: a.int64Value) }
        if S.isIntegral && D.self == Bool.self { return D(fromInt64: a.int64Value) }
        return D(fromDouble: a.doubleValue)
    }
}

struct IdentityKernel<T>: Map1 {
    @inline(__always) func callAsFunction(_ a: T) -> T { a }
}

struct ConstantKernel<T>: Map1 {
    let value: T
    @inline(__always) func callAsFunction(_ a: T) -> T { value }
}

/// `copyElements` when either side is on a device: the backend copies (and converts, and broadcasts) on the
/// destination's device; a device source going to the host is first made dense there and downloaded.
private func deviceCopyElements(from src: Tensor, to dst: Tensor) {
    let d = dst.device
    if d == .cpu {
        copyElements(from: src.transferred(to: .cpu), to: dst)
        return
    }
    let source = src.device == d ? src : src.transferred(to: d)
    DeviceBackends.require(d, op: "copy_").copy(from: source, to: dst)
}
