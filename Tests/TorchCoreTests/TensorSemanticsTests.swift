import Foundation
import Testing
import Torch
import _TestSupport

@Suite struct CreationTests {
    @Test func literalsAndArrays() {
        let a: Tensor = [[1, 2], [3, 4]]
        #expect(a.shape == [2, 2] && a.dtype == .int64)
        #expect(a.toArray(of: Int64.self) == [1, 2, 3, 4])
        let b: Tensor = [1, 2.5]
        #expect(b.dtype == .float32 && b.toArray(of: Float.self) == [1, 2.5])
        // A scalar literal behaves like a Python number: full precision, and it does not change a tensor's dtype.
        let s: Tensor = 3.5
        #expect(s.rank == 0 && s.item() == 3.5)
        #expect((Tensor.ones([2]) * s).dtype == .float32)
        #expect((Tensor([Int32(1)]) * s).dtype == .float32)
        let d = Tensor([0.25, 0.75])
        #expect((d * (1 - 0.1)).toArray(of: Double.self) == [0.25 * 0.9, 0.75 * 0.9])
        let big: Tensor = 9_007_199_254_740_993
        #expect(big.item(Int64.self) == 9_007_199_254_740_993)
        let m = Tensor([[1.0, 2.0], [3.0, 4.0]] as [[Double]])
        #expect(m.dtype == .float64 && m.shape == [2, 2])
    }

    @Test func factories() {
        #expect(Tensor.zeros([2, 3]).toArray(of: Float.self) == [0, 0, 0, 0, 0, 0])
        #expect(Tensor.full([2], 7, dtype: .int32).toArray(of: Int32.self) == [7, 7])
        #expect(Tensor.arange(5).toArray(of: Int64.self) == [0, 1, 2, 3, 4])
        #expect(Tensor.arange(0, 1, step: 0.25).toArray(of: Float.self) == [0, 0.25, 0.5, 0.75])
        #expect(Tensor.arange(0, 1, step: 0.25).dtype == .float32)
        #expect(Tensor.linspace(0, 1, steps: 5).toArray(of: Float.self) == [0, 0.25, 0.5, 0.75, 1])
        #expect(Tensor.eye(2, 3).toArray(of: Float.self) == [1, 0, 0, 0, 1, 0])
        let z = Tensor.zerosLike(Tensor.ones([2, 2], dtype: .float64))
        #expect(z.dtype == .float64 && z.shape == [2, 2])
    }

    @Test func rngIsDeterministicAcrossThreadCounts() {
        // Own default generator (other suites draw from the process-wide one concurrently).
        let (a, b) = Generator.withDefault(Generator()) {
            GlobalSettings.exclusive {
                Torch.manualSeed(42)
                let a = Tensor.randn([1000])
                let before = Torch.numThreads
                Torch.setNumThreads(1)
                Torch.manualSeed(42)
                let b = Tensor.randn([1000])
                Torch.setNumThreads(before)
                return (a, b)
            }
        }
        #expect(a.equal(b))
        let g1 = Generator(seed: 7), g2 = Generator(seed: 7)
        #expect(Tensor.rand([50], generator: g1).equal(Tensor.rand([50], generator: g2)))
        #expect(!Tensor.rand([50], generator: g1).equal(Tensor.rand([50], generator: Generator(seed: 8))))
    }

