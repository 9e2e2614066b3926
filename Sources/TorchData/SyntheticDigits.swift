import RealModule
import TorchCore

/// A built-in image data set that needs no files: the digits 0–9 drawn as strokes on a 28×28 canvas with random
/// rotation, scale, shear, translation, stroke width and noise (inputs `[1, 28, 28]` float32 in [0, 1],
/// targets int64 class indices). The same seed gives the same images.
public struct SyntheticDigits: Dataset {
    /// All images, `[count, 1, 28, 28]`.
    public let images: Tensor
    /// All labels, `[count]`.
    public let labels: Tensor

    /// Renders `count` samples with balanced classes in random order.
    /// - Parameters:
    ///   - count: the number of images.
    ///   - seed: the seed.
    public init(count: Int, seed: UInt64) {
        let g = Generator(seed: seed)
        let side = 28
        var pixels = [Float](repeating: 0, count: count * side * side)
        var labels = [Int64](repeating: 0, count: count)
        let params = Tensor.rand([count * 8], dtype: .float64, generator: g).toArray(of: Double.self)
        let noise = Tensor.randn([count * side * side], dtype: .float64, generator: g).toArray(of: Double.self)
        for i in 0..<count {
            let digit = i % 10
            labels[i] = Int64(digit)
            let u = Array(params[(i * 8)..<(i * 8 + 8)])
            let angle = (u[0] - 0.5) * 0.5  // ±14°
            let scale = 0.8 + 0.3 * u[1]
            let shear = (u[2] - 0.5) * 0.4
            let tx = (u[3] - 0.5) * 6, ty = (u[4] - 0.5) * 6
            let width = 1.0 + 1.2 * u[5]
            let contrast = 0.7 + 0.3 * u[6]
            let c = Double.cos(angle), s = Double.sin(angle)
            // Unit-box strokes mapped to pixels: x' = A·(x − 0.5) + centre.
            let a = (scale * 18 * c, scale * 18 * (-s + shear * c), scale * 18 * s, scale * 18 * (c + shear * s))
            let segments = SyntheticDigits.strokes[digit].map { seg -> (Double, Double, Double, Double) in
                func map(_ x: Double, _ y: Double) -> (Double, Double) {
                    let dx = x - 0.5, dy = y - 0.5
                    return (a.0 * dx + a.1 * dy + 14 + tx, a.2 * dx + a.3 * dy + 14 + ty)
                }
                let p = map(seg.0, seg.1), q = map(seg.2, seg.3)
                return (p.0, p.1, q.0, q.1)
            }
            let base = i * side * side
            for py in 0..<side {
                for px in 0..<side {
                    let x = Double(px) + 0.5, y = Double(py) + 0.5
                    var d = Double.infinity
                    for seg in segments { d = Swift.min(d, SyntheticDigits.distance(x, y, seg)) }
                    let ink = Swift.min(Swift.max(width - d + 0.5, 0), 1) * contrast
                    let v = ink + 0.08 * noise[base + py * side + px]
                    pixels[base + py * side + px] = Float(Swift.min(Swift.max(v, 0), 1))
                }
            }
        }
        // Shuffle so that consecutive samples are not ordered by class.
        let perm = Tensor.randperm(count, generator: g)
        self.images = Tensor(pixels, shape: [count, 1, side, side]).indexSelect(0, perm)
        self.labels = Tensor(labels, shape: [count]).indexSelect(0, perm)
    }

    /// The number of samples.
    public var count: Int { labels.shape[0] }
    /// The sample at `index`.
    /// - Parameter index: the position.
    public func sample(_ index: Int) -> (input: Tensor, target: Tensor) { (images[index], labels[index]) }
    /// Rows gathered with `indexSelect`.
    /// - Parameter indices: the positions.
    public func batch(_ indices: [Int]) -> (input: Tensor, target: Tensor)? {
        let idx = Tensor(indices.map { Int64($0) }, shape: [indices.count])
        return (images.indexSelect(0, idx), labels.indexSelect(0, idx))
    }

    static func distance(_ x: Double, _ y: Double, _ s: (Double, Double, Double, Double)) -> Double {
        let (x0, y0, x1, y1) = s
        let vx = x1 - x0, vy = y1 - y0
        let len2 = vx * vx + vy * vy
        let t = len2 == 0 ? 0 : Swift.min(Swift.max(((x - x0) * vx + (y - y0) * vy) / len2, 0), 1)
        let dx = x - (x0 + t * vx), dy = y - (y0 + t * vy)
        return (dx * dx + dy * dy).squareRoot()
    }

    /// Strokes of each digit in a unit box (x right, y down), as (x0, y0, x1, y1).
    static let strokes: [[(Double, Double, Double, Double)]] = [
        // 0: an octagon-like loop
        [(0.3, 0, 0.7, 0), (0.7, 0, 0.9, 0.25), (0.9, 0.25, 0.9, 0.75), (0.9, 0.75, 0.7, 1), (0.7, 1, 0.3, 1),
         (0.3, 1, 0.1, 0.75), (0.1, 0.75, 0.1, 0.25), (0.1, 0.25, 0.3, 0)],
        // 1
        [(0.3, 0.2, 0.55, 0), (0.55, 0, 0.55, 1), (0.3, 1, 0.8, 1)],
        // 2
        [(0.1, 0.2, 0.35, 0), (0.35, 0, 0.7, 0), (0.7, 0, 0.9, 0.25), (0.9, 0.25, 0.1, 1), (0.1, 1, 0.9, 1)],
        // 3
        [(0.1, 0, 0.9, 0), (0.9, 0, 0.45, 0.45), (0.45, 0.45, 0.85, 0.6), (0.85, 0.6, 0.8, 0.9), (0.8, 0.9, 0.5, 1),
         (0.5, 1, 0.1, 0.9)],
        // 4
        [(0.7, 1, 0.7, 0), (0.7, 0, 0.1, 0.65), (0.1, 0.65, 0.95, 0.65)],
        // 5
        [(0.85, 0, 0.2, 0), (0.2, 0, 0.15, 0.45), (0.15, 0.45, 0.7, 0.45), (0.7, 0.45, 0.9, 0.7), (0.9, 0.7, 0.7, 1),
         (0.7, 1, 0.1, 0.95)],
        // 6
        [(0.75, 0, 0.3, 0.2), (0.3, 0.2, 0.1, 0.6), (0.1, 0.6, 0.25, 1), (0.25, 1, 0.75, 1), (0.75, 1, 0.9, 0.75),
         (0.9, 0.75, 0.7, 0.5), (0.7, 0.5, 0.15, 0.55)],
        // 7
        [(0.1, 0, 0.9, 0), (0.9, 0, 0.35, 1), (0.35, 0.5, 0.75, 0.5)],
        // 8
        [(0.5, 0, 0.15, 0.22), (0.15, 0.22, 0.85, 0.72), (0.85, 0.72, 0.5, 1), (0.5, 1, 0.15, 0.72),
         (0.15, 0.72, 0.85, 0.22), (0.85, 0.22, 0.5, 0)],
        // 9
        [(0.85, 0.45, 0.3, 0.5), (0.3, 0.5, 0.1, 0.25), (0.1, 0.25, 0.3, 0), (0.3, 0, 0.75, 0), (0.75, 0, 0.9, 0.25),
         (0.9, 0.25, 0.85, 1)],
    ]
}
