import TorchCore

// MARK: - Compiling and launching elementwise kernels

/// A loaded module and its two entry points.
struct LoadedKernels: @unchecked Sendable {
    let module: DriverAPI.Handle?
    let contiguous: DriverAPI.Handle?
    let strided: DriverAPI.Handle?
}

/// The shape and per-operand element strides of a strided launch (output first), at most 8 dims and 3 inputs.
public struct ElementwiseGeometry: Sendable {
    /// The iteration shape (the output's).
    public var shape: [Int]
    /// Element strides per operand, output first; broadcast dims have stride 0.
    public var strides: [[Int]]

    /// Describes a strided launch.
    /// - Parameters:
    ///   - shape: the output shape.
    ///   - strides: each operand's element strides, output first.
    public init(shape: [Int], strides: [[Int]]) {
        precondition(shape.count <= 8, "elementwise (CUDA): \(shape.count) dims; at most 8 are supported")
        precondition(strides.count <= 4 && strides.allSatisfy { $0.count == shape.count },
                     "elementwise (CUDA): strides \(strides) do not match shape \(shape)")
        self.shape = shape
        self.strides = strides
    }

    /// The `st_geometry` struct's bytes: size[8], stride[4][8] (int64), ndim (int32) and padding.
    var packed: [Int64] {
        var words = [Int64](repeating: 0, count: 8 + 32 + 1)
        for (d, s) in shape.enumerated() { words[d] = Int64(s) }
        for (k, st) in strides.enumerated() { for (d, s) in st.enumerated() { words[8 + 8 * k + d] = Int64(s) } }
        words[40] = Int64(shape.count)
        return words
    }
}

extension CUDADevice {
    /// The compiled kernels of `spec`, compiling them with NVRTC for this device on first use.
    /// - Parameter spec: the kernel.
    func kernels(for spec: ElementwiseKernelSpec) throws(CUDAError) -> LoadedKernels {
        if let k = modules.withLock({ $0[spec] }) { return k }
        try prepare([spec])
        guard let k = modules.withLock({ $0[spec] }) else { preconditionFailure("prepare did not cache \(spec)") }
        return k
    }

    /// Compiles the kernels of several specs as one NVRTC program (one compiler start instead of one per spec) and
    /// caches each; specs already loaded are skipped.
    /// - Parameter specs: the kernels.
    public func prepare(_ specs: [ElementwiseKernelSpec]) throws(CUDAError) {
        let missing = modules.withLock { m in specs.filter { m[$0] == nil } }
        guard !missing.isEmpty else { return }
        let compiler = try CUDA.nvrtc()
        let image = try compiler.compile(KernelSource.program(missing), name: missing[0].op + ".cu",
                                         target: compiler.target(forDevice: computeCapability))
        try makeCurrent()
        var module: DriverAPI.Handle?
        let loadCode = image.withUnsafeBytes { api.cuModuleLoadData(&module, $0.baseAddress) }
        try api.check(loadCode, "cuModuleLoadData(\(missing[0].op), \(missing.count) kernels)")
        for spec in missing {
            var contiguous: DriverAPI.Handle?, strided: DriverAPI.Handle?
            try api.check(api.cuModuleGetFunction(&contiguous, module, spec.contiguousEntry), "cuModuleGetFunction(\(spec.contiguousEntry))")
            try api.check(api.cuModuleGetFunction(&strided, module, spec.stridedEntry), "cuModuleGetFunction(\(spec.stridedEntry))")
            let loaded = LoadedKernels(module: module, contiguous: contiguous, strided: strided)
            modules.withLock { $0[spec] = loaded }
        }
    }

    /// Runs an elementwise kernel over `count` elements, queued on the default stream.
    /// - Parameters:
    ///   - spec: the kernel.
    ///   - output: the output block (element offsets are folded into the addresses by the caller).
    ///   - outputOffset: the output's first element.
    ///   - inputs: the input blocks and their first elements, one per expression input.
    ///   - count: elements to compute.
    ///   - geometry: nil for contiguous operands of equal shape, else shape and strides.
    ///   - parameters: values of `p0`, `p1`.
    public func launch(_ spec: ElementwiseKernelSpec, output: DeviceBuffer, outputOffset: Int = 0,
                       inputs: [(buffer: DeviceBuffer, offset: Int)], count: Int,
                       geometry: ElementwiseGeometry? = nil, parameters: [Double] = []) throws(CUDAError) {
        precondition(inputs.count == spec.inputs.count, "launch \(spec): \(inputs.count) inputs given, \(spec.inputs.count) expected")
        guard count > 0 else { return }
        let k = try kernels(for: spec)
        try makeCurrent()
        var addresses: [UInt64] = [output.address + UInt64(outputOffset * spec.output.itemSize)]
        for (i, inp) in inputs.enumerated() { addresses.append(inp.buffer.address + UInt64(inp.offset * spec.inputs[i].itemSize)) }
        var n = Int64(count)
        var p0 = parameters.count > 0 ? parameters[0] : 0, p1 = parameters.count > 1 ? parameters[1] : 0
        var geo = geometry?.packed ?? []
        let threads = 256
        let blocks = UInt32(min((count + threads - 1) / threads, multiprocessorCount * 32))
        let code: Int32 = addresses.withUnsafeMutableBufferPointer { addr in
            geo.withUnsafeMutableBytes { g in
                var args: [UnsafeMutableRawPointer?] = (0..<addr.count).map { UnsafeMutableRawPointer(addr.baseAddress! + $0) }
                return withUnsafeMutablePointer(to: &n) { np in
                    withUnsafeMutablePointer(to: &p0) { p0p in
                        withUnsafeMutablePointer(to: &p1) { p1p in
                            args.append(UnsafeMutableRawPointer(np))
                            if geometry != nil { args.append(g.baseAddress) }
                            args.append(UnsafeMutableRawPointer(p0p))
                            args.append(UnsafeMutableRawPointer(p1p))
                            return args.withUnsafeMutableBufferPointer { a in
                                api.cuLaunchKernel(geometry == nil ? k.contiguous : k.strided, blocks, 1, 1, UInt32(threads), 1, 1,
                                                   0, CUDA.currentStreamHandle, a.baseAddress, nil)
                            }
                        }
                    }
                }
            }
        }
        try api.check(code, "cuLaunchKernel(\(spec), \(count) elements)")
    }
}
