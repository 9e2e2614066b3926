#!/usr/bin/env python3
"""Turns `swifttorch bench --json` and `pytorch_reference.py --json` output into the Markdown table of
docs/benchmarks.md.

    python3 scripts/compare_bench.py swift.jsonl torch.jsonl

The ratio is "how many times better SwiftTorch is": value ratio for rates (higher is better), inverted for
times (lower is better). Above 1.00 SwiftTorch is ahead.
"""
import json
import sys


def load(path):
    out = {}
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line.startswith("{"):
                continue
            r = json.loads(line)
            out[(r["id"], r["threads"])] = r
    return out


def main():
    swift, torch = load(sys.argv[1]), load(sys.argv[2])
    keys = [k for k in swift if k in torch]
    order = {k: i for i, k in enumerate(swift)}
    keys.sort(key=lambda k: (k[1], order[k]))
    print("| workload | threads | unit | SwiftTorch | PyTorch | ratio |")
    print("| --- | --- | --- | --- | --- | --- |")
    worse = []
    for k in keys:
        s, t = swift[k], torch[k]
        ratio = s["value"] / t["value"] if s["higher_is_better"] else t["value"] / s["value"]
        mark = "" if ratio >= 1.0 else " ✗"
        if ratio < 1.0:
            worse.append(f"{k[0]} (T={k[1]}): {ratio:.2f}")
        print(f"| `{k[0]}` | {k[1]} | {s['unit']} | {s['value']:.4g} | {t['value']:.4g} | {ratio:.2f}{mark} |")
    print()
    print(f"{len(keys) - len(worse)} of {len(keys)} at or above 1.00." + (" Below: " + "; ".join(worse) if worse else ""))


if __name__ == "__main__":
    main()
