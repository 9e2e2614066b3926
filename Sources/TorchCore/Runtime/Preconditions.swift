// MARK: - Checks that keep their message in optimised builds

/// Stops the program with `message` when `condition` is false.
///
/// Note (messages in release builds): the standard library's `precondition` drops its message in optimised
/// builds (`-O` traps with a bare backtrace), so a user running a release build would see no op name or shapes
/// for a programmer error. This function has the same signature and shadows it in SwiftTorch's modules; it
/// always prints the message (through `fatalError`) before stopping.
/// - Parameters:
///   - condition: what must hold.
///   - message: what went wrong, naming the op and the operands.
///   - file: the caller's file.
///   - line: the caller's line.
@inlinable @inline(__always)
package func precondition(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String = String(),
                          file: StaticString = #fileID, line: UInt = #line) {
    if _slowPath(!condition()) { stopWithMessage(message(), file: file, line: line) }
}

/// Stops the program with `message` (the standard library's `preconditionFailure`, with the message kept in
/// optimised builds; see ``precondition(_:_:file:line:)``).
/// - Parameters:
///   - message: what went wrong.
///   - file: the caller's file.
///   - line: the caller's line.
@inlinable @inline(__always)
package func preconditionFailure(_ message: @autoclosure () -> String = String(), file: StaticString = #fileID,
                                 line: UInt = #line) -> Never {
    stopWithMessage(message(), file: file, line: line)
}

/// The shared failure path (kept out of line so checks stay small).
@usableFromInline @inline(never)
package func stopWithMessage(_ message: String, file: StaticString, line: UInt) -> Never {
    fatalError(message, file: file, line: line)
}
