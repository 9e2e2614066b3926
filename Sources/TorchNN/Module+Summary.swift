import TorchCore

/// Rows collected while a summary's forward pass runs.
final class SummaryRows {
    var rows: [(name: String, type: String, shape: [Int], params: Int)] = []
}

extension Module {
    /// A table of the leaf layers in call order, with their output shapes and parameter counts, from one forward
    /// pass of `input` without gradients (in the spirit of Keras' `summary`; PyTorch has none). A layer called
    /// twice appears twice; the totals count each parameter once.
    /// - Parameter input: an example input (a batch).
    /// - Returns: the table as text.
    public func summary(input: Tensor) -> String {
        let collected = SummaryRows()
        let leaves = namedModules().filter { $0.1.children().isEmpty }
        let handles = leaves.map { name, module in
            module.registerForwardHook { m, _, y in
                collected.rows.append((name.isEmpty ? "(root)" : name, String(describing: type(of: m)), y.shape,
                                       m.parameters().reduce(0) { $0 + $1.count }))
                return nil
            }
        }
        defer { handles.forEach { $0.remove() } }
        let output = noGrad { self(input) }
        let header = ("Layer (type)", "Output shape", "Param #")
        let lines = collected.rows.map { ("\($0.name) (\($0.type))", "\($0.shape)", String($0.params)) }
        let w0 = ([header.0] + lines.map(\.0)).map(\.count).max()!, w1 = ([header.1] + lines.map(\.1)).map(\.count).max()!
        let w2 = ([header.2] + lines.map(\.2)).map(\.count).max()!
        func pad(_ s: String, _ w: Int) -> String { s + String(repeating: " ", count: w - s.count) }
        func lpad(_ s: String, _ w: Int) -> String { String(repeating: " ", count: w - s.count) + s }
        let rule = String(repeating: "-", count: w0 + w1 + w2 + 4)
        var text = [pad(header.0, w0) + "  " + pad(header.1, w1) + "  " + lpad(header.2, w2), rule]
        text += lines.map { pad($0.0, w0) + "  " + pad($0.1, w1) + "  " + lpad($0.2, w2) }
        let params = parameters()
        let total = params.reduce(0) { $0 + $1.count }, trainable = params.filter(\.requiresGrad).reduce(0) { $0 + $1.count }
        text += [rule, "Input shape: \(input.shape)   Output shape: \(output.shape)",
                 "Total params: \(total)", "Trainable params: \(trainable)", "Non-trainable params: \(total - trainable)"]
        return text.joined(separator: "\n")
    }
}
