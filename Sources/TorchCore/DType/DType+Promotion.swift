// MARK: - Type promotion (PyTorch's rules)

extension DType {
    /// The smallest type that can hold both `a` and `b` (PyTorch's `torch.promote_types`).
    ///
    /// - Parameters:
    ///   - a: the first dtype.
    ///   - b: the second dtype.
    /// - Returns: the promoted dtype.
    public static func promote(_ a: DType, _ b: DType) -> DType {
        if a == b { return a }
        if a == .bool { return b }
        if b == .bool { return a }
        if a.isFloatingPoint || b.isFloatingPoint {
            if !a.isFloatingPoint { return b }
            if !b.isFloatingPoint { return a }
            // float16 + bfloat16 -> float32; otherwise the wider one.
            if Set([a, b]) == [.float16, .bfloat16] { return .float32 }
            return a.itemSize >= b.itemSize ? a : b
        }
        // Both integers.
        if a == .uint8 || b == .uint8 {
            let other = a == .uint8 ? b : a
            return other == .int8 ? .int16 : other
        }
        return a.itemSize >= b.itemSize ? a : b
    }

    /// The result type of combining a tensor of this dtype with a Swift scalar, as PyTorch combines a tensor
    /// with a Python scalar: the scalar only changes the result when it belongs to a higher category
    /// (an integer tensor times `2.5` is `float32`, a `float16` tensor times `2.5` stays `float16`).
    ///
    /// - Parameter scalarCategory: the scalar's kind as a dtype (`.bool`, `.int64` or `.float32`).
    /// - Returns: the result dtype.
    public func promoted(withScalarOf scalarCategory: DType) -> DType {
        if scalarCategory.category > category {
            return scalarCategory.category == 2 ? .float32 : .int64
        }
        return self
    }
}
