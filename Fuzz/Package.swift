// swift-tools-version:6.0
// libFuzzer targets for every SwiftTorch reader, kept out of the main package (they have no `main`; libFuzzer
// supplies it). Run them with scripts/fuzz.sh, which builds with `swift build -c release --sanitize fuzzer`.
import PackageDescription

let readers = ["safetensors", "pt", "npy", "npz", "events", "idx"]

let package = Package(
    name: "SwiftTorchFuzz",
    dependencies: [.package(name: "SwiftTorch", path: "..")],
    targets: readers.map { name in
        .executableTarget(name: "fuzz-\(name)", dependencies: [.product(name: "Torch", package: "SwiftTorch")], path: "Sources/fuzz-\(name)")
    },
    swiftLanguageModes: [.v6]
)
