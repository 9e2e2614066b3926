import TorchCore

/// How ``F/interpolate(_:size:scaleFactor:mode:alignCorners:)`` picks or blends source pixels.
public enum InterpolationMode: Sendable, Equatable {
    /// The source pixel `⌊i·in/out⌋` (PyTorch's `'nearest'`).
    case nearest
    /// The source pixel under the output pixel's centre (`'nearest-exact'`).
    case nearestExact
    /// Linear blending along every spatial axis (`'linear'`, `'bilinear'`, `'trilinear'` by rank).
    case linear
}

extension F {
    /// Resizes the spatial dimensions of `[N, C, …]` (1 to 3 of them) (`F.interpolate`), separably along each axis.
    /// - Parameters:
    ///   - input: `[N, C, L]`, `[N, C, H, W]` or `[N, C, D, H, W]`.
    ///   - size: the output spatial size (one per axis), or nil.
    ///   - scaleFactor: the factor per axis (one value, or one per axis), or nil; exactly one of `size` and
    ///     `scaleFactor` is given. As in PyTorch, a given factor (not the rounded size ratio) maps coordinates.
    ///   - mode: nearest, nearest-exact or linear.
    ///   - alignCorners: for `linear`, map the corner pixels of input and output onto each other.
    public static func interpolate(_ input: Tensor, size: [Int]? = nil, scaleFactor: [Double]? = nil,
                                   mode: InterpolationMode = .nearest, alignCorners: Bool = false) -> Tensor {
        let spatial = input.rank - 2
        precondition((1...3).contains(spatial), "interpolate: expected a 3-D, 4-D or 5-D input [N, C, …], got \(input.shape)")
        precondition((size == nil) != (scaleFactor == nil), "interpolate: give exactly one of size and scaleFactor")
        precondition(!alignCorners || mode == .linear, "interpolate: alignCorners only applies to linear modes")
        let factors = scaleFactor.map { $0.count == 1 ? Array(repeating: $0[0], count: spatial) : $0 }
        let outSize: [Int] = size ?? (0..<spatial).map { Int((Double(input.shape[$0 + 2]) * factors![$0]).rounded(.down)) }
        precondition(outSize.count == spatial && outSize.allSatisfy { $0 > 0 } && (factors?.count ?? spatial) == spatial,
                     "interpolate: output size \(outSize) does not fit the \(spatial) spatial dimensions of \(input.shape)")
        var x = input
        for axis in 0..<spatial {
            x = resizeAxis(x, dim: axis + 2, to: outSize[axis], factor: factors?[axis], mode: mode, alignCorners: alignCorners)
        }
        return x
    }

    /// Resizes one dimension.
    static func resizeAxis(_ x: Tensor, dim: Int, to out: Int, factor: Double?, mode: InterpolationMode, alignCorners: Bool) -> Tensor {
        let n = x.shape[dim]
        // PyTorch's area_pixel_compute_scale.
        let scale: Double
        if alignCorners {
            scale = out > 1 ? Double(n - 1) / Double(out - 1) : 0
        } else {
            scale = factor.map { $0 > 0 ? 1 / $0 : Double(n) / Double(out) } ?? Double(n) / Double(out)
        }
        switch mode {
        case .nearest, .nearestExact:
            // PyTorch computes nearest source indices in float32 (floorf(dst · scale)); so do we, to pick the same pixels.
            let offset: Float = mode == .nearestExact ? 0.5 : 0, fscale = Float(scale)
            let idx = (0..<out).map { Int64(Swift.min(Int(((Float($0) + offset) * fscale).rounded(.down)), n - 1)) }
            return x.indexSelect(dim, Tensor(idx).to(x.device))
        case .linear:
            var lo = [Int64](), hi = [Int64](), w = [Double]()
            for i in 0..<out {
                let src = alignCorners ? Double(i) * scale : Swift.max((Double(i) + 0.5) * scale - 0.5, 0)
                let i0 = Swift.min(Int(src.rounded(.down)), n - 1)
                lo.append(Int64(i0))
                hi.append(Int64(Swift.min(i0 + 1, n - 1)))
                w.append(src - Double(i0))
            }
            var shape = [Int](repeating: 1, count: x.rank)
            shape[dim] = out
            let lambda = Tensor(w, shape: shape).to(x.dtype).to(x.device)
            return x.indexSelect(dim, Tensor(lo).to(x.device)) * (1.0 - lambda) + x.indexSelect(dim, Tensor(hi).to(x.device)) * lambda
        }
    }

