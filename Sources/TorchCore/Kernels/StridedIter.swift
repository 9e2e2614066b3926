// MARK: - Strided iteration engine

/// The iteration space of an elementwise op over several operands with arbitrary strides.
///
/// Note (strided iteration): dimensions of size 1 are dropped and neighbouring dimensions that are contiguous
/// with each other in every operand are merged, so a contiguous tensor of any shape becomes one row and a
/// broadcast `[4096,1024] + [1024]` becomes 4096 rows of 1024. The kernel is called once per row with the
/// operands' element offsets and the row's inner strides; rows (or, for a single long row, pieces of it) are
/// spread over the intra-op threads above a size threshold.
struct StridedIter {
    private(set) var sizes: [Int]
    private(set) var strides: [[Int]]
    let count: Int

    init(shape: [Int], strides operandStrides: [[Int]]) {
        var sizes: [Int] = []
        var strides = [[Int]](repeating: [], count: operandStrides.count)
        for d in 0..<shape.count where shape[d] != 1 {
            sizes.append(shape[d])
            for k in 0..<operandStrides.count { strides[k].append(operandStrides[k][d]) }
        }
        if sizes.isEmpty {
            sizes = [1]
            for k in 0..<strides.count { strides[k] = [0] }
        }
        // Merge dimension d into d+1 when every operand steps over d exactly as far as d+1 spans.
        var i = sizes.count - 2
        while i >= 0 {
            var mergeable = true
            for k in 0..<strides.count where strides[k][i] != strides[k][i + 1] * sizes[i + 1] {
                mergeable = false
                break
            }
            if mergeable {
                sizes[i + 1] *= sizes[i]
                sizes.remove(at: i)
                for k in 0..<strides.count { strides[k].remove(at: i) }
            }
            i -= 1
        }
        self.sizes = sizes
        self.strides = strides
        count = shapeCount(shape)
    }

    var rowLength: Int { sizes[sizes.count - 1] }
    /// Number of (merged) dimensions.
    var dimensionCount: Int { sizes.count }
    /// Stride of operand `k` along the first dimension (for two-dimensional spaces).
    func outerStride(_ k: Int) -> Int { strides[k][0] }
    var rowCount: Int { count == 0 ? 0 : count / rowLength }
    func innerStride(_ k: Int) -> Int { strides[k][sizes.count - 1] }

    /// Runs `body(offsets, n)` over every row (offsets are element offsets, one per operand), in parallel when
    /// the work is large enough.
    func run(grain: Int = 32_768, _ body: (UnsafePointer<Int>, Int) -> Void) {
        guard count > 0 else { return }
        let nops = strides.count
        let rows = rowCount
        let len = rowLength
        if rows == 1 {
            // One long row: split it into pieces.
            ThreadPool.parallelFor(len, grain: grain) { range in
                withUnsafeTemporaryAllocation(of: Int.self, capacity: nops) { off in
                    for k in 0..<nops { off[k] = range.lowerBound * strides[k][0] }
                    body(UnsafePointer(off.baseAddress!), range.count)
                }
            }
            return
        }
        let rowsPerChunk = max(1, grain / max(len, 1))
        ThreadPool.parallelFor(rows, grain: rowsPerChunk) { range in
            forEachRow(range, body)
        }
    }

    /// Runs `body` over rows `range` sequentially.
    func forEachRow(_ range: Range<Int>, _ body: (UnsafePointer<Int>, Int) -> Void) {
        let nops = strides.count
        let outer = sizes.count - 1
        let len = rowLength
        withUnsafeTemporaryAllocation(of: Int.self, capacity: nops + outer) { buf in
            let off = buf.baseAddress!
            let idx = off + nops
            // Multi-index of the first row.
            var r = range.lowerBound
            for d in stride(from: outer - 1, through: 0, by: -1) {
                idx[d] = r % sizes[d]
                r /= sizes[d]
            }
            for k in 0..<nops {
                var o = 0
                for d in 0..<outer { o += idx[d] * strides[k][d] }
                off[k] = o
            }
            for _ in range {
                body(UnsafePointer(off), len)
                // Odometer increment.
                var d = outer - 1
                while d >= 0 {
                    idx[d] += 1
                    for k in 0..<nops { off[k] += strides[k][d] }
                    if idx[d] < sizes[d] { break }
                    for k in 0..<nops { off[k] -= strides[k][d] * sizes[d] }
                    idx[d] = 0
                    d -= 1
                }
            }
        }
    }
}
