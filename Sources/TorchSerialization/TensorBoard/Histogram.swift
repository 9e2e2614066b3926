/// How ``SummaryWriter/addHistogram(_:_:globalStep:bins:walltime:)`` buckets values.
public enum HistogramBins: Sendable {
    /// TensorFlow's buckets, as PyTorch's default `bins="tensorflow"`: edges ±1e-12·1.1^k up to 1e20 and 0.
    case tensorflow
    /// `n` equal-width bins between the smallest and the largest value (`bins=n`, NumPy's rule).
    case count(Int)

    /// The default edges, built as PyTorch builds them (repeated multiplication by 1.1).
    static let tensorflowEdges: [Double] = {
        var positive: [Double] = []
        var v = 1e-12
        while v < 1e20 {
            positive.append(v)
            v *= 1.1
        }
        return positive.reversed().map { -$0 } + [0] + positive
    }()

    /// Bin edges for `values`.
    func edges(_ values: [Double]) -> [Double] {
        switch self {
        case .tensorflow: return Self.tensorflowEdges
        case .count(let n):
            precondition(n > 0, "addHistogram: bins must be positive (got \(n))")
            var lo = values.min()!, hi = values.max()!
            if lo == hi {
                lo -= 0.5
                hi += 0.5
            }
            let step = (hi - lo) / Double(n)
            return (0...n).map { $0 == n ? hi : lo + Double($0) * step }
        }
    }

    /// NumPy's `histogram` over `edges` (each bin `[e_i, e_{i+1})`, the last closed; values outside are not
    /// counted), trimmed as PyTorch's `make_histogram` does: from one empty bucket before the first non-empty
    /// one to the last non-empty one, each bucket labelled with its upper edge.
    static func histogram(_ values: [Double], bins: HistogramBins, tag: String) throws -> SummaryHistogram {
        precondition(!values.isEmpty, "addHistogram(\(tag)): the tensor has no values")
        precondition(values.allSatisfy { $0.isFinite }, "addHistogram(\(tag)): the values must be finite")
        let edges = bins.edges(values)
        var counts = [Double](repeating: 0, count: edges.count - 1)
        for v in values {
            guard v >= edges[0] && v <= edges[edges.count - 1] else { continue }
            // The last edge whose value is ≤ v (binary search), the top edge falling into the last bin.
            var lo = 0, hi = edges.count - 1
            while hi - lo > 1 {
                let mid = (lo + hi) / 2
                if edges[mid] <= v { lo = mid } else { hi = mid }
            }
            counts[lo] += 1
        }
        let first = counts.firstIndex { $0 > 0 }!, last = counts.lastIndex { $0 > 0 }!
        let bucket = first > 0 ? Array(counts[(first - 1)...last]) : [0] + Array(counts[...last])
        let limits = Array(edges[first...(last + 1)])
        return SummaryHistogram(min: values.min()!, max: values.max()!, num: Double(values.count), sum: values.reduce(0, +),
                                sumSquares: values.reduce(0) { $0 + $1 * $1 }, bucketLimit: limits, bucket: bucket)
    }
}

/// The summaries of TensorBoard's hparams plugin (`torch.utils.tensorboard.summary.hparams`).
enum HParams {
    static let plugin = "hparams"

    /// `google.protobuf.Value` of a hyperparameter (a oneof: written even when zero).
    static func encode(_ value: HParamValue, into w: inout ProtoWriter) {
        switch value {
        case .number(let d): w.double(2, d)
        case .string(let s): w.string(3, s)
        case .bool(let b): w.int(4, b ? 1 : 0)
        }
    }

    /// The experiment, session-start and session-end summaries, in that order.
    static func summaries(_ hparams: KeyValuePairs<String, HParamValue>, metrics: [String]) -> [SummaryValue] {
        // HParamsPluginData { version = 1 (0, left out); experiment = 2 | session_start_info = 3 | session_end_info = 4 }
        var experiment = ProtoWriter()
        experiment.message(2) { exp in
            for (name, value) in hparams {
                exp.message(4) { info in
                    info.string(1, name)
                    let type: Int64
                    switch value {
                    case .number: type = 3
                    case .string: type = 1
                    case .bool: type = 2
                    }
                    info.int(4, type)
                }
            }
            for m in metrics { exp.message(5) { info in info.message(1) { $0.string(2, m) } } }
        }
        var start = ProtoWriter()
        start.message(3) { ssi in
            for (name, value) in hparams {
                ssi.message(1) { entry in
                    entry.string(1, name)
                    entry.message(2) { encode(value, into: &$0) }
                }
            }
        }
        var end = ProtoWriter()
        end.message(4) { $0.int(1, 1) }  // STATUS_SUCCESS
        return [
            SummaryValue(tag: "_hparams_/experiment", kind: .metadataOnly, pluginName: plugin, pluginContent: experiment.bytes),
            SummaryValue(tag: "_hparams_/session_start_info", kind: .metadataOnly, pluginName: plugin, pluginContent: start.bytes),
            SummaryValue(tag: "_hparams_/session_end_info", kind: .metadataOnly, pluginName: plugin, pluginContent: end.bytes),
        ]
    }
}
