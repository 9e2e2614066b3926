import CTorchCUDARegistration
import Synchronization
import TorchCore

// MARK: - The CUDA namespace

/// SwiftTorch's CUDA backend: whether it can run here, why not, and its devices (`Torch.cuda` is the same thing).
///
/// Nothing is loaded until first asked: the driver (`libcuda.so.1`), NVRTC and cuBLAS are found with
/// ``LibrarySearch`` and opened with `dlopen`, so a machine without CUDA only ever sees a clear reason.
public enum CUDA {
    /// Whether a CUDA driver and at least one device are usable.
    public static var isAvailable: Bool { registerBackend() > 0 }

    /// Why CUDA is not available (nil when it is).
    public static var unavailableReason: String? {
        switch driverState {
        case .failure(let e): return e.description
        case .success(let s): return s.deviceCount > 0 ? nil : "the CUDA driver reports no device"
        }
    }

    /// How many CUDA devices the driver sees (0 without a driver).
    public static var deviceCount: Int { registerBackend() }

    /// Registers the CUDA backend with TorchCore when there is a device (once), so that `tensor.to(.cuda(0))`
    /// works; returns the device count.
    @discardableResult
    static func registerBackend() -> Int {
        st_cuda_registration_anchor()  // keeps the load-time registrar's object in every link
        let n = (try? driverState.get())?.deviceCount ?? 0
        if n > 0 { _ = backendRegistration }
        return n
    }

    /// The driver's CUDA version as (major, minor), e.g. (12, 4); nil without a driver.
    public static var driverVersion: (major: Int, minor: Int)? {
        guard let v = (try? driverState.get())?.version else { return nil }
        return (v / 1000, (v % 1000) / 10)
    }

    /// NVRTC, loaded on first use (it needs no GPU).
    public static func nvrtc() throws(CUDAError) -> NVRTC { try nvrtcState.get() }

    /// Loads NVRTC with a given search, without caching (tests use closed searches).
    /// - Parameter search: where to look.
    public static func loadNVRTC(search: LibrarySearch) -> Result<NVRTC, CUDAError> {
        search.load(nvrtcNames).flatMap { found in Result { () throws(CUDAError) in try NVRTC(library: found.library, path: found.path) } }
    }

    /// Loads the driver API with a given search, without caching (tests use closed searches).
    /// - Parameter search: where to look.
    static func loadDriver(search: LibrarySearch) -> Result<DriverAPI, CUDAError> {
        search.load(driverNames).flatMap { found in Result { () throws(CUDAError) in try DriverAPI(library: found.library, path: found.path) } }
    }

    /// Device `index`, initialised on first use (primary context, allocator, kernel cache).
    /// - Parameter index: the ordinal.
    public static func device(_ index: Int = 0) throws(CUDAError) -> CUDADevice {
        let state = try driverState.get()
        if state.deviceCount > 0 { _ = backendRegistration }
        guard index >= 0 && index < state.deviceCount else {
            throw .noDevice("device \(index) was asked for; the driver reports \(state.deviceCount) device(s)")
        }
        return try state.device(index)
    }

    /// Waits for all work queued on every initialised device.
    public static func synchronize() throws(CUDAError) {
        guard case .success(let s) = driverState else { return }
        for d in s.initialisedDevices { try d.synchronize() }
    }

    /// Bytes in live buffers on device `index` (`torch.cuda.memory_allocated`); 0 without CUDA.
    /// - Parameter index: the ordinal.
    public static func memoryAllocated(_ index: Int = 0) -> Int { (try? device(index))?.allocator.memoryAllocated ?? 0 }
    /// The peak of ``memoryAllocated(_:)`` (`torch.cuda.max_memory_allocated`).
    /// - Parameter index: the ordinal.
    public static func maxMemoryAllocated(_ index: Int = 0) -> Int { (try? device(index))?.allocator.maxMemoryAllocated ?? 0 }
    /// Bytes held from the driver, live or cached (`torch.cuda.memory_reserved`).
    /// - Parameter index: the ordinal.
    public static func memoryReserved(_ index: Int = 0) -> Int { (try? device(index))?.allocator.memoryReserved ?? 0 }
    /// Returns the cached blocks of every initialised device to the driver (`torch.cuda.empty_cache`).
    public static func emptyCache() throws(CUDAError) {
        guard case .success(let s) = driverState else { return }
        for d in s.initialisedDevices { try d.allocator.emptyCache() }
    }

