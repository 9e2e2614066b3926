import Foundation
import Testing
import Torch
import _TestSupport

/// PyTorch `.pt` files written by real `torch.save` (`../shared/fixtures/pytorch/`), decoded with the allowlist
/// unpickler and compared with the fixtures' full descriptions.
@Suite struct TorchCheckpointTests {
    static let folder = sharedFolder() + "/fixtures/pytorch"

    func expected(_ name: String) throws -> Any {
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: Self.folder + "/expected/\(name).json"))) as! [String: Any]
        return json["value"]!
    }

    func number(_ v: Any) -> Double {
        if let s = v as? String { return s == "nan" ? .nan : (s == "inf" ? .infinity : -.infinity) }
        if let b = v as? Bool { return b ? 1 : 0 }
        return (v as! NSNumber).doubleValue
    }

    /// A description of the first difference between a decoded value and its expected description, or nil.
    func mismatch(_ ours: PickleValue, _ expected: Any, at path: String) -> String? {
        let e = expected as! [String: Any]
        let type = e["type"] as! String
        switch (type, ours) {
        case ("int", .int(let v)): return (e["value"] as! NSNumber).int64Value == v ? nil : "\(path): \(v)"
        case ("float", .float(let v)):
            let w = number(e["value"]!)
            return v == w || (v.isNaN && w.isNaN) ? nil : "\(path): \(v) vs \(w)"
        case ("str", .string(let s)): return s == (e["value"] as! String) ? nil : "\(path): '\(s)'"
        case ("bool", .bool(let b)): return b == (e["value"] as! Bool) ? nil : "\(path): \(b)"
        case ("none", .none): return nil
        case ("bytes", .bytes(let b)):
            let hex = b.map { String(format: "%02x", $0) }.joined()
            return hex == (e["hex"] as! String) ? nil : "\(path): \(hex)"
        case ("list", .list(let items)), ("tuple", .tuple(let items)):
            let want = e["items"] as! [Any]
            guard items.count == want.count else { return "\(path): \(items.count) items, expected \(want.count)" }
            for (i, (a, b)) in zip(items, want).enumerated() { if let m = mismatch(a, b, at: "\(path)[\(i)]") { return m } }
            return nil
        case ("dict", .dict(let items)):
            let want = e["items"] as! [[Any]]
            guard items.count == want.count else { return "\(path): \(items.count) keys, expected \(want.count)" }
            for ((k, v), pair) in zip(items, want) {
                let key: PickleValue = pair[0] is String ? .string(pair[0] as! String) : k
                if pair[0] is String, case .string(let ks) = k, ks != pair[0] as! String { return "\(path): key \(ks) vs \(pair[0])" }
                if !(pair[0] is String), let m = mismatch(k, pair[0], at: "\(path).key") { return m }
                if let m = mismatch(v, pair[1], at: "\(path)[\(key)]") { return m }
            }
            return nil
        case ("tensor", .unsupportedTensor(let dtype)):
            let d = e["dtype"] as! String
            return ["uint16", "complex64"].contains(d) ? nil : "\(path): unexpectedly unsupported \(dtype)"
        case ("tensor", .tensor(let t)):
            guard t.dtype.rawValue == (e["dtype"] as! String), t.shape == (e["shape"] as! [Int]) else {
                return "\(path): \(t.dtype) \(t.shape) vs \(e["dtype"]!) \(e["shape"]!)"
            }
            guard t.strides == (e["stride"] as! [Int]), t.storageOffset == (e["storage_offset"] as! Int) else {
                return "\(path): strides \(t.strides) offset \(t.storageOffset)"
            }
            guard t.requiresGrad == (e["requires_grad"] as! Bool) else { return "\(path): requires_grad \(t.requiresGrad)" }
            let want = (e["values"] as! [Any]).map(number)
            let got = t.toArray(of: Double.self)
            let narrow = t.dtype != .float64 && t.dtype != .int64
            if t.dtype == .int64 {
                let exact = (e["values"] as! [NSNumber]).map { $0.int64Value }
                return t.toArray(of: Int64.self) == exact ? nil : "\(path): values"
            }
            let same = got.count == want.count && zip(got, want).allSatisfy { $0 == $1 || ($0.isNaN && $1.isNaN) || (narrow && Float($0) == Float($1)) }
            return same ? nil : "\(path): values \(got) vs \(want)"
        default:
            return "\(path): \(ours) is not a \(type)"
        }
    }

    @Test(arguments: ["mlp_state_dict", "tensors", "checkpoint", "minimal_handwritten"])
    func decodesLikePyTorch(_ name: String) throws {
        let value = try TorchCheckpoint.load(Self.folder + "/\(name).pt")
        let m = mismatch(value, try expected(name), at: name)
        #expect(m == nil, "\(m ?? "")")
    }

    @Test func viewsShareTheirStorage() throws {
        let value = try TorchCheckpoint.load(Self.folder + "/tensors.pt")
        let t = Dictionary(uniqueKeysWithValues: value.tensors)
        #expect(t["shared_base"]!.storage === t["shared_view"]!.storage)
        t["shared_base"]![1, 1] = 100  // element 5: the view's first element
        #expect(t["shared_view"]![0, 0].item() == 100)
        #expect(t["param"]!.requiresGrad)
        let mini = Dictionary(uniqueKeysWithValues: try TorchCheckpoint.load(Self.folder + "/minimal_handwritten.pt").tensors)
        #expect(mini["weight"]!.storage === mini["weight_t"]!.storage)
    }

    @Test func stateDictLoadsIntoTheModule() throws {
        let state = Dictionary(uniqueKeysWithValues: try TorchCheckpoint.loadStateDict(Self.folder + "/mlp_state_dict.pt"))
        let mlp = Sequential {
            Linear(4, 8)
            ReLU()
            Linear(8, 3)
        }
        try mlp.loadStateDict(state)
        let x = try Npy.read(Self.folder + "/expected/mlp_forward_input.npy")
        let y = try Npy.read(Self.folder + "/expected/mlp_forward_output.npy")
        let c = compareClose(noGrad { mlp(x) }, y.toArray(of: Double.self), rtol: 1e-5, atol: 1e-6)
        #expect(c.isClose, "\(c.message)")
    }

    @Test func writesFilesThatReadBack() throws {
        let base = Tensor.arange(0, 12, dtype: .float32).reshape(3, 4)
        let tensors: [(String, Tensor)] = [("w", base), ("view", base[1...].t()), ("i", Tensor([Int64.min, 5])),
                                           ("b", Tensor([true, false])), ("h", Tensor([Float(0.5)]).to(.bfloat16)),
                                           ("s", Tensor(scalar: 2.5)), ("e", Tensor.zeros([0, 2]))]
        let path = NSTemporaryDirectory() + "swifttorch-\(UUID().uuidString).pt"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try TorchCheckpoint.save(tensors, to: path)
        let back = try TorchCheckpoint.loadStateDict(path)
        #expect(back.map { $0.0 } == tensors.map { $0.0 })
        for ((_, a), (_, b)) in zip(tensors, back) {
            #expect(a.dtype == b.dtype && a.shape == b.shape && a.strides == b.strides && a.equal(b))
        }
        #expect(back[0].1.storage === back[1].1.storage)
        // Checked by hand with torch 2.15: torch.load(path, weights_only=True) gives the same values, strides and
        // a shared storage for w and view.
    }

    @Test(arguments: [
        ("malicious_os_system", "refused global os.system"),
        ("malicious_builtins_eval", "refused global builtins.eval"),
        ("malicious_stack_global", "refused pickle opcode SHORT_BINUNICODE"),
    ])
    func refusesMaliciousFiles(_ name: String, _ message: String) {
        do {
            _ = try TorchCheckpoint.load(Self.folder + "/\(name).pt")
            Issue.record("\(name) was accepted")
        } catch {
            #expect("\(error)".contains(message), "\(name): \(error)")
        }
    }

    @Test func rejectsDamagedArchives() throws {
        let good = [UInt8](try Data(contentsOf: URL(fileURLWithPath: Self.folder + "/mlp_state_dict.pt")))
        var cases: [[UInt8]] = [[], Array("PK\u{3}\u{4}".utf8), Array(good.prefix(good.count / 2))]
        var truncatedRecord = good
        truncatedRecord.removeLast(30)
        cases.append(truncatedRecord)
        for i in stride(from: 200, to: good.count, by: 97) {
            var flipped = good
            flipped[i] ^= 0xFF
            cases.append(flipped)
        }
        // Every damaged file either decodes (a flipped byte inside tensor data) or throws; none crashes.
        var thrown = 0
        for c in cases {
            do { _ = try TorchCheckpoint.decode(c) } catch { thrown += 1 }
        }
        #expect(thrown >= 4)
    }
}
