import ArgumentParser
import Torch

/// `swifttorch train`: trains a model on the built-in synthetic digits and reports held-out accuracy.
struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Train a small CNN (or MLP) on the built-in synthetic digits or on a CSV table of images.")
    /// The names `--optimizer` accepts.
    static let optimizers = ["adam", "adamw", "sgd", "rmsprop", "adagrad", "adadelta", "adamax", "nadam", "radam", "lion"]

    @Option(help: "Data set: synthetic (built in), mnist (--data DIR with the IDX files, raw or .gz; Fashion-MNIST too) or csv (--data FILE, label in --label-column).") var dataset = "synthetic"
    @Option(help: "The CSV/TSV file (optionally .gz) for --dataset csv.") var data: String?
    @Option(name: .customLong("image-shape"), help: "CxHxW of the CSV features, e.g. 1x8x8 (flat features when omitted).") var imageShape: String?
    @Option(name: .customLong("label-column"), help: "The CSV label column (negative counts from the end).") var labelColumn = -1
    @Option(name: .customLong("test-fraction"), help: "Held-out share of a CSV data set.") var testFraction = 0.2
    @Option(help: "Model: cnn or mlp.") var model = "cnn"
    @Option(help: "Passes over the training set.") var epochs = 4
    @Option(name: .customLong("batch-size"), help: "Samples per batch.") var batchSize = 64
    @Option(help: "Learning rate.") var lr = 2e-3
    @Option(help: "Optimizer: adam, adamw, sgd (momentum 0.9), rmsprop, adagrad, adadelta, adamax, nadam, radam or lion.") var optimizer = "adam"
    @Option(help: "Random seed (data, initialisation, shuffling).") var seed: UInt64 = 0
    @Option(help: "Intra-op threads (default: all cores).") var threads: Int?
    @Option(name: .customLong("train-size"), help: "Training images.") var trainSize = 20000
    @Option(name: .customLong("test-size"), help: "Held-out images.") var testSize = 2000
    @Option(help: "Learning-rate schedule, stepped every epoch: none, cosine (to 0 over --epochs) or step (×0.5 every 2 epochs).") var scheduler = "none"
    @Option(help: "Data-loading threads (0: load on the training thread).") var workers = 0
    @Option(help: "Folder for checkpoint.pt (after every epoch: model, optimizer, scheduler, epoch, RNG states; torch.load reads it) and the final model.safetensors, all written atomically.") var out = "runs/train"
    @Option(help: "Continue from a checkpoint.pt written by an earlier run with the same settings; the result is the same as an uninterrupted run.") var resume: String?
    @Option(help: "TensorBoard log folder: per-batch loss, per-epoch loss, accuracy, learning rate and weight histograms, and the run's hyperparameters.") var tensorboard: String?
    @Option(help: "Where to train: cpu, cuda or cuda:N (a CUDA device needs the driver; see `swifttorch doctor`).") var device = "cpu"
    @Flag(help: "Print one final JSON object instead of the report.") var json = false

    func validate() throws {
        guard ["synthetic", "csv", "mnist"].contains(dataset) else { throw ValidationError("--dataset must be synthetic, mnist or csv (got \(dataset))") }
        if dataset == "mnist" && data == nil { throw ValidationError("--dataset mnist needs --data DIR (the folder with the IDX files)") }
        if dataset == "csv" && data == nil { throw ValidationError("--dataset csv needs --data FILE") }
        if dataset == "csv" && model == "cnn" && imageShape == nil { throw ValidationError("--model cnn on a CSV needs --image-shape CxHxW") }
        if let imageShape, parseShape(imageShape) == nil { throw ValidationError("--image-shape must look like 1x8x8 (got \(imageShape))") }
        guard testFraction > 0 && testFraction < 1 else { throw ValidationError("--test-fraction must be in (0, 1)") }
        guard ["cnn", "mlp"].contains(model) else { throw ValidationError("--model must be cnn or mlp (got \(model))") }
        guard Self.optimizers.contains(optimizer) else {
            throw ValidationError("--optimizer must be one of \(Self.optimizers.joined(separator: ", ")) (got \(optimizer))")
        }
        guard epochs >= 1, batchSize >= 1, trainSize >= 10, testSize >= 10 else {
            throw ValidationError("--epochs, --batch-size must be positive and the data sets at least 10 images")
        }
        guard ["none", "cosine", "step"].contains(scheduler) else { throw ValidationError("--scheduler must be none, cosine or step (got \(scheduler))") }
        guard workers >= 0 else { throw ValidationError("--workers must be 0 or more (got \(workers))") }
        _ = try targetDevice()
    }

    /// The device named by `--device`, checked: a CUDA device must exist.
    func targetDevice() throws -> Device {
        guard let d = parseDevice(device) else { throw ValidationError("--device must be cpu, cuda or cuda:N (got \(device))") }
        if case .cuda(let i) = d {
            if CUDA.isAvailable {
                guard i < CUDA.deviceCount else { throw ValidationError("--device \(device): the driver reports \(CUDA.deviceCount) device(s)") }
            } else if DeviceBackends.backend(for: d) == nil {
                throw ValidationError("--device \(device): CUDA is not available: \(CUDA.unavailableReason ?? "unknown reason")")
            }
        }
        return d
    }

    func run() throws {
        if let threads { Torch.setNumThreads(threads) }
        Torch.manualSeed(seed)
        let start = now()
        if dataset == "csv" {
            let table: CSVDataset
            do {
                table = try CSVDataset(path: data!, labelColumn: labelColumn, featureShape: imageShape.flatMap(parseShape))
            } catch {
                throw ValidationError("\(error)")
            }
            let testCount = Swift.max(1, Int(Double(table.count) * testFraction))
            let parts = randomSplit(table, lengths: [table.count - testCount, testCount], generator: Generator(seed: seed &+ 4))
            let sampleShape = Array(table.inputs.shape.dropFirst())
            let net = model == "cnn" ? Self.adaptiveCNN(sampleShape, classes: table.classCount)
                                     : Self.mlp(inputs: sampleShape.reduce(1, *), classes: table.classCount)
            try fit(net, train: parts[0], test: parts[1], name: "\(data!) (\(table.count) rows, \(table.classCount) classes)", start: start)
            return
        }
        if dataset == "mnist" {
            let train: MNIST, test: MNIST
            do {
                train = try MNIST(root: data!, train: true)
                test = try MNIST(root: data!, train: false)
            } catch {
                throw ValidationError("\(error)")
            }
            let classes = Int(train.labels.amax().item()) + 1
            let shape = Array(train.inputs.shape.dropFirst())
            let net = model == "cnn" ? Self.adaptiveCNN(shape, classes: Swift.max(classes, 10))
                                     : Self.mlp(inputs: shape.reduce(1, *), classes: Swift.max(classes, 10))
            try fit(net, train: train, test: test, name: "\(data!) (\(train.count) training, \(test.count) test images)", start: start)
            return
        }
        let train = SyntheticDigits(count: trainSize, seed: seed &+ 1)
        let test = SyntheticDigits(count: testSize, seed: seed &+ 2)
        let net = model == "cnn" ? Self.cnn() : Self.mlp(inputs: 28 * 28, classes: 10)
        try fit(net, train: train, test: test, name: "\(trainSize) synthetic digits", start: start)
    }

    /// The optimizer named by `--optimizer`.
    func makeOptimizer(_ params: [Tensor]) -> Optimizer {
        switch optimizer {
        case "sgd": return SGD(params, lr: lr, momentum: 0.9)
        case "adamw": return AdamW(params, lr: lr)
        case "rmsprop": return RMSprop(params, lr: lr)
        case "adagrad": return Adagrad(params, lr: lr)
        case "adadelta": return Adadelta(params, lr: lr)
        case "adamax": return Adamax(params, lr: lr)
        case "nadam": return NAdam(params, lr: lr)
        case "radam": return RAdam(params, lr: lr)
        case "lion": return Lion(params, lr: lr)
        default: return Adam(params, lr: lr)
        }
    }

    /// The scheduler named by `--scheduler`.
    func makeScheduler(_ opt: Optimizer) -> LRScheduler? {
        switch scheduler {
        case "cosine": return CosineAnnealingLR(opt, tMax: epochs)
        case "step": return StepLR(opt, stepSize: 2, gamma: 0.5)
        default: return nil
        }
    }

    /// Trains `net` and reports (or prints JSON), writing a checkpoint after every epoch.
    func fit<Train: Dataset, Test: Dataset>(_ net: Module, train: Train, test: Test, name: String, start: Double) throws {
        let dev = try targetDevice()
        net.to(device: dev)
        let opt = makeOptimizer(net.parameters())
        let schedule = makeScheduler(opt)
        let loaderGenerator = Generator(seed: seed &+ 3)
        let loader = DataLoader(train, batchSize: batchSize, shuffle: true, numWorkers: workers, generator: loaderGenerator)
        var firstEpoch = 1
        var lastLoss = 0.0
        var testAccuracy = 0.0
        if let resume {
            let saved = try TrainingCheckpoint.load(resume)
            try saved.check(against: self)
            try saved.restore(model: net, optimizer: opt, scheduler: schedule, loaderGenerator: loaderGenerator, path: resume)
            firstEpoch = saved.epoch + 1
            (lastLoss, testAccuracy) = (saved.trainLoss, saved.testAccuracy)
            if !json { print("resuming from \(resume) after epoch \(saved.epoch)") }
        }
        try makeDirectories(out)
        let folder = out.hasSuffix("/") ? out : out + "/"
        if !json {
            print("training \(model) (\(net.parameterCount) parameters) on \(name), \(epochs) epochs, batch \(batchSize), \(optimizer) lr \(lr), \(dev == .cpu ? "\(Torch.numThreads) threads" : "on \(dev)")")
        }
        var progress = Progress(epochs: epochs)
        let board = try tensorboard.map { try SummaryWriter(logDir: $0) }
        for epoch in firstEpoch..<Swift.max(firstEpoch, epochs + 1) {
            net.train()
            let epochStart = now()
            var lossSum = 0.0, correct = 0, seen = 0, batches = 0
            var batchIterator = loader.makeIterator()
            while let (hostX, hostY) = try nextBatch(&batchIterator) {
                let x = hostX.to(dev), y = hostY.to(dev)
                opt.zeroGrad()
                let logits = net(x)
                let loss = F.crossEntropy(logits, y)
                loss.backward()
                opt.step()
                let lossValue = loss.item()
                lossSum += lossValue * Double(y.count)
                correct += Int(logits.detach().argmax(dim: 1).eq(y).sum().item())
                seen += y.count
                batches += 1
                try board?.addScalar("loss/batch", lossValue, globalStep: (epoch - 1) * loader.count + batches)
                if !json {
                    progress.update(epoch: epoch, batch: batches, of: loader.count, loss: lossSum / Double(seen),
                                    accuracy: Double(correct) / Double(seen), samples: seen, since: epochStart)
                }
            }
            let rate = opt.paramGroups[0]["lr"]
            schedule?.step()
            lastLoss = lossSum / Double(seen)
            testAccuracy = Self.accuracy(net, test, batchSize: 256, device: dev)
            if let board {
                try board.addScalar("loss/train", lastLoss, globalStep: epoch)
                try board.addScalar("accuracy/train", Double(correct) / Double(seen), globalStep: epoch)
                try board.addScalar("accuracy/test", testAccuracy, globalStep: epoch)
                try board.addScalar("lr", rate, globalStep: epoch)
                for (name, p) in net.namedParameters() { try board.addHistogram(name, p, globalStep: epoch) }
            }
            let seconds = now() - epochStart
            try TrainingCheckpoint(of: self, epoch: epoch, model: net, optimizer: opt, scheduler: schedule, loaderGenerator: loaderGenerator,
                                   trainLoss: lastLoss, testAccuracy: testAccuracy).save(to: folder + "checkpoint.pt")
            if !json {
                progress.finishLine()
                print("epoch \(epoch)/\(epochs)  train loss \(fmt(lastLoss))  train acc \(fmt(100 * Double(correct) / Double(seen), 1))%  test acc \(fmt(100 * testAccuracy, 1))%  \(Int(Double(seen) / seconds)) samples/s  \(fmt(seconds, 1)) s")
            }
        }
        if let board {
            try board.addHparams(["model": .string(model), "optimizer": .string(optimizer), "lr": .number(lr), "batch_size": .number(Double(batchSize)),
                                  "epochs": .number(Double(epochs)), "scheduler": .string(scheduler), "seed": .number(Double(seed))],
                                 metrics: ["hparam/test_accuracy": testAccuracy, "hparam/train_loss": lastLoss], runName: "hparams")
            try board.close()
            if !json { print("TensorBoard logs in \(board.logDir) (tensorboard --logdir \(board.logDir))") }
        }
        let path = folder + "model.safetensors"
        try Safetensors.write(net.stateDict().map { ($0.key, $0.value) },
                              metadata: ["format": "pt", "model": model, "epochs": String(epochs)], to: path)
        if !json { print("saved \(folder)checkpoint.pt and \(path)") }
        let total = now() - start
        if json {
            print("{\"train_loss\": \(lastLoss), \"test_accuracy\": \(testAccuracy), \"epochs\": \(epochs), \"seconds\": \(total)}")
        } else {
            print("done in \(fmt(total, 1)) s: test accuracy \(fmt(100 * testAccuracy, 2))%")
        }
    }

    /// The next training batch; a sample that fails to load ends the run with its message.
    func nextBatch<D: Dataset>(_ iterator: inout DataLoader<D>.Iterator) throws -> (Tensor, Tensor)? {
        do {
            return try iterator.nextBatch().map { ($0.input, $0.target) }
        } catch {
            throw ValidationError("\(error)")
        }
    }

    /// LeNet-style: conv 5×5 (8) → pool → conv 5×5 (16) → pool → 64 → 10.
    static func cnn() -> Module {
        Sequential {
            Conv2d(1, 8, kernelSize: 5)
            ReLU()
            MaxPool2d(2)
            Conv2d(8, 16, kernelSize: 5)
            ReLU()
            MaxPool2d(2)
            Flatten()
            Linear(16 * 4 * 4, 64)
            ReLU()
            Linear(64, 10)
        }
    }

    /// inputs → 128 → classes.
    static func mlp(inputs: Int, classes: Int) -> Module {
        Sequential {
            Flatten()
            Linear(inputs, 128)
            ReLU()
            Linear(128, classes)
        }
    }

    /// For small C×H×W images: two 3×3 convolutions (16 and 32 channels, padding 1) each followed by ReLU and
    /// 2×2 max pooling, then 64 hidden units with dropout.
    static func adaptiveCNN(_ shape: [Int], classes: Int) -> Module {
        let (c, h, w) = (shape[0], shape[1], shape[2])
        let flat = 32 * (h / 4) * (w / 4)
        return Sequential {
            Conv2d(c, 16, kernelSize: 3, padding: 1)
            ReLU()
            MaxPool2d(2)
            Conv2d(16, 32, kernelSize: 3, padding: 1)
            ReLU()
            MaxPool2d(2)
            Flatten()
            Linear(flat, 64)
            ReLU()
            Dropout(0.25)
            Linear(64, classes)
        }
    }

    func parseShape(_ s: String) -> [Int]? {
        let parts = s.split(separator: "x").compactMap { Int($0) }
        guard parts.count == 3, parts.allSatisfy({ $0 > 0 }), parts[1] >= 4, parts[2] >= 4 else { return nil }
        return parts
    }

    /// Fraction of correctly classified samples.
    static func accuracy<D: Dataset>(_ net: Module, _ data: D, batchSize: Int, device: Device = .cpu) -> Double {
        net.eval()
        defer { net.train() }
        var correct = 0
        noGrad {
            for (x, y) in DataLoader(data, batchSize: batchSize) {
                correct += Int(net(x.to(device)).argmax(dim: 1).eq(y.to(device)).sum().item())
            }
        }
        return Double(correct) / Double(data.count)
    }

    func fmt(_ v: Double, _ digits: Int = 4) -> String { ElementFormatting.fixed(v, digits) }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Training progress: a bar redrawn in place on a terminal, a plain line every quarter epoch otherwise.