    /// Random fills write into the tensor itself for contiguous float32/float64 tensors; the values are those of
    /// the float64 draw rounded to the dtype, whatever the layout, and Box–Muller pairs consecutive uniforms.
    @Test func randomFillsInPlaceMatchTheFloat64Draw() {
        for n in [1, 7, 1000] {
            let f64 = Tensor.randn([n], dtype: .float64, generator: Generator(seed: 11))
            let f32 = Tensor.randn([n], generator: Generator(seed: 11))
            let half = Tensor.randn([n], dtype: .float16, generator: Generator(seed: 11))
            #expect(f32.equal(f64.to(.float32)) && half.equal(f64.to(.float16)), "randn, n = \(n)")
            let u64 = Tensor.rand([n], dtype: .float64, generator: Generator(seed: 12))
            #expect(Tensor.rand([n], generator: Generator(seed: 12)).equal(u64.to(.float32)), "rand, n = \(n)")
            // In place, contiguous and through a strided view (the path through a float64 array).
            let dense = Tensor.empty([n]).normal_(mean: 2, std: 0.5, generator: Generator(seed: 13))
            let strided = Tensor.zeros([n, 2])
            strided.select(1, 1).normal_(mean: 2, std: 0.5, generator: Generator(seed: 13))
            #expect(dense.equal(strided.select(1, 1)) && strided.select(1, 0).equal(Tensor.zeros([n])), "normal_, n = \(n)")
            let denseU = Tensor.empty([n], dtype: .float64).uniform_(from: -3, to: 1, generator: Generator(seed: 14))
            let stridedU = Tensor.zeros([n, 2], dtype: .float64)
            stridedU.select(1, 0).uniform_(from: -3, to: 1, generator: Generator(seed: 14))
            #expect(denseU.equal(stridedU.select(1, 0)), "uniform_, n = \(n)")
        }
        // Box–Muller by hand from the same seed's first two uniforms.
        let u = Tensor.rand([2], dtype: .float64, generator: Generator(seed: 5)).toArray(of: Double.self)
        let z = Tensor.randn([2], dtype: .float64, generator: Generator(seed: 5)).toArray(of: Double.self)
        let r = (-2 * Foundation.log(1 - u[0])).squareRoot()
        #expect(Swift.abs(z[0] - r * Foundation.cos(2 * Double.pi * u[1])) < 1e-12)
        #expect(Swift.abs(z[1] - r * Foundation.sin(2 * Double.pi * u[1])) < 1e-12)
        // An odd count draws one uniform more: what follows randn([3]) is the fifth uniform of the seed.
        let g = Generator(seed: 6)
        _ = Tensor.randn([3], generator: g)
        let next = Tensor.rand([1], dtype: .float64, generator: g).item()
        #expect(next == Tensor.rand([5], dtype: .float64, generator: Generator(seed: 6)).toArray(of: Double.self)[4])
    }

    @Test func randomDistributions() {
        let g = Generator(seed: 3)
        let n = Tensor.randn([20000], dtype: .float64, generator: g)
        #expect(Swift.abs(n.mean().item()) < 0.03)
        #expect(Swift.abs(n.std().item() - 1) < 0.03)
        let u = Tensor.rand([20000], generator: g)
        #expect(u.min().item() >= 0 && u.max().item() < 1)
        #expect(Swift.abs(u.mean().item() - 0.5) < 0.01)
        let r = Tensor.randint(3, 7, [1000], generator: g)
        #expect(r.min().item() == 3 && r.max().item() == 6 && r.dtype == .int64)
        let p = Tensor.randperm(10, generator: g).sort().values
        #expect(p.toArray(of: Int64.self) == Array(0..<10))
        let m = Tensor([0.0, 1.0, 0.0, 3.0]).multinomial(100, replacement: true, generator: g)
        #expect(m.toArray(of: Int64.self).allSatisfy { $0 == 1 || $0 == 3 })
        let noRep = Tensor([1.0, 1.0, 1.0, 1.0]).multinomial(4, generator: g).sort().values
        #expect(noRep.toArray(of: Int64.self) == [0, 1, 2, 3])
        let b = Tensor.full([1000], 0.3).bernoulli(generator: g)
        #expect(Swift.abs(b.mean().item() - 0.3) < 0.06)
    }
}

@Suite struct PromotionTests {
    @Test func tensorTensor() {
        #expect((Tensor.ones([2], dtype: .int32) + Tensor.ones([2], dtype: .int64)).dtype == .int64)
        #expect((Tensor.ones([2], dtype: .int32) + Tensor.ones([2], dtype: .float16)).dtype == .float16)
        #expect((Tensor.ones([2], dtype: .float16) + Tensor.ones([2], dtype: .bfloat16)).dtype == .float32)
        #expect((Tensor.ones([2], dtype: .uint8) + Tensor.ones([2], dtype: .int8)).dtype == .int16)
        #expect((Tensor.ones([2], dtype: .bool) + Tensor.ones([2], dtype: .bool)).dtype == .bool)
        #expect((Tensor.ones([2], dtype: .float32) * Tensor.ones([2], dtype: .float64)).dtype == .float64)
    }

