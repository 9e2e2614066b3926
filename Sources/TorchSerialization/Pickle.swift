import TorchCore

// MARK: - A restricted unpickler (torch.load(weights_only=True) semantics, allowlist only)

/// A value decoded from a PyTorch checkpoint. Nothing a file names is ever called: globals are matched against
/// an allowlist and replaced by the values they stand for.
public indirect enum PickleValue: CustomStringConvertible {
    case none
    case bool(Bool)
    case int(Int64)
    /// An integer outside Int64, as little-endian two's complement bytes.
    case bigInt([UInt8])
    case float(Double)
    case string(String)
    case bytes([UInt8])
    case tuple([PickleValue])
    case list([PickleValue])
    /// A dict or OrderedDict, keys in insertion order.
    case dict([(PickleValue, PickleValue)])
    case tensor(Tensor)
    /// A tensor of a dtype SwiftTorch lacks (named as torch names it).
    case unsupportedTensor(dtype: String)

    /// A short rendering.
    public var description: String {
        switch self {
        case .none: return "None"
        case .bool(let b): return b ? "True" : "False"
        case .int(let i): return String(i)
        case .bigInt(let b): return "<int of \(b.count) bytes>"
        case .float(let d): return String(d)
        case .string(let s): return "'\(s)'"
        case .bytes(let b): return "b<\(b.count) bytes>"
        case .tuple(let t): return "(" + t.map { $0.description }.joined(separator: ", ") + ")"
        case .list(let l): return "[" + l.map { $0.description }.joined(separator: ", ") + "]"
        case .dict(let d): return "{" + d.map { "\($0.0): \($0.1)" }.joined(separator: ", ") + "}"
        case .tensor(let t): return "tensor(\(t.dtype), \(t.shape))"
        case .unsupportedTensor(let d): return "tensor(\(d), unsupported)"
        }
    }

    /// The string keys and tensor values of a state-dict-like dict.
    public var tensors: [(String, Tensor)] {
        guard case .dict(let items) = self else { return [] }
        return items.compactMap { k, v in
            if case .string(let s) = k, case .tensor(let t) = v { return (s, t) }
            return nil
        }
    }
}

/// Decodes protocol-2 pickles as written by `torch.save`, refusing every opcode and global outside the allowlist.
struct Unpickler {
    /// Objects on the VM stack: values plus the intermediate things globals stand for.
    enum Item {
        case value(PickleValue)
        case mark
        case global(String)
        /// Storage elements (nil for a dtype SwiftTorch lacks, named by `dtypeName`).
        case storage(Tensor?, dtypeName: String)
        case tuple([Item])
        case mutableList(ListBox)
        case mutableDict(DictBox)
    }

    final class ListBox { var items: [Item] = [] }
    final class DictBox { var items: [(Item, Item)] = [] }

    static let storageDTypes: [String: DType] = [
        "torch.DoubleStorage": .float64, "torch.FloatStorage": .float32, "torch.HalfStorage": .float16,
        "torch.BFloat16Storage": .bfloat16, "torch.LongStorage": .int64, "torch.IntStorage": .int32,
        "torch.ShortStorage": .int16, "torch.CharStorage": .int8, "torch.ByteStorage": .uint8, "torch.BoolStorage": .bool,
    ]
    static let torchDTypes: [String: DType] = [
        "torch.float64": .float64, "torch.float32": .float32, "torch.float16": .float16, "torch.bfloat16": .bfloat16,
        "torch.int64": .int64, "torch.int32": .int32, "torch.int16": .int16, "torch.int8": .int8, "torch.uint8": .uint8,
        "torch.bool": .bool,
    ]
    static let allowedGlobals: Set<String> = Set(storageDTypes.keys).union([
        "collections.OrderedDict", "torch._utils._rebuild_tensor_v2", "torch._utils._rebuild_tensor_v3",
        "torch._utils._rebuild_parameter", "torch.storage.UntypedStorage", "torch.ComplexFloatStorage",
        "torch.ComplexDoubleStorage", "_codecs.encode", "torch.Size", "torch.device",
    ]).union(torchDTypes.keys).union(["torch.uint16", "torch.uint32", "torch.uint64", "torch.complex64", "torch.complex128",
                                      "torch.float8_e4m3fn", "torch.float8_e5m2"])

    let data: ArraySlice<UInt8>
    let path: String
    /// Loads the bytes of storage record `key` (elements of `dtype`, `numel` of them).
    let loadStorage: (String, DType, Int) throws -> Tensor
    var pos: Int
    var stack: [Item] = []
    var memo: [Int: Item] = [:]

    init(_ data: ArraySlice<UInt8>, path: String, loadStorage: @escaping (String, DType, Int) throws -> Tensor) {
        self.data = data
        self.path = path
        self.loadStorage = loadStorage
        pos = data.startIndex
    }

