import TorchCore

/// What ``Module/loadStateDict(_:strict:)`` found (PyTorch's `_IncompatibleKeys`).
public struct IncompatibleKeys: Sendable, Equatable {
    /// Keys the module has but the state dict lacks.
    public var missingKeys: [String]
    /// Keys the state dict has but the module lacks.
    public var unexpectedKeys: [String]
}

/// Errors from loading a state dict.
public enum StateDictError: Error, CustomStringConvertible, Equatable {
    /// Keys were missing or unexpected with `strict: true`.
    case incompatibleKeys(IncompatibleKeys)
    /// A tensor's shape differs from the module's.
    case shapeMismatch(key: String, expected: [Int], got: [Int])

    /// A message in PyTorch's words.
    public var description: String {
        switch self {
        case .incompatibleKeys(let k):
            return "Error(s) in loading state_dict: missing keys \(k.missingKeys), unexpected keys \(k.unexpectedKeys)"
        case .shapeMismatch(let key, let expected, let got):
            return "Error(s) in loading state_dict: size mismatch for \(key): copying a param with shape \(got) from checkpoint, the shape in current model is \(expected)."
        }
    }
}

extension Module {
    /// Parameters and persistent buffers by dotted name, in registration order (`state_dict()`); the tensors
    /// are detached and share memory with the module.
    public func stateDict() -> [(key: String, value: Tensor)] {
        var out: [(key: String, value: Tensor)] = []
        func walk(_ module: Module, _ prefix: String) {
            for member in module.members() {
                switch member {
                case .parameter(let n, let p): out.append((prefix + n, p.wrappedValue.detach()))
                case .buffer(let n, let b) where b.persistent: out.append((prefix + n, b.wrappedValue.detach()))
                case .child(let n, let c): walk(c, prefix + n + ".")
                default: break
                }
            }
        }
        walk(self, "")
        return out
    }

    /// Copies values from `stateDict` into the module's parameters and buffers (`load_state_dict`).
    ///
    /// - Parameters:
    ///   - stateDict: tensors by dotted name.
    ///   - strict: throw when keys are missing or unexpected.
    /// - Returns: the missing and unexpected keys.
    /// - Throws: ``StateDictError`` on a shape mismatch, or on incompatible keys when `strict`.
    @discardableResult
    public func loadStateDict(_ stateDict: [String: Tensor], strict: Bool = true) throws -> IncompatibleKeys {
        var targets: [String: Tensor] = [:]
        var order: [String] = []
        for (k, p) in namedParameterBoxes() { targets[k] = p.wrappedValue; order.append(k) }
        for (k, b) in namedBufferBoxes() where b.persistent { targets[k] = b.wrappedValue; order.append(k) }
        let keys = IncompatibleKeys(missingKeys: order.filter { stateDict[$0] == nil },
                                    unexpectedKeys: stateDict.keys.filter { targets[$0] == nil }.sorted())
        if strict && (!keys.missingKeys.isEmpty || !keys.unexpectedKeys.isEmpty) {
            throw StateDictError.incompatibleKeys(keys)
        }
        for k in order {
            guard let src = stateDict[k], let dst = targets[k] else { continue }
            guard src.shape == dst.shape else { throw StateDictError.shapeMismatch(key: k, expected: dst.shape, got: src.shape) }
        }
        noGrad {
            for k in order {
                if let src = stateDict[k], let dst = targets[k] { dst.copy_(src) }
            }
        }
        return keys
    }
}