    @Test func scalarsBehaveLikePythonNumbers() {
        let i = Tensor.ones([2], dtype: .int32)
        #expect((i * 2.5).dtype == .float32)
        #expect((i * 2).dtype == .int32)
        #expect((Tensor.ones([2], dtype: .float16) * 2.5).dtype == .float16)
        #expect((Tensor.ones([2], dtype: .bool) + 1).dtype == .int64)
        #expect((i / 2).dtype == .float32)
        #expect((i / 2).toArray(of: Float.self) == [0.5, 0.5])
        // A 0-d tensor of a higher category promotes; of the same category it does not.
        #expect((Tensor.ones([2], dtype: .float32) + Tensor(scalar: 1.0, dtype: .float64)).dtype == .float32)
        #expect((Tensor.ones([2], dtype: .int32) + Tensor(scalar: 1.0, dtype: .float64)).dtype == .float64)
    }

    @Test func bfloat16RoundsToNearestEven() {
        // 1 + 2^-8 is halfway between two bfloat16 values: ties go to the even mantissa (1.0).
        #expect(BFloat16(Float(1 + 1.0 / 256)).floatValue == 1.0)
        // 1 + 3·2^-8 is halfway as well; the even neighbour is 1 + 2^-6.
        #expect(BFloat16(Float(1 + 3.0 / 256)).floatValue == Float(1 + 1.0 / 64))
        #expect(BFloat16(Float.nan).floatValue.isNaN)
        let t = Tensor([Float(1.00390625), 3.14159], shape: [2]).to(.bfloat16)
        #expect(t.toArray(of: Float.self) == [1.0, 3.140625])
    }

    @Test func integersAreExact() {
        let big = Tensor([Int64.max, Int64.min, (1 << 53) + 1])
        #expect(big.toArray(of: Int64.self) == [Int64.max, Int64.min, (1 << 53) + 1])
        #expect(big[2].item(Int64.self) == (1 << 53) + 1)
        #expect(big.description == "tensor([ 9223372036854775807, -9223372036854775808,     9007199254740993])")
        // Narrowing wraps like a C cast (as PyTorch does).
        #expect(Tensor([Int64(1 << 40) + 5, -1]).to(.int32).toArray(of: Int32.self) == [5, -1])
        #expect(Tensor([Int64(300), -1]).to(.uint8).toArray(of: UInt8.self) == [44, 255])
        #expect(Tensor([Int64(0), 7]).to(.bool).toArray(of: Bool.self) == [false, true])
    }

    @Test func integerArithmetic() {
        let a = Tensor([Int64(7), -7, 7, -7]), b = Tensor([Int64(2), 2, -2, -2])
        #expect(a.div(b, roundingMode: .floor).toArray(of: Int64.self) == [3, -4, -4, 3])
        #expect(a.div(b, roundingMode: .trunc).toArray(of: Int64.self) == [3, -3, -3, 3])
        #expect((a % b).toArray(of: Int64.self) == [1, 1, -1, -1])
        #expect(a.fmod(b).toArray(of: Int64.self) == [1, -1, 1, -1])
        #expect(Tensor([Int64(3)]).pow(Tensor([Int64(4)])).toArray(of: Int64.self) == [81])
    }
}

@Suite struct ViewTests {
    @Test func viewsShareStorage() {
        let x = Tensor.arange(0, 12, dtype: .float32).reshape(3, 4)
        let row = x[1]
        let col = x[.all, 2]
        let t = x.t()
        row.mul_(10)
        #expect(x[1, 0].item() == 40)
        #expect(col.toArray(of: Float.self) == [2, 60, 10])
        #expect(t[2, 1].item() == 60)
        t[0, 0] = 100
        #expect(x[0, 0].item() == 100)
        #expect(!t.isContiguous && x.isContiguous)
        #expect(t.strides == [1, 4])
    }

