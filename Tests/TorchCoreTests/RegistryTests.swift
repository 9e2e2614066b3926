import Testing
import Torch
import _TestSupport

/// Every differentiable op in the registry passes gradcheck and gradgradcheck in float64 — on fresh contiguous
/// inputs (with broadcasting where the sample shapes differ) and on non-contiguous (permuted or strided) inputs.
@Suite struct RegistryTests {
    static let differentiable = OpRegistry.all.filter { $0.differentiable }.map { $0.name }
    static let allNames = OpRegistry.all.map { $0.name }

    static func op(_ name: String) -> OpInfo { OpRegistry.all.first { $0.name == name }! }

    @Test("registry names are unique") func uniqueNames() {
        #expect(Set(Self.allNames).count == Self.allNames.count)
    }

    @Test(arguments: differentiable)
    func gradcheckContiguous(_ name: String) {
        let op = Self.op(name)
        let inputs = op.sampleInputs(generator: Generator(seed: 1)).map { $0.requiresGrad_() }
        let r = gradcheck(op.call, inputs: inputs)
        #expect(r.passed, "\(name): \(r)")
    }

    @Test(arguments: differentiable)
    func gradgradcheckContiguous(_ name: String) {
        let op = Self.op(name)
        let inputs = op.sampleInputs(generator: Generator(seed: 2)).map { $0.requiresGrad_() }
        let r = gradgradcheck(op.call, inputs: inputs, generator: Generator(seed: 3))
        #expect(r.passed, "\(name): \(r)")
    }

    @Test(arguments: differentiable)
    func gradcheckNonContiguous(_ name: String) {
        let op = Self.op(name)
        let g = Generator(seed: 4)
        let inputs = op.inputs.map { input -> Tensor in
            // The same domain, laid out non-contiguously: a permuted tensor, or every other element along the
            // last dimension.
            let shape = input.shape
            if shape.count >= 2 {
                let raw = OpInfo.sample(.init(Array(shape.reversed()), input.domain), generator: g)
                let x = raw.permute(Array((0..<shape.count).reversed()))
                if !x.isContiguous { return x.detach().requiresGrad_() }
            }
            var wide = shape
            wide[wide.count - 1] *= 2
            let raw = OpInfo.sample(.init(wide, input.domain), generator: g)
            return raw.slice(-1, 0, wide[wide.count - 1], step: 2).detach().requiresGrad_()
        }
        #expect(inputs.contains { !$0.isContiguous } || inputs.allSatisfy { $0.count <= 1 })
        let r = gradcheck(op.call, inputs: inputs)
        #expect(r.passed, "\(name): \(r)")
    }

    /// Every op runs on every dtype it declares; floating results match the float64 result.
    @Test(arguments: allNames)
    func dtypeCoverage(_ name: String) {
        let op = Self.op(name)
        let base = op.sampleInputs(generator: Generator(seed: 5))
        let reference = noGrad { op.call(base) }
        for dtype in op.dtypes.members {
            let inputs: [Tensor]
            if dtype.isFloatingPoint {
                inputs = base.map { $0.to(dtype) }
            } else if dtype == .bool {
                inputs = base.map { $0.gt(0) }
            } else {
                // Small non-negative integers, nonzero where the domain excludes zero.
                inputs = zip(base, op.inputs).map { t, spec in
                    let r = (t * 3).round().abs()
                    let needsNonzero = [.nonzero, .positive, .aboveOne].contains(spec.domain)
                    return (needsNonzero ? r + 1 : r).to(dtype)
                }
            }
            let out = noGrad { op.call(inputs) }
            #expect(out.shape == reference.shape, "\(name) on \(dtype): shape \(out.shape) vs \(reference.shape)")
            if dtype.isFloatingPoint && op.kind != .indexing || (dtype.isFloatingPoint && out.dtype == dtype) {
                let tol = dtype == .float32 || dtype == .float64 ? 1e-4 : 3e-2
                let expected = noGrad { op.call(inputs.map { $0.to(.float64) }) }
                let c = compareClose(out.to(.float64), expected.toArray(of: Double.self), rtol: tol, atol: tol)
                #expect(c.isClose, "\(name) on \(dtype): \(c.message)")
            }
        }
    }
}
