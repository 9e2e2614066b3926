import Foundation
import Testing
import Torch
import _TestSupport

/// Results compared with values computed by NumPy/SciPy (`scripts/make_reference.py`).
@Suite struct ReferenceTests {
    struct Encoded: Decodable {
        let shape: [Int]
        let values: [Double]
        var tensor: Tensor { Tensor(values, shape: shape) }
    }
    struct UnaryCase: Decodable { let input: Encoded; let output: Encoded }
    struct BinaryCase: Decodable { let a: Encoded; let b: Encoded; let output: Encoded }
    struct LinalgCase: Decodable { let a: Encoded; let b: Encoded?; let output: Encoded }
    struct Reference: Decodable {
        let unary: [String: UnaryCase]
        let binary: [String: BinaryCase]
        let reductions: [String: UnaryCase]
        let linalg: [String: LinalgCase]
    }

    static let reference: Reference = {
        let url = Bundle.module.url(forResource: "reference", withExtension: "json", subdirectory: "Resources")!
        return try! JSONDecoder().decode(Reference.self, from: Data(contentsOf: url))
    }()

    static let unaryOps: [String: @Sendable (Tensor) -> Tensor] = [
        "neg": { $0.neg() }, "abs": { $0.abs() }, "sign": { $0.sign() }, "exp": { $0.exp() }, "exp2": { $0.exp2() },
        "expm1": { $0.expm1() }, "log": { $0.log() }, "log2": { $0.log2() }, "log10": { $0.log10() },
        "log1p": { $0.log1p() }, "sqrt": { $0.sqrt() }, "rsqrt": { $0.rsqrt() }, "square": { $0.square() },
        "sin": { $0.sin() }, "cos": { $0.cos() }, "tan": { $0.tan() }, "asin": { $0.asin() }, "acos": { $0.acos() },
        "atan": { $0.atan() }, "sinh": { $0.sinh() }, "cosh": { $0.cosh() }, "tanh": { $0.tanh() },
        "asinh": { $0.asinh() }, "acosh": { $0.acosh() }, "atanh": { $0.atanh() }, "sigmoid": { $0.sigmoid() },
        "logSigmoid": { $0.logSigmoid() }, "relu": { $0.relu() }, "relu6": { $0.relu6() },
        "leakyRelu": { $0.leakyRelu() }, "elu": { $0.elu() }, "selu": { $0.selu() }, "gelu": { $0.gelu() },
        "geluTanh": { $0.gelu(approximate: .tanh) }, "silu": { $0.silu() }, "mish": { $0.mish() },
        "softplus": { $0.softplus() }, "hardtanh": { $0.hardtanh() }, "hardsigmoid": { $0.hardsigmoid() },
        "hardswish": { $0.hardswish() }, "erf": { $0.erf() }, "erfc": { $0.erfc() }, "erfinv": { $0.erfinv() },
        "reciprocal": { $0.reciprocal() }, "floor": { $0.floor() }, "ceil": { $0.ceil() }, "round": { $0.round() },
        "trunc": { $0.trunc() }, "frac": { $0.frac() },
    ]

    static let binaryOps: [String: @Sendable (Tensor, Tensor) -> Tensor] = [
        "add": { $0 + $1 }, "sub": { $0 - $1 }, "mul": { $0 * $1 }, "div": { $0 / $1 },
        "floorDivide": { $0.floorDivide($1) }, "remainder": { $0 % $1 }, "fmod": { $0.fmod($1) },
        "maximum": { $0.maximum($1) }, "minimum": { $0.minimum($1) }, "atan2": { $0.atan2($1) },
        "hypot": { $0.hypot($1) }, "pow": { $0.pow($1) },
    ]

