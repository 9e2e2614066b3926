import RealModule

// MARK: - Printing in PyTorch's format

extension Tensor: CustomStringConvertible, CustomDebugStringConvertible {
    /// The tensor as PyTorch prints it, e.g. `tensor([[0.1000, 2.0000]], requires_grad=True)`.
    public var description: String { TensorFormatter(self).render() }
    /// Same as ``description``.
    public var debugDescription: String { description }
}

/// Formats tensors like `torch._tensor_str`: 4 decimals, scientific notation for wide ranges, integers shown
/// as `1.`, lines wrapped at 80 columns, and large tensors summarised with `...`.
struct TensorFormatter {
    /// The values to print (a host copy of a device tensor).
    let tensor: Tensor
    /// The tensor as given (its device and autograd state).
    let original: Tensor
    static let threshold = 1000
    static let edgeItems = 3
    static let lineWidth = 80

    init(_ t: Tensor) {
        original = t
        tensor = t.device == .cpu ? t : t.detach().transferred(to: .cpu)
    }

    func render() -> String {
        let t = tensor
        var suffixes: [String] = []
        let prefix = "tensor("
        var body: String
        if t.count == 0 && t.rank > 0 {
            body = "[]"
            if t.rank != 1 { suffixes.append("size=(\(t.shape.map(String.init).joined(separator: ", "))\(t.rank == 1 ? "," : ""))") }
        } else {
            let summarize = t.count > Self.threshold
            var fmt: ElementFormat
            if t.dtype.isFloatingPoint {
                fmt = ElementFormat(values: shownValues(summarize: summarize), dtype: t.dtype)
            } else {
                // Integers are printed exactly (through Int64, not Double).
                let width = shownPositions(summarize: summarize).map { i -> Int in
                    t.dtype == .bool ? (t.intElement(at: i) != 0 ? 4 : 5) : String(t.intElement(at: i)).count
                }.max() ?? 1
                fmt = ElementFormat(integerWidth: width, isBool: t.dtype == .bool)
            }
            body = formatLevel(dim: 0, offset: 0, indent: prefix.count, summarize: summarize, fmt: fmt)
        }
        if original.device != .cpu { suffixes.append("device='\(original.device)'") }
        if ![DType.float32, .int64, .bool].contains(t.dtype) { suffixes.append("dtype=\(t.dtype)") }
        if let fn = original.gradFn {
            suffixes.append("grad_fn=<\(fn.name)>")
        } else if original.requiresGrad {
            suffixes.append("requires_grad=True")
        }
        return prefix + body + suffixes.map { ", " + $0 }.joined() + ")"
    }

    /// Values that will be printed (only the edges when summarising).
    private func shownValues(summarize: Bool) -> [Double] {
        shownPositions(summarize: summarize).map { tensor.element(at: $0) }
    }

    /// Row-major positions of the elements that will be printed.
    func shownPositions(summarize: Bool) -> [Int] {
        if !summarize || tensor.rank == 0 { return Array(0..<tensor.count) }
        var out: [Int] = []
        collectEdges(dim: 0, prefix: [], into: &out)
        return out
    }

    private func collectEdges(dim: Int, prefix: [Int], into out: inout [Int]) {
        let n = tensor.shape[dim]
        let idx = n > 2 * Self.edgeItems ? Array(0..<Self.edgeItems) + Array((n - Self.edgeItems)..<n) : Array(0..<n)
        for i in idx {
            if dim == tensor.rank - 1 {
                out.append(linear(prefix + [i]))
            } else {
                collectEdges(dim: dim + 1, prefix: prefix + [i], into: &out)
            }
        }
    }

    private func linear(_ coords: [Int]) -> Int {
        var l = 0
        for (d, c) in coords.enumerated() { l = l * tensor.shape[d] + c }
        return l
    }

    private func element(_ linear: Int, _ fmt: ElementFormat) -> String {
        if tensor.dtype.isFloatingPoint { return fmt.format(tensor.element(at: linear)) }
        let v = tensor.intElement(at: linear)
        let s = tensor.dtype == .bool ? (v != 0 ? "True" : "False") : String(v)
        return String(repeating: " ", count: Swift.max(0, fmt.width - s.count)) + s
    }

