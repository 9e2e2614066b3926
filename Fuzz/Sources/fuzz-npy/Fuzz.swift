import Torch

/// Feeds libFuzzer's input to `Npy.decode`; any thrown error is a correct refusal, anything else (a trap, a hang, a
/// sanitizer report) is a finding.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    _ = try? Npy.decode(bytes)
    return 0
}
