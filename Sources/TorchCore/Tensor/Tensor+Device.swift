import Synchronization

// MARK: - Moving tensors between devices

extension Tensor {
    /// This tensor on `device`: `self` when it is already there, otherwise a contiguous copy (`x.to("cuda")`).
    /// Differentiable: the gradient is moved back to this tensor's device.
    /// - Parameter device: the target device.
    public func to(_ device: Device) -> Tensor {
        if device == self.device { return self }
        let out = transferred(to: device)
        if shouldRecord(self) {
            let source = self.device
            record("to(device)", inputs: [self], outputs: [out]) { ctx in [ctx.grad.to(source)] }
        }
        return out
    }

    /// This tensor on `device` (PyTorch's `.to(device=...)`).
    /// - Parameter device: the target device.
    public func to(device: Device) -> Tensor { to(device) }

    /// This tensor in host memory (`.cpu()`).
    public func cpu() -> Tensor { to(.cpu) }

    /// This tensor on CUDA device `index` (`.cuda()`).
    /// - Parameter index: the device ordinal.
    public func cuda(_ index: Int = 0) -> Tensor { to(.cuda(index)) }

    /// An unrecorded copy on `device` with the same shape (contiguous), or `self` when already there.
    func transferred(to device: Device) -> Tensor {
        let from = self.device
        if device == from { return self }
        let bytes = count * dtype.itemSize
        if from == .cpu {
            let backend = DeviceBackends.require(device, op: "to(\(device))")
            let host = isContiguous ? self : contiguousCopy()
            let out = Tensor(uninitializedShape: shape, dtype: dtype, device: device)
            if bytes > 0 { backend.copyFromHost(UnsafeRawPointer(host.rawPointer), to: out.storage, byteOffset: 0, byteCount: bytes) }
            return out
        }
        if device == .cpu {
            let dense = isContiguous ? self : contiguousCopy()
            let out = Tensor(uninitializedShape: shape, dtype: dtype)
            if bytes > 0 {
                DeviceBackends.require(from, op: "cpu()")
                    .copyToHost(from: dense.storage, byteOffset: dense.storageOffset * dtype.itemSize, to: out.rawPointer, byteCount: bytes)
            }
            return out
        }
        return transferred(to: .cpu).transferred(to: device)
    }
}

/// ``commonDevice(_:op:)`` for two operands, without building an array on the CPU path (every binary op asks).
@inline(__always)
func commonDevice(_ a: Tensor, _ b: Tensor, op: String) -> Device {
    if a.impl.storage.device == .cpu && b.impl.storage.device == .cpu { return .cpu }
    return commonDevice([a, b], op: op)
}

/// ``commonDevice(_:op:)`` for three operands, without building an array on the CPU path.
@inline(__always)
func commonDevice(_ a: Tensor, _ b: Tensor, _ c: Tensor, op: String) -> Device {
    if a.impl.storage.device == .cpu && b.impl.storage.device == .cpu && c.impl.storage.device == .cpu { return .cpu }
    return commonDevice([a, b, c], op: op)
}

/// The device an op over `tensors` runs on, stopping with PyTorch's message when they are on different devices.
/// 0-d CPU tensors (Swift scalars, `item`-like values) go with any device, as in PyTorch.
/// - Parameters:
///   - tensors: the operands.
///   - op: the op's name for the message.
func commonDevice(_ tensors: [Tensor], op: String) -> Device {
    var device = Device.cpu
    var firstCPUWithDims = false
    for t in tensors {
        let d = t.device
        if d == .cpu {
            if t.rank > 0 { firstCPUWithDims = true }
            continue
        }
        if device == .cpu {
            device = d
        } else if d != device {
            preconditionFailure("\(op): expected all tensors to be on the same device, but found at least two devices, \(device) and \(d)!")
        }
    }
    if device != .cpu && firstCPUWithDims {
        let shapes = tensors.map { "\($0.shape) on \($0.device)" }.joined(separator: ", ")
        preconditionFailure("\(op): expected all tensors to be on the same device, but found at least two devices, \(device) and cpu! (operands: \(shapes))")
    }
    return device
}

/// The device a primitive without a device kernel must leave, or nil when all of `tensors` are on the CPU: the
/// caller then runs itself on `to(.cpu)` copies and moves its results back (see "Note (device dispatch)").
/// Prints a one-time warning naming the op.
/// - Parameters:
///   - op: the op's name.
///   - tensors: its tensor operands.
func cpuFallbackDevice(_ op: String, _ tensors: [Tensor]) -> Device? {
    let d = commonDevice(tensors, op: op)
    if d == .cpu { return nil }
    DeviceFallbacks.note(op, on: d)
    return d
}

/// Runs a CPU kernel on host copies of device operands and returns its result on `device` (the shared kernels'
/// fallback when the backend has no kernel). Nothing is recorded.
/// - Parameters:
///   - op: the op's name, for the warning.
///   - inputs: the operands.
///   - device: where the result goes.
///   - body: the CPU computation.
func hostStaged(_ op: String, _ inputs: [Tensor], device: Device, _ body: ([Tensor]) -> Tensor) -> Tensor {
    DeviceFallbacks.note(op, on: device)
    return body(inputs.map { $0.transferred(to: .cpu) }).transferred(to: device)
}

/// The ops that ran on the CPU for a device tensor, each reported once on standard error.
public enum DeviceFallbacks {
    private static let seen = Mutex<Set<String>>([])
    private static let quiet = Atomic<Bool>(false)

    /// The names of the ops that fell back to the CPU so far in this process.
    public static var ops: Set<String> { seen.withLock { $0 } }

    /// Whether the one-time warnings are printed (true by default).
    public static var warns: Bool {
        get { !quiet.load(ordering: .relaxed) }
        set { quiet.store(!newValue, ordering: .relaxed) }
    }

    /// Forgets which ops fell back (tests).
    public static func reset() { seen.withLock { $0.removeAll() } }

    /// Runs `body` and returns, with its result, the names of the ops that fell back to the CPU inside it (on
    /// this task only, so concurrent work does not mix in).
    /// - Parameter body: the work.
    public static func collecting<R>(_ body: () throws -> R) rethrows -> (result: R, fallbacks: Set<String>) {
        let box = Collector()
        let r = try $collector.withValue(box) { try body() }
        return (r, box.names.withLock { $0 })
    }

    final class Collector: Sendable {
        let names = Mutex<Set<String>>([])
    }

    @TaskLocal static var collector: Collector?

    static func note(_ op: String, on device: Device) {
        if let c = collector { _ = c.names.withLock { $0.insert(op) } }
        let first = seen.withLock { $0.insert(op).inserted }
        if first && warns {
            printToStandardError("SwiftTorch warning: \(op) has no \(device.kind) kernel; it runs on the CPU with copies to and from \(device) (docs/cuda-coverage.md)")
        }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes one line to standard error.
/// - Parameter line: the text, without its newline.
package func printToStandardError(_ line: String) {
    let text = line + "\n"
    _ = text.withCString { write(2, $0, strlen($0)) }
}
