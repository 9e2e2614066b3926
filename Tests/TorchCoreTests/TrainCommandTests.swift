import Testing
import Torch
import _TestSupport
@testable import swifttorch

/// `swifttorch train`: checkpoints every epoch and `--resume` reproducing an uninterrupted run bit for bit.
@Suite(.serialized) struct TrainCommandTests {
    func run(_ arguments: [String]) throws {
        let command = try Train.parse(arguments + ["--json", "--train-size", "300", "--test-size", "50"])
        // Other suites draw from the process-wide generator concurrently; this run gets its own.
        try GlobalSettings.exclusive { try Generator.withDefault(Generator()) { try command.run() } }
    }

    @Test func resumedRunEqualsUninterruptedRun() throws {
        let dir = temporaryFolder("swifttorch-train")
        let common = ["--scheduler", "step", "--optimizer", "adamw", "--model", "cnn", "--batch-size", "32"]
        try run(common + ["--epochs", "3", "--out", dir + "/straight"])
        try run(common + ["--epochs", "1", "--out", dir + "/split"])
        try run(common + ["--epochs", "3", "--out", dir + "/split", "--resume", dir + "/split/checkpoint.pt", "--workers", "2"])
        let a = try Safetensors.read(dir + "/straight/model.safetensors")
        let b = try Safetensors.read(dir + "/split/model.safetensors")
        #expect(a.tensors.count == 8)
        for ((ka, ta), (kb, tb)) in zip(a.tensors, b.tensors) {
            #expect(ka == kb && ta.equal(tb), "\(ka) differs after resuming")
        }
        // The checkpoint is a torch.save archive: epoch, optimizer state in PyTorch's layout, RNG states.
        let checkpoint = try TorchCheckpoint.load(dir + "/straight/checkpoint.pt")
        let top = try #require(checkpoint.dictionary)
        #expect(top["epoch"]?.number == 3)
        let optimizer = try OptimizerStateDict(pickle: try #require(top["optimizer"]))
        #expect(optimizer.state.count == 8 && optimizer.state[0]?["exp_avg"] != nil)
        #expect(optimizer.paramGroups[0].options["lr"] == 2e-3 * 0.5, "StepLR halved the rate after epoch 2")
        #expect(top["rng"]?.dictionary?["loader"] != nil)
    }

    @Test func tensorboardLogsTheRun() throws {
        let dir = temporaryFolder("swifttorch-train")
        try run(["--epochs", "2", "--out", dir + "/out", "--model", "mlp", "--tensorboard", dir + "/tb"])
        let logs = files(in: dir + "/tb", containing: "tfevents")
        #expect(logs.count == 1)
        let events = try EventFile.read(logs[0])
        let tags = events.flatMap { $0.values.map { $0.tag } }
        #expect(tags.filter { $0 == "loss/train" }.count == 2 && tags.filter { $0 == "accuracy/test" }.count == 2)
        #expect(tags.contains("1.weight") && tags.filter { $0 == "loss/batch" }.count == 10, "300 images in batches of 64, 2 epochs")
        let hparams = try EventFile.read(try #require(files(in: dir + "/tb/hparams", containing: "tfevents").first))
        #expect(hparams.contains { $0.values.first?.tag == "_hparams_/session_start_info" })
    }

    @Test func resumeRefusesOtherSettings() throws {
        let dir = temporaryFolder("swifttorch-train")
        try run(["--epochs", "1", "--out", dir, "--model", "mlp"])
        #expect(throws: (any Error).self) { try run(["--epochs", "2", "--out", dir, "--model", "mlp", "--lr", "0.1", "--resume", dir + "/checkpoint.pt"]) }
        do {
            try run(["--epochs", "2", "--out", dir, "--model", "mlp", "--lr", "0.1", "--resume", dir + "/checkpoint.pt"])
        } catch {
            #expect("\(error)".contains("--lr 0.1 (checkpoint: 0.002)"), "\(error)")
        }
        #expect(throws: (any Error).self) { try run(["--epochs", "2", "--out", dir, "--resume", dir + "/missing.pt"]) }
    }

    @Test func deviceOptionIsChecked() throws {
        #expect(throws: (any Error).self) { try Train.parse(["--device", "tpu"]) }
        do {
            _ = try Train.parse(["--device", "gpu"])
        } catch {
            #expect(Train.message(for: error).contains("--device must be cpu, cuda or cuda:N (got gpu)"))
        }
    }

    /// `--device cuda` on the host-backed stand-in backend: the whole run (model, batches, optimizer, evaluation,
    /// checkpoint and safetensors writing) goes through the device path and learns what the CPU run learns.
    @Test func trainingOnADeviceMatchesTheCPU() throws {
        HostBackedDeviceBackend.install()
        DeviceFallbacks.warns = false
        let dir = temporaryFolder("swifttorch-train")
        let common = ["--model", "mlp", "--epochs", "2", "--optimizer", "sgd", "--lr", "0.05"]
        try run(common + ["--out", dir + "/cpu"])
        try run(common + ["--out", dir + "/dev", "--device", "cuda"])
        let a = try Safetensors.read(dir + "/cpu/model.safetensors")
        let b = try Safetensors.read(dir + "/dev/model.safetensors")
        #expect(a.tensors.count == 4 && b.tensors.count == 4)
        for ((ka, ta), (kb, tb)) in zip(a.tensors, b.tensors) {
            #expect(ka == kb && tb.device == .cpu)
            let diff = (ta - tb).abs().max().item()
            #expect(diff <= 1e-4, "\(ka): largest difference \(diff)")
        }
        _ = try TorchCheckpoint.load(dir + "/dev/checkpoint.pt")
    }
}
