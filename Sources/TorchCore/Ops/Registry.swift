// MARK: - Op registry

/// A description of one op for tests, documentation and (later) the tracer and other backends: its name, kind,
/// supported dtypes, whether it is differentiable and deterministic, and how to call it on sample inputs.
public struct OpInfo: Sendable {
    /// What sort of op it is.
    public enum Kind: String, Sendable {
        case unary, binary, reduction, linalg, shape, indexing, composite
    }

    /// The dtypes an op accepts.
    public enum DTypes: String, Sendable {
        /// Floating-point dtypes (integers are promoted to `float32`).
        case floating
        /// Every dtype except bool.
        case numeric
        /// Every dtype.
        case all

        /// The member dtypes.
        public var members: [DType] {
            switch self {
            case .floating: return [.float16, .bfloat16, .float32, .float64]
            case .numeric: return DType.allCases.filter { $0 != .bool }
            case .all: return DType.allCases
            }
        }
    }

    /// Where sample values are drawn from, keeping away from singularities and kinks.
    public enum Domain: String, Sendable {
        /// Standard normal.
        case real
        /// In [0.5, 2].
        case positive
        /// In (-0.9, 0.9).
        case unit
        /// In [1.2, 3].
        case aboveOne
        /// |x| in [0.2, 2], random sign.
        case nonzero
        /// Away from ±1 (and 0).
        case kinkfree1
        /// Away from ±3.
        case kinkfree3
        /// Away from 0 and 6.
        case kinkfree6
    }

    /// One sample input: its shape and value domain.
    public struct Input: Sendable {
        /// The shape.
        public let shape: [Int]
        /// The value domain.
        public let domain: Domain
        /// Creates a sample input description.
        /// - Parameters:
        ///   - shape: the shape.
        ///   - domain: the value domain.
        public init(_ shape: [Int], _ domain: Domain) {
            self.shape = shape
            self.domain = domain
        }
    }

    /// The op's name as users call it.
    public let name: String
    /// The kind of op.
    public let kind: Kind
    /// Accepted dtypes.
    public let dtypes: DTypes
    /// Devices the op runs on (`cuda`: how, in `docs/cuda-coverage.md`; the test suite checks it op by op).
    public let devices: [Device]
    /// Whether gradients flow through it.
    public let differentiable: Bool
    /// Whether repeated runs give bit-identical results.
    public let deterministic: Bool
    /// Sample inputs for tests.
    public let inputs: [Input]
    /// Calls the op on sample inputs.
    public let call: @Sendable ([Tensor]) -> Tensor
    /// The element function as a C++ expression, for elementwise primitives that device backends generate
    /// kernels from (see "Note (elementwise expressions)"); nil for other ops.
    public let elementwise: ElementwiseExpression?

    init(name: String, kind: Kind, dtypes: DTypes, devices: [Device] = [.cpu, .cuda(0)], differentiable: Bool,
         deterministic: Bool = true, elementwise: ElementwiseExpression? = nil, inputs: [Input],
         call: @escaping @Sendable ([Tensor]) -> Tensor) {
        self.elementwise = elementwise
        self.name = name
        self.kind = kind
        self.dtypes = dtypes
        self.devices = devices
        self.differentiable = differentiable
        self.deterministic = deterministic
        self.inputs = inputs
        self.call = call
    }

    /// Random sample inputs of `dtype` (float64 for gradient checks).
    /// - Parameters:
    ///   - dtype: the element type.
    ///   - generator: the generator.
    public func sampleInputs(dtype: DType = .float64, generator: Generator) -> [Tensor] {
        inputs.map { OpInfo.sample($0, dtype: dtype, generator: generator) }
    }

    /// A random tensor for one sample input description.
    /// - Parameters:
    ///   - input: the shape and domain.
    ///   - dtype: the element type.
    ///   - generator: the generator.
    public static func sample(_ input: Input, dtype: DType = .float64, generator: Generator) -> Tensor {
        do {
            let n = input.shape.reduce(1, *)
            let u = generator.uniform(n)
            let z = generator.normal(n)
            let sign = generator.uniform(n).map { $0 < 0.5 ? -1.0 : 1.0 }
            let v: [Double] = (0..<n).map { i in
                switch input.domain {
                case .real: return z[i]
                case .positive: return 0.5 + 1.5 * u[i]
                case .unit: return -0.9 + 1.8 * u[i]
                case .aboveOne: return 1.2 + 1.8 * u[i]
                case .nonzero: return sign[i] * (0.2 + 1.8 * u[i])
                case .kinkfree1:
                    let m = 0.1 + 0.8 * u[i]
                    return sign[i] * (u[i] < 0.5 ? m : m + 1.0)
                case .kinkfree3: return sign[i] * [0.5, 1.5, 2.5, 3.5, 4.5][Int(u[i] * 5) % 5] + 0.3 * (u[i] - 0.5)
                case .kinkfree6: return [-2.0, 1.0, 3.0, 5.0, 7.0][Int(u[i] * 5) % 5] + 0.6 * (u[i] - 0.5)
                }
            }
            return Tensor(v, shape: input.shape).to(dtype)
        }
    }
}

