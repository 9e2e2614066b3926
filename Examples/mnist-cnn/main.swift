// An MNIST-style CNN: convolutions with batch norm, augmentation in data-loader workers, AdamW with a one-cycle
// schedule stepped every batch, and an EMA of the weights evaluated next to the model.
//
//   swift run -c release mnist-cnn                      # built-in synthetic digits, no files needed
//   swift run -c release mnist-cnn --data ~/data/MNIST  # the IDX files (raw or .gz), MNIST or Fashion-MNIST
import ArgumentParser
import Torch

@main
struct MNISTCNN: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "mnist-cnn", abstract: "Train a small CNN on MNIST (or the built-in synthetic digits).")

    @Option(help: "Folder with the MNIST IDX files (synthetic digits when omitted).") var data: String?
    @Option(help: "Passes over the training set.") var epochs = 3
    @Option(name: .customLong("batch-size"), help: "Samples per batch.") var batchSize = 128
    @Option(name: .customLong("max-lr"), help: "Peak learning rate of the one-cycle schedule.") var maxLR = 4e-3
    @Option(help: "Data-loading threads.") var workers = 2
    @Option(help: "Random seed.") var seed: UInt64 = 0

    func run() throws {
        Torch.manualSeed(seed)
        let train: any Dataset, test: any Dataset
        if let data {
            train = try MNIST(root: data, train: true)
            test = try MNIST(root: data, train: false)
        } else {
            train = SyntheticDigits(count: 12_000, seed: seed &+ 1)
            test = SyntheticDigits(count: 2_000, seed: seed &+ 2)
        }
        try fit(train, test)
    }

    func makeNet() -> Sequential {
        Sequential {
            Conv2d(1, 16, kernelSize: 3, padding: 1)
            BatchNorm2d(16)
            ReLU()
            MaxPool2d(2)
            Conv2d(16, 32, kernelSize: 3, padding: 1)
            BatchNorm2d(32)
            ReLU()
            MaxPool2d(2)
            Flatten()
            Linear(32 * 7 * 7, 128)
            ReLU()
            Dropout(0.2)
            Linear(128, 10)
        }
    }

    func fit<Train: Dataset, Test: Dataset>(_ train: Train, _ test: Test) throws {
        let net = makeNet()
        let ema = AveragedModel(net, copy: makeNet(), averaging: .ema(decay: 0.99), useBuffers: true)
        // Shifts of up to two pixels, drawn per sample from the loader's seed: the same batches for any --workers.
        let augmented = TransformedDataset(train, transform: RandomCrop(size: (28, 28), padding: 2), generator: Generator(seed: seed &+ 5))
        let loader = DataLoader(augmented, batchSize: batchSize, shuffle: true, dropLast: true, numWorkers: workers,
                                generator: Generator(seed: seed &+ 3))
        let opt = AdamW(net.parameters(), lr: maxLR, weightDecay: 1e-4)
        let schedule = OneCycleLR(opt, maxLR: maxLR, totalSteps: epochs * loader.count)
        print(net.summary(input: Tensor.zeros([1, 1, 28, 28])))
        for epoch in 1...epochs {
            net.train()
            let start = now()
            var lossSum = 0.0, seen = 0
            var batches = loader.makeIterator()
            while let (x, y) = try batches.nextBatch() {
                opt.zeroGrad()
                let loss = F.crossEntropy(net(x), y)
                loss.backward()
                opt.step()
                schedule.step()
                ema.updateParameters(net)
                lossSum += loss.item() * Double(y.count)
                seen += y.count
            }
            let seconds = now() - start
            print("epoch \(epoch)/\(epochs)  loss \(format(lossSum / Double(seen)))  test accuracy \(format(100 * accuracy(net, test)))%  "
                  + "EMA \(format(100 * accuracy(ema, test)))%  \(Int(Double(seen) / seconds)) images/s")
        }
    }

    func accuracy<D: Dataset>(_ model: Module, _ data: D) -> Double {
        model.eval()
        defer { model.train() }
        var correct = 0
        noGrad {
            for (x, y) in DataLoader(data, batchSize: 500) { correct += Int(model(x).argmax(dim: 1).eq(y).sum().item()) }
        }
        return Double(correct) / Double(data.count)
    }

    /// `v` with two decimals.
    func format(_ v: Double) -> String {
        let n = Int((Swift.abs(v) * 100).rounded())
        return (v < 0 ? "-" : "") + "\(n / 100)." + (n % 100 < 10 ? "0" : "") + "\(n % 100)"
    }
}

#if canImport(Glibc)
import Glibc
#endif

/// Seconds on a monotonic clock.
func now() -> Double {
    var t = timespec()
    clock_gettime(CLOCK_MONOTONIC, &t)
    return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
}
