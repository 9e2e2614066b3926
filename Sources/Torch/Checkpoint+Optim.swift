// Optimizer and scheduler states as the objects `torch.save` writes, so a training checkpoint moves between
// SwiftTorch and PyTorch (`torch.load(...)["optimizer"]` goes to `optimizer.load_state_dict`).

/// Hyperparameters PyTorch keeps as booleans or integers (the rest are floats).
private let booleanOptions: Set<String> = ["amsgrad", "nesterov", "maximize", "centered", "decoupled_weight_decay",
                                           "foreach", "capturable", "differentiable", "fused"]
private let integerOptions: Set<String> = ["max_iter", "max_eval", "history_size"]

extension OptimizerStateDict {
    /// PyTorch's layout: `{"state": {index: {name: tensor}}, "param_groups": [{"lr": …, "betas": (β1, β2), …,
    /// "params": [indices]}]}`, with `beta1`/`beta2` joined into `betas` and flags as booleans.
    public var pickleValue: PickleValue {
        let entries = state.keys.sorted().map { i -> (PickleValue, PickleValue) in
            (.int(Int64(i)), .dict(state[i]!.sorted { $0.key < $1.key }.map { (.string($0.key), .tensor($0.value)) }))
        }
        let groups = paramGroups.map { group -> PickleValue in
            var items: [(PickleValue, PickleValue)] = []
            var options = group.options
            if let b1 = options.removeValue(forKey: "beta1"), let b2 = options.removeValue(forKey: "beta2") {
                items.append((.string("betas"), .tuple([.float(b1), .float(b2)])))
            }
            for (key, v) in options.sorted(by: { $0.key < $1.key }) {
                let value: PickleValue = booleanOptions.contains(key) ? .bool(v != 0)
                    : integerOptions.contains(key) && v == v.rounded() ? .int(Int64(v)) : .float(v)
                items.append((.string(key), value))
            }
            items.append((.string("params"), .list(group.params.map { .int(Int64($0)) })))
            return .dict(items)
        }
        return .dict([(.string("state"), .dict(entries)), (.string("param_groups"), .list(groups))])
    }

    /// Reads PyTorch's layout (``pickleValue``, or what `optimizer.state_dict()` saved): numbers and booleans
    /// become options, `betas` becomes `beta1`/`beta2`; other values (`None`, strings) are skipped.
    /// - Parameter value: the object.
    /// - Throws: ``CheckpointFormatError`` naming the part that is not an optimizer state.
    public init(pickle value: PickleValue) throws {
        guard let top = value.dictionary, let state = top["state"]?.dictionary,
              let groups = top["param_groups"]?.listItems else {
            throw CheckpointFormatError("an optimizer state needs a dict with 'state' and 'param_groups'")
        }
        self.init(state: [:], paramGroups: [])
        for (k, v) in state {
            guard let index = Int(k), let entries = v.dictionary else { throw CheckpointFormatError("optimizer state entry '\(k)' is not {name: tensor}") }
            var tensors: [String: Tensor] = [:]
            for (name, item) in entries {
                switch item {
                case .tensor(let t): tensors[name] = t
                case .float(let d): tensors[name] = Tensor(scalar: d)
                case .int(let i): tensors[name] = Tensor(scalar: i)
                default: throw CheckpointFormatError("optimizer state '\(k).\(name)' is \(item), not a tensor or number")
                }
            }
            self.state[index] = tensors
        }
        for (g, group) in groups.enumerated() {
            guard let entries = group.dictionary, let params = entries["params"]?.listItems else {
                throw CheckpointFormatError("param_groups[\(g)] has no 'params' list")
            }
            var options: [String: Double] = [:]
            for (key, item) in entries where key != "params" {
                switch item {
                case .float(let d): options[key] = d
                case .int(let i): options[key] = Double(i)
                case .bool(let b): options[key] = b ? 1 : 0
                case .tuple(let pair) where key == "betas" && pair.count == 2:
                    guard let b1 = pair[0].number, let b2 = pair[1].number else { throw CheckpointFormatError("param_groups[\(g)].betas is not two numbers") }
                    options["beta1"] = b1
                    options["beta2"] = b2
                default: continue
                }
            }
            let indices = try params.map { item -> Int in
                guard case .int(let i) = item else { throw CheckpointFormatError("param_groups[\(g)].params holds \(item), not an index") }
                return Int(i)
            }
            paramGroups.append((options, indices))
        }
    }
}

extension LRSchedulerState {
    /// PyTorch's keys: `{"last_epoch": n, "base_lrs": [...]}`.
    public var pickleValue: PickleValue {
        .dict([(.string("last_epoch"), .int(Int64(lastEpoch))), (.string("base_lrs"), .list(baseLRs.map { .float($0) }))])
    }

    /// Reads `last_epoch` and `base_lrs` (other keys of PyTorch's scheduler state are ignored).
    /// - Parameter value: the object.
    /// - Throws: ``CheckpointFormatError`` when either is missing.
    public init(pickle value: PickleValue) throws {
        guard let d = value.dictionary, case .int(let e)? = d["last_epoch"], let lrs = d["base_lrs"]?.listItems,
              lrs.allSatisfy({ $0.number != nil }) else {
            throw CheckpointFormatError("a scheduler state needs 'last_epoch' and a list 'base_lrs' of numbers")
        }
        let base = lrs.map { $0.number! }
        self.init(lastEpoch: Int(e), baseLRs: base)
    }
}

/// A checkpoint object that does not have the expected structure.
public struct CheckpointFormatError: Error, CustomStringConvertible {
    /// What is wrong.
    public let description: String
    init(_ description: String) { self.description = description }
}

extension PickleValue {
    /// The entries of a dict with string or integer keys, by their text; nil for other values.
    public var dictionary: [String: PickleValue]? {
        guard case .dict(let items) = self else { return nil }
        var out: [String: PickleValue] = [:]
        for (k, v) in items {
            switch k {
            case .string(let s): out[s] = v
            case .int(let i): out[String(i)] = v
            default: return nil
            }
        }
        return out
    }

    /// The items of a list or tuple; nil for other values.
    public var listItems: [PickleValue]? {
        switch self {
        case .list(let l), .tuple(let l): return l
        default: return nil
        }
    }

    /// A float, integer or boolean as a `Double`; nil for other values.
    public var number: Double? {
        switch self {
        case .float(let d): return d
        case .int(let i): return Double(i)
        case .bool(let b): return b ? 1 : 0
        default: return nil
        }
    }
}

extension Module {
    /// Loads parameters and buffers from a checkpoint file, whatever its format (`.pt`/`.pth`/`.bin`,
    /// `.safetensors`, `.npz`), matching PyTorch's key names (`features.0.weight`).
    /// - Parameters:
    ///   - path: the file.
    ///   - strict: require exactly this module's keys.
    /// - Returns: the missing and unexpected keys (empty when `strict`).
    /// - Throws: the reader's error for a corrupt or unsafe file, or the key and shape mismatches.
    @discardableResult
    public func loadStateDict(from path: String, strict: Bool = true) throws -> IncompatibleKeys {
        try loadStateDict(Dictionary(try Torch.load(from: path), uniquingKeysWith: { first, _ in first }), strict: strict)
    }
}