/// Every registered op. Tests iterate it (gradcheck, dtype coverage) and `docs/ops.md` is generated from it.
public enum OpRegistry {
    /// All ops, in documentation order.
    public static let all: [OpInfo] = [
        // Unary elementwise
        .neg, .abs, .sign, .exp, .exp2, .expm1, .log, .log2, .log10, .log1p, .sqrt, .rsqrt, .square,
        .sin, .cos, .tan, .asin, .acos, .atan, .sinh, .cosh, .tanh, .asinh, .acosh, .atanh,
        .sigmoid, .logSigmoid, .relu, .relu6, .leakyRelu, .elu, .selu, .gelu, .geluTanh, .silu, .mish,
        .softplus, .hardtanh, .hardsigmoid, .hardswish, .erf, .erfc, .erfinv, .reciprocal,
        .floor, .ceil, .round, .trunc, .frac, .clamp, .powScalar,
        // Binary elementwise
        .add, .sub, .mul, .div, .floorDivide, .pow, .maximum, .minimum, .atan2, .hypot, .remainder, .fmod,
        .whereOp, .lerp, .addcmul, .addcdiv, .inPlaceOnView, .cloneOp,
        // Reductions
        .sum, .sumAll, .mean, .varOp, .std, .prod, .amax, .amin, .maxDim, .minDim, .logsumexp, .norm,
        .softmax, .softmaxDim0, .logSoftmax, .layerNorm, .cumsum, .cumprod, .sort, .topk, .kthvalue, .medianDim,
        // Linear algebra
        .mm, .bmm, .addmm, .baddbmm, .dot, .outer, .matmulBatched, .matmulVec, .einsum,
        // Convolution and pooling
        .im2col, .col2im, .conv2d, .maxPool2d, .maxPool2dFast, .maxPool2dCeil,
        // Shape and joining
        .cat, .stack, .repeatOp, .repeatInterleave, .tile, .flip, .roll, .tril, .padConstant, .padReflect,
        .padReplicate, .padCircular, .splitOp, .unbindOp, .squeezeOp,
        .viewOp, .reshapeOp, .permuteOp, .expandOp, .narrowOp, .selectOp, .sliceStep, .unfoldOp, .diagonalOp, .asStridedOp,
        // Indexing
        .gather, .scatter, .scatterAdd, .indexSelect, .indexAdd, .advancedIndex, .maskedSelect, .take, .maskedFill,
    ]
}

extension OpInfo {
    static let viewOp = OpInfo(name: "view", kind: .shape, dtypes: .all, differentiable: true,
                               inputs: [.init([3, 4], .real)]) { $0[0].view([3, 2, 2]) }
    static let reshapeOp = OpInfo(name: "reshape", kind: .shape, dtypes: .all, differentiable: true,
                                  inputs: [.init([3, 4], .real)]) { $0[0].reshape([2, 6]) }
    static let permuteOp = OpInfo(name: "permute", kind: .shape, dtypes: .all, differentiable: true,
                                  inputs: [.init([2, 3, 4], .real)]) { $0[0].permute(2, 0, 1) }
    static let expandOp = OpInfo(name: "expand", kind: .shape, dtypes: .all, differentiable: true,
                                 inputs: [.init([3, 1], .real)]) { $0[0].expand(2, 3, 4) }
    static let narrowOp = OpInfo(name: "narrow", kind: .shape, dtypes: .all, differentiable: true,
                                 inputs: [.init([3, 4], .real)]) { $0[0].narrow(1, 1, 2) }
    static let selectOp = OpInfo(name: "select", kind: .shape, dtypes: .all, differentiable: true,
                                 inputs: [.init([3, 4], .real)]) { $0[0].select(0, -1) }
    static let sliceStep = OpInfo(name: "slice(step)", kind: .shape, dtypes: .all, differentiable: true,
                                  inputs: [.init([5, 4], .real)]) { $0[0].slice(0, 0, 5, step: 2) }
    static let unfoldOp = OpInfo(name: "unfold", kind: .shape, dtypes: .all, differentiable: true,
                                 inputs: [.init([3, 5], .real)]) { $0[0].unfold(1, size: 3, step: 1) }
    static let diagonalOp = OpInfo(name: "diagonal", kind: .shape, dtypes: .all, differentiable: true,
                                   inputs: [.init([3, 4], .real)]) { $0[0].diagonal(offset: 1) }
    static let asStridedOp = OpInfo(name: "asStrided", kind: .shape, dtypes: .all, differentiable: true,
                                    inputs: [.init([3, 4], .real)]) { $0[0].contiguous().asStrided([3, 3], [2, 1]) }
    static let advancedIndex = OpInfo(name: "index(tensor)", kind: .indexing, dtypes: .all, differentiable: true,
                                      inputs: [.init([4, 3], .real)]) { $0[0][Tensor([Int64(2), 0, 2]).to($0[0].device)] }
}

extension OpRegistry {
    /// `docs/ops.md`: every registered op with its dtypes, devices, and whether it is differentiable and
    /// deterministic. A test fails when the committed file differs; regenerate it with
    /// `swift run swifttorch ops > docs/ops.md`.
    public static func markdown() -> String {
        var lines = [
            "# Op coverage",
            "",
            "Generated from `OpRegistry.all` by `swifttorch ops` — do not edit by hand. How each op runs on CUDA: `docs/cuda-coverage.md`.",
            "Every differentiable op passes `gradcheck` and `gradgradcheck` in the test suite.",
            "",
            "| op | kind | dtypes | devices | differentiable | deterministic |",
            "| --- | --- | --- | --- | --- | --- |",
        ]
        for op in all {
            let dtypes = op.dtypes.members.map { $0.rawValue }.joined(separator: ", ")
            let devices = op.devices.map { $0.kind }.joined(separator: ", ")
            lines.append("| `\(op.name)` | \(op.kind.rawValue) | \(dtypes) | \(devices) | \(op.differentiable ? "yes" : "no") | \(op.deterministic ? "yes" : "no") |")
        }
        lines.append("")
        lines.append("\(all.count) ops, \(all.filter { $0.differentiable }.count) differentiable.")
        return lines.joined(separator: "\n") + "\n"
    }
}
