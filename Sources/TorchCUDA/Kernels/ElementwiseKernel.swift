import TorchCore

// MARK: - Generated elementwise kernels

/// One compiled form of an elementwise primitive: the op, its input dtypes and its output dtype. The kernels are
/// generated from the op's ``ElementwiseExpression`` (see "Note (elementwise expressions)" in TorchCore).
public struct ElementwiseKernelSpec: Hashable, Sendable, CustomStringConvertible {
    /// The registry name of the op (`relu`, `gelu(tanh)`).
    public let op: String
    /// Input dtypes, one per expression input.
    public let inputs: [DType]
    /// The output dtype.
    public let output: DType
    /// The C++ expression evaluated per element.
    public let expression: String
    /// The computation type's C name (`float`, `double`, `int`, …).
    public let computeType: String

    public var description: String { "\(op)(\(inputs.map(\.rawValue).joined(separator: ", "))) -> \(output.rawValue)" }

    /// The form of `expression` for inputs of one dtype, following the CPU kernel's rules: floating dtypes compute in
    /// `float` (half types too) or `double`; integers use the integer expression when the op keeps integer dtypes,
    /// and otherwise are read as `float32` (PyTorch's promotion of integer inputs to the default float type).
    /// Returns nil when the op does not take `dtype`.
    /// - Parameters:
    ///   - op: the registry name.
    ///   - expression: the element function.
    ///   - dtype: the input dtype (all inputs alike).
    public init?(op: String, expression: ElementwiseExpression, dtype: DType) {
        let out: DType
        let expr: String
        let compute: String
        if dtype.isFloatingPoint {
            out = dtype
            expr = expression.floating
            compute = dtype == .float64 ? "double" : "float"
        } else if dtype == .bool {
            guard let b = expression.boolean else { return nil }
            out = .bool
            expr = b
            compute = "int"
        } else if let i = expression.integer {
            out = dtype
            expr = i
            compute = ElementwiseKernelSpec.storageType(dtype)
        } else {
            out = .float32
            expr = expression.floating
            compute = "float"
        }
        self.op = op
        self.inputs = Array(repeating: dtype, count: expression.arity)
        self.output = expression.producesBool ? .bool : out
        self.expression = expr
        self.computeType = compute
    }

    /// The kernel behind copies and dtype conversions: `out = (D)x`, computed in `double` when either side is
    /// float64, in `long long` between integer types (wrapping, as the CPU copy through `Int64`), else in `float`.
    /// Bool outputs are `x != 0`; half types go through `float`.
    /// - Parameters:
    ///   - source: the input dtype.
    ///   - destination: the output dtype.
    public init(castFrom source: DType, to destination: DType) {
        let compute: String
        if source == .float64 || destination == .float64 {
            compute = "double"
        } else if !source.isFloatingPoint && !destination.isFloatingPoint {
            compute = "long long"
        } else {
            compute = "float"
        }
        op = "copy"
        inputs = [source]
        output = destination
        expression = "x"
        computeType = compute
    }

    /// A binary spec with one operand passed by value as `p1` instead of read from memory (`x * 2.5`): a unary
    /// kernel over the other operand. Nil when the expression already uses `p1`.
    /// - Parameters:
    ///   - binary: a two-input spec.
    ///   - scalarPosition: 0 when `a` is the scalar, 1 when `b` is.
    public init?(binding binary: ElementwiseKernelSpec, scalarAt scalarPosition: Int) {
        precondition(binary.inputs.count == 2 && (0...1).contains(scalarPosition), "binding: \(binary) is not binary")
        let identifiers = ElementwiseKernelSpec.identifiers(in: binary.expression)
        guard !identifiers.contains("p1"), !identifiers.contains("x") else { return nil }
        let (scalarName, tensorName) = scalarPosition == 0 ? ("a", "b") : ("b", "a")
        op = binary.op + (scalarPosition == 0 ? "[a=p1]" : "[b=p1]")
        inputs = [binary.inputs[1 - scalarPosition]]
        output = binary.output
        expression = ElementwiseKernelSpec.rename(binary.expression, [scalarName: "p1", tensorName: "x"])
        computeType = binary.computeType
    }

