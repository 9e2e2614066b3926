#!/usr/bin/env python3
"""Writes Tests/TorchCoreTests/Resources/reference.json: op results computed by NumPy/SciPy in float64.

The tests read the JSON file; this script is only needed to regenerate it:
    python3 scripts/make_reference.py
Inputs are fixed numbers written below (no RNG), so the output is identical on every run.
"""
import json
import os

import numpy as np
from scipy import special

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "Tests", "TorchCoreTests", "Resources", "reference.json")

real = np.array([-2.5, -1.3, -0.7, -0.2, 0.0, 0.1, 0.45, 0.9, 1.2, 1.7, 2.4, 3.1]).reshape(3, 4)
positive = np.array([0.05, 0.3, 0.5, 0.8, 1.0, 1.5, 2.0, 3.3, 4.7, 7.0, 10.0, 25.0]).reshape(3, 4)
unit = np.array([-0.95, -0.8, -0.5, -0.3, -0.1, 0.0, 0.05, 0.25, 0.5, 0.7, 0.85, 0.99]).reshape(3, 4)
above_one = positive + 1.0


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def softplus(x, beta=1.0, threshold=20.0):
    return np.where(x * beta > threshold, x, np.log1p(np.exp(beta * x)) / beta)


SELU_A, SELU_S = 1.6732632423543772, 1.0507009873554805
unary = {
    "neg": (real, -real), "abs": (real, np.abs(real)), "sign": (real, np.sign(real)),
    "exp": (real, np.exp(real)), "exp2": (real, np.exp2(real)), "expm1": (real, np.expm1(real)),
    "log": (positive, np.log(positive)), "log2": (positive, np.log2(positive)),
    "log10": (positive, np.log10(positive)), "log1p": (positive, np.log1p(positive)),
    "sqrt": (positive, np.sqrt(positive)), "rsqrt": (positive, 1 / np.sqrt(positive)),
    "square": (real, real ** 2),
    "sin": (real, np.sin(real)), "cos": (real, np.cos(real)), "tan": (unit, np.tan(unit)),
    "asin": (unit, np.arcsin(unit)), "acos": (unit, np.arccos(unit)), "atan": (real, np.arctan(real)),
    "sinh": (real, np.sinh(real)), "cosh": (real, np.cosh(real)), "tanh": (real, np.tanh(real)),
    "asinh": (real, np.arcsinh(real)), "acosh": (above_one, np.arccosh(above_one)), "atanh": (unit, np.arctanh(unit)),
    "sigmoid": (real, sigmoid(real)), "logSigmoid": (real, np.log(sigmoid(real))),
    "relu": (real, np.maximum(real, 0)), "relu6": (real * 3, np.clip(real * 3, 0, 6)),
    "leakyRelu": (real, np.where(real > 0, real, 0.01 * real)),
    "elu": (real, np.where(real > 0, real, np.expm1(real))),
    "selu": (real, SELU_S * np.where(real > 0, real, SELU_A * np.expm1(real))),
    "gelu": (real, 0.5 * real * (1 + special.erf(real / np.sqrt(2)))),
    "geluTanh": (real, 0.5 * real * (1 + np.tanh(np.sqrt(2 / np.pi) * (real + 0.044715 * real ** 3)))),
    "silu": (real, real * sigmoid(real)), "mish": (real, real * np.tanh(softplus(real))),
    "softplus": (real, softplus(real)), "hardtanh": (real, np.clip(real, -1, 1)),
    "hardsigmoid": (real * 2, np.clip(real * 2 + 3, 0, 6) / 6),
    "hardswish": (real * 2, real * 2 * np.clip(real * 2 + 3, 0, 6) / 6),
    "erf": (real, special.erf(real)), "erfc": (real, special.erfc(real)), "erfinv": (unit, special.erfinv(unit)),
    "reciprocal": (positive, 1 / positive),
    "floor": (real, np.floor(real)), "ceil": (real, np.ceil(real)), "round": (real * 2, np.round(real * 2)),
    "trunc": (real, np.trunc(real)), "frac": (real, real - np.trunc(real)),
}

