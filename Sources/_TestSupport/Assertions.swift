import TorchCore

/// The result of comparing two tensors with tolerances.
public struct CloseComparison: Sendable {
    /// True when shapes match and every element is within tolerance.
    public let isClose: Bool
    /// A description of the first mismatch.
    public let message: String
}

/// Compares a tensor with expected values: `|a − e| ≤ atol + rtol·|e|` elementwise, NaN equal to NaN.
/// - Parameters:
///   - actual: the computed tensor.
///   - expected: the expected values, row-major.
///   - shape: the expected shape (not checked when nil).
///   - rtol: relative tolerance.
///   - atol: absolute tolerance.
public func compareClose(_ actual: Tensor, _ expected: [Double], shape: [Int]? = nil,
                         rtol: Double = 1e-5, atol: Double = 1e-6) -> CloseComparison {
    if let shape, actual.shape != shape {
        return CloseComparison(isClose: false, message: "shape \(actual.shape) != expected \(shape)")
    }
    let a = actual.detach().toArray(of: Double.self)
    guard a.count == expected.count else {
        return CloseComparison(isClose: false, message: "count \(a.count) != expected \(expected.count)")
    }
    for (i, (x, e)) in zip(a, expected).enumerated() {
        if x.isNaN && e.isNaN { continue }
        if x == e { continue }
        if !(Swift.abs(x - e) <= atol + rtol * Swift.abs(e)) {
            return CloseComparison(isClose: false, message: "element \(i): \(x) != expected \(e) (rtol \(rtol), atol \(atol))")
        }
    }
    return CloseComparison(isClose: true, message: "ok")
}

/// The `shared/` folder beside the repository (fixtures, specs), found from this source file's location.
public func sharedFolder(filePath: String = #filePath) -> String {
    var parts = filePath.split(separator: "/").map(String.init)
    // .../<repo>/Sources/_TestSupport/Assertions.swift -> .../<repo>/../shared
    parts.removeLast(3)
    return "/" + parts.joined(separator: "/") + "/../shared"
}
