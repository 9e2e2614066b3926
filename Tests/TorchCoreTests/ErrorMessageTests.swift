import Testing
import Torch

/// Programmer errors stop the process with a message naming the op and the shapes (checked in a child process).
@Suite struct ErrorMessageTests {
    func stderr(of result: ExitTest.Result?) -> String {
        String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
    }

    @Test func matmulShapeMismatch() async {
        let r = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Tensor.ones([2, 3]).matmul(Tensor.ones([4, 5]))
        }
        #expect(stderr(of: r).contains("mm: shapes [2, 3] and [4, 5] cannot be multiplied (3 != 4)"))
    }

    @Test func groupNormIndivisibleChannels() async {
        let r = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = GroupNorm(4, 6)
        }
        #expect(stderr(of: r).contains("GroupNorm: numChannels (6) must be divisible by numGroups (4)"))
    }

    @Test func recurrentWrongFeatures() async {
        let r = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = LSTM(3, 4)(Tensor.ones([5, 2, 7]))
        }
        #expect(stderr(of: r).contains("LSTM: expected input with 3 features, got [5, 2, 7]"))
    }

    @Test func broadcastMismatch() async {
        let r = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Tensor.ones([2, 3]) + Tensor.ones([4])
        }
        #expect(stderr(of: r).contains("add: shapes [2, 3] and [4] cannot be broadcast"))
    }

    @Test func indexOutOfRange() async {
        let r = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Tensor.ones([2, 3])[5]
        }
        #expect(stderr(of: r).contains("index 5 is out of bounds for dimension 0 with size 2"))
    }

    @Test func indexTensorOutOfRange() async {
        let r = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Tensor.ones([2, 3])[Tensor([Int64(0), 2])]
        }
        #expect(stderr(of: r).contains("index 2 is out of bounds for dimension 0 with size 2"))
    }

    @Test func requiresGradOnIntegers() async {
        let r = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Tensor([Int64(1)]).requiresGrad_()
        }
        #expect(stderr(of: r).contains("only tensors of floating point dtype can require gradients"))
    }

    @Test func inPlaceThroughAViewOfALeaf() async {
        let r = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            let w = Tensor.ones([2, 3]).requiresGrad_()
            w.t().mul_(2)
        }
        #expect(stderr(of: r).contains("a view of a leaf Variable that requires grad is being used in an in-place operation"))
    }

    @Test func modifiedSavedTensor() async {
        let r = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            let x = Tensor([Float(1), 2]).requiresGrad_()
            let y = x * 2
            let z = y * y
            y.add_(1)
            z.sum().backward()
        }
        #expect(stderr(of: r).contains("modified by an inplace operation"))
    }

    @Test func backwardTwice() async {
        let r = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            let x = Tensor([Float(1), 2]).requiresGrad_()
            let y = (x * x).sum()
            y.backward()
            y.backward()
        }
        #expect(stderr(of: r).contains("Trying to backward through the graph a second time"))
    }

    @Test func anomalyModeNamesTheForwardOp() async {
        let r = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            detectAnomaly {
                // sqrt'(0) is infinite; multiplied by the zero gradient it becomes NaN inside SqrtBackward0.
                let x = Tensor([Float(0), 1]).requiresGrad_()
                (x.sqrt() * 0).sum().backward()
            }
        }
        #expect(stderr(of: r).contains("Function 'SqrtBackward0' returned nan values"))
        #expect(stderr(of: r).contains("forward op: sqrt"))
    }

    @Test func viewOnIncompatibleStrides() async {
        let r = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Tensor.ones([3, 4]).t().view(12)
        }
        #expect(stderr(of: r).contains("view: size [12] is not compatible with input tensor's size [4, 3]"))
    }
}
