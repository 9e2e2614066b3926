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
    // Every letter in a common order: output letters first, then summed letters.
    let allLetters = Array(output) + Array(Set(inputs.joined())).filter { !output.contains($0) }.sorted()
    func aligned(_ x: Tensor, _ term: String) -> Tensor {
        let letters = Array(term)
        let order = allLetters.compactMap { letters.firstIndex(of: $0) }
        var y = x.permute(order)
        // Insert size-1 dimensions for the letters this term lacks.
        var full: [Int] = []
        var k = 0
        let permuted = order.map { letters[$0] }
        for c in allLetters {
            if k < permuted.count && permuted[k] == c { full.append(y.shape[k]); k += 1 } else { full.append(1) }
        }
        y = y.reshape(full)
        return y
    }
    // Contract pairwise: multiply and sum letters no longer needed.
    var acc = aligned(terms[0], inputs[0])
    for i in 1..<terms.count {
        acc = acc * aligned(terms[i], inputs[i])
    }
    let sumDims = Array(output.count..<allLetters.count)
    var result = sumDims.isEmpty ? acc : acc.sum(sumDims)
    if result.rank != output.count { result = result.reshape(Array(output).map { sizes[$0] ?? 1 }) }
    let target = Array(output).map { sizes[$0] ?? 1 }
    return result.shape == target ? result : result.expand(target).contiguous()
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