    /// The identifiers of a C expression (numeric literals such as `2.5e3` or `0x1f` are skipped).
    static func identifiers(in text: String) -> Set<String> {
        var out: Set<String> = []
        for case .identifier(let name) in tokens(text) { out.insert(name) }
        return out
    }

    /// `text` with whole identifiers renamed (numbers and longer names are left alone).
    static func rename(_ text: String, _ names: [String: String]) -> String {
        tokens(text).map { token -> String in
            switch token {
            case .identifier(let name): return names[name] ?? name
            case .other(let t): return t
            }
        }.joined()
    }

    enum Token { case identifier(String), other(String) }

    /// Splits a C expression into identifiers and everything else (numbers kept whole).
    static func tokens(_ text: String) -> [Token] {
        var out: [Token] = []
        let chars = Array(text)
        var i = 0
        while i < chars.count {
            let c = chars[i]
            if c.isLetter || c == "_" {
                var j = i
                while j < chars.count && (chars[j].isLetter || chars[j].isNumber || chars[j] == "_") { j += 1 }
                out.append(.identifier(String(chars[i..<j])))
                i = j
            } else if c.isNumber || (c == "." && i + 1 < chars.count && chars[i + 1].isNumber) {
                var j = i
                while j < chars.count && (chars[j].isLetter || chars[j].isNumber || chars[j] == "." || chars[j] == "_"
                                          || ((chars[j] == "-" || chars[j] == "+") && (chars[j - 1] == "e" || chars[j - 1] == "E"))) { j += 1 }
                out.append(.other(String(chars[i..<j])))
                i = j
            } else {
                out.append(.other(String(c)))
                i += 1
            }
        }
        return out
    }

    /// A C identifier naming this spec (`st_gelu_tanh__f32_to_f32`).
    public var symbolStem: String {
        let opName = String(op.map { $0.isLetter || $0.isNumber ? $0 : "_" }).replacingBoundMarks()
        return "st_\(opName)__\(inputs.map(ElementwiseKernelSpec.shortName).joined(separator: "_"))_to_\(ElementwiseKernelSpec.shortName(output))"
    }

    /// The entry point for contiguous operands of equal shape.
    public var contiguousEntry: String { symbolStem + "_contig" }
    /// The entry point for strided and broadcast operands (up to 8 dims, 3 inputs).
    public var stridedEntry: String { symbolStem + "_strided" }

    /// The two kernels' source, without the prelude.
    ///
    /// Contiguous form: `(out, in0…, n, p0, p1)`; strided form: `(out, in0…, n, geometry, p0, p1)` where
    /// `geometry` holds the shape and, per operand (output first), its element strides. Both use a grid-stride loop.
    public var source: String {
        let outT = ElementwiseKernelSpec.storageType(output)
        let names = inputs.count == 1 ? ["x"] : Array(["a", "b", "c"].prefix(inputs.count))
        let params = (["\(outT)* __restrict__ out"]
            + inputs.enumerated().map { "const \(ElementwiseKernelSpec.storageType($1))* __restrict__ in\($0)" })
            .joined(separator: ", ")
        func body(_ index: (Int) -> String, _ outIndex: String) -> String {
            var lines = ["        typedef \(computeType) C;", "        const C p0 = (C)p0_; const C p1 = (C)p1_;",
                         "        (void)p0; (void)p1;"]
            for (k, n) in names.enumerated() {
                lines.append("        const C \(n) = \(ElementwiseKernelSpec.load(inputs[k], "in\(k)[\(index(k))]", computeType));")
            }
            lines.append("        out[\(outIndex)] = \(ElementwiseKernelSpec.store(output, "(\(expression))", computeType));")
            return lines.joined(separator: "\n")
        }
        let loop = "for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += (long long)blockDim.x * gridDim.x)"
        var offsets = ["        long long rem = i;"]
        offsets.append("        long long " + (0...inputs.count).map { "o\($0) = 0" }.joined(separator: ", ") + ";")
        offsets.append("        for (int d = g.ndim - 1; d >= 0; --d) {")
        offsets.append("            const long long idx = rem % g.size[d]; rem /= g.size[d];")
        offsets.append("            " + (0...inputs.count).map { "o\($0) += idx * g.stride[\($0)][d];" }.joined(separator: " "))
        offsets.append("        }")
        return """
        extern "C" __global__ void \(contiguousEntry)(\(params), long long n, double p0_, double p1_) {
            \(loop) {
        \(body({ _ in "i" }, "i"))
            }
        }
        extern "C" __global__ void \(stridedEntry)(\(params), long long n, st_geometry g, double p0_, double p1_) {
            \(loop) {
        \(offsets.joined(separator: "\n"))
        \(body({ "o\($0 + 1)" }, "o0"))
            }
        }

        """
    }

