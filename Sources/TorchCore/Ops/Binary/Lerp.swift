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
