#!/usr/bin/env bash
# Writes every format SwiftTorch produces and reads the results back with the real tools:
# TensorBoard's own readers (../shared/fixtures/tensorboard/check_events.py), torch.load(weights_only=True),
# torch.optim's load_state_dict, and the safetensors package.
#   PYTHON=/path/to/venv/bin/python scripts/check_with_real_tools.sh
# The Python environment needs torch, tensorboard, safetensors and numpy. The unit tests do not need any of this.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"
OUT="$(mktemp -d)"
trap 'rm -rf "$OUT"' EXIT
swift build -c release --product swifttorch >/dev/null
.build/release/swifttorch train --epochs 2 --train-size 2000 --test-size 500 --scheduler cosine --optimizer adamw \
    --tensorboard "$OUT/tb" --out "$OUT/run" --json
"$PYTHON" ../shared/fixtures/tensorboard/check_events.py "$OUT/tb" | grep -v '^#   record' | tail -3
"$PYTHON" ../shared/fixtures/tensorboard/check_events.py "$OUT/tb/hparams" | tail -1
.build/release/swifttorch convert "$OUT/run/model.safetensors" "$OUT/run/model.npz" >/dev/null
.build/release/swifttorch convert "$OUT/run/model.safetensors" "$OUT/run/model.pt" >/dev/null
.build/release/swifttorch convert ../shared/fixtures/numpy/bigendian_f32.npy "$OUT/run/array.npy" >/dev/null
"$PYTHON" - "$OUT" <<'PY'
import sys
import numpy as np
import torch
from safetensors.torch import load_file
from tensorboard.backend.event_processing import event_accumulator as ea, plugin_event_accumulator as pea
from tensorboard.plugins.hparams import plugin_data_pb2

out = sys.argv[1]
ckpt = torch.load(f"{out}/run/checkpoint.pt", weights_only=True)
net = torch.nn.Sequential(torch.nn.Conv2d(1, 8, 5), torch.nn.ReLU(), torch.nn.MaxPool2d(2), torch.nn.Conv2d(8, 16, 5),
                          torch.nn.ReLU(), torch.nn.MaxPool2d(2), torch.nn.Flatten(), torch.nn.Linear(256, 64),
                          torch.nn.ReLU(), torch.nn.Linear(64, 10))
net.load_state_dict(ckpt["model"])
opt = torch.optim.AdamW(net.parameters(), lr=1e-3)
opt.load_state_dict(ckpt["optimizer"])
net(torch.randn(2, 1, 28, 28)).sum().backward()
opt.step()
weights = load_file(f"{out}/run/model.safetensors")
assert set(weights) == set(ckpt["model"]) and all(torch.equal(weights[k], ckpt["model"][k]) for k in weights)
npz = np.load(f"{out}/run/model.npz")
pt = torch.load(f"{out}/run/model.pt", weights_only=True)
assert set(npz.files) == set(weights) and all(np.array_equal(npz[k], weights[k].numpy()) and torch.equal(pt[k], weights[k]) for k in weights)
assert np.array_equal(np.load(f"{out}/run/array.npy"), np.load("../shared/fixtures/numpy/bigendian_f32.npy"))
print(f"convert: array.npy read by numpy.load, model.npz read by numpy.load and model.pt by torch.load, {len(weights)} arrays bit-identical")
print(f"checkpoint.pt: epoch {ckpt['epoch']}, {len(ckpt['model'])} tensors load into torch.nn, optimizer state into torch.optim.AdamW")
acc = ea.EventAccumulator(f"{out}/tb", size_guidance={ea.HISTOGRAMS: 0})
acc.Reload()
print(f"TensorBoard histograms: {len(acc.Tags()['histograms'])} tags")
hp = pea.EventAccumulator(f"{out}/tb/hparams")
hp.Reload()
content = hp.PluginTagToContent("hparams")
start = plugin_data_pb2.HParamsPluginData.FromString(content["_hparams_/session_start_info"]).session_start_info
print("TensorBoard hparams:", sorted(start.hparams.keys()))
PY
echo "all real-tool checks passed"