    @Test func reshapeCopiesOnlyWhenNeeded() {
        let x = Tensor.arange(0, 6, dtype: .float32).reshape(2, 3)
        let v = x.reshape(3, 2)
        #expect(v.storage === x.storage)
        let c = x.t().reshape(6)
        #expect(c.storage !== x.storage)
        #expect(c.toArray(of: Float.self) == [0, 3, 1, 4, 2, 5])
        #expect(x.view(-1).shape == [6])
        #expect(x.unsqueeze(0).unsqueeze(-1).shape == [1, 2, 3, 1])
        #expect(x.unsqueeze(0).squeeze().shape == [2, 3])
        #expect(x.flatten().shape == [6])
        #expect(x.reshape(1, 2, 3).flatten(startDim: 1).shape == [1, 6])
        #expect(x.reshape(6).unflatten(0, [3, -1]).shape == [3, 2])
    }

    @Test func narrowSelectSplitChunk() {
        let x = Tensor.arange(0, 10, dtype: .float32)
        #expect(x.narrow(0, 2, 3).toArray(of: Float.self) == [2, 3, 4])
        #expect(x[.slice(1, 8, step: 3)].toArray(of: Float.self) == [1, 4, 7])
        #expect(x[(-3)...].toArray(of: Float.self) == [7, 8, 9])
        #expect(x.split(4).map { $0.count } == [4, 4, 2])
        #expect(x.split(sizes: [1, 9]).map { $0.count } == [1, 9])
        #expect(x.chunk(3).map { $0.count } == [4, 4, 2])
        let m = x.reshape(2, 5)
        #expect(m.unbind(1).count == 5)
        #expect(m.unbind(1)[4].toArray(of: Float.self) == [4, 9])
        #expect(x.unfold(0, size: 3, step: 3).toArray(of: Float.self) == [0, 1, 2, 3, 4, 5, 6, 7, 8])
        #expect(Tensor.arange(0, 9, dtype: .float32).reshape(3, 3).diagonal().toArray(of: Float.self) == [0, 4, 8])
        #expect(x.asStrided([3, 2], [3, 1], storageOffset: 1).toArray(of: Float.self) == [1, 2, 4, 5, 7, 8])
        #expect(x.reshape(2, 5).expand(3, 2, 5).strides == [0, 5, 1])
    }

    @Test func emptyAndZeroDim() {
        let e = Tensor.zeros([0, 3])
        #expect(e.sum([0]).toArray(of: Float.self) == [0, 0, 0])
        #expect(e.count == 0 && e.reshape(3, 0).shape == [3, 0])
        let s = Tensor(scalar: Float(2))
        #expect(s.rank == 0 && (s * 3).item() == 6 && s.reshape(1).shape == [1])
        #expect(Tensor.cat([Tensor.zeros([0]), Tensor.ones([2])]).count == 2)
    }
}

@Suite struct IndexingTests {
    let x = Tensor.arange(0, 24, dtype: .float32).reshape(2, 3, 4)

    @Test func basic() {
        #expect(x[1, -1].toArray(of: Float.self) == [20, 21, 22, 23])
        #expect(x[.ellipsis, 0].shape == [2, 3])
        #expect(x[.ellipsis, 0].toArray(of: Float.self) == [0, 4, 8, 12, 16, 20])
        #expect(x[.newAxis].shape == [1, 2, 3, 4])
        #expect(x[0, .newAxis, 1..<3].shape == [1, 2, 4])
        #expect(x[0, 0, .slice(nil, nil, step: 2)].toArray(of: Float.self) == [0, 2])
    }

