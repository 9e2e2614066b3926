// MARK: - Elementwise expressions for device backends

/// One elementwise primitive's scalar function written as a C++ expression, from which a device backend
/// (TorchCUDA) generates and compiles its kernels.
///
/// Note (elementwise expressions): the expression is evaluated per element in the op's computation type `C`
/// (`float` for float16, bfloat16 and float32 like PyTorch's "opmath", `double` for float64, the integer type
/// itself for integer dtypes). Inputs are named `x` (one input) or `a`, `b`, `c`; scalar parameters are `p0`,
/// `p1`, passed as `C`. Calls use the overloaded CUDA math functions (`exp`, `log1p`, `erfinv`, …) and the helpers
/// of the backend's prelude (`st_floordiv`, `st_remainder`, `st_ipow`, `st_nanmax`, `st_nanmin`). The expression
/// must compute exactly what the CPU kernel in the same file computes; the GPU self-test compares the two.
public struct ElementwiseExpression: Sendable {
    /// The expression for floating dtypes.
    public let floating: String
    /// The expression for integer dtypes, or nil when the op promotes integers to `float32` (or rejects them).
    public let integer: String?
    /// The expression for `bool` inputs, or nil when bool is not accepted.
    public let boolean: String?
    /// Number of tensor inputs (1 for `x`; 2 or 3 for `a`, `b`, `c`).
    public let arity: Int
    /// Values of the scalar parameters `p0`, `p1`, … used by the registry's sample call.
    public let sampleParameters: [Double]
    /// Whether the result is `bool` whatever the input dtype (comparisons).
    public let producesBool: Bool

    /// Describes a primitive's element function.
    /// - Parameters:
    ///   - floating: the expression for floating dtypes.
    ///   - integer: the expression for integer dtypes (nil: integers are promoted or rejected).
    ///   - boolean: the expression for bool inputs (nil: not accepted).
    ///   - arity: the number of tensor inputs.
    ///   - sampleParameters: values of `p0`, `p1`, … in the registry's sample call.
    ///   - producesBool: whether the result is bool.
    public init(_ floating: String, integer: String? = nil, boolean: String? = nil, arity: Int = 1,
                sampleParameters: [Double] = [], producesBool: Bool = false) {
        precondition((1...3).contains(arity), "ElementwiseExpression: arity \(arity) is not 1, 2 or 3")
        self.floating = floating
        self.integer = integer
        self.boolean = boolean
        self.arity = arity
        self.sampleParameters = sampleParameters
        self.producesBool = producesBool
    }

    /// The input names the expression uses, in order.
    public var inputNames: [String] { arity == 1 ? ["x"] : Array(["a", "b", "c"].prefix(arity)) }

    /// A unary expression in `x`.
    /// - Parameters:
    ///   - floating: the expression for floating dtypes.
    ///   - integer: the expression for integer dtypes.
    ///   - parameters: sample values of `p0`, `p1`.
    public static func unary(_ floating: String, integer: String? = nil, parameters: [Double] = []) -> ElementwiseExpression {
        ElementwiseExpression(floating, integer: integer, arity: 1, sampleParameters: parameters)
    }

    /// A binary expression in `a` and `b`.
    /// - Parameters:
    ///   - floating: the expression for floating dtypes.
    ///   - integer: the expression for integer dtypes.
    ///   - parameters: sample values of `p0`, `p1`.
    public static func binary(_ floating: String, integer: String? = nil, parameters: [Double] = []) -> ElementwiseExpression {
        ElementwiseExpression(floating, integer: integer, arity: 2, sampleParameters: parameters)
    }
}
