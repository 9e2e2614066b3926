import TorchCore

/// Adds a batch dimension to an unbatched `[C, H, W]` input and removes it from the result.
func withBatch(_ input: Tensor, op: String, _ body: (Tensor) -> Tensor) -> Tensor {
    precondition(input.rank == 3 || input.rank == 4, "\(op): expected [C, H, W] or [N, C, H, W], got \(input.shape)")
    return input.rank == 4 ? body(input) : body(input.unsqueeze(0)).squeeze(0)
}

extension F {
    /// 2-D average pooling (`F.avg_pool2d`).
    /// - Parameters:
    ///   - input: `[N, C, H, W]` or `[C, H, W]`.
    ///   - kernelSize: window `(kH, kW)`.
    ///   - stride: step (the window size when nil).
    ///   - padding: implicit zero padding on both sides, at most half the window.
    ///   - ceilMode: round the output size up, letting the last window hang over the edge.
    ///   - countIncludePad: count padded zeros in the divisor.
    ///   - divisorOverride: divide every window sum by this instead.
    public static func avgPool2d(_ input: Tensor, kernelSize: (Int, Int), stride: (Int, Int)? = nil, padding: (Int, Int) = (0, 0),
                                 ceilMode: Bool = false, countIncludePad: Bool = true, divisorOverride: Int? = nil) -> Tensor {
        let k = [kernelSize.0, kernelSize.1], s = [stride?.0 ?? kernelSize.0, stride?.1 ?? kernelSize.1], p = [padding.0, padding.1]
        precondition(k.allSatisfy { $0 > 0 } && s.allSatisfy { $0 > 0 }, "avgPool2d: kernel \(k) and stride \(s) must be positive")
        precondition(zip(p, k).allSatisfy { $0 >= 0 && $0 <= $1 / 2 }, "avgPool2d: padding \(p) should be at most half of kernel \(k)")
        precondition(divisorOverride.map { $0 != 0 } ?? true, "avgPool2d: divisorOverride must not be zero")
        return withBatch(input, op: "avgPool2d") { x in
            let size = [x.shape[2], x.shape[3]]
            let out = (0..<2).map { pooledSize(size[$0], k[$0], s[$0], p[$0], 1, ceilMode) }
            precondition(out.allSatisfy { $0 > 0 }, "avgPool2d: input \(x.shape) is too small for kernel \(k) with padding \(p)")
            let extra: [Int] = (0..<2).map { (axis: Int) -> Int in
                let needed: Int = (out[axis] - 1) * s[axis] + k[axis]
                return Swift.max(0, needed - (size[axis] + 2 * p[axis]))
            }
            let padded = x.pad([p[1], p[1] + extra[1], p[0], p[0] + extra[0]])
            let windows = padded.unfold(2, size: k[0], step: s[0]).unfold(3, size: k[1], step: s[1])
                .narrow(2, 0, out[0]).narrow(3, 0, out[1])
            let sums = windows.sum([4, 5])
            if let d = divisorOverride { return sums / Double(d) }
            // The divisor is separable: the window's extent along H times its extent along W.
            let counts = (0..<2).map { axis in
                (0..<out[axis]).map { i -> Double in
                    var start = i * s[axis] - p[axis], end = Swift.min(start + k[axis], size[axis] + p[axis])
                    if !countIncludePad {
                        start = Swift.max(start, 0)
                        end = Swift.min(end, size[axis])
                    }
                    return Double(end - start)
                }
            }
            let divisor = Tensor(counts[0], shape: [out[0], 1]).to(x.dtype) * Tensor(counts[1], shape: [1, out[1]]).to(x.dtype)
            return sums / divisor
        }
    }

    /// The windows of adaptive pooling along one axis: `[⌊i·n/out⌋, ⌈(i+1)·n/out⌉)`.
    static func adaptiveWindows(_ n: Int, _ out: Int) -> [(start: Int, length: Int)] {
        (0..<out).map { i in
            let start = i * n / out, end = ((i + 1) * n + out - 1) / out
            return (start, end - start)
        }
    }

    /// Adaptive pooling as two separable passes (rows, then columns) of `reduce` over each window.
    static func adaptivePool2d(_ input: Tensor, _ outputSize: (Int, Int), op: String, reduce: (Tensor, Int) -> Tensor) -> Tensor {
        precondition(outputSize.0 > 0 && outputSize.1 > 0, "\(op): output size \(outputSize) must be positive")
        return withBatch(input, op: op) { x in
            precondition(x.shape[2] > 0 && x.shape[3] > 0, "\(op): input \(x.shape) has an empty spatial dimension")
            let rows = Tensor.stack(adaptiveWindows(x.shape[2], outputSize.0).map { reduce(x.narrow(2, $0.start, $0.length), 2) }, dim: 2)
            return Tensor.stack(adaptiveWindows(x.shape[3], outputSize.1).map { reduce(rows.narrow(3, $0.start, $0.length), 3) }, dim: 3)
        }
    }