    @Test func advanced() {
        let idx = Tensor([Int64(2), 0])
        #expect(x[0, idx].toArray(of: Float.self) == [8, 9, 10, 11, 0, 1, 2, 3])
        #expect(x[0, idx, idx].toArray(of: Float.self) == [10, 0])
        // Separated index tensors move their dimension to the front.
        let sep = x[idx.narrow(0, 1, 1), .all, idx]
        #expect(sep.shape == [2, 3])
        #expect(sep.toArray(of: Float.self) == [2, 6, 10, 0, 4, 8])
        let mask = x.gt(20)
        #expect(x[mask].toArray(of: Float.self) == [21, 22, 23])
        #expect(x[Tensor([true, false])].shape == [1, 3, 4])
        #expect(x.maskedSelect(mask).toArray(of: Float.self) == [21, 22, 23])
        #expect(Tensor([0, 3, 0, 5] as [Int64]).nonzero().toArray(of: Int64.self) == [1, 3])
        #expect(x.take(Tensor([Int64(0), 23])).toArray(of: Float.self) == [0, 23])
    }

    @Test func edgeCases() {
        let x = Tensor.arange(0, 6, dtype: .float32).reshape(2, 3)
        // Negative entries in index tensors count from the end.
        #expect(x[.all, Tensor([Int64(-1), 0])].toArray(of: Float.self) == [2, 0, 5, 3])
        // An empty index tensor selects nothing.
        #expect(x[Tensor([Int64](), shape: [0])].shape == [0, 3])
        // A 0-d index tensor removes the dimension like an integer.
        #expect(x[Tensor(scalar: Int64(1))].shape == [3])
        // Ranges past the end are clamped, empty ranges give empty views.
        #expect(x[.all, 1..<10].shape == [2, 2])
        #expect(x[.all, 3...].shape == [2, 0])
        // An all-false mask selects nothing; a 0-d tensor indexes with ellipsis.
        #expect(x[x.gt(100)].shape == [0])
        let s = Tensor(scalar: Float(5))
        #expect(s[.ellipsis].item() == 5 && s[.newAxis].shape == [1])
        // Empty tensors flow through ops.
        let e = Tensor.zeros([0, 3])
        #expect((e + 1).shape == [0, 3] && e.sum().item() == 0 && e.t().shape == [3, 0])
        #expect(Tensor.cat([e, x], dim: 0).shape == [2, 3])
    }

    @Test func assignment() {
        let y = Tensor.zeros([3, 4])
        y[y.eq(0)] = 1
        #expect(y.sum().item() == 12)
        y[0, 1...] = Tensor([Float(5), 6, 7])
        #expect(y[0].toArray(of: Float.self) == [1, 5, 6, 7])
        y[Tensor([Int64(2)])] = 9
        #expect(y[2].toArray(of: Float.self) == [9, 9, 9, 9])
        y[.all, 0] = 0
        #expect(y[.all, 0].toArray(of: Float.self) == [0, 0, 0])
    }

    @Test func gatherScatter() {
        let t = Tensor([[1, 2], [3, 4]] as [[Float]])
        let i = Tensor([[0, 0], [1, 0]] as [[Int64]])
        #expect(t.gather(1, i).toArray(of: Float.self) == [1, 1, 4, 3])
        let z = Tensor.zeros([2, 2]).scatterAdd(1, i, t)
        #expect(z.toArray(of: Float.self) == [3, 0, 4, 3])
        let s = Tensor.zeros([2, 2]).scatter(0, Tensor([[1, 0]] as [[Int64]]), Tensor([[5, 6]] as [[Float]]))
        #expect(s.toArray(of: Float.self) == [0, 6, 5, 0])
        #expect(t.indexSelect(0, Tensor([Int64(1), 1])).toArray(of: Float.self) == [3, 4, 3, 4])
        #expect(Tensor.zeros([3]).indexAdd(0, Tensor([Int64(0), 0, 2]), Tensor([Float(1), 2, 3])).toArray(of: Float.self) == [3, 0, 3])
        #expect(t.maskedFill(t.gt(2.0), -1).toArray(of: Float.self) == [1, 2, -1, -1])
        #expect(where_(t.gt(2.0), t, Tensor(scalar: Float(0))).toArray(of: Float.self) == [0, 0, 3, 4])
    }
}

