// The umbrella module: `import Torch` is all a SwiftTorch user writes.
@_exported import TorchCore
@_exported import TorchNN
@_exported import TorchOptim
@_exported import TorchData
@_exported import TorchSerialization
@_exported import TorchCUDA
