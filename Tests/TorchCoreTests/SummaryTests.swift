import Testing
import Torch

/// `Module.summary(input:)` and removable forward hooks.
@Suite struct SummaryTests {
    @Test func summaryListsLeafLayersShapesAndCounts() {
        let model = Sequential {
            Conv2d(1, 4, kernelSize: 3, padding: 1)
            ReLU()
            MaxPool2d(2)
            Flatten()
            Linear(4 * 14 * 14, 10)
        }
        let text = model.summary(input: Tensor.zeros([2, 1, 28, 28]))
        let lines = text.split(separator: "\n").map(String.init)
        let rows = lines.filter { $0.hasPrefix("0 ") || $0.hasPrefix("1 ") || $0.hasPrefix("2 ") || $0.hasPrefix("3 ") || $0.hasPrefix("4 ") }
        let expected: [(String, String, Int)] = [("0 (Conv2d)", "[2, 4, 28, 28]", 4 * 9 + 4), ("1 (ReLU)", "[2, 4, 28, 28]", 0),
                                                 ("2 (MaxPool2d)", "[2, 4, 14, 14]", 0), ("3 (Flatten)", "[2, 784]", 0),
                                                 ("4 (Linear)", "[2, 10]", 784 * 10 + 10)]
        #expect(rows.count == expected.count)
        for (row, e) in zip(rows, expected) {
            let fields = row.components(separatedBy: "  ").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            #expect(fields == [e.0, e.1, String(e.2)], "\(row)")
        }
        #expect(lines.contains("Total params: \(40 + 7850)"))
        #expect(lines.contains("Trainable params: \(40 + 7850)"))
    }

    @Test func hooksCanBeRemoved() {
        let layer = Linear(2, 2)
        var calls = 0
        let handle = layer.registerForwardHook { _, _, _ in calls += 1; return nil }
        let pre = layer.registerForwardPreHook { _, x in x * 0 }
        #expect(layer(Tensor.ones([1, 2])).allclose(layer.bias.unsqueeze(0)))
        handle.remove()
        pre.remove()
        pre.remove()
        _ = layer(Tensor.ones([1, 2]))
        #expect(calls == 1)
        _ = layer.summary(input: Tensor.ones([1, 2]))
        _ = layer(Tensor.ones([1, 2]))
        #expect(calls == 1)
    }
}