@Suite struct JoiningTests {
    @Test func joins() {
        let a = Tensor([[1, 2]] as [[Float]]), b = Tensor([[3, 4]] as [[Float]])
        #expect(Tensor.cat([a, b], dim: 0).shape == [2, 2])
        #expect(Tensor.cat([a, b], dim: 1).toArray(of: Float.self) == [1, 2, 3, 4])
        #expect(Tensor.stack([a, b], dim: 1).shape == [1, 2, 2])
        #expect(Tensor.hstack([Tensor([Float(1)]), Tensor([Float(2), 3])]).toArray(of: Float.self) == [1, 2, 3])
        #expect(Tensor.vstack([Tensor([Float(1), 2]), Tensor([Float(3), 4])]).shape == [2, 2])
        #expect(a.repeat(2, 2).toArray(of: Float.self) == [1, 2, 1, 2, 1, 2, 1, 2])
        #expect(a.tile([3]).shape == [1, 6])
        #expect(Tensor([Float(1), 2]).repeatInterleave(2).toArray(of: Float.self) == [1, 1, 2, 2])
        #expect(Tensor([Float(1), 2, 3]).flip([0]).toArray(of: Float.self) == [3, 2, 1])
        #expect(Tensor([Float(1), 2, 3]).roll(1, dim: 0).toArray(of: Float.self) == [3, 1, 2])
        let m = Tensor.ones([3, 3])
        #expect(m.tril().sum().item() == 6 && m.triu(1).sum().item() == 3)
        let p = Tensor([Float(1), 2, 3])
        #expect(p.pad([2, 1], mode: .reflect).toArray(of: Float.self) == [3, 2, 1, 2, 3, 2])
        #expect(p.pad([1, 2], mode: .replicate).toArray(of: Float.self) == [1, 1, 2, 3, 3, 3])
        #expect(p.pad([1, 1], mode: .circular).toArray(of: Float.self) == [3, 1, 2, 3, 1])
        #expect(p.pad([1, 0], value: 9).toArray(of: Float.self) == [9, 1, 2, 3])
    }

    @Test func sortingFamily() {
        let x = Tensor([Float(3), 1, 2, 1])
        let (v, i) = x.sort()
        #expect(v.toArray(of: Float.self) == [1, 1, 2, 3] && i.toArray(of: Int64.self) == [1, 3, 2, 0])
        #expect(x.topk(2).values.toArray(of: Float.self) == [3, 2])
        #expect(x.kthvalue(3).values.item() == 2)
        #expect(x.median().item() == 1)
        #expect(x.mode().values.item() == 1)
        let u = x.unique(returnInverse: true, returnCounts: true)
        #expect(u.values.toArray(of: Float.self) == [1, 2, 3])
        #expect(u.inverse!.toArray(of: Int64.self) == [2, 0, 1, 0])
        #expect(u.counts!.toArray(of: Int64.self) == [2, 1, 1])
        #expect(x.argmax().item() == 0 && x.argmin().item() == 1)
        let m = Tensor([[1, 5], [7, 2]] as [[Float]]).max(dim: 1)
        #expect(m.values.toArray(of: Float.self) == [5, 7] && m.indices.toArray(of: Int64.self) == [1, 0])
        #expect(Tensor([true, true]).all().item(Bool.self) && Tensor([false, true]).any().item(Bool.self))
    }

    @Test func comparisonsAndLogic() {
        let a = Tensor([Float(1), 2, .nan]), b = Tensor([Float(1), 3, 3])
        #expect((a .== b).toArray(of: Bool.self) == [true, false, false])
        #expect((a .< b).toArray(of: Bool.self) == [false, true, false])
        #expect(a.isnan().toArray(of: Bool.self) == [false, false, true])
        #expect(a.nanToNum(nan: 0).toArray(of: Float.self) == [1, 2, 0])
        #expect(Tensor([Float.infinity]).nanToNum().item() == Double(Float.greatestFiniteMagnitude))
        #expect(a.eq(b).logicalNot().logicalAnd(b.gt(2.0)).toArray(of: Bool.self) == [false, true, true])
        #expect(Tensor([Float(1), 2]).allclose(Tensor([Float(1), 2.000001])))
        #expect(!Tensor([Float(1), 2]).allclose(Tensor([Float(1), 2.1])))
    }

