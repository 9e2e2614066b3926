#!/usr/bin/env python3
"""Turns `swifttorch bench --json` and `pytorch_reference.py --json` output into the Markdown table of
docs/benchmarks.md.

    python3 scripts/compare_bench.py swift.jsonl torch.jsonl
    python3 scripts/compare_bench.py swiftA.jsonl torchA.jsonl swiftB.jsonl torchB.jsonl   # two runs side by side

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


def ratio_of(s, t):
    return s["value"] / t["value"] if s["higher_is_better"] else t["value"] / s["value"]


def main():
    if len(sys.argv) == 5:
        return two_runs(*[load(p) for p in sys.argv[1:5]])
    swift, torch = load(sys.argv[1]), load(sys.argv[2])
    keys = [k for k in swift if k in torch]
    order = {k: i for i, k in enumerate(swift)}
    keys.sort(key=lambda k: (k[1], order[k]))
    print("| workload | threads | unit | SwiftTorch | PyTorch | ratio |")
    print("| --- | --- | --- | --- | --- | --- |")
    worse = []
    for k in keys:
        s, t = swift[k], torch[k]
        ratio = ratio_of(s, t)
        mark = "" if ratio >= 1.0 else " ✗"
        if ratio < 1.0:
            worse.append(f"{k[0]} (T={k[1]}): {ratio:.2f}")
        print(f"| `{k[0]}` | {k[1]} | {s['unit']} | {s['value']:.4g} | {t['value']:.4g} | {ratio:.2f}{mark} |")
    print()
    print(f"{len(keys) - len(worse)} of {len(keys)} at or above 1.00." + (" Below: " + "; ".join(worse) if worse else ""))


def two_runs(sa, ta, sb, tb):
    """The table of two side-by-side runs A and B, with the rows below 1.00 in both."""
    keys = [k for k in sa if k in ta and k in sb and k in tb]
    order = {k: i for i, k in enumerate(sa)}
    keys.sort(key=lambda k: (k[1], order[k]))
    print("| workload | T | unit | SwiftTorch A | PyTorch A | ratio A | SwiftTorch B | PyTorch B | ratio B |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    both, either = [], 0
    for k in keys:
        ra, rb = ratio_of(sa[k], ta[k]), ratio_of(sb[k], tb[k])
        cells = []
        for s, t, r in ((sa[k], ta[k], ra), (sb[k], tb[k], rb)):
            cells += [f"{s['value']:.4g}", f"{t['value']:.4g}", f"{r:.2f}" + ("" if r >= 1.0 else " ✗")]
        print(f"| `{k[0]}` | {k[1]} | {sa[k]['unit']} | " + " | ".join(cells) + " |")
        if ra < 1.0 and rb < 1.0:
            both.append(f"`{k[0]}` (T={k[1]}) {ra:.2f}/{rb:.2f}")
        if ra >= 1.0 or rb >= 1.0:
            either += 1
    ok = sum(1 for k in keys if ratio_of(sa[k], ta[k]) >= 1.0 and ratio_of(sb[k], tb[k]) >= 1.0)
    print()
    print(f"{ok} of {len(keys)} rows at or above 1.00 in both runs, {either} in at least one."
          + (" Below in both runs: " + ", ".join(both) + "." if both else ""))


if __name__ == "__main__":
    main()