    /// Rearranges `[*, C·r², H, W]` into `[*, C, H·r, W·r]` (`F.pixel_shuffle`).
    /// - Parameters:
    ///   - input: at least 3-D.
    ///   - upscaleFactor: `r`.
    public static func pixelShuffle(_ input: Tensor, upscaleFactor r: Int) -> Tensor {
        precondition(input.rank >= 3 && r > 0 && input.shape[input.rank - 3] % (r * r) == 0,
                     "pixelShuffle: channels of \(input.shape) must be divisible by upscaleFactor² = \(r * r)")
        let lead = Array(input.shape.dropLast(3)), k = lead.count
        let c = input.shape[k] / (r * r), h = input.shape[k + 1], w = input.shape[k + 2]
        let perm = Array(0..<k) + [k, k + 3, k + 1, k + 4, k + 2]
        return input.reshape(lead + [c, r, r, h, w]).permute(perm).reshape(lead + [c, h * r, w * r])
    }

    /// Rearranges `[*, C, H·r, W·r]` into `[*, C·r², H, W]` (`F.pixel_unshuffle`).
    /// - Parameters:
    ///   - input: at least 3-D.
    ///   - downscaleFactor: `r`.
    public static func pixelUnshuffle(_ input: Tensor, downscaleFactor r: Int) -> Tensor {
        precondition(input.rank >= 3 && r > 0 && input.shape[input.rank - 2] % r == 0 && input.shape[input.rank - 1] % r == 0,
                     "pixelUnshuffle: height and width of \(input.shape) must be divisible by downscaleFactor \(r)")
        let lead = Array(input.shape.dropLast(3)), k = lead.count
        let c = input.shape[k], h = input.shape[k + 1] / r, w = input.shape[k + 2] / r
        let perm = Array(0..<k) + [k, k + 2, k + 4, k + 1, k + 3]
        return input.reshape(lead + [c, h, r, w, r]).permute(perm).reshape(lead + [c * r * r, h, w])
    }
}

/// Resizes spatial dimensions (`nn.Upsample`).
public final class Upsample: Module {
    let size: [Int]?, scaleFactor: [Double]?, mode: InterpolationMode, alignCorners: Bool

    /// Creates the layer; give exactly one of `size` and `scaleFactor`.
    /// - Parameters:
    ///   - size: the output spatial size.
    ///   - scaleFactor: the factor (one, or one per axis).
    ///   - mode: nearest, nearest-exact or linear (bilinear for 4-D input).
    ///   - alignCorners: for linear modes, align the corner pixels.
    public init(size: [Int]? = nil, scaleFactor: [Double]? = nil, mode: InterpolationMode = .nearest, alignCorners: Bool = false) {
        precondition((size == nil) != (scaleFactor == nil), "Upsample: give exactly one of size and scaleFactor")
        self.size = size
        self.scaleFactor = scaleFactor
        self.mode = mode
        self.alignCorners = alignCorners
        super.init()
    }

    /// Resizes the input.
    /// - Parameter input: `[N, C, …]` with 1–3 spatial dimensions.
    public override func forward(_ input: Tensor) -> Tensor {
        F.interpolate(input, size: size, scaleFactor: scaleFactor, mode: mode, alignCorners: alignCorners)
    }
}

/// `[*, C·r², H, W]` → `[*, C, H·r, W·r]` (`nn.PixelShuffle`).
public final class PixelShuffle: Module {
    /// The factor `r`.
    public let upscaleFactor: Int
    /// - Parameter upscaleFactor: `r`.
    public init(_ upscaleFactor: Int) {
        self.upscaleFactor = upscaleFactor
        super.init()
    }
    /// Rearranges the input.
    /// - Parameter input: at least 3-D.
    public override func forward(_ input: Tensor) -> Tensor { F.pixelShuffle(input, upscaleFactor: upscaleFactor) }
}

/// `[*, C, H·r, W·r]` → `[*, C·r², H, W]` (`nn.PixelUnshuffle`).
public final class PixelUnshuffle: Module {
    /// The factor `r`.
    public let downscaleFactor: Int
    /// - Parameter downscaleFactor: `r`.
    public init(_ downscaleFactor: Int) {
        self.downscaleFactor = downscaleFactor
        super.init()
    }
    /// Rearranges the input.
    /// - Parameter input: at least 3-D.
    public override func forward(_ input: Tensor) -> Tensor { F.pixelUnshuffle(input, downscaleFactor: downscaleFactor) }
}