    /// Literal and typed scalar operands of comparisons and compound assignment (no ambiguity, Python-number rules).
    @Test func scalarOperandsOfComparisonsAndCompoundAssignment() {
        let i = Tensor([Int64(1), 2, 3])
        #expect((i .> 2).toArray(of: Bool.self) == [false, false, true])
        #expect((i .<= 2.5).toArray(of: Bool.self) == [true, true, false])
        #expect((i .== Int(2)).dtype == .bool)
        // Integer scalars compare exactly, beyond Double's 53-bit mantissa.
        let big = Tensor([Int64(1 << 53) + 1])
        #expect((big .> Int((1 << 53))).toArray(of: Bool.self) == [true])
        #expect((Tensor([Float(0.5), 1.5]) .>= Float(1)).toArray(of: Bool.self) == [false, true])
        var c = Tensor([Int64(3), 4])
        c *= 2
        c += 1
        #expect(c.dtype == .int64 && c.toArray(of: Int64.self) == [7, 9])
        var f = Tensor([Float(1), 2])
        f *= 2.5
        f -= Float(0.5)
        f /= 2
        #expect(f.dtype == .float32 && f.toArray(of: Float.self) == [1, 2.25])
        let scale: Double = 4
        f *= scale
        #expect(f.toArray(of: Float.self) == [4, 9])
    }

    /// Negative bases: integral exponents are defined (C's pow, as torch.pow), fractional ones give NaN.
    @Test func powOfNegativeBases() {
        let x = Tensor([-2.0, -1.5, 0.0, 3.0])
        #expect(x.pow(4).toArray(of: Double.self) == [16, 5.0625, 0, 81])
        #expect(x.pow(5).toArray(of: Double.self) == [-32, -7.59375, 0, 243])
        #expect(x.pow(Tensor([3.0, 2.0, 0.0, -1.0])).toArray(of: Double.self) == [-8, 2.25, 1, 1.0 / 3])
        let f = x.pow(0.5).toArray(of: Double.self)
        #expect(f[0].isNaN && f[1].isNaN && f[2] == 0 && f[3] == 3.0.squareRoot())
        #expect(Tensor([Float(-3)]).pow(4).item() == 81)
        let r = gradcheck({ $0[0].pow(4) }, inputs: [Tensor([-1.3, 0.7, -0.2]).requiresGrad_()])
        #expect(r.passed, "\(r)")
    }

    /// Broadcast copies into a dense tensor: a block repeated over leading dimensions (with or without leading
    /// size-1 dimensions in the source), a size-1 dimension in the middle, and a strided source, element by
    /// element against the rule dst[i, j, k] = src[broadcast index].
    @Test func broadcastCopies() {
        let row = Tensor([Float(1), 2, 3, 4])
        let a = Tensor.zeros([2, 3, 4]); a.copy_(row)
        #expect(a.toArray(of: Float.self) == Array(repeating: [Float(1), 2, 3, 4], count: 6).flatMap { $0 })
        let b = Tensor.zeros([3, 4]); b.copy_(row.reshape([1, 1, 4]).squeeze(0))
        #expect(b.toArray(of: Float.self) == Array(repeating: [Float(1), 2, 3, 4], count: 3).flatMap { $0 })
        let column = Tensor([Float(5), 6, 7]).reshape([3, 1])
        let c = Tensor.zeros([2, 3, 2]); c.copy_(column)
        #expect(c.toArray(of: Float.self) == [5, 5, 6, 6, 7, 7, 5, 5, 6, 6, 7, 7])
        let strided = Tensor.arange(0, 8, dtype: .float32).reshape([2, 4]).t()
        let d = Tensor.zeros([2, 4, 2]); d.copy_(strided)
        #expect(d.toArray(of: Float.self) == [0, 4, 1, 5, 2, 6, 3, 7, 0, 4, 1, 5, 2, 6, 3, 7])
        let same = Tensor.zeros([4]); same.copy_(row)
        #expect(same.toArray(of: Float.self) == [1, 2, 3, 4])
    }
}
