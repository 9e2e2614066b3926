// MARK: - lerp / addcmul / addcdiv (composites)

extension Tensor {
    /// Linear interpolation `self + weight·(end − self)` (`torch.lerp`).
    /// - Parameters:
    ///   - end: the end points.
    ///   - weight: the interpolation weights (broadcast).
    public func lerp(_ end: Tensor, _ weight: Tensor) -> Tensor { self + weight * (end - self) }

    /// Linear interpolation with a scalar weight (`torch.lerp`).
    /// - Parameters:
    ///   - end: the end points.
    ///   - weight: the interpolation weight.
    public func lerp(_ end: Tensor, _ weight: Double) -> Tensor { self + (end - self) * weight }

    /// `self + value·t1·t2` (`torch.addcmul`).
    /// - Parameters:
    ///   - t1: first factor.
    ///   - t2: second factor.
    ///   - value: the scale.
    public func addcmul(_ t1: Tensor, _ t2: Tensor, value: Double = 1) -> Tensor { self + t1 * t2 * value }

    /// `self + value·t1/t2` (`torch.addcdiv`).
    /// - Parameters:
    ///   - t1: the numerator.
    ///   - t2: the denominator.
    ///   - value: the scale.
    public func addcdiv(_ t1: Tensor, _ t2: Tensor, value: Double = 1) -> Tensor { self + t1 / t2 * value }
}

extension OpInfo {
    static let lerp = OpInfo(name: "lerp", kind: .composite, dtypes: .floating, differentiable: true,
                             inputs: [.init([3, 4], .real), .init([3, 4], .real), .init([4], .unit)]) { $0[0].lerp($0[1], $0[2]) }
    static let addcmul = OpInfo(name: "addcmul", kind: .composite, dtypes: .floating, differentiable: true,
                                inputs: [.init([3, 4], .real), .init([3, 4], .real), .init([4], .real)]) { $0[0].addcmul($0[1], $0[2], value: 0.5) }
    static let addcdiv = OpInfo(name: "addcdiv", kind: .composite, dtypes: .floating, differentiable: true,
                                inputs: [.init([3, 4], .real), .init([3, 4], .real), .init([4], .nonzero)]) { $0[0].addcdiv($0[1], $0[2], value: 2) }
    /// In-place ops through a view of a non-leaf (copySlices) and compound assignment.
    static let inPlaceOnView = OpInfo(name: "mul_(view)", kind: .composite, dtypes: .floating, differentiable: true,
                                      inputs: [.init([3, 4], .real), .init([4], .real)]) { t in
        let base = t[0] * 1
        base[1].mul_(t[1])
        base[0..<2].add_(t[1].exp())
        return base
    }
}
