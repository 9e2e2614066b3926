// MARK: - tril / triu

extension Tensor {
    /// Zeroes elements above the `diagonal`-th diagonal of the last two dims (`torch.tril`).
    /// - Parameter diagonal: 0 for the main diagonal, positive above, negative below.
    public func tril(_ diagonal: Int = 0) -> Tensor { triangle(diagonal, lower: true) }

    /// Zeroes elements below the `diagonal`-th diagonal of the last two dims (`torch.triu`).
    /// - Parameter diagonal: 0 for the main diagonal, positive above, negative below.
    public func triu(_ diagonal: Int = 0) -> Tensor { triangle(diagonal, lower: false) }

    private func triangle(_ k: Int, lower: Bool) -> Tensor {
        precondition(rank >= 2, "\(lower ? "tril" : "triu"): input tensor must have at least 2 dimensions")
        let r = shape[rank - 2], c = shape[rank - 1]
        var m = [Bool](repeating: false, count: r * c)
        for i in 0..<r { for j in 0..<c { m[i * c + j] = lower ? (j - i <= k) : (j - i >= k) } }
        let mask = Tensor(m, shape: [r, c]).transferred(to: device)
        return where_(mask, self, Tensor.zeros([], dtype: dtype))
    }
}

extension OpInfo {
    static let tril = OpInfo(name: "tril", kind: .shape, dtypes: .all, differentiable: true,
                             inputs: [.init([3, 4], .real)]) { $0[0].tril(1) }
}
