// MARK: - einsum (composite)

/// Einstein summation (`torch.einsum`), e.g. `einsum("bij,bjk->bik", a, b)`. Supports any number of operands,
/// repeated indices within an operand (diagonals), implicit output (`"ij,jk"`), and `...` for broadcast
/// dimensions.
/// - Parameters:
///   - equation: the subscripts.
///   - operands: the tensors, one per input term.
public func einsum(_ equation: String, _ operands: Tensor...) -> Tensor { einsum(equation, operands) }

/// Einstein summation over an array of operands.
/// - Parameters:
///   - equation: the subscripts.
///   - operands: the tensors.
public func einsum(_ equation: String, _ operands: [Tensor]) -> Tensor {
    let eq = equation.filter { $0 != " " }
    let parts = splitString(eq, "->")
    var inputs = splitString(parts[0], ",")
    precondition(inputs.count == operands.count, "einsum: \(inputs.count) terms in '\(equation)' but \(operands.count) operands")
    // Expand "..." into fresh uppercase-free letters.
    let maxEll = operands.enumerated().map { i, t in inputs[i].contains("...") ? t.rank - (inputs[i].count - 3) : 0 }.max() ?? 0
    let ellLetters = (0..<maxEll).map { Character(UnicodeScalar(UInt8(0xC0 + $0))) }
    for i in 0..<inputs.count where inputs[i].contains("...") {
        let n = operands[i].rank - (inputs[i].count - 3)
        inputs[i] = replaceString(inputs[i], "...", String(ellLetters.suffix(n)))
    }
    var output: String
    if parts.count > 1 {
        output = replaceString(parts[1], "...", String(ellLetters))
    } else {
        var counts: [Character: Int] = [:]
        for t in inputs { for c in t { counts[c, default: 0] += 1 } }
        output = String(ellLetters) + String(counts.filter { $0.value == 1 && !ellLetters.contains($0.key) }.keys.sorted())
    }
    // Size of each letter.
    var sizes: [Character: Int] = [:]
    var terms: [Tensor] = []
    for (i, t) in operands.enumerated() {
        let letters = Array(inputs[i])
        precondition(letters.count == t.rank, "einsum: the term '\(inputs[i])' has \(letters.count) subscripts but the operand has \(t.rank) dimensions")
        var x = t
        var seen: [Character] = []
        // Take diagonals for repeated letters.
        var pos = 0
        for c in letters {
            if let j = seen.firstIndex(of: c) {
                x = x.diagonal(offset: 0, dim1: j, dim2: pos).movedim(-1, j)
                continue
            }
            seen.append(c)
            pos += 1
        }
        for (j, c) in seen.enumerated() {
            let s = x.shape[j]
            if let old = sizes[c], old != s, old != 1, s != 1 {
                preconditionFailure("einsum: subscript \(c) has size \(s) for operand \(i) which does not broadcast with previously seen size \(old)")
            }
            sizes[c] = Swift.max(sizes[c] ?? 1, s)
        }
        terms.append(x)
        inputs[i] = String(seen)
    }
    // Sum out letters that appear in one operand only and not in the output, then contract pairwise with
    // batched matrix products (Note: einsum contraction).
    let outputLetters = Array(output)
    var letters = inputs.map { Array($0) }
    for i in 0..<terms.count {
        let others = Set(letters.enumerated().filter { $0.offset != i }.flatMap { $0.element })
        let lonely = letters[i].indices.filter { !outputLetters.contains(letters[i][$0]) && !others.contains(letters[i][$0]) }
        if !lonely.isEmpty {
            terms[i] = terms[i].sum(lonely)
            letters[i] = letters[i].enumerated().filter { !lonely.contains($0.offset) }.map { $0.element }
        }
    }
    var acc = terms[0], accLetters = letters[0]
    for i in 1..<terms.count {
        let later = Set(letters[(i + 1)...].flatMap { $0 })
        let keep = Set(outputLetters).union(later)
        (acc, accLetters) = contractPair(acc, accLetters, terms[i], letters[i], keep: keep)
    }
    // Letters still present but not wanted (single-operand sums).
    let extra = accLetters.indices.filter { !outputLetters.contains(accLetters[$0]) }
    if !extra.isEmpty {
        acc = acc.sum(extra)
        accLetters = accLetters.enumerated().filter { !extra.contains($0.offset) }.map { $0.element }
    }
    let order = outputLetters.map { c in accLetters.firstIndex(of: c)! }
    let result = acc.permute(order)
    let target = outputLetters.map { sizes[$0] ?? 1 }
    return result.shape == target ? result : result.expand(target)
}

/// Note (einsum contraction): `x` and `y` are contracted over their shared letters that are not kept; shared
/// kept letters become batch dimensions and the rest are free rows/columns, so the work is one `bmm` of
/// `[batch, rows, k] × [batch, k, cols]` instead of materialising every index combination.
private func contractPair(_ x: Tensor, _ xl: [Character], _ y: Tensor, _ yl: [Character],
                          keep: Set<Character>) -> (Tensor, [Character]) {
    let shared = xl.filter { yl.contains($0) }
    let batch = shared.filter { keep.contains($0) }
    let contracted = shared.filter { !keep.contains($0) }
    let freeX = xl.filter { !yl.contains($0) }
    let freeY = yl.filter { !xl.contains($0) }
    func size(_ t: Tensor, _ l: [Character], _ c: Character) -> Int { t.shape[l.firstIndex(of: c)!] }
    func common(_ c: Character) -> Int { Swift.max(size(x, xl, c), size(y, yl, c)) }
    let batchSizes = batch.map(common), kSizes = contracted.map(common)
    let mSizes = freeX.map { size(x, xl, $0) }, nSizes = freeY.map { size(y, yl, $0) }
    let xp = x.permute((batch + freeX + contracted).map { xl.firstIndex(of: $0)! })
        .expand(batchSizes + mSizes + kSizes)
    let yp = y.permute((batch + contracted + freeY).map { yl.firstIndex(of: $0)! })
        .expand(batchSizes + kSizes + nSizes)
    let b = batchSizes.reduce(1, *), m = mSizes.reduce(1, *), k = kSizes.reduce(1, *), n = nSizes.reduce(1, *)
    let product = xp.reshape([b, m, k]).bmm(yp.reshape([b, k, n]))
    return (product.reshape(batchSizes + mSizes + nSizes), batch + freeX + freeY)
}

extension OpInfo {
    static let einsum = OpInfo(name: "einsum", kind: .composite, dtypes: .numeric, differentiable: true,
                               inputs: [.init([2, 3, 4], .real), .init([2, 4, 5], .real)]) { TorchCore.einsum("bij,bjk->bik", $0[0], $0[1]) }
}

/// Splits on a separator string without Foundation.
func splitString(_ s: String, _ sep: String) -> [String] {
    var out: [String] = []
    var rest = Substring(s)
    while let r = rest.firstRange(of: sep) {
        out.append(String(rest[..<r.lowerBound]))
        rest = rest[r.upperBound...]
    }
    out.append(String(rest))
    return out
}

/// Replaces every occurrence of `target` without Foundation.
func replaceString(_ s: String, _ target: String, _ with: String) -> String {
    splitString(s, target).joined(separator: with)
}
