import Torch

/// The timed workloads of `shared/bench/WORKLOADS.md` (§2.1–2.11; the memory ones of §2.12 are in `MemoryWorkloads`).
enum Workloads {
    static func all(quick: Bool) -> [Workload] {
        var w: [Workload] = []
        for n in [64, 256, 1024, 2048] {
            w.append(Workload("matmul_\(n)", .gflops(2 * Double(n * n * n))) {
                let g = Generator(seed: 0)
                let a = Tensor.randn([n, n], generator: g), b = Tensor.randn([n, n], generator: g)
                return { _ = a.matmul(b) }
            })
        }
        w.append(Workload("linear_mlp_layer_fwd", .micros) {
            let g = Generator(seed: 0)
            let x = Tensor.randn([128, 784], generator: g), wt = Tensor.randn([256, 784], generator: g), b = Tensor.randn([256], generator: g)
            return { noGrad { _ = b.addmm(x, wt.t()) } }
        })
        w.append(Workload("linear_mlp_layer_fwdbwd", .micros) {
            let g = Generator(seed: 0)
            let x = Tensor.randn([128, 784], generator: g).requiresGrad_()
            let wt = Tensor.randn([256, 784], generator: g).requiresGrad_()
            let b = Tensor.randn([256], generator: g).requiresGrad_()
            let gy = Tensor.randn([128, 256], generator: g)
            return {
                x.grad = nil; wt.grad = nil; b.grad = nil
                let y = b.addmm(x, wt.t())
                y.backward(gradient: gy)
            }
        })
        // Elementwise.
        let sizes: [(String, Int)] = [("1m", 1 << 20), ("16m", 1 << 24)]
        let ops: [(String, Int, (Tensor, Tensor) -> Tensor, (Tensor, Tensor, Tensor) -> Void)] = [
            ("add", 12, { $0 + $1 }, { $0.add($1, out: $2) }),
            ("mul", 12, { $0 * $1 }, { $0.mul($1, out: $2) }),
            ("relu", 8, { a, _ in a.relu() }, { a, _, c in a.relu(out: c) }),
            ("gelu", 8, { a, _ in a.gelu() }, { a, _, c in a.gelu(out: c) }),
            ("exp", 8, { a, _ in a.exp() }, { a, _, c in a.exp(out: c) }),
        ]
        for out in [false, true] {
            for (name, bytes, f, fo) in ops {
                for (tag, n) in sizes {
                    w.append(Workload("ew_\(name)_\(tag)\(out ? "_out" : "")", .gbps(Double(bytes * n))) {
                        let g = Generator(seed: 0)
                        let a = Tensor.randn([n], generator: g), b = Tensor.randn([n], generator: g)
                        let c = Tensor.empty([n])
                        return out ? { fo(a, b, c) } : { _ = f(a, b) }
                    })
                }
            }
            w.append(Workload("ew_add_bcast_4096x1024\(out ? "_out" : "")", .gbps(4 * Double(2 * 4096 * 1024 + 1024))) {
                let g = Generator(seed: 0)
                let a = Tensor.randn([4096, 1024], generator: g), b = Tensor.randn([1024], generator: g)
                let c = Tensor.empty([4096, 1024])
                return out ? { a.add(b, out: c) } : { _ = a + b }
            })
        }
        // Reductions.
        w.append(Workload("red_sum_16m", .gbps(4 * Double((1 << 24) + 1))) {
            let a = Tensor.randn([1 << 24], generator: Generator(seed: 0))
            return { _ = a.sum() }
        })
        w.append(Workload("red_sum_dim1_4096x4096", .gbps(4 * Double(4096 * 4096 + 4096))) {
            let a = Tensor.randn([4096, 4096], generator: Generator(seed: 0))
            return { _ = a.sum([1]) }
        })
        w.append(Workload("red_softmax_4096x1024", .gbps(8 * Double(4096 * 1024))) {
            let a = Tensor.randn([4096, 1024], generator: Generator(seed: 0))
            return { _ = a.softmax(dim: -1) }
        })
        w.append(Workload("red_layernorm_4096x1024", .gbps(4 * Double(2 * 4096 * 1024 + 2 * 1024))) {
            let g = Generator(seed: 0)
            let a = Tensor.randn([4096, 1024], generator: g)
            let wt = Tensor.randn([1024], generator: g), b = Tensor.randn([1024], generator: g)
            return { _ = a.layerNorm([1024], weight: wt, bias: b) }
        })
        // Per-op overhead.
        w.append(Workload("op_overhead_add_scalar", .microsPerOp, inner: 1, divisor: 100_000) {
            let a = Tensor([Float(1)]), b = Tensor([Float(2)])
            return { noGrad { for _ in 0..<100_000 { _ = a + b } } }
        })
        let steps = quick ? 2_000 : 10_000
        w.append(Workload("op_overhead_autograd_mlp_4_8_1", .microsPerOp, inner: 1, divisor: Double(steps)) {
            let g = Generator(seed: 0)
            let w1 = Tensor.randn([8, 4], generator: g).requiresGrad_(), b1 = Tensor.randn([8], generator: g).requiresGrad_()
            let w2 = Tensor.randn([1, 8], generator: g).requiresGrad_(), b2 = Tensor.randn([1], generator: g).requiresGrad_()
            let x = Tensor.randn([1, 4], generator: g)
            return {
                for _ in 0..<steps {
                    w1.grad = nil; b1.grad = nil; w2.grad = nil; b2.grad = nil
                    let h = b1.addmm(x, w1.t()).relu()
                    let loss = b2.addmm(h, w2.t()).sum()
                    loss.backward()
                }
            }
        })
        w += convAndTraining(quick: quick)
        w += models()
        return w
    }