    static let reductionOps: [String: @Sendable (Tensor) -> Tensor] = [
        "sum_dim1": { $0.sum([1]) }, "sum_all": { $0.sum() }, "mean_dim0": { $0.mean([0]) },
        "var_dim1": { $0.var([1]) }, "std_dim0_c0": { $0.std([0], correction: 0) }, "prod_dim1": { $0.prod([1]) },
        "amax_dim1": { $0.amax([1]) }, "amin_dim0": { $0.amin([0]) }, "logsumexp_dim1": { $0.logsumexp([1]) },
        "softmax_dim1": { $0.softmax(dim: 1) }, "softmax_dim0": { $0.softmax(dim: 0) },
        "logSoftmax_dim1": { $0.logSoftmax(dim: 1) }, "cumsum_dim1": { $0.cumsum(dim: 1) },
        "cumprod_dim0": { $0.cumprod(dim: 0) }, "norm3_dim1": { $0.norm(p: 3, [1]) }, "norm2_all": { $0.norm() },
        "sum_dims02_cube": { $0.sum([0, 2]) }, "var_all_cube": { $0.var() },
        "sort_dim1_desc": { $0.sort(dim: 1, descending: true).values }, "median_all": { $0.median() },
    ]

    @Test func everyReferenceCaseHasAnOp() {
        #expect(Set(Self.reference.unary.keys) == Set(Self.unaryOps.keys))
        #expect(Set(Self.reference.binary.keys) == Set(Self.binaryOps.keys))
        #expect(Set(Self.reference.reductions.keys) == Set(Self.reductionOps.keys))
    }

    @Test(arguments: [DType.float64, .float32])
    func unary(_ dtype: DType) {
        for (name, c) in Self.reference.unary {
            let out = Self.unaryOps[name]!(c.input.tensor.to(dtype))
            #expect(out.dtype == dtype)
            let tol = dtype == .float64 ? 1e-10 : 2e-6
            let r = compareClose(out, c.output.values, shape: c.output.shape, rtol: tol, atol: tol)
            #expect(r.isClose, "\(name) (\(dtype)): \(r.message)")
        }
    }

    @Test func binary() {
        for (name, c) in Self.reference.binary {
            let out = Self.binaryOps[name]!(c.a.tensor, c.b.tensor)
            let r = compareClose(out, c.output.values, shape: c.output.shape, rtol: 1e-12, atol: 1e-12)
            #expect(r.isClose, "\(name): \(r.message)")
        }
    }

    @Test func reductions() {
        for (name, c) in Self.reference.reductions {
            let out = Self.reductionOps[name]!(c.input.tensor)
            let r = compareClose(out, c.output.values, shape: c.output.shape, rtol: 1e-10, atol: 1e-12)
            #expect(r.isClose, "\(name): \(r.message)")
        }
    }

    @Test func linalg() {
        let cases = Self.reference.linalg
        func check(_ name: String, _ out: Tensor) {
            let c = cases[name]!
            let r = compareClose(out, c.output.values, shape: c.output.shape, rtol: 1e-10, atol: 1e-12)
            #expect(r.isClose, "\(name): \(r.message)")
        }
        let bmm = cases["bmm"]!
        check("bmm", bmm.a.tensor.bmm(bmm.b!.tensor))
        check("matmul_bcast", cases["matmul_bcast"]!.a.tensor.matmul(cases["matmul_bcast"]!.b!.tensor))
        check("einsum_bij_bjk", einsum("bij,bjk->bik", cases["einsum_bij_bjk"]!.a.tensor, cases["einsum_bij_bjk"]!.b!.tensor))
        check("einsum_trace", einsum("ii->", cases["einsum_trace"]!.a.tensor))
        check("einsum_outer", einsum("i,j->ij", cases["einsum_outer"]!.a.tensor, cases["einsum_outer"]!.b!.tensor))
        // float32 goes through sgemm: same values to single precision.
        let r = compareClose(bmm.a.tensor.to(.float32).bmm(bmm.b!.tensor.to(.float32)), bmm.output.values, rtol: 1e-5, atol: 1e-5)
        #expect(r.isClose, "\(r.message)")
    }
}
