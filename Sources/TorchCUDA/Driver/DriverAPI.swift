// MARK: - CUDA driver API

/// The entry points of `libcuda` that SwiftTorch calls, looked up once.
///
/// Handles (`CUcontext`, `CUmodule`, `CUfunction`, `CUstream`, `CUevent`) are opaque pointers; device memory
/// (`CUdeviceptr`) is a 64-bit integer. The `_v2` names are the ones `cuda.h` maps the plain names to.
final class DriverAPI: Sendable {
    typealias Handle = OpaquePointer
    typealias DevicePtr = UInt64
    typealias IntOut = UnsafeMutablePointer<Int32>?
    typealias SizeOut = UnsafeMutablePointer<Int>?

    let path: String
    let cuInit: @convention(c) (UInt32) -> Int32
    let cuDriverGetVersion: @convention(c) (IntOut) -> Int32
    let cuDeviceGetCount: @convention(c) (IntOut) -> Int32
    let cuDeviceGet: @convention(c) (IntOut, Int32) -> Int32
    let cuDeviceGetName: @convention(c) (UnsafeMutablePointer<CChar>?, Int32, Int32) -> Int32
    let cuDeviceGetAttribute: @convention(c) (IntOut, Int32, Int32) -> Int32
    let cuDeviceTotalMem: @convention(c) (SizeOut, Int32) -> Int32
    let cuDevicePrimaryCtxRetain: @convention(c) (UnsafeMutablePointer<Handle?>?, Int32) -> Int32
    let cuCtxSetCurrent: @convention(c) (Handle?) -> Int32
    let cuCtxSynchronize: @convention(c) () -> Int32
    let cuMemAlloc: @convention(c) (UnsafeMutablePointer<DevicePtr>?, Int) -> Int32
    let cuMemFree: @convention(c) (DevicePtr) -> Int32
    let cuMemGetInfo: @convention(c) (SizeOut, SizeOut) -> Int32
    let cuMemcpyHtoDAsync: @convention(c) (DevicePtr, UnsafeRawPointer?, Int, Handle?) -> Int32
    let cuMemcpyDtoHAsync: @convention(c) (UnsafeMutableRawPointer?, DevicePtr, Int, Handle?) -> Int32
    let cuMemcpyDtoDAsync: @convention(c) (DevicePtr, DevicePtr, Int, Handle?) -> Int32
    let cuMemsetD8Async: @convention(c) (DevicePtr, UInt8, Int, Handle?) -> Int32
    let cuModuleLoadData: @convention(c) (UnsafeMutablePointer<Handle?>?, UnsafeRawPointer?) -> Int32
    let cuModuleGetFunction: @convention(c) (UnsafeMutablePointer<Handle?>?, Handle?, UnsafePointer<CChar>?) -> Int32
    let cuLaunchKernel: @convention(c) (Handle?, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, Handle?,
                                        UnsafeMutablePointer<UnsafeMutableRawPointer?>?,
                                        UnsafeMutablePointer<UnsafeMutableRawPointer?>?) -> Int32
    let cuStreamCreate: @convention(c) (UnsafeMutablePointer<Handle?>?, UInt32) -> Int32
    let cuStreamDestroy: @convention(c) (Handle?) -> Int32
    let cuStreamSynchronize: @convention(c) (Handle?) -> Int32
    let cuStreamWaitEvent: @convention(c) (Handle?, Handle?, UInt32) -> Int32
    let cuEventCreate: @convention(c) (UnsafeMutablePointer<Handle?>?, UInt32) -> Int32
    let cuEventDestroy: @convention(c) (Handle?) -> Int32
    let cuEventRecord: @convention(c) (Handle?, Handle?) -> Int32
    let cuEventSynchronize: @convention(c) (Handle?) -> Int32
    let cuEventElapsedTime: @convention(c) (UnsafeMutablePointer<Float>?, Handle?, Handle?) -> Int32
    let cuGetErrorName: @convention(c) (Int32, UnsafeMutablePointer<UnsafePointer<CChar>?>?) -> Int32
    let cuGetErrorString: @convention(c) (Int32, UnsafeMutablePointer<UnsafePointer<CChar>?>?) -> Int32