    func fail(_ reason: String) -> SerializationError { .invalidFormat(path: path, reason: reason) }

    mutating func byte() throws -> UInt8 {
        guard pos < data.endIndex else { throw fail("pickle ends unexpectedly at byte \(pos - data.startIndex)") }
        defer { pos += 1 }
        return data[pos]
    }

    mutating func take(_ n: Int) throws -> ArraySlice<UInt8> {
        guard n >= 0, n <= data.endIndex - pos else { throw fail("pickle argument of \(n) bytes runs past the end at byte \(pos - data.startIndex)") }
        defer { pos += n }
        return data[pos..<(pos + n)]
    }

    mutating func le(_ n: Int) throws -> Int {
        var v = 0
        for (i, b) in try take(n).enumerated() { v |= Int(b) << (8 * i) }
        return v
    }

    mutating func line() throws -> String {
        guard let end = data[pos...].firstIndex(of: 0x0A) else { throw fail("unterminated GLOBAL at byte \(pos - data.startIndex)") }
        defer { pos = end + 1 }
        return String(decoding: data[pos..<end], as: UTF8.self)
    }

    mutating func pop() throws -> Item {
        guard let last = stack.popLast() else { throw fail("pickle stack underflow at byte \(pos - data.startIndex)") }
        return last
    }

    mutating func popToMark() throws -> [Item] {
        guard let m = stack.lastIndex(where: { if case .mark = $0 { return true } else { return false } }) else {
            throw fail("MARK expected at byte \(pos - data.startIndex)")
        }
        let items = Array(stack[(m + 1)...])
        stack.removeSubrange(m...)
        return items
    }

    /// Runs the VM and returns the top of the stack at STOP.
    mutating func run() throws -> PickleValue {
        while true {
            let at = pos - data.startIndex
            let op = try byte()
            switch op {
            case 0x80: _ = try byte()  // PROTO
            case UInt8(ascii: "."): return try finalize(try pop())
            case UInt8(ascii: "("): stack.append(.mark)
            case UInt8(ascii: "}"): stack.append(.mutableDict(DictBox()))
            case UInt8(ascii: "]"): stack.append(.mutableList(ListBox()))
            case UInt8(ascii: ")"): stack.append(.tuple([]))
            case UInt8(ascii: "t"): stack.append(.tuple(try popToMark()))
            case 0x85: let a = try pop(); stack.append(.tuple([a]))
            case 0x86:
                let b = try pop(), a = try pop()
                stack.append(.tuple([a, b]))
            case 0x87:
                let c = try pop(), b = try pop(), a = try pop()
                stack.append(.tuple([a, b, c]))
            case UInt8(ascii: "s"):
                let v = try pop(), k = try pop()
                guard case .mutableDict(let d)? = stack.last else { throw fail("SETITEM on a non-dict at byte \(at)") }
                d.items.append((k, v))
            case UInt8(ascii: "u"):
                let items = try popToMark()
                guard items.count % 2 == 0, case .mutableDict(let d)? = stack.last else { throw fail("SETITEMS on a non-dict at byte \(at)") }
                for i in stride(from: 0, to: items.count, by: 2) { d.items.append((items[i], items[i + 1])) }
            case UInt8(ascii: "a"):
                let v = try pop()
                guard case .mutableList(let l)? = stack.last else { throw fail("APPEND on a non-list at byte \(at)") }
                l.items.append(v)
            case UInt8(ascii: "e"):
                let items = try popToMark()
                guard case .mutableList(let l)? = stack.last else { throw fail("APPENDS on a non-list at byte \(at)") }
                l.items += items
            case UInt8(ascii: "N"): stack.append(.value(.none))
            case 0x88: stack.append(.value(.bool(true)))
            case 0x89: stack.append(.value(.bool(false)))
            case UInt8(ascii: "J"): stack.append(.value(.int(Int64(Int32(truncatingIfNeeded: try le(4))))))
            case UInt8(ascii: "K"): stack.append(.value(.int(Int64(try byte()))))
            case UInt8(ascii: "M"): stack.append(.value(.int(Int64(try le(2)))))
            case 0x8A:
                let n = Int(try byte())
                let b = Array(try take(n))
                if n <= 8 {
                    var v: UInt64 = 0
                    for (i, x) in b.enumerated() { v |= UInt64(x) << (8 * UInt64(i)) }
                    if n > 0 && n < 8 && b[n - 1] & 0x80 != 0 { v |= ~0 << (8 * UInt64(n)) }  // sign-extend
                    stack.append(.value(.int(Int64(bitPattern: v))))
                } else {
                    stack.append(.value(.bigInt(b)))
                }
            case UInt8(ascii: "G"):
                var v: UInt64 = 0
                for x in try take(8) { v = v << 8 | UInt64(x) }  // big-endian
                stack.append(.value(.float(Double(bitPattern: v))))
            case UInt8(ascii: "X"):
                let n = try le(4)
                guard let s = String(validating: Array(try take(n)), as: UTF8.self) else { throw fail("invalid UTF-8 string at byte \(at)") }
                stack.append(.value(.string(s)))
            case UInt8(ascii: "q"): memo[Int(try byte())] = try top(at)
            case UInt8(ascii: "r"): memo[try le(4)] = try top(at)
            case UInt8(ascii: "h"):
                let k = Int(try byte())
                guard let v = memo[k] else { throw fail("BINGET of unknown memo \(k) at byte \(at)") }
                stack.append(v)
            case UInt8(ascii: "j"):
                let k = try le(4)
                guard let v = memo[k] else { throw fail("LONG_BINGET of unknown memo \(k) at byte \(at)") }
                stack.append(v)
            case UInt8(ascii: "c"):
                let module = try line(), name = try line()
                let full = module + "." + name
                guard Unpickler.allowedGlobals.contains(full) else { throw fail("refused global \(full) at byte \(at): not on the allowlist") }
                stack.append(.global(full))
            case UInt8(ascii: "R"):
                let args = try pop(), callable = try pop()
                stack.append(try reduce(callable, args, at: at))
            case UInt8(ascii: "Q"): stack.append(try persistentLoad(try pop(), at: at))
            case UInt8(ascii: "b"):
                _ = try pop()
                guard let target = stack.last else { throw fail("BUILD without a target at byte \(at)") }
                switch target {
                case .mutableDict, .value(.tensor), .value(.unsupportedTensor): break  // state (e.g. _metadata) ignored
                default: throw fail("BUILD on a disallowed object at byte \(at)")
                }
            default:
                throw fail("refused pickle opcode \(Unpickler.opcodeName(op)) (0x\(String(op, radix: 16))) at byte \(at)")
            }
        }
    }

