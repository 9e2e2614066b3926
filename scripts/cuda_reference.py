#!/usr/bin/env python3
"""PyTorch's figures for the workloads of `swifttorch cuda-selftest`, on the same GPU in the same call.

Prints one JSON record per workload with the ids, units and timing protocol of `swifttorch cuda-selftest`
(CUDA events, 2 warm-up calls, median of 5 runs of N launches), so scripts/gpu_check.sh can print ratios.
"""
import json
import sys

import torch


def time_ms(fn, iterations):
    for _ in range(2):
        fn()
    torch.cuda.synchronize()
    runs = []
    for _ in range(5):
        start = torch.cuda.Event(enable_timing=True)
        stop = torch.cuda.Event(enable_timing=True)
        start.record()
        for _ in range(iterations):
            fn()
        stop.record()
        stop.synchronize()
        runs.append(start.elapsed_time(stop) / iterations)
    return sorted(runs)[2]


def main():
    sizes = [int(s) for s in sys.argv[1:]] or [4096, 8192]
    dev = torch.device("cuda")
    print(json.dumps({"kind": "device", "name": torch.cuda.get_device_name(0), "torch": torch.__version__,
                      "cuda": torch.version.cuda}))
    for n in sizes:
        for dtype, tf32, tag in [(torch.float32, False, "f32"), (torch.float32, True, "tf32"), (torch.bfloat16, False, "bf16")]:
            torch.backends.cuda.matmul.allow_tf32 = tf32
            a = torch.randn(n, n, device=dev).to(dtype)
            b = torch.randn(n, n, device=dev).to(dtype)
            c = torch.empty(n, n, device=dev, dtype=dtype)
            ms = time_ms(lambda: torch.mm(a, b, out=c), 5 if n >= 8192 else 20)
            print(json.dumps({"kind": "bench", "id": f"matmul_{n}_{tag}", "median_ms": ms, "tflops": 2 * n ** 3 / ms / 1e9}))
            del a, b, c
    torch.backends.cuda.matmul.allow_tf32 = False
    count = 64 << 20
    nbytes = count * 4
    x = torch.zeros(count, device=dev)
    y = torch.zeros(count, device=dev)
    z = torch.empty(count, device=dev)
    ms = time_ms(lambda: z.copy_(x), 20)
    print(json.dumps({"kind": "bench", "id": "copy_256mib", "median_ms": ms, "gbps": 2 * nbytes / ms / 1e6}))
    ops = {
        "add": (lambda: torch.add(x, y, out=z), 3),
        "mul": (lambda: torch.mul(x, y, out=z), 3),
        "relu": (lambda: torch.clamp_min(x, 0, out=z), 2),
        "gelu": (lambda: torch.nn.functional.gelu(x), 2),
        "exp": (lambda: torch.exp(x, out=z), 2),
    }
    for name, (fn, operands) in ops.items():
        try:
            ms = time_ms(fn, 20)
        except Exception as e:  # report and go on: one workload must not hide the others
            print(json.dumps({"kind": "error", "id": f"ew_{name}_256mib", "error": str(e)}))
            continue
        print(json.dumps({"kind": "bench", "id": f"ew_{name}_256mib", "median_ms": ms, "gbps": operands * nbytes / ms / 1e6}))

    print(json.dumps(train_transformer(256)))


class PreNormBlock(torch.nn.Module):
    """One pre-norm encoder layer of train_transformer, written out as WORKLOADS.md section 2.10 states it."""

    def __init__(self, d=128, heads=4, ff=512):
        super().__init__()
        self.heads = heads
        self.ln1 = torch.nn.LayerNorm(d, eps=1e-5)
        self.qkv = torch.nn.Linear(d, 3 * d)
        self.proj = torch.nn.Linear(d, d)
        self.ln2 = torch.nn.LayerNorm(d, eps=1e-5)
        self.fc1 = torch.nn.Linear(d, ff)
        self.fc2 = torch.nn.Linear(ff, d)

    def forward(self, x):
        b, t, d = x.shape
        dh = d // self.heads
        q, k, v = self.qkv(self.ln1(x)).view(b, t, 3, self.heads, dh).permute(2, 0, 3, 1, 4)
        p = torch.softmax(q @ k.transpose(-2, -1) / dh ** 0.5, dim=-1)
        h = x + self.proj((p @ v).transpose(1, 2).reshape(b, t, d))
        return h + self.fc2(torch.nn.functional.gelu(self.fc1(self.ln2(h))))


def train_transformer(batch):
    """Steps per second of train_transformer (2 layers, final LayerNorm, head 128 -> 256, AdamW) at `batch`."""
    torch.manual_seed(0)
    dev = torch.device("cuda")
    model = torch.nn.Sequential(PreNormBlock(), PreNormBlock(), torch.nn.LayerNorm(128, eps=1e-5),
                                torch.nn.Linear(128, 256)).to(dev)
    x = torch.randn(batch, 64, 128, device=dev)
    y = torch.randint(0, 256, (batch, 64), device=dev)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.01)

    def step():
        opt.zero_grad()
        torch.nn.functional.cross_entropy(model(x).reshape(batch * 64, 256), y.reshape(batch * 64)).backward()
        opt.step()

    ms = time_ms(step, 5)
    return {"kind": "bench", "id": f"train_transformer_b{batch}", "median_ms": ms, "steps_per_s": 1000 / ms}


if __name__ == "__main__":
    main()
