#!/usr/bin/env python3
"""Times SwiftTorch's C add kernels against PyTorch's on the same buffers, in one process, in alternation.

    PYTHON=/path/to/venv/bin/python; $PYTHON scripts/kernel_vs_torch.py [--rounds 40] [--shape bcast|N ...]

Memory-bound rows move by up to 2x between minutes on a shared machine, and two processes also differ in where
their buffers lie. Here Sources/CTorchKernels is built into a shared library (clang or gcc, -O3), and the same
torch tensors are passed to `st_binary_rows_f32` / `st_binary_f32` and to `torch.add(..., out=)`, one batch of
calls each, alternating the order every round; the result of each is first checked against `a + b`. Shapes:
`bcast` is a[4096,1024] + b[1024] (the `ew_add_bcast_4096x1024_out` workload), a number N is a flat add of
N floats. One thread on both sides. Prints medians and quartiles in GB/s (bytes as the spec counts them).
"""
import argparse
import ctypes
import os
import shutil
import subprocess
import tempfile
import time

import torch

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def build(directory):
    cc = shutil.which("clang") or shutil.which("gcc") or shutil.which("cc")
    src = os.path.join(ROOT, "Sources", "CTorchKernels")
    files = [os.path.join(src, f) for f in sorted(os.listdir(src)) if f.endswith(".c")]
    lib = os.path.join(directory, "libctorchkernels.so")
    subprocess.run([cc, "-O3", "-shared", "-fPIC", "-DNDEBUG", "-I", os.path.join(src, "include"), *files,
                    "-o", lib, "-lm", "-lpthread"], check=True)
    lib = ctypes.CDLL(lib)
    lib.st_binary_rows_f32.argtypes = [ctypes.c_int, ctypes.c_void_p, ctypes.c_ssize_t, ctypes.c_void_p,
                                       ctypes.c_ssize_t, ctypes.c_void_p, ctypes.c_ssize_t, ctypes.c_size_t,
                                       ctypes.c_size_t, ctypes.c_int, ctypes.c_int]
    lib.st_binary_f32.argtypes = [ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p,
                                  ctypes.c_size_t, ctypes.c_int, ctypes.c_int]
    return lib


def workload(lib, shape):
    if shape == "bcast":
        a, b, y = torch.randn(4096, 1024), torch.randn(1024), torch.empty(4096, 1024)
        pa, pb, py = a.data_ptr(), b.data_ptr(), y.data_ptr()
        ours = lambda: lib.st_binary_rows_f32(0, pa, 1024, pb, 0, py, 1024, 4096, 1024, 1, 1)
        nbytes = 4 * (2 * 4096 * 1024 + 1024)
    else:
        n = int(shape)
        a, b, y = torch.randn(n), torch.randn(n), torch.empty(n)
        pa, pb, py = a.data_ptr(), b.data_ptr(), y.data_ptr()
        ours = lambda: lib.st_binary_f32(0, pa, pb, py, n, 1, 1)
        nbytes = 12 * n
    fns = {"SwiftTorch": ours, "PyTorch": lambda: torch.add(a, b, out=y)}
    reference = a + b
    for name, fn in fns.items():
        y.zero_()
        fn()
        if not torch.equal(y, reference):
            raise SystemExit(f"{shape}: {name}'s result differs from a + b")
    return fns, nbytes


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--rounds", type=int, default=40)
    p.add_argument("--shape", nargs="+", default=["bcast", "1048576", "16777216"])
    args = p.parse_args()
    torch.set_num_threads(1)
    with tempfile.TemporaryDirectory() as d:
        lib = build(d)
        for shape in args.shape:
            fns, nbytes = workload(lib, shape)
            inner = max(1, int(0.02 / (nbytes / 50e9)))
            times = {k: [] for k in fns}
            names = list(fns)
            for r in range(args.rounds):
                for k in names if r % 2 == 0 else names[::-1]:
                    t0 = time.perf_counter()
                    for _ in range(inner):
                        fns[k]()
                    times[k].append((time.perf_counter() - t0) / inner)
            for k, v in times.items():
                v.sort()
                q = lambda f: nbytes / v[min(len(v) - 1, int(f * len(v)))] / 1e9
                print(f"{shape:>10} {k:<10} median {q(0.5):6.1f} GB/s  (quartiles {q(0.75):.1f}-{q(0.25):.1f})")


if __name__ == "__main__":
    main()
