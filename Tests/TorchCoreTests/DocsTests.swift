import Foundation
import Testing
import Torch

@Suite struct DocsTests {
    /// `docs/ops.md` must match the registry; regenerate with `swift run swifttorch ops > docs/ops.md`.
    @Test func opsTableIsCurrent() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let committed = try String(contentsOf: root.appendingPathComponent("docs/ops.md"), encoding: .utf8)
        #expect(committed == OpRegistry.markdown(), "docs/ops.md is stale: run `swift run swifttorch ops > docs/ops.md`")
    }

    /// `docs/cuda-coverage.md` must match the registry; regenerate with
    /// `swift run swifttorch ops --cuda > docs/cuda-coverage.md`.
    @Test func cudaCoverageTableIsCurrent() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let committed = try String(contentsOf: root.appendingPathComponent("docs/cuda-coverage.md"), encoding: .utf8)
        #expect(committed == CUDA.coverageMarkdown(),
                "docs/cuda-coverage.md is stale: run `swift run swifttorch ops --cuda > docs/cuda-coverage.md`")
    }
}