b_row = np.array([0.5, -1.5, 2.0, 3.0])
binary = {
    "add": np.add(real, b_row), "sub": np.subtract(real, b_row), "mul": np.multiply(real, b_row),
    "div": np.divide(real, b_row), "floorDivide": np.floor_divide(real, b_row),
    "remainder": np.remainder(real, b_row), "fmod": np.fmod(real, b_row),
    "maximum": np.maximum(real, b_row), "minimum": np.minimum(real, b_row),
    "atan2": np.arctan2(real, b_row), "hypot": np.hypot(real, b_row),
    "pow": np.power(positive, b_row),
}


def lse(x, axis):
    m = np.max(x, axis=axis, keepdims=True)
    return (np.log(np.sum(np.exp(x - m), axis=axis, keepdims=True)) + m).squeeze(axis)


def softmax(x, axis):
    e = np.exp(x - np.max(x, axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


cube = np.arange(24, dtype=np.float64).reshape(2, 3, 4) / 7.0 - 1.5
reductions = {
    "sum_dim1": (real, real.sum(axis=1)), "sum_all": (real, np.array(real.sum())),
    "mean_dim0": (real, real.mean(axis=0)), "var_dim1": (real, real.var(axis=1, ddof=1)),
    "std_dim0_c0": (real, real.std(axis=0, ddof=0)), "prod_dim1": (positive, positive.prod(axis=1)),
    "amax_dim1": (real, real.max(axis=1)), "amin_dim0": (real, real.min(axis=0)),
    "logsumexp_dim1": (real, lse(real, 1)), "softmax_dim1": (real, softmax(real, 1)),
    "softmax_dim0": (real, softmax(real, 0)), "logSoftmax_dim1": (real, np.log(softmax(real, 1))),
    "cumsum_dim1": (real, np.cumsum(real, axis=1)), "cumprod_dim0": (real, np.cumprod(real, axis=0)),
    "norm3_dim1": (real, np.sum(np.abs(real) ** 3, axis=1) ** (1 / 3)),
    "norm2_all": (real, np.array(np.sqrt(np.sum(real ** 2)))),
    "sum_dims02_cube": (cube, cube.sum(axis=(0, 2))), "var_all_cube": (cube, np.array(cube.var(ddof=1))),
    "sort_dim1_desc": (real[:, ::-1].copy(), -np.sort(-real[:, ::-1], axis=1)),
    "median_all": (real, np.array(np.sort(real.ravel())[(real.size - 1) // 2])),
}

lin_a = np.arange(24, dtype=np.float64).reshape(2, 3, 4) / 10.0 - 1.0
lin_b = np.arange(16, dtype=np.float64).reshape(2, 4, 2) / 5.0 - 1.5
linalg = {
    "bmm": (lin_a, lin_b, lin_a @ lin_b),
    "matmul_bcast": (lin_a, lin_b[0], lin_a @ lin_b[0]),
    "einsum_bij_bjk": (lin_a, lin_b, np.einsum("bij,bjk->bik", lin_a, lin_b)),
    "einsum_trace": (real[:, :3], None, np.array(np.einsum("ii->", real[:, :3]))),
    "einsum_outer": (b_row, b_row, np.einsum("i,j->ij", b_row, b_row)),
}


def enc(a):
    a = np.asarray(a, dtype=np.float64)
    return {"shape": list(a.shape), "values": [float(v) for v in a.ravel()]}


out = {
    "unary": {k: {"input": enc(i), "output": enc(o)} for k, (i, o) in unary.items()},
    "binary": {k: {"a": enc(real if k != "pow" else positive), "b": enc(b_row), "output": enc(o)} for k, o in binary.items()},
    "reductions": {k: {"input": enc(i), "output": enc(o)} for k, (i, o) in reductions.items()},
    "linalg": {k: {"a": enc(a), "b": (enc(b) if b is not None else None), "output": enc(o)} for k, (a, b, o) in linalg.items()},
}
with open(OUT, "w") as f:
    json.dump(out, f, indent=1, sort_keys=True)
    f.write("\n")
print("wrote", OUT)
