import TorchCore

extension F {
    /// Connectionist temporal classification loss (`F.ctc_loss`): the negative log-likelihood of each target
    /// sequence summed over all its alignments to the input frames, by the forward (alpha) recursion in log space.
    /// - Parameters:
    ///   - logProbs: `[T, N, C]` log-probabilities (a `logSoftmax` output), or unbatched `[T, C]`.
    ///   - targets: `[N, S]` padded targets, or all targets concatenated in 1-D.
    ///   - inputLengths: frames used per sample (each ≤ T).
    ///   - targetLengths: target length per sample.
    ///   - blank: the blank class.
    ///   - reduction: `.mean` (each loss divided by its target length, then the batch mean), `.sum` or `.none`.
    ///   - zeroInfinity: replace impossible alignments' infinite losses (and their gradients) by zero.
    public static func ctcLoss(_ logProbs: Tensor, _ targets: Tensor, inputLengths: [Int], targetLengths: [Int], blank: Int = 0,
                               reduction: Reduction = .mean, zeroInfinity: Bool = false) -> Tensor {
        let batched = logProbs.rank == 3
        precondition(batched || logProbs.rank == 2, "ctcLoss: expected logProbs [T, N, C] or [T, C], got \(logProbs.shape)")
        let lp = batched ? logProbs : logProbs.unsqueeze(1)
        let t = lp.shape[0], n = lp.shape[1], c = lp.shape[2]
        precondition(inputLengths.count == n && targetLengths.count == n,
                     "ctcLoss: expected \(n) input and target lengths, got \(inputLengths.count) and \(targetLengths.count)")
        precondition(inputLengths.allSatisfy { $0 >= 0 && $0 <= t }, "ctcLoss: input lengths \(inputLengths) must lie in [0, \(t)]")
        precondition((0..<c).contains(blank), "ctcLoss: blank \(blank) is not one of the \(c) classes")
        let flat = targets.to(.int64).toArray(of: Int64.self).map { Int($0) }
        let padded = targets.rank == 2
        var labels: [[Int]] = []
        var offset = 0
        for i in 0..<n {
            let len = targetLengths[i]
            let start = padded ? i * targets.shape[1] : offset
            precondition(len >= 0 && start + len <= flat.count && (!padded || len <= targets.shape[1]),
                         "ctcLoss: target length \(len) of sample \(i) exceeds the targets \(targets.shape)")
            let seq = Array(flat[start..<(start + len)])
            precondition(seq.allSatisfy { $0 != blank && (0..<c).contains($0) },
                         "ctcLoss: targets of sample \(i) must be classes other than the blank \(blank)")
            labels.append(seq)
            offset += len
        }
        // A finite stand-in for −∞ keeps logsumexp's gradient finite at unreachable states.
        let negInf = -1e30
        var losses: [Tensor] = []
        for i in 0..<n {
            let seq = labels[i], frames = inputLengths[i]
            let ext = [blank] + seq.flatMap { [$0, blank] }
            let repeats = zip(seq, seq.dropFirst()).filter { $0 == $1 }.count
            let sample = lp.select(1, i)
            guard frames >= seq.count + repeats, frames > 0 else {
                // No alignment exists: the loss is infinite (or zero, with no gradient).
                let zero = sample.sum() * 0
                losses.append(zeroInfinity ? zero : zero + Double.infinity)
                continue
            }
            let l = ext.count
            let extIndex = Tensor(ext.map { Int64($0) })
            let skipAllowed = (0..<l).map { s in s >= 2 && ext[s] != blank && ext[s] != ext[s - 2] ? 0.0 : negInf }
            let skipMask = Tensor(skipAllowed).to(lp.dtype)
            let fill1 = Tensor.full([1], negInf, dtype: lp.dtype), fill2 = Tensor.full([2], negInf, dtype: lp.dtype)
            let start = Tensor((0..<l).map { $0 < 2 ? 0.0 : negInf }).to(lp.dtype)
            var alpha = sample[0].indexSelect(0, extIndex) + start
            for step in 1..<frames {
                let shifted1 = Tensor.cat([fill1, alpha.narrow(0, 0, l - 1)], dim: 0)
                let shifted2 = l > 2 ? Tensor.cat([fill2, alpha.narrow(0, 0, l - 2)], dim: 0) + skipMask
                                     : Tensor.full([l], negInf, dtype: lp.dtype)
                alpha = Tensor.stack([alpha, shifted1, shifted2], dim: 0).logsumexp([0]) + sample[step].indexSelect(0, extIndex)
            }
            let last = l > 1 ? alpha.narrow(0, l - 2, 2) : alpha
            losses.append(-last.logsumexp([0]))
        }
        var loss = Tensor.stack(losses, dim: 0)
        switch reduction {
        case .none: return batched ? loss : loss.squeeze(0)
        case .sum: return loss.sum()
        case .mean:
            loss = loss / Tensor(targetLengths.map { Double(Swift.max($0, 1)) }).to(loss.dtype)
            return loss.mean()
        }
    }
}
