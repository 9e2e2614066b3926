import Foundation

/// BERT's uncased tokenizer (`BertTokenizer` with `do_lower_case`): basic tokenisation (clean-up, CJK characters
/// split out, lower case, accents stripped, punctuation split off), then greedy longest-match WordPiece.
struct WordPieceTokenizer {
    let vocabulary: [String: Int]
    let unknown: Int, cls: Int, sep: Int, pad: Int
    let maxCharactersPerWord = 100

    /// Reads `vocab.txt` (one token per line, the line number is its id).
    init(vocabularyFile path: String) throws {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        var vocabulary: [String: Int] = [:]
        for (i, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() where !line.isEmpty {
            vocabulary[String(line)] = i
        }
        guard let unk = vocabulary["[UNK]"], let cls = vocabulary["[CLS]"], let sep = vocabulary["[SEP]"], let pad = vocabulary["[PAD]"] else {
            throw TokenizerError(message: "\(path) lacks [UNK], [CLS], [SEP] or [PAD]")
        }
        self.vocabulary = vocabulary
        unknown = unk
        self.cls = cls
        self.sep = sep
        self.pad = pad
    }

    /// `[CLS] tokens [SEP]`, truncated to `maxLength` ids.
    func encode(_ text: String, maxLength: Int) -> [Int] {
        let pieces = basicTokens(text).flatMap(wordPieces)
        return [cls] + pieces.prefix(Swift.max(0, maxLength - 2)) + [sep]
    }

    func basicTokens(_ text: String) -> [String] {
        var cleaned = String.UnicodeScalarView()
        for s in text.unicodeScalars {
            if s.value == 0 || s.value == 0xFFFD || isControl(s) { continue }
            if isWhitespace(s) {
                cleaned.append(" ")
            } else if isCJK(s) {
                cleaned.append(" ")
                cleaned.append(s)
                cleaned.append(" ")
            } else {
                cleaned.append(s)
            }
        }
        var tokens: [String] = []
        for word in String(cleaned).split(separator: " ") {
            // Lower case, then NFD with the combining marks (category Mn) dropped.
            let stripped = String.UnicodeScalarView(word.lowercased().decomposedStringWithCanonicalMapping.unicodeScalars
                .filter { $0.properties.generalCategory != .nonspacingMark })
            var current = String.UnicodeScalarView()
            for s in stripped {
                if isPunctuation(s) {
                    if !current.isEmpty { tokens.append(String(current)) }
                    tokens.append(String(s))
                    current = String.UnicodeScalarView()
                } else {
                    current.append(s)
                }
            }
            if !current.isEmpty { tokens.append(String(current)) }
        }
        return tokens
    }

    /// Greedy longest-match-first pieces (continuations prefixed with `##`); a word with no split is `[UNK]`.
    func wordPieces(_ word: String) -> [Int] {
        let scalars = Array(word.unicodeScalars)
        guard scalars.count <= maxCharactersPerWord else { return [unknown] }
        var out: [Int] = []
        var start = 0
        while start < scalars.count {
            var end = scalars.count
            var found: Int?
            while start < end {
                var piece = String(String.UnicodeScalarView(scalars[start..<end]))
                if start > 0 { piece = "##" + piece }
                if let id = vocabulary[piece] {
                    found = id
                    break
                }
                end -= 1
            }
            guard let id = found else { return [unknown] }
            out.append(id)
            start = end
        }
        return out
    }

    func isWhitespace(_ s: Unicode.Scalar) -> Bool {
        s == " " || s == "\t" || s == "\n" || s == "\r" || s.properties.generalCategory == .spaceSeparator
    }

    func isControl(_ s: Unicode.Scalar) -> Bool {
        if s == "\t" || s == "\n" || s == "\r" { return false }
        switch s.properties.generalCategory {
        case .control, .format, .surrogate, .privateUse, .unassigned: return true
        default: return false
        }
    }

    func isPunctuation(_ s: Unicode.Scalar) -> Bool {
        let v = s.value
        if (33...47).contains(v) || (58...64).contains(v) || (91...96).contains(v) || (123...126).contains(v) { return true }
        switch s.properties.generalCategory {
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation, .initialPunctuation, .finalPunctuation,
             .otherPunctuation:
            return true
        default: return false
        }
    }

    func isCJK(_ s: Unicode.Scalar) -> Bool {
        let ranges: [ClosedRange<UInt32>] = [0x4E00...0x9FFF, 0x3400...0x4DBF, 0x20000...0x2A6DF, 0x2A700...0x2B73F, 0x2B740...0x2B81F,
                                             0x2B820...0x2CEAF, 0xF900...0xFAFF, 0x2F800...0x2FA1F]
        return ranges.contains { $0.contains(s.value) }
    }
}

/// A vocabulary file that cannot be used.
struct TokenizerError: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}
