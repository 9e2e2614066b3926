import Foundation
import Testing
@testable import TorchCUDA
import TorchCore
import _TestSupport

/// The CUDA loader's paths without a GPU: missing libraries, unloadable files, libraries without the entry
/// points, and the reasons `Torch.cuda` gives.
@Suite struct CUDALoaderTests {
    /// Linking TorchCUDA installs its registrar at load time, so `x.to(.cuda(0))` finds the backend without
    /// `Torch.cuda` being touched first; here (no GPU) the registrar finds no device and the move stops with a
    /// message naming the device.
    @Test func theBackendRegistrarIsInstalledAtLoadTime() async {
        #expect(DeviceBackends.hasLoadTimeRegistrar)
        let r = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            guard !CUDA.isAvailable else { exit(1) }
            _ = Tensor.ones([2]).to(.cuda(0))
        }
        let text = String(decoding: r?.standardErrorContent ?? [], as: UTF8.self)
        #expect(text.contains("to(cuda:0): no backend for cuda:0 is loaded"), "\(text)")
    }

    @Test func aMissingLibraryNamesEveryPlaceSearched() throws {
        let dir = temporaryFolder("cuda-empty")
        let search = LibrarySearch(environment: ["SWIFTTORCH_CUDA_LIBS": dir, "LD_LIBRARY_PATH": "/nonexistent/a:/nonexistent/b"],
                                   includeSystem: false)
        #expect(search.explicitFolders == [dir, "/nonexistent/a", "/nonexistent/b"])
        guard case .failure(let error) = CUDA.loadNVRTC(search: search) else {
            Issue.record("an empty folder gave a library")
            return
        }
        #expect(error == .libraryNotFound(name: "libnvrtc.so.12", searched: [dir, "/nonexistent/a", "/nonexistent/b"]))
        #expect(error.description.contains("libnvrtc.so.12 was not found (looked in: \(dir), /nonexistent/a"))
    }

    @Test func aFileThatIsNoLibraryGivesTheLoadersMessage() throws {
        let dir = temporaryFolder("cuda-bogus")
        try "not an ELF file".write(toFile: dir + "/libnvrtc.so.12", atomically: true, encoding: .utf8)
        let result = CUDA.loadNVRTC(search: LibrarySearch(environment: ["SWIFTTORCH_CUDA_LIBS": dir], includeSystem: false))
        guard case .failure(.libraryNotLoaded(let name, let reason)) = result else {
            Issue.record("expected libraryNotLoaded, got \(result)")
            return
        }
        #expect(name == dir + "/libnvrtc.so.12")
        #expect(reason.contains("libnvrtc.so.12"), "dlopen's message names the file: \(reason)")
    }

    /// A real shared library without NVRTC's entry points (zlib under NVRTC's name) is refused by symbol name.
    @Test func aLibraryWithoutTheEntryPointsIsRefusedByName() throws {
        let zlib = ["/lib/x86_64-linux-gnu/libz.so.1", "/usr/lib/x86_64-linux-gnu/libz.so.1", "/usr/lib64/libz.so.1"]
            .first { FileManager.default.fileExists(atPath: $0) }
        let libz = try #require(zlib, "zlib is a build dependency, so libz.so.1 exists")
        let dir = temporaryFolder("cuda-wrong")
        try FileManager.default.createSymbolicLink(atPath: dir + "/libnvrtc.so.12", withDestinationPath: libz)
        let result = CUDA.loadNVRTC(search: LibrarySearch(environment: ["SWIFTTORCH_CUDA_LIBS": dir], includeSystem: false))
        guard case .failure(let error) = result else {
            Issue.record("zlib passed for NVRTC")
            return
        }
        #expect(error == .missingSymbol(library: dir + "/libnvrtc.so.12", symbol: "nvrtcVersion"))
        let driver = CUDA.loadDriver(search: LibrarySearch(environment: ["SWIFTTORCH_CUDA_LIBS": dir], includeSystem: false))
        guard case .failure(.libraryNotFound(let name, _)) = driver else {
            Issue.record("expected the driver to be missing from \(dir), got \(driver)")
            return
        }
        #expect(name == "libcuda.so.1")
    }

    /// Wheels ship `libnvrtc.so.12.9`-style names next to (or instead of) the plain soname.
    @Test func versionedFileNamesAreFound() throws {
        let zlib = try #require(["/lib/x86_64-linux-gnu/libz.so.1", "/usr/lib/x86_64-linux-gnu/libz.so.1"]
            .first { FileManager.default.fileExists(atPath: $0) })
        let dir = temporaryFolder("cuda-versioned")
        try FileManager.default.createSymbolicLink(atPath: dir + "/libcublas.so.12.9.1", withDestinationPath: zlib)
        let found = try LibrarySearch(environment: ["SWIFTTORCH_CUDA_LIBS": dir], includeSystem: false)
            .load(["libcublas.so.12"]).get()
        #expect(found.path == dir + "/libcublas.so.12.9.1")
    }

    /// Python installations' `nvidia/*/lib` folders are searched (PyTorch's CUDA wheels put the libraries there).
    @Test func pythonNvidiaFoldersAreSearched() throws {
        let venv = temporaryFolder("cuda-venv")
        let lib = venv + "/lib/python3.11/site-packages/nvidia/cuda_nvrtc/lib"
        try FileManager.default.createDirectory(atPath: lib, withIntermediateDirectories: true)
        let search = LibrarySearch(environment: ["VIRTUAL_ENV": venv], includeSystem: true)
        #expect(search.pythonNvidiaFolders().contains(lib))
        #expect(search.fallbackFolders.contains(lib))
    }

    /// Without a GPU, `Torch.cuda` says why; with one, it names the device. Either way nothing crashes.
    @Test func availabilityComesWithAReason() throws {
        if Torch.cuda.isAvailable {
            #expect(Torch.cuda.unavailableReason == nil)
            #expect(Torch.cuda.deviceCount > 0)
            let d = try Torch.cuda.device(0)
            #expect(d.computeCapability >= 50 && d.totalMemory > 0)
        } else {
            let reason = try #require(Torch.cuda.unavailableReason)
            #expect(reason.contains("libcuda") || reason.contains("CUDA"), "\(reason)")
            #expect(Torch.cuda.deviceCount == 0)
            #expect(throws: CUDAError.self) { try Torch.cuda.device(0) }
            #expect(Torch.cuda.driverVersion == nil)
        }
        #expect(CUDA.libraryReport.count == 3)
    }

    @Test func outOfMemoryErrorsReportTheFigures() {
        let e = CUDAError.outOfMemory(requested: 3 << 30, allocated: 100 << 20, reserved: 200 << 20, free: 1 << 20, total: 80 << 30)
        #expect(e.description == "CUDA out of memory: tried to allocate 3072.00 MiB; 100.00 MiB allocated by SwiftTorch, "
            + "200.00 MiB reserved by its cache, 1.00 MiB free of 81920.00 MiB on the device")
    }

    @Test func deviceBlocksAreRounded() {
        #expect(DeviceAllocator.blockSize(for: 0) == 512)
        #expect(DeviceAllocator.blockSize(for: 513) == 1024)
        #expect(DeviceAllocator.blockSize(for: 1 << 20) == 1 << 20)
        #expect(DeviceAllocator.blockSize(for: (1 << 20) + 1) == 2 << 20)
        #expect(DeviceAllocator.blockSize(for: (5 << 20) + 3) == 6 << 20)
    }
}
