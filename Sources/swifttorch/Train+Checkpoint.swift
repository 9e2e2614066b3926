import ArgumentParser
import Torch

/// What `swifttorch train` saves after every epoch, as a `torch.save` archive that `torch.load(weights_only=True)`
/// reads: `{"model": state_dict, "optimizer": optimizer.state_dict(), "scheduler": scheduler state or None,
/// "epoch": n, "rng": {"default": …, "loader": …}, "config": {...}, "train_loss": …, "test_accuracy": …}`.
struct TrainingCheckpoint {
    /// The settings a resumed run must share with the saved one.
    static let configKeys = ["dataset", "data", "image_shape", "label_column", "test_fraction", "model", "batch_size", "lr",
                             "optimizer", "seed", "train_size", "test_size", "scheduler", "epochs"]
    var config: [String: PickleValue]
    var epoch: Int
    var model: [(String, Tensor)]
    var optimizer: PickleValue
    var scheduler: PickleValue
    var rng: [String: Tensor]
    var trainLoss: Double
    var testAccuracy: Double

    static func config(of train: Train) -> [String: PickleValue] {
        [
            "dataset": .string(train.dataset), "data": train.data.map { .string($0) } ?? .none,
            "image_shape": train.imageShape.map { .string($0) } ?? .none, "label_column": .int(Int64(train.labelColumn)),
            "test_fraction": .float(train.testFraction), "model": .string(train.model), "batch_size": .int(Int64(train.batchSize)),
            "lr": .float(train.lr), "optimizer": .string(train.optimizer), "seed": .int(Int64(bitPattern: train.seed)),
            "train_size": .int(Int64(train.trainSize)), "test_size": .int(Int64(train.testSize)),
            "scheduler": .string(train.scheduler), "epochs": .int(Int64(train.epochs)),
        ]
    }

    /// Writes the checkpoint atomically.
    func save(to path: String) throws {
        let configItems = Self.configKeys.map { (PickleValue.string($0), config[$0] ?? .none) }
        let value = PickleValue.dict([
            (.string("model"), .dict(model.map { (.string($0.0), .tensor($0.1)) })),
            (.string("optimizer"), optimizer),
            (.string("scheduler"), scheduler),
            (.string("epoch"), .int(Int64(epoch))),
            (.string("rng"), .dict(rng.sorted { $0.key < $1.key }.map { (.string($0.key), .tensor($0.value)) })),
            (.string("config"), .dict(configItems)),
            (.string("train_loss"), .float(trainLoss)),
            (.string("test_accuracy"), .float(testAccuracy)),
        ])
        try TorchCheckpoint.save(value, to: path)
    }

    /// Reads a checkpoint written by ``save(to:)``.
    static func load(_ path: String) throws -> TrainingCheckpoint {
        let value: PickleValue
        do {
            value = try TorchCheckpoint.load(path)
        } catch {
            throw ValidationError("--resume: \(error)")
        }
        func fail(_ what: String) -> ValidationError { ValidationError("--resume: \(path) is not a swifttorch training checkpoint (\(what))") }
        guard let top = value.dictionary else { throw fail("not a dict") }
        guard let config = top["config"]?.dictionary else { throw fail("no 'config'") }
        guard case .int(let epoch)? = top["epoch"] else { throw fail("no 'epoch'") }
        guard case .dict(let modelItems)? = top["model"] else { throw fail("no 'model' state dict") }
        guard let rngItems = top["rng"]?.dictionary else { throw fail("no 'rng'") }
        var rng: [String: Tensor] = [:]
        for (k, v) in rngItems {
            guard case .tensor(let t) = v else { throw fail("rng.\(k) is not a tensor") }
            rng[k] = t
        }
        let model = modelItems.compactMap { item -> (String, Tensor)? in
            if case .string(let k) = item.0, case .tensor(let t) = item.1 { return (k, t) } else { return nil }
        }
        guard let optimizer = top["optimizer"], let loss = top["train_loss"]?.number, let accuracy = top["test_accuracy"]?.number else {
            throw fail("no 'optimizer', 'train_loss' or 'test_accuracy'")
        }
        return TrainingCheckpoint(config: config, epoch: Int(epoch), model: model, optimizer: optimizer, scheduler: top["scheduler"] ?? .none,
                                  rng: rng, trainLoss: loss, testAccuracy: accuracy)
    }

    /// Refuses to resume with settings that would give a different run (the total epochs may grow, unless a
    /// schedule depends on them).
    func check(against train: Train) throws {
        let now = Self.config(of: train)
        var differences: [String] = []
        for key in Self.configKeys where key != "epochs" || train.scheduler == "cosine" {
            let a = config[key]?.description ?? "None", b = now[key]?.description ?? "None"
            if a != b { differences.append("--\(key.replacingUnderscores) \(b) (checkpoint: \(a))") }
        }
        guard differences.isEmpty else {
            throw ValidationError("--resume: the checkpoint was written with other settings: \(differences.joined(separator: ", "))")
        }
    }

    /// Loads the model, optimizer, scheduler and generators.
    func restore(model net: Module, optimizer opt: Optimizer, scheduler: LRScheduler?, loaderGenerator: Generator, path: String) throws {
        do {
            _ = try net.loadStateDict(Dictionary(model, uniquingKeysWith: { a, _ in a }))
            let state = try OptimizerStateDict(pickle: optimizer)
            guard state.paramGroups.count == opt.paramGroups.count,
                  zip(state.paramGroups, opt.paramGroups).allSatisfy({ $0.params.count == $1.params.count }) else {
                throw ValidationError("--resume: \(path): its optimizer state does not fit this model's parameters")
            }
            opt.loadStateDict(state)
            if let scheduler {
                scheduler.loadStateDict(try LRSchedulerState(pickle: self.scheduler))
            }
            guard let d = rng["default"], let l = rng["loader"], d.dtype == .uint8, d.count == 40, l.dtype == .uint8, l.count == 40 else {
                throw ValidationError("--resume: \(path): its RNG states are not 40-byte generator states")
            }
            Generator.default.setState(d)
            loaderGenerator.setState(l)
        } catch let error as ValidationError {
            throw error
        } catch {
            throw ValidationError("--resume: \(path): \(error)")
        }
    }
}

extension String {
    var replacingUnderscores: String { String(map { $0 == "_" ? "-" : $0 }) }
}

// In an extension, so the struct keeps its memberwise initializer (used by `load`).
extension TrainingCheckpoint {
    /// The state of a run after `epoch` epochs.
    init(of train: Train, epoch: Int, model: Module, optimizer: Optimizer, scheduler: LRScheduler?, loaderGenerator: Generator,
         trainLoss: Double, testAccuracy: Double) {
        config = Self.config(of: train)
        self.epoch = epoch
        self.model = model.stateDict().map { ($0.key, $0.value) }
        self.optimizer = optimizer.stateDict().pickleValue
        self.scheduler = scheduler?.stateDict().pickleValue ?? .none
        rng = ["default": Generator.default.getState(), "loader": loaderGenerator.getState()]
        self.trainLoss = trainLoss
        self.testAccuracy = testAccuracy
    }
}
