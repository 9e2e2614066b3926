import Testing
@testable import TorchCUDA
import TorchCore
import _TestSupport

/// `docs/cuda-coverage.md` says how each registry op runs on a CUDA tensor; this runs every op forward and backward
/// on the stand-in device and checks the claim: an op listed as running on the GPU only asks TorchCore for work the
/// CUDA backend serves (its elementwise functions and cuBLAS products), and a CPU-fallback op does leave the device.
@Suite struct CUDACoverageTests {
    init() {
        HostBackedDeviceBackend.install()
        DeviceFallbacks.warns = false
    }

    /// The fallbacks of the stand-in that the CUDA backend would not take.
    func unserved(_ fallbacks: Set<String>) -> Set<String> {
        fallbacks.filter { name in
            !(CUDABackend.servesElementwise(name) || name == "mm" || name == "bmm")
        }
    }

    @Test(arguments: OpRegistry.all.map(\.name))
    func coverageTableIsTrue(_ name: String) {
        let op = OpRegistry.all.first { $0.name == name }!
        let inputs = op.sampleInputs(generator: Generator(seed: 41)).map { $0.to(.cuda(0)).requiresGrad_(op.differentiable) }
        let (_, fallbacks) = DeviceFallbacks.collecting { () -> Void in
            let y = op.call(inputs)
            if op.differentiable { y.backward(gradient: Tensor.onesLike(y)) }
        }
        let left = unserved(fallbacks)
        if CUDA.path(of: op) == .cpuFallback {
            #expect(!left.isEmpty, "\(name) is listed as a CPU fallback but ran on the device")
        } else {
            #expect(left.isEmpty, "\(name) (\(CUDA.path(of: op).rawValue)) fell back to the CPU for \(left.sorted())")
        }
    }
}