    private func formatLevel(dim: Int, offset: Int, indent: Int, summarize: Bool, fmt: ElementFormat) -> String {
        let t = tensor
        if t.rank == 0 { return element(0, fmt) }
        let n = t.shape[dim]
        let inner = t.shape[(dim + 1)...].reduce(1, *)
        let elide = summarize && n > 2 * Self.edgeItems
        let idx: [Int?] = elide ? Array(0..<Self.edgeItems).map { Optional($0) } + [nil] + Array((n - Self.edgeItems)..<n).map { Optional($0) }
                                : Array(0..<n).map { Optional($0) }
        if dim == t.rank - 1 {
            let items = idx.map { i in i.map { element(offset + $0, fmt) } ?? " ..." }
            // Wrap at the line width.
            let perLine = Swift.max(1, (Self.lineWidth - indent) / (fmt.width + 2))
            var lines: [String] = []
            var i = 0
            while i < items.count {
                lines.append(items[i..<Swift.min(i + perLine, items.count)].joined(separator: ", "))
                i += perLine
            }
            return "[" + lines.joined(separator: ",\n" + String(repeating: " ", count: indent + 1)) + "]"
        }
        let sep = "," + String(repeating: "\n", count: t.rank - dim - 1) + String(repeating: " ", count: indent + 1)
        let parts = idx.map { i in
            i.map { formatLevel(dim: dim + 1, offset: offset + $0 * inner, indent: indent + 1, summarize: summarize, fmt: fmt) } ?? "..."
        }
        return "[" + parts.joined(separator: sep) + "]"
    }
}

/// How every element of one tensor is printed (a common width and notation).
struct ElementFormat {
    enum Mode { case integer, bool, intFloat, fixed, scientific }
    let mode: Mode
    let width: Int

    init(values: [Double], dtype: DType) {
        if dtype == .bool {
            mode = .bool
        } else if !dtype.isFloatingPoint {
            mode = .integer
        } else {
            let finite = values.filter { $0.isFinite }
            let absNonzero = finite.map { Swift.abs($0) }.filter { $0 != 0 }
            let maxV = absNonzero.max() ?? 0, minV = absNonzero.min() ?? 0
            if finite.allSatisfy({ $0 == $0.rounded() }) {
                mode = maxV > 1e8 ? .scientific : .intFloat
            } else if maxV / Swift.max(minV, .leastNonzeroMagnitude) > 1000 || maxV > 1e8 || minV < 1e-4 {
                mode = .scientific
            } else {
                mode = .fixed
            }
        }
        // As PyTorch: the width comes from the nonzero finite values (NaN and inf are not padded for).
        var w = 1
        let probe = ElementFormat(mode: mode, width: 0)
        for v in values where !dtype.isFloatingPoint || (v.isFinite && v != 0) { w = Swift.max(w, probe.raw(v).count) }
        width = w
    }

    /// The format of an integer or bool tensor whose widest element has `integerWidth` characters.
    init(integerWidth: Int, isBool: Bool) {
        mode = isBool ? .bool : .integer
        width = integerWidth
    }

    private init(mode: Mode, width: Int) {
        self.mode = mode
        self.width = width
    }

    func format(_ v: Double) -> String {
        let s = raw(v)
        return String(repeating: " ", count: Swift.max(0, width - s.count)) + s
    }

    func raw(_ v: Double) -> String {
        switch mode {
        case .bool: return v != 0 ? "True" : "False"
        case .integer: return String(Int64(v))
        default:
            if v.isNaN { return "nan" }
            if v.isInfinite { return v > 0 ? "inf" : "-inf" }
            switch mode {
            case .intFloat: return (v < 0 || (v == 0 && v.sign == .minus) ? "-" : "") + String(Int64(Swift.abs(v))) + "."
            case .fixed: return fixed(v, 4)
            default: return scientific(v, 4)
            }
        }
    }

    /// `%.{digits}f` without Foundation.
    func fixed(_ v: Double, _ digits: Int) -> String {
        let scale = Double.pow(10, Double(digits))
        let r = (Swift.abs(v) * scale).rounded(.toNearestOrEven)
        let ip = Int64(r / scale)
        let fp = Int64(r - Double(ip) * scale)
        var frac = String(fp)
        frac = String(repeating: "0", count: Swift.max(0, digits - frac.count)) + frac
        let neg = v < 0 && r != 0
        return (neg ? "-" : "") + String(ip) + "." + frac
    }

    /// `%.{digits}e` without Foundation.
    func scientific(_ v: Double, _ digits: Int) -> String {
        if v == 0 { return "0." + String(repeating: "0", count: digits) + "e+00" }
        var e = Int(Double.log10(Swift.abs(v)).rounded(.down))
        var m = Swift.abs(v) / Double.pow(10, Double(e))
        let scale = Double.pow(10, Double(digits))
        m = (m * scale).rounded(.toNearestOrEven) / scale
        if m >= 10 { m /= 10; e += 1 }
        if m < 1 { m *= 10; e -= 1 }
        let es = (e < 0 ? "-" : "+") + (Swift.abs(e) < 10 ? "0" : "") + String(Swift.abs(e))
        return (v < 0 ? "-" : "") + fixed(m, digits) + "e" + es
    }
}
