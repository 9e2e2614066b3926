// MARK: - Indexing with subscripts

/// One entry of a subscript: an integer, a range (with a step), `...`, a new axis, or an index/mask tensor.
public enum TensorIndex: Sendable {
    /// A single position (negative counts from the end); removes the dimension.
    case index(Int)
    /// `start..<end` with a step; nil bounds mean the dimension's start/end.
    case range(start: Int?, end: Int?, step: Int)
    /// Stands for as many full slices as needed (`...` in Python); written `.ellipsis`.
    case fillDimensions
    /// Inserts a dimension of size 1 (`None` in Python); written `.newAxis`.
    case insertAxis
    /// An integer tensor of positions, or a `bool` mask.
    case tensor(Tensor)

    /// The full range of a dimension (`:` in Python).
    public static let all = TensorIndex.range(start: nil, end: nil, step: 1)

    /// A strided slice, Python's `start:end:step`.
    /// - Parameters:
    ///   - start: the first index (nil: the start).
    ///   - end: the exclusive bound (nil: the end).
    ///   - step: a positive step.
    public static func slice(_ start: Int? = nil, _ end: Int? = nil, step: Int = 1) -> TensorIndex {
        .range(start: start, end: end, step: step)
    }
}

/// A value usable inside `tensor[...]`.
public protocol TensorIndexConvertible {
    /// The subscript entry this value stands for.
    var tensorIndex: TensorIndex { get }
}

extension TensorIndexConvertible where Self == TensorIndex {
    /// The full range of a dimension (`:` in Python).
    public static var all: TensorIndex { TensorIndex.all }
    /// Stands for as many full slices as needed (`...` in Python).
    public static var ellipsis: TensorIndex { TensorIndex.fillDimensions }
    /// Inserts a dimension of size 1 (`None` in Python).
    public static var newAxis: TensorIndex { TensorIndex.insertAxis }
    /// A strided slice, Python's `start:end:step`.
    /// - Parameters:
    ///   - start: the first index (nil: the start).
    ///   - end: the exclusive bound (nil: the end).
    ///   - step: a positive step.
    public static func slice(_ start: Int? = nil, _ end: Int? = nil, step: Int = 1) -> TensorIndex {
        TensorIndex.slice(start, end, step: step)
    }
}

extension TensorIndex: TensorIndexConvertible {
    /// Itself.
    public var tensorIndex: TensorIndex { self }
}
extension Int: TensorIndexConvertible {
    /// A single position.
    public var tensorIndex: TensorIndex { .index(self) }
}
extension Range: TensorIndexConvertible where Bound == Int {
    /// `a..<b`.
    public var tensorIndex: TensorIndex { .range(start: lowerBound, end: upperBound, step: 1) }
}
extension ClosedRange: TensorIndexConvertible where Bound == Int {
    /// `a...b`.
    public var tensorIndex: TensorIndex { .range(start: lowerBound, end: upperBound == -1 ? nil : upperBound + 1, step: 1) }
}
extension PartialRangeFrom: TensorIndexConvertible where Bound == Int {
    /// `a...`.
    public var tensorIndex: TensorIndex { .range(start: lowerBound, end: nil, step: 1) }
}
extension PartialRangeUpTo: TensorIndexConvertible where Bound == Int {
    /// `..<b`.
    public var tensorIndex: TensorIndex { .range(start: nil, end: upperBound, step: 1) }
}
extension PartialRangeThrough: TensorIndexConvertible where Bound == Int {
    /// `...b`.
    public var tensorIndex: TensorIndex { .range(start: nil, end: upperBound == -1 ? nil : upperBound + 1, step: 1) }
}
extension Tensor: TensorIndexConvertible {
    /// An integer index tensor or a `bool` mask.
    public var tensorIndex: TensorIndex { .tensor(self) }
}

extension Tensor {
    /// Reads (a view for integers and ranges; a copy with index tensors or masks) or writes elements, with
    /// PyTorch's indexing rules: `x[0]`, `x[-1, 1...]`, `x[.ellipsis, 0]`, `x[.newAxis]`, `x[mask]`,
    /// `x[indexTensor]`; assignment broadcasts the value (`x[mask] = 0`, `x[0, 1...] = y`).
    public subscript(_ indices: TensorIndexConvertible...) -> Tensor {
        get { index(indices.map { $0.tensorIndex }) }
        nonmutating set { indexPut(indices.map { $0.tensorIndex }, newValue) }
    }

    /// Applies subscript entries (see ``subscript(_:)``).
    /// - Parameter indices: the entries.
    public func index(_ indices: [TensorIndex]) -> Tensor {
        let (view, advanced) = basicIndex(indices)
        if advanced.isEmpty { return view }
        let (positions, resultShape) = advancedPositions(view.shape, advanced)
        // Index tensors may live on the CPU for a device tensor, as in PyTorch: the positions go to its device.
        return view.reshape([-1]).indexSelect(0, positions.transferred(to: view.device)).reshape(resultShape)
    }

