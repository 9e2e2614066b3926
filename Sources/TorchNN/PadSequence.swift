import TorchCore

extension F {
    /// Pads sequences of different lengths to the longest and stacks them (`nn.utils.rnn.pad_sequence`).
    /// - Parameters:
    ///   - sequences: tensors `[L_i, *]` with the same trailing shape and dtype.
    ///   - batchFirst: return `[B, T, *]` instead of `[T, B, *]`.
    ///   - paddingValue: the value of the padded positions.
    ///   - paddingSide: `.right` (after each sequence, the default) or `.left`.
    public static func padSequence(_ sequences: [Tensor], batchFirst: Bool = false, paddingValue: Double = 0,
                                   paddingSide: PaddingSide = .right) -> Tensor {
        precondition(!sequences.isEmpty, "pad_sequence: received an empty list of sequences")
        let trailing = Array(sequences[0].shape.dropFirst())
        precondition(sequences.allSatisfy { $0.rank >= 1 && Array($0.shape.dropFirst()) == trailing },
                     "pad_sequence: sequences must have the same trailing shape, got \(sequences.map { $0.shape })")
        let longest = sequences.map { $0.shape[0] }.max()!
        let padded = sequences.map { s -> Tensor in
            let missing = longest - s.shape[0]
            guard missing > 0 else { return s }
            // `pad` lists (before, after) pairs from the last dimension backwards; only the first dimension grows.
            var amounts = [Int](repeating: 0, count: 2 * s.rank)
            amounts[2 * s.rank - (paddingSide == .right ? 1 : 2)] = missing
            return s.pad(amounts, value: paddingValue)
        }
        return Tensor.stack(padded, dim: batchFirst ? 0 : 1)
    }

    /// Where ``padSequence(_:batchFirst:paddingValue:paddingSide:)`` adds padding.
    public enum PaddingSide: Sendable {
        /// After each sequence.
        case right
        /// Before each sequence.
        case left
    }
}