    init(library: DynamicLibraryHandle, path: String) throws(CUDAError) {
        let lib = library.library
        self.path = path
        cuInit = try lib.symbol("cuInit")
        cuDriverGetVersion = try lib.symbol("cuDriverGetVersion")
        cuDeviceGetCount = try lib.symbol("cuDeviceGetCount")
        cuDeviceGet = try lib.symbol("cuDeviceGet")
        cuDeviceGetName = try lib.symbol("cuDeviceGetName")
        cuDeviceGetAttribute = try lib.symbol("cuDeviceGetAttribute")
        cuDeviceTotalMem = try lib.symbol("cuDeviceTotalMem_v2")
        cuDevicePrimaryCtxRetain = try lib.symbol("cuDevicePrimaryCtxRetain")
        cuCtxSetCurrent = try lib.symbol("cuCtxSetCurrent")
        cuCtxSynchronize = try lib.symbol("cuCtxSynchronize")
        cuMemAlloc = try lib.symbol("cuMemAlloc_v2")
        cuMemFree = try lib.symbol("cuMemFree_v2")
        cuMemGetInfo = try lib.symbol("cuMemGetInfo_v2")
        cuMemcpyHtoDAsync = try lib.symbol("cuMemcpyHtoDAsync_v2")
        cuMemcpyDtoHAsync = try lib.symbol("cuMemcpyDtoHAsync_v2")
        cuMemcpyDtoDAsync = try lib.symbol("cuMemcpyDtoDAsync_v2")
        cuMemsetD8Async = try lib.symbol("cuMemsetD8Async")
        cuModuleLoadData = try lib.symbol("cuModuleLoadData")
        cuModuleGetFunction = try lib.symbol("cuModuleGetFunction")
        cuLaunchKernel = try lib.symbol("cuLaunchKernel")
        cuStreamCreate = try lib.symbol("cuStreamCreate")
        cuStreamDestroy = try lib.symbol("cuStreamDestroy_v2")
        cuStreamSynchronize = try lib.symbol("cuStreamSynchronize")
        cuStreamWaitEvent = try lib.symbol("cuStreamWaitEvent")
        cuEventCreate = try lib.symbol("cuEventCreate")
        cuEventDestroy = try lib.symbol("cuEventDestroy_v2")
        cuEventRecord = try lib.symbol("cuEventRecord")
        cuEventSynchronize = try lib.symbol("cuEventSynchronize")
        cuEventElapsedTime = try lib.symbol("cuEventElapsedTime")
        cuGetErrorName = try lib.symbol("cuGetErrorName")
        cuGetErrorString = try lib.symbol("cuGetErrorString")
    }

    /// Throws a ``CUDAError/driver(call:code:name:message:)`` for a non-zero result.
    /// - Parameters:
    ///   - code: the `CUresult`.
    ///   - call: what was called, for the message.
    func check(_ code: Int32, _ call: @autoclosure () -> String) throws(CUDAError) {
        guard code != 0 else { return }
        throw .driver(call: call(), code: code, name: errorName(code), message: errorMessage(code))
    }

    /// The `CUresult`'s name (`CUDA_ERROR_OUT_OF_MEMORY`).
    /// - Parameter code: the result.
    func errorName(_ code: Int32) -> String {
        var p: UnsafePointer<CChar>?
        return cuGetErrorName(code, &p) == 0 ? p.map { String(cString: $0) } ?? "CUDA error" : "CUDA error"
    }

    /// The `CUresult`'s description.
    /// - Parameter code: the result.
    func errorMessage(_ code: Int32) -> String {
        var p: UnsafePointer<CChar>?
        return cuGetErrorString(code, &p) == 0 ? p.map { String(cString: $0) } ?? "unknown error" : "unknown error"
    }
}

/// `CUdevice_attribute` values used here (cuda.h).
enum DeviceAttribute: Int32 {
    case maxThreadsPerBlock = 1
    case multiprocessorCount = 16
    case computeCapabilityMajor = 75
    case computeCapabilityMinor = 76
}