    /// The C type that stores one element of `dtype`.
    /// - Parameter dtype: the dtype.
    public static func storageType(_ dtype: DType) -> String {
        switch dtype {
        case .bool, .uint8: return "unsigned char"
        case .int8: return "signed char"
        case .int16: return "short"
        case .int32: return "int"
        case .int64: return "long long"
        case .float16: return "st_half"
        case .bfloat16: return "st_bfloat16"
        case .float32: return "float"
        case .float64: return "double"
        }
    }

    /// A short dtype tag for symbol names.
    /// - Parameter dtype: the dtype.
    static func shortName(_ dtype: DType) -> String {
        switch dtype {
        case .bool: return "b8"
        case .uint8: return "u8"
        case .int8: return "i8"
        case .int16: return "i16"
        case .int32: return "i32"
        case .int64: return "i64"
        case .float16: return "f16"
        case .bfloat16: return "bf16"
        case .float32: return "f32"
        case .float64: return "f64"
        }
    }

    /// An expression reading one stored element as the computation type.
    static func load(_ dtype: DType, _ element: String, _ compute: String) -> String {
        switch dtype {
        case .float16: return "(\(compute))st_h2f(\(element))"
        case .bfloat16: return "(\(compute))st_b2f(\(element))"
        case .bool: return "(\(compute))(\(element) != 0)"
        default: return "(\(compute))\(element)"
        }
    }

    /// An expression converting a computed value to the stored type.
    static func store(_ dtype: DType, _ value: String, _ compute: String) -> String {
        switch dtype {
        case .float16: return "st_f2h((float)\(value))"
        case .bfloat16: return "st_f2b((float)\(value))"
        case .bool: return "(unsigned char)(\(value) != 0)"
        default: return "(\(storageType(dtype)))\(value)"
        }
    }
}

// MARK: - Programs

/// Assembles generated kernels into CUDA programs.
public enum KernelSource {
    /// A program holding the prelude and the kernels of `specs`.
    /// - Parameter specs: the kernels to include.
    public static func program(_ specs: [ElementwiseKernelSpec]) -> String {
        KernelPrelude.text + specs.map(\.source).joined()
    }

    /// The kernels the backend generates for one registry op: one per accepted dtype.
    /// - Parameter op: the registry entry.
    public static func specs(for op: OpInfo) -> [ElementwiseKernelSpec] {
        guard let e = op.elementwise else { return [] }
        return op.dtypes.members.compactMap { ElementwiseKernelSpec(op: op.name, expression: e, dtype: $0) }
    }

    /// Every generated kernel of the registry, grouped by op.
    public static var registryPrograms: [(op: OpInfo, specs: [ElementwiseKernelSpec])] {
        OpRegistry.all.compactMap { op in
            let s = specs(for: op)
            return s.isEmpty ? nil : (op, s)
        }
    }
}

private extension String {
    /// `add__b_p1_` → `add_scalar_b`: keeps the bound-operand spelling of ``ElementwiseKernelSpec/init(binding:scalarAt:)``
    /// readable in symbol names.
    func replacingBoundMarks() -> String {
        var s = self
        for (mark, name) in [("_a_p1_", "_scalar_a"), ("_b_p1_", "_scalar_b")] where s.hasSuffix(mark) {
            s = String(s.dropLast(mark.count)) + name
        }
        return s
    }
}
