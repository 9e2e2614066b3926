// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "SwiftTorch",
    products: [
        .library(name: "Torch", targets: ["Torch"]),
        .executable(name: "swifttorch", targets: ["swifttorch"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-numerics", from: "1.1.1"),
    ],
    targets: [
        // BLAS: OpenBLAS on Linux (Debian `libopenblas-dev`); Accelerate is used instead on Apple platforms.
        .systemLibrary(
            name: "CBLAS",
            pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev"])]
        ),
        // zlib (Debian `zlib1g-dev`) for gzip and deflate.
        .systemLibrary(
            name: "CZlib",
            pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]
        ),
        // Vectorised float32 kernels (AVX-512 / AVX2+FMA chosen at run time through function target attributes;
        // no unsafe flags).
        .target(name: "CTorchKernels"),
        .target(
            name: "TorchCore",
            dependencies: [
                "CTorchKernels",
                .product(name: "RealModule", package: "swift-numerics"),
                .target(name: "CBLAS", condition: .when(platforms: [.linux])),
            ]
        ),
        .target(name: "TorchNN", dependencies: ["TorchCore"]),
        .target(name: "TorchOptim", dependencies: ["TorchCore", "TorchNN"]),
        .target(name: "TorchData", dependencies: [
            "TorchCore",
            "CZlib",
            .product(name: "RealModule", package: "swift-numerics"),
        ]),
        .target(name: "TorchSerialization", dependencies: ["TorchCore", "CZlib"]),
        // CUDA backend: libcuda, NVRTC and cuBLAS are opened with dlopen at run time, so this builds everywhere.
        .target(name: "TorchCUDA", dependencies: ["TorchCore", "CTorchCUDARegistration"]),
        // Installs TorchCUDA's registrar in TorchCore at load time (a pointer store), so `x.to(.cuda(0))` works first.
        .target(name: "CTorchCUDARegistration", dependencies: ["CTorchKernels"]),
        .target(name: "Torch", dependencies: ["TorchCore", "TorchNN", "TorchOptim", "TorchData", "TorchSerialization", "TorchCUDA"]),
        .target(name: "_TestSupport", dependencies: ["TorchCore"]),
        .executableTarget(
            name: "swifttorch",
            dependencies: [
                "Torch",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "RealModule", package: "swift-numerics"),
            ]
        ),
        // Examples (`swift run -c release NAME`; see Examples/README.md).
        .executableTarget(name: "mnist-cnn", dependencies: ["Torch", .product(name: "ArgumentParser", package: "swift-argument-parser")],
                          path: "Examples/mnist-cnn"),
        .executableTarget(name: "char-transformer", dependencies: ["Torch", .product(name: "ArgumentParser", package: "swift-argument-parser")],
                          path: "Examples/char-transformer"),
        .executableTarget(name: "lstm-classifier", dependencies: ["Torch", .product(name: "ArgumentParser", package: "swift-argument-parser")],
                          path: "Examples/lstm-classifier"),
        .executableTarget(name: "sentence-embeddings", dependencies: ["Torch", .product(name: "ArgumentParser", package: "swift-argument-parser")],
                          path: "Examples/SentenceEmbeddings"),
        .testTarget(
            name: "TorchCoreTests",
            dependencies: ["Torch", "_TestSupport", "swifttorch", "sentence-embeddings"],
            resources: [.copy("Resources")]
        ),
    ],
    swiftLanguageModes: [.v6]
)