    /// Adaptive 2-D average pooling to a fixed output size (`F.adaptive_avg_pool2d`).
    /// - Parameters:
    ///   - input: `[N, C, H, W]` or `[C, H, W]`.
    ///   - outputSize: `(outH, outW)`.
    public static func adaptiveAvgPool2d(_ input: Tensor, outputSize: (Int, Int)) -> Tensor {
        adaptivePool2d(input, outputSize, op: "adaptiveAvgPool2d") { $0.mean([$1]) }
    }

    /// Adaptive 2-D max pooling to a fixed output size (`F.adaptive_max_pool2d`).
    /// - Parameters:
    ///   - input: `[N, C, H, W]` or `[C, H, W]`.
    ///   - outputSize: `(outH, outW)`.
    public static func adaptiveMaxPool2d(_ input: Tensor, outputSize: (Int, Int)) -> Tensor {
        adaptivePool2d(input, outputSize, op: "adaptiveMaxPool2d") { $0.max(dim: $1).values }
    }
}

/// 2-D average pooling (`nn.AvgPool2d`).
public final class AvgPool2d: Module {
    let kernel: (Int, Int), stride: (Int, Int)?, padding: (Int, Int), ceilMode: Bool, countIncludePad: Bool, divisorOverride: Int?

    /// Creates the layer.
    /// - Parameters:
    ///   - kernelSize: window `(kH, kW)`.
    ///   - stride: step (the window size when nil).
    ///   - padding: implicit zero padding.
    ///   - ceilMode: round the output size up.
    ///   - countIncludePad: count padded zeros in the divisor.
    ///   - divisorOverride: divide every window sum by this instead.
    public init(_ kernelSize: (Int, Int), stride: (Int, Int)? = nil, padding: (Int, Int) = (0, 0), ceilMode: Bool = false,
                countIncludePad: Bool = true, divisorOverride: Int? = nil) {
        kernel = kernelSize
        self.stride = stride
        self.padding = padding
        self.ceilMode = ceilMode
        self.countIncludePad = countIncludePad
        self.divisorOverride = divisorOverride
        super.init()
    }

    /// Creates the layer with a square window.
    /// - Parameters:
    ///   - kernelSize: window size.
    ///   - stride: step (the window size when nil).
    ///   - padding: implicit zero padding.
    public convenience init(_ kernelSize: Int, stride: Int? = nil, padding: Int = 0) {
        self.init((kernelSize, kernelSize), stride: stride.map { ($0, $0) }, padding: (padding, padding))
    }

    /// Pools `[N, C, H, W]` or `[C, H, W]`.
    /// - Parameter input: the input.
    public override func forward(_ input: Tensor) -> Tensor {
        F.avgPool2d(input, kernelSize: kernel, stride: stride, padding: padding, ceilMode: ceilMode,
                    countIncludePad: countIncludePad, divisorOverride: divisorOverride)
    }
}

/// Adaptive 2-D average pooling (`nn.AdaptiveAvgPool2d`), e.g. `AdaptiveAvgPool2d(1)` for global pooling.
public final class AdaptiveAvgPool2d: Module {
    let outputSize: (Int, Int)

    /// - Parameter outputSize: `(outH, outW)`.
    public init(_ outputSize: (Int, Int)) {
        self.outputSize = outputSize
        super.init()
    }

    /// - Parameter outputSize: the side of a square output.
    public convenience init(_ outputSize: Int) { self.init((outputSize, outputSize)) }

    /// Pools `[N, C, H, W]` or `[C, H, W]`.
    /// - Parameter input: the input.
    public override func forward(_ input: Tensor) -> Tensor { F.adaptiveAvgPool2d(input, outputSize: outputSize) }
}

/// Adaptive 2-D max pooling (`nn.AdaptiveMaxPool2d`).
public final class AdaptiveMaxPool2d: Module {
    let outputSize: (Int, Int)

    /// - Parameter outputSize: `(outH, outW)`.
    public init(_ outputSize: (Int, Int)) {
        self.outputSize = outputSize
        super.init()
    }

    /// - Parameter outputSize: the side of a square output.
    public convenience init(_ outputSize: Int) { self.init((outputSize, outputSize)) }

    /// Pools `[N, C, H, W]` or `[C, H, W]`.
    /// - Parameter input: the input.
    public override func forward(_ input: Tensor) -> Tensor { F.adaptiveMaxPool2d(input, outputSize: outputSize) }
}