    func top(_ at: Int) throws -> Item {
        guard let t = stack.last else { throw fail("memo store on an empty stack at byte \(at)") }
        return t
    }

    static func opcodeName(_ op: UInt8) -> String {
        let names: [UInt8: String] = [0x93: "STACK_GLOBAL", 0x8C: "SHORT_BINUNICODE", 0x95: "FRAME", 0x94: "MEMOIZE",
                                      0x81: "NEWOBJ", 0x92: "NEWOBJ_EX", UInt8(ascii: "i"): "INST", UInt8(ascii: "o"): "OBJ",
                                      UInt8(ascii: "U"): "SHORT_BINSTRING", UInt8(ascii: "T"): "BINSTRING", UInt8(ascii: "C"): "SHORT_BINBYTES",
                                      UInt8(ascii: "B"): "BINBYTES", UInt8(ascii: "S"): "STRING", UInt8(ascii: "V"): "UNICODE",
                                      UInt8(ascii: "I"): "INT", UInt8(ascii: "L"): "LONG", UInt8(ascii: "F"): "FLOAT",
                                      UInt8(ascii: "P"): "PERSID", UInt8(ascii: "d"): "DICT", UInt8(ascii: "l"): "LIST",
                                      0x8F: "EMPTY_SET", 0x90: "ADDITEMS", 0x91: "FROZENSET", 0x82: "EXT1", 0x83: "EXT2", 0x84: "EXT4"]
        return names[op] ?? "unknown"
    }

    /// Converts stack items into plain values (boxes become arrays and dicts).
    func finalize(_ item: Item) throws -> PickleValue {
        switch item {
        case .value(let v): return v
        case .tuple(let t): return .tuple(try t.map(finalize))
        case .mutableList(let l): return .list(try l.items.map(finalize))
        case .mutableDict(let d): return .dict(try d.items.map { (try finalize($0.0), try finalize($0.1)) })
        case .mark: throw fail("unexpected MARK in a value")
        case .global(let g): throw fail("the global \(g) is not a value")
        case .storage: throw fail("a storage outside a tensor")
        }
    }

    /// Storage cache by key: a base and its views name the same storage.
    var storages: [String: Item] = [:]

