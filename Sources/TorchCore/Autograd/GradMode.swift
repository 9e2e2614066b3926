// MARK: - Grad mode

/// Whether ops record the autograd graph, and the other autograd switches, per task (`torch.no_grad()`,
/// `torch.enable_grad()`, `torch.inference_mode()`, `torch.autograd.set_detect_anomaly`).
public enum GradMode {
    @TaskLocal static var enabled: Bool = true
    @TaskLocal static var anomaly: Bool = false

    /// True when ops record the graph in this task.
    public static var isEnabled: Bool { enabled }
    /// True inside `Torch.detectAnomaly { }`.
    public static var isAnomalyDetectionEnabled: Bool { anomaly }
}

/// Runs `body` without recording the autograd graph (PyTorch's `with torch.no_grad():`).
/// - Parameter body: the work to run.
/// - Returns: what `body` returns.
@discardableResult
public func noGrad<R>(_ body: () throws -> R) rethrows -> R {
    try GradMode.$enabled.withValue(false, operation: body)
}

/// Runs `body` with graph recording on, even inside ``noGrad(_:)`` (PyTorch's `torch.enable_grad()`).
/// - Parameter body: the work to run.
/// - Returns: what `body` returns.
@discardableResult
public func enableGrad<R>(_ body: () throws -> R) rethrows -> R {
    try GradMode.$enabled.withValue(true, operation: body)
}

/// Runs `body` for inference only: no graph is recorded (PyTorch's `torch.inference_mode()`).
/// - Parameter body: the work to run.
/// - Returns: what `body` returns.
@discardableResult
public func inferenceMode<R>(_ body: () throws -> R) rethrows -> R {
    try GradMode.$enabled.withValue(false, operation: body)
}

/// Runs `body` with anomaly detection: a backward pass that produces NaN stops with the name of the forward op
/// whose backward produced it (PyTorch's `torch.autograd.detect_anomaly()`).
/// - Parameter body: the work to run.
/// - Returns: what `body` returns.
@discardableResult
public func detectAnomaly<R>(_ body: () throws -> R) rethrows -> R {
    try GradMode.$anomaly.withValue(true, operation: body)
}
