#!/usr/bin/env python3
"""Writes Tests/TorchCoreTests/Resources/optim_reference.json: parameter trajectories of torch.optim optimizers
on a fixed least-squares problem, in float64. Regenerate with torch installed:
    python3 scripts/make_optim_reference.py
"""
import json
import os

import torch

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "Tests", "TorchCoreTests", "Resources", "optim_reference.json")
torch.manual_seed(0)
torch.set_default_dtype(torch.float64)
W0 = torch.randn(3, 4)
b0 = torch.randn(3)
X = torch.randn(6, 4)
Y = torch.randn(6, 3)


def enc(t):
    return {"shape": list(t.shape), "values": [float(v) for v in t.detach().reshape(-1).tolist()]}


CONFIGS = {
    "sgd": (torch.optim.SGD, dict(lr=0.05)),
    "sgd_momentum_wd": (torch.optim.SGD, dict(lr=0.05, momentum=0.9, dampening=0.1, weight_decay=0.01)),
    "sgd_nesterov": (torch.optim.SGD, dict(lr=0.05, momentum=0.9, nesterov=True)),
    "adam": (torch.optim.Adam, dict(lr=0.01)),
    "adam_amsgrad_wd": (torch.optim.Adam, dict(lr=0.01, betas=(0.8, 0.99), weight_decay=0.1, amsgrad=True)),
    "adamw": (torch.optim.AdamW, dict(lr=0.01, weight_decay=0.1)),
}
out = {"W0": enc(W0), "b0": enc(b0), "X": enc(X), "Y": enc(Y), "trajectories": {}}
for name, (cls, kw) in CONFIGS.items():
    W = W0.clone().requires_grad_(True)
    b = b0.clone().requires_grad_(True)
    opt = cls([W, b], **kw)
    steps = []
    for _ in range(6):
        opt.zero_grad()
        loss = ((X @ W.T + b - Y) ** 2).mean()
        loss.backward()
        opt.step()
        steps.append({"W": enc(W), "b": enc(b), "loss": float(loss.detach())})
    out["trajectories"][name] = steps
with open(OUT, "w") as f:
    json.dump(out, f, indent=1, sort_keys=True)
    f.write("\n")
print("wrote", OUT, "with torch", torch.__version__)