    /// Convolution, pooling and training workloads (§2.5, 2.6, 2.8, 2.9).
    static func convAndTraining(quick: Bool) -> [Workload] {
        var w: [Workload] = []
        let convs: [(String, [Int], [Int], Int)] = [
            ("conv_a_n32_c3to64_32x32_k3p1", [32, 3, 32, 32], [64, 3, 3, 3], 1),
            ("conv_b_n64_c1to32_28x28_k5p0", [64, 1, 28, 28], [32, 1, 5, 5], 0),
            ("conv_c_n32_c64to128_16x16_k3p1", [32, 64, 16, 16], [128, 64, 3, 3], 1),
        ]
        for (id, xs, ws, pad) in convs {
            w.append(Workload(id + "_fwd", .millis) {
                let g = Generator(seed: 0)
                let x = Tensor.randn(xs, generator: g), wt = Tensor.randn(ws, generator: g), b = Tensor.randn([ws[0]], generator: g)
                return { noGrad { _ = x.conv2d(wt, bias: b, padding: (pad, pad)) } }
            })
            w.append(Workload(id + "_fwdbwd", .millis) {
                let g = Generator(seed: 0)
                let x = Tensor.randn(xs, generator: g).requiresGrad_(), wt = Tensor.randn(ws, generator: g).requiresGrad_()
                let b = Tensor.randn([ws[0]], generator: g).requiresGrad_()
                let gy = noGrad { Tensor.randnLike(x.conv2d(wt, bias: b, padding: (pad, pad))) }
                return {
                    x.grad = nil; wt.grad = nil; b.grad = nil
                    x.conv2d(wt, bias: b, padding: (pad, pad)).backward(gradient: gy)
                }
            })
        }
        w.append(Workload("maxpool2d_n32_c64_32x32_k2s2_fwd", .millis) {
            let x = Tensor.randn([32, 64, 32, 32], generator: Generator(seed: 0))
            return { noGrad { _ = x.maxPool2d((2, 2)) } }
        })
        w.append(Workload("maxpool2d_n32_c64_32x32_k2s2_fwdbwd", .millis) {
            let x = Tensor.randn([32, 64, 32, 32], generator: Generator(seed: 0)).requiresGrad_()
            let gy = Tensor.randn([32, 64, 16, 16], generator: Generator(seed: 1))
            return {
                x.grad = nil
                x.maxPool2d((2, 2)).backward(gradient: gy)
            }
        })
        w.append(Workload("train_mlp", .stepsPerSecond) { trainingStep("mlp") })
        w.append(Workload("train_cnn", .stepsPerSecond) {
            Torch.manualSeed(0)
            let model = Sequential {
                Conv2d(1, 6, kernelSize: 5)
                ReLU()
                MaxPool2d(2)
                Conv2d(6, 16, kernelSize: 5)
                ReLU()
                MaxPool2d(2)
                Flatten()
                Linear(256, 120)
                ReLU()
                Linear(120, 84)
                ReLU()
                Linear(84, 10)
            }
            let x = Tensor.randn([64, 1, 28, 28]), y = Tensor.randint(0, 10, [64])
            let opt = Adam(model.parameters(), lr: 1e-3)
            return {
                opt.zeroGrad()
                F.crossEntropy(model(x), y).backward()
                opt.step()
            }
        })
        return w
    }
}