    mutating func persistentLoad(_ pid: Item, at: Int) throws -> Item {
        guard case .tuple(let t) = pid, t.count == 5, case .value(.string("storage")) = t[0] else {
            throw fail("persistent id must be a tuple ('storage', type, key, location, numel) at byte \(at)")
        }
        guard case .global(let cls) = t[1], case .value(.string(let key)) = t[2], case .value(.int(let numel)) = t[4], numel >= 0 else {
            throw fail("malformed storage reference at byte \(at)")
        }
        if let cached = storages[key] { return cached }
        let item: Item
        if let dtype = Unpickler.storageDTypes[cls] {
            item = .storage(try loadStorage(key, dtype, Int(numel)), dtypeName: cls)
        } else if cls == "torch.storage.UntypedStorage" {
            item = .storage(try loadStorage(key, .uint8, Int(numel)), dtypeName: cls)  // numel counts bytes
        } else {
            item = .storage(nil, dtypeName: cls)
        }
        storages[key] = item
        return item
    }

    /// `(offset, size, stride)` checked against a storage of `numel` elements.
    func geometry(_ a: [Item], numel: Int, at: Int) throws -> (Int, [Int], [Int]) {
        func ints(_ i: Item) throws -> [Int] {
            switch i {
            case .tuple(let t): return try t.map { x in
                guard case .value(.int(let v)) = x, v >= 0 else { throw fail("tensor size/stride must be non-negative integers at byte \(at)") }
                return Int(v)
            }
            case .value(.int(let v)) where v >= 0: return [Int(v)]
            default: throw fail("tensor size/stride must be a tuple of integers at byte \(at)")
            }
        }
        guard case .value(.int(let off)) = a[1], off >= 0 else { throw fail("tensor storage offset must be a non-negative integer at byte \(at)") }
        let size = try ints(a[2]), stride = try ints(a[3])
        guard size.count == stride.count else { throw fail("tensor size and stride differ in length at byte \(at)") }
        if size.allSatisfy({ $0 > 0 }) {
            var last = Int(off)
            for (s, st) in zip(size, stride) {
                let (m, o1) = (s - 1).multipliedReportingOverflow(by: st)
                let (sum, o2) = last.addingReportingOverflow(m)
                guard !o1, !o2 else { throw fail("tensor geometry overflows at byte \(at)") }
                last = sum
            }
            guard last < numel else { throw fail("tensor (offset \(off), size \(size), stride \(stride)) reaches element \(last) of a storage of \(numel) at byte \(at)") }
        }
        return (Int(off), size, stride)
    }

    mutating func reduce(_ callable: Item, _ args: Item, at: Int) throws -> Item {
        guard case .global(let name) = callable else { throw fail("REDUCE of a non-callable at byte \(at)") }
        switch name {
        case "collections.OrderedDict":
            guard case .tuple(let a) = args, a.isEmpty else { throw fail("OrderedDict with arguments at byte \(at)") }
            return .mutableDict(DictBox())
        case "_codecs.encode":
            guard case .tuple(let a) = args, a.count == 2, case .value(.string(let s)) = a[0], case .value(.string(let enc)) = a[1], enc == "latin1" else {
                throw fail("_codecs.encode with unexpected arguments at byte \(at)")
            }
            return .value(.bytes(s.unicodeScalars.map { UInt8(truncatingIfNeeded: $0.value) }))
        case "torch._utils._rebuild_parameter":
            guard case .tuple(let a) = args, a.count >= 2 else { throw fail("_rebuild_parameter with unexpected arguments at byte \(at)") }
            if case .value(.tensor(let t)) = a[0], case .value(.bool(let rg)) = a[1], rg, t.isFloatingPoint { t.requiresGrad = true }
            return a[0]
        case "torch._utils._rebuild_tensor_v2", "torch._utils._rebuild_tensor_v3":
            guard case .tuple(let a) = args, a.count >= 6, case .storage(let storage, let cls) = a[0] else {
                throw fail("\(name) with unexpected arguments at byte \(at)")
            }
            if name.hasSuffix("v3") {
                // Untyped byte storage plus an explicit dtype global.
                guard a.count >= 7, case .global(let dtypeName) = a[6] else { throw fail("_rebuild_tensor_v3 without a dtype at byte \(at)") }
                guard let dtype = Unpickler.torchDTypes[dtypeName], let bytes = storage else { return .value(.unsupportedTensor(dtype: dtypeName)) }
                let numel = bytes.count / dtype.itemSize
                let (off, size, stride) = try geometry(a, numel: numel, at: at)
                let typed = bytes.view(dtype: dtype)
                return .value(.tensor(typed.asStrided(size, stride, storageOffset: off)))
            }
            guard let storage else { return .value(.unsupportedTensor(dtype: cls)) }
            let (off, size, stride) = try geometry(a, numel: storage.count, at: at)
            let t = storage.asStrided(size, stride, storageOffset: off)
            if case .value(.bool(true)) = a[4], t.isFloatingPoint { t.requiresGrad = true }
            return .value(.tensor(t))
        default:
            throw fail("REDUCE of \(name) is not allowed at byte \(at)")
        }
    }
}
