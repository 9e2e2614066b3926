import Foundation
import Testing
import Torch
import _TestSupport

/// A model trained nowhere but built by real PyTorch: its state dict values (from the fixture description of
/// `mlp_state_dict.pt`) loaded into the same architecture must reproduce PyTorch's forward pass, whose input and
/// output were saved with NumPy.
@Suite struct InteropTests {
    @Test func pytorchMLPForwardMatches() throws {
        let folder = sharedFolder() + "/fixtures/pytorch/expected"
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: folder + "/mlp_state_dict.json"))) as! [String: Any]
        let items = (json["value"] as! [String: Any])["items"] as! [[Any]]
        var state: [String: Tensor] = [:]
        for item in items {
            let key = item[0] as! String
            let t = item[1] as! [String: Any]
            let values = (t["values"] as! [NSNumber]).map { $0.floatValue }
            let shape = t["shape"] as! [Int]
            state[key] = Tensor(values, shape: shape)
        }
        let mlp = Sequential {
            Linear(4, 8)
            ReLU()
            Linear(8, 3)
        }
        #expect(Set(mlp.stateDict().map { $0.key }) == Set(state.keys))
        try mlp.loadStateDict(state)
        let x = try Npy.read(folder + "/mlp_forward_input.npy")
        let expected = try Npy.read(folder + "/mlp_forward_output.npy")
        let y = noGrad { mlp(x) }
        let c = compareClose(y, expected.toArray(of: Double.self), shape: expected.shape, rtol: 1e-5, atol: 1e-6)
        #expect(c.isClose, "\(c.message)")
    }
}