    /// Whether float32 matrix products may use TF32 tensor cores (PyTorch's
    /// `torch.backends.cuda.matmul.allow_tf32`; off by default, as there).
    public static var allowTF32: Bool {
        get { tf32.load(ordering: .relaxed) }
        set { tf32.store(newValue, ordering: .relaxed) }
    }

    /// One line per library: where it was found or why not (for `swifttorch doctor`).
    public static var libraryReport: [String] {
        var lines: [String] = []
        switch driverState {
        case .success(let s):
            let v = driverVersion.map { "CUDA \($0.major).\($0.minor)" } ?? "?"
            lines.append("driver: \(s.api.path) (\(v)), \(s.deviceCount) device(s)")
        case .failure(let e): lines.append("driver: \(e)")
        }
        switch nvrtcState {
        case .success(let n):
            lines.append("NVRTC: \(n.path) (\(n.version.major).\(n.version.minor)), architectures \(n.supportedArchitectures.map { "sm_\($0)" }.joined(separator: " "))")
        case .failure(let e): lines.append("NVRTC: \(e)")
        }
        switch LibrarySearch().load(cublasNames) {
        case .success(let found): lines.append("cuBLAS: \(found.path)")
        case .failure(let e): lines.append("cuBLAS: \(e)")
        }
        return lines
    }

    static let driverNames = ["libcuda.so.1", "libcuda.so"]
    static let nvrtcNames = ["libnvrtc.so.12", "libnvrtc.so.13", "libnvrtc.so.11.2", "libnvrtc.so"]
    static let cublasNames = ["libcublas.so.12", "libcublas.so.13", "libcublas.so.11", "libcublas.so"]
}

extension Torch {
    /// The CUDA backend (`torch.cuda`): `Torch.cuda.isAvailable`, `Torch.cuda.device(0)`, ….
    public static var cuda: CUDA.Type { CUDA.self }
}

private let tf32 = Atomic<Bool>(false)

private let backendRegistration: Void = DeviceBackends.register(CUDABackend.shared, for: "cuda")

private let nvrtcState: Result<NVRTC, CUDAError> = CUDA.loadNVRTC(search: LibrarySearch())

private let driverState: Result<DriverState, CUDAError> = CUDA.loadDriver(search: LibrarySearch()).flatMap { api in
    Result { () throws(CUDAError) in try DriverState(api: api) }
}

/// The initialised driver: its API table, version, device count and the devices opened so far.
final class DriverState: Sendable {
    let api: DriverAPI
    let version: Int
    let deviceCount: Int
    private let devices: Mutex<[Int: CUDADevice]> = Mutex([:])

    init(api: DriverAPI) throws(CUDAError) {
        self.api = api
        try api.check(api.cuInit(0), "cuInit(0)")
        var v: Int32 = 0
        try api.check(api.cuDriverGetVersion(&v), "cuDriverGetVersion")
        version = Int(v)
        var n: Int32 = 0
        try api.check(api.cuDeviceGetCount(&n), "cuDeviceGetCount")
        deviceCount = Int(n)
    }

    func device(_ index: Int) throws(CUDAError) -> CUDADevice {
        let result: Result<CUDADevice, CUDAError> = devices.withLock { d in
            if let dev = d[index] { return .success(dev) }
            do throws(CUDAError) {
                let dev = try CUDADevice(api: api, ordinal: index)
                d[index] = dev
                return .success(dev)
            } catch { return .failure(error) }
        }
        return try result.get()
    }

    var initialisedDevices: [CUDADevice] { devices.withLock { Array($0.values) } }
}

/// Registers the CUDA backend when a device is found; TorchCore looks this entry point up by name (`dlsym`) the
/// first time a tensor is put on a CUDA device with no backend registered, so `x.to(.cuda(0))` works without
/// touching `Torch.cuda` first. Returns 1 when a device was found.
@_cdecl("swifttorch_register_cuda_backend")
public func swifttorchRegisterCUDABackend() -> Int32 { CUDA.registerBackend() > 0 ? 1 : 0 }