    /// Writes `value` (broadcast) at the positions the entries select.
    /// - Parameters:
    ///   - indices: the entries.
    ///   - value: the values.
    public func indexPut(_ indices: [TensorIndex], _ value: Tensor) {
        let (view, advanced) = basicIndex(indices)
        if advanced.isEmpty {
            view.copy_(value.expand(view.shape))
            return
        }
        let (positions, resultShape) = advancedPositions(view.shape, advanced)
        let v = value.to(dtype).expand(resultShape).reshape([-1])
        let updated = view.reshape([-1]).scatter(0, positions.transferred(to: view.device), v)
        view.copy_(updated.reshape(view.shape))
    }

    /// Applies integer, range, ellipsis and new-axis entries; returns the view and the tensor entries with the
    /// view dimension each applies to.
    private func basicIndex(_ indices: [TensorIndex]) -> (Tensor, [(dim: Int, index: Tensor)]) {
        var consumed = 0
        var ellipses = 0
        for i in indices {
            switch i {
            case .fillDimensions: ellipses += 1
            case .insertAxis: break
            case .tensor(let t): consumed += t.dtype == .bool ? Swift.max(t.rank, 1) : 1
            default: consumed += 1
            }
        }
        precondition(ellipses <= 1, "index: an index can only have a single ellipsis ('...')")
        precondition(consumed <= rank, "index: too many indices for tensor of dimension \(rank) (got \(consumed))")
        var x = self
        var dim = 0
        var advanced: [(dim: Int, index: Tensor)] = []
        for entry in indices {
            switch entry {
            case .index(let i):
                let n = x.shape[dim]
                precondition(i >= -n && i < n, "index: index \(i) is out of bounds for dimension \(dim) with size \(n)")
                x = x.select(dim, i)
            case .range(let s, let e, let step):
                let n = x.shape[dim]
                x = x.slice(dim, s ?? 0, e ?? n, step: step)
                dim += 1
            case .fillDimensions:
                dim += rank - consumed
            case .insertAxis:
                x = x.unsqueeze(dim)
                dim += 1
            case .tensor(let t):
                if t.dtype == .bool {
                    let k = Swift.max(t.rank, 1)
                    let mask = t.rank == 0 ? t.reshape([1]) : t
                    precondition(Array(x.shape[dim..<(dim + k)]) == mask.shape,
                                 "index: The shape of the mask \(mask.shape) at index \(dim) does not match the shape of the indexed tensor \(x.shape)")
                    let nz = mask.nonzero()
                    for j in 0..<k { advanced.append((dim + j, nz.select(1, j))) }
                    dim += k
                } else {
                    precondition(!t.dtype.isFloatingPoint, "index: tensors used as indices must be long, int, byte or bool tensors (got \(t.dtype))")
                    advanced.append((dim, t))
                    dim += 1
                }
            }
        }
        return (x, advanced)
    }

    /// Row-major positions in a tensor of `shape` selected by advanced indices (PyTorch's placement rule:
    /// adjacent index dims stay in place, separated ones go to the front), and the result shape.
    private func advancedPositions(_ shape: [Int], _ advanced: [(dim: Int, index: Tensor)]) -> (Tensor, [Int]) {
        let bshape = advanced.dropFirst().reduce(advanced[0].index.shape) { broadcastShapes($0, $1.index.shape, op: "index") }
        let idx = advanced.map { a -> [Int] in
            let n = shape[a.dim]
            return a.index.expand(bshape).contiguous().toArray(of: Int64.self).map { v in
                precondition(v >= -Int64(n) && v < Int64(n), "index: index \(v) is out of bounds for dimension \(a.dim) with size \(n)")
                return Int(v < 0 ? v + Int64(n) : v)
            }
        }
        let advDims = advanced.map { $0.dim }
        let adjacent = advDims == Array(advDims[0]...(advDims[0] + advDims.count - 1))
        let rest = (0..<shape.count).filter { !advDims.contains($0) }
        let strides = contiguousStrides(shape)
        let restBefore = adjacent ? rest.filter { $0 < advDims[0] } : []
        let restAfter = adjacent ? rest.filter { $0 > advDims[0] } : rest
        let resultShape = restBefore.map { shape[$0] } + bshape + restAfter.map { shape[$0] }
        let nb = bshape.reduce(1, *)
        let before = restBefore.map { shape[$0] }.reduce(1, *)
        let after = restAfter.map { shape[$0] }.reduce(1, *)
        var positions = [Int64](repeating: 0, count: before * nb * after)
        var k = 0
        let beforeShape = restBefore.map { shape[$0] }, afterShape = restAfter.map { shape[$0] }
        for ob in 0..<before {
            var baseB = 0, r = ob
            for (j, d) in restBefore.enumerated().reversed() { baseB += (r % beforeShape[j]) * strides[d]; r /= beforeShape[j] }
            for b in 0..<nb {
                var baseI = baseB
                for (j, d) in advDims.enumerated() { baseI += idx[j][b] * strides[d] }
                for oa in 0..<after {
                    var off = baseI, r2 = oa
                    for (j, d) in restAfter.enumerated().reversed() { off += (r2 % afterShape[j]) * strides[d]; r2 /= afterShape[j] }
                    positions[k] = Int64(off)
                    k += 1
                }
            }
        }
        return (Tensor(positions, shape: [positions.count]), resultShape)
    }
}
