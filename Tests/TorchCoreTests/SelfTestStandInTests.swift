import Testing
import Torch
import _TestSupport
@testable import swifttorch

/// The tensor and training phases of `swifttorch cuda-selftest`, run here on the host-backed stand-in device so
/// that their comparisons are known to pass when the device computes what the CPU computes.
@Suite struct SelfTestStandInTests {
    init() {
        HostBackedDeviceBackend.install()
        DeviceFallbacks.warns = false
    }

    @Test func tensorPhasePassesOnTheStandIn() {
        let checks = CUDASelfTest.tensors(index: 0)
        #expect(checks.count > OpRegistry.all.count, "forward and backward checks")
        for c in checks where !c.passed { Issue.record("\(c)") }
    }

    @Test func trainingPhasePassesOnTheStandIn() {
        let checks = GlobalSettings.exclusive { Generator.withDefault(Generator()) { CUDASelfTest.training(device: .cuda(0)) } }
        #expect(checks.count == 7, "losses and six parameters")
        for c in checks where !c.passed { Issue.record("\(c)") }
    }
}
