import RealModule

// MARK: - Constants and helpers shared by unary ops

/// Constants without Foundation.
enum Foundationless {
    static let ln2 = 0.693_147_180_559_945_3
    static let ln10 = 2.302_585_092_994_046
}

let seluAlpha = 1.673_263_242_354_377_3
let seluScale = 1.050_700_987_355_480_5

/// The inverse error function: Giles' single-precision approximation refined by two Newton steps.
@inline(__always)
func erfinvScalar<T: FloatingScalar>(_ x: T) -> T {
    if x <= -1 { return x == -1 ? -T.infinity : T.nan }
    if x >= 1 { return x == 1 ? T.infinity : T.nan }
    let xd = Double(x.doubleValue)
    var w = -Double.log((1 - xd) * (1 + xd))
    var p: Double
    if w < 5 {
        w -= 2.5
        p = 2.81022636e-08
        p = 3.43273939e-07 + p * w
        p = -3.5233877e-06 + p * w
        p = -4.39150654e-06 + p * w
        p = 0.00021858087 + p * w
        p = -0.00125372503 + p * w
        p = -0.00417768164 + p * w
        p = 0.246640727 + p * w
        p = 1.50140941 + p * w
    } else {
        w = w.squareRoot() - 3
        p = -0.000200214257
        p = 0.000100950558 + p * w
        p = 0.00134934322 + p * w
        p = -0.00367342844 + p * w
        p = 0.00573950773 + p * w
        p = -0.0076224613 + p * w
        p = 0.00943887047 + p * w
        p = 1.00167406 + p * w
        p = 2.83297682 + p * w
    }
    var y = p * xd
    let c = 2 / Double.pi.squareRoot()
    for _ in 0..<2 {
        let err = Double.erf(y) - xd
        y -= err / (c * Double.exp(-y * y))
    }
    return T(fromDouble: y)
}

func siluBackward(_ g: Tensor, _ x: Tensor) -> Tensor {
    let s = x.sigmoid()
    return g * (s * (x * (1 - s) + 1))
}

func mishBackward(_ g: Tensor, _ x: Tensor) -> Tensor {
    let t = x.softplus().tanh()
    return g * (t + x * x.sigmoid() * (1 - t * t))
}

func hardswishBackward(_ g: Tensor, _ x: Tensor) -> Tensor {
    let mid = x.gt(-3).logicalAnd(x.lt(3)).to(g.dtype)
    let high = x.ge(3).to(g.dtype)
    return g * (mid * (x / 3 + 0.5) + high)
}