struct Progress {
    let epochs: Int
    let interactive = isatty(1) != 0
    var lastDraw = 0.0
    var drawn = false

    init(epochs: Int) { self.epochs = epochs }

    mutating func update(epoch: Int, batch: Int, of total: Int, loss: Double, accuracy: Double, samples: Int, since start: Double) {
        let elapsed = now() - start
        let rate = Double(samples) / Swift.max(elapsed, 1e-9)
        let remainingBatches = Double(total - batch) + Double(epochs - epoch) * Double(total)
        let eta = elapsed / Double(batch) * remainingBatches
        let text = "epoch \(epoch)/\(epochs) batch \(batch)/\(total)  loss \(ElementFormatting.fixed(loss))  acc \(ElementFormatting.fixed(100 * accuracy, 1))%  \(Int(rate)) samples/s  ETA \(ElementFormatting.fixed(eta, 1)) s"
        if interactive {
            guard now() - lastDraw > 0.1 || batch == total else { return }
            lastDraw = now()
            let width = 20
            let filled = width * batch / Swift.max(total, 1)
            let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
            printRaw("\r[\(bar)] \(text)\u{1B}[K")
            drawn = true
        } else if batch % Swift.max(1, total / 4) == 0 && batch < total {
            print("  " + text)
        }
    }

    /// Ends a redrawn line before a summary line.
    mutating func finishLine() {
        if drawn { printRaw("\r\u{1B}[K") }
        drawn = false
    }

    func printRaw(_ s: String) {
        let bytes = Array(s.utf8)
        _ = bytes.withUnsafeBytes { write(1, $0.baseAddress, $0.count) }
    }
}

/// `cpu`, `cuda` (device 0) or `cuda:N` as a device; nil otherwise.
/// - Parameter text: the spelling.
func parseDevice(_ text: String) -> Device? {
    if text == "cpu" { return .cpu }
    if text == "cuda" { return .cuda(0) }
    if text.hasPrefix("cuda:"), let i = Int(text.dropFirst(5)), i >= 0 { return .cuda(i) }
    return nil
}
