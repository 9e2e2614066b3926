#!/usr/bin/env python3
"""Runs chosen workloads of SwiftTorch and of the PyTorch reference in alternation, one workload group at a time,
and prints the ratio table of the medians over the rounds.

    PYTHON=/path/to/venv/bin/python python3 scripts/bench_interleaved.py OUT_DIR --rounds 5 --only ew_add_bcast,red_

Memory-bound rows move by up to 2x between minutes on a shared machine; a full run of one framework after the
other compares two different minutes. Here each group (one `--only` prefix) runs SwiftTorch, then PyTorch, then
PyTorch, then SwiftTorch, and so on, so that both see the same conditions; the table takes each framework's
median over the rounds. With --each, every workload id the prefixes select is a group of its own, so the two
frameworks alternate every few seconds instead of every few minutes. Records of every round are kept in OUT_DIR (swifttorch.jsonl, pytorch.jsonl).

With --probe, scripts/bandwidth_probe.c (built with gcc) also runs after each group of each round, and a second
table gives the memory roofline of those same minutes (read, copy and non-temporal copy of 64 MiB buffers): the
ceiling of every 16M-element row, whichever framework runs it (records: probe.jsonl).
"""
import argparse
import json
import os
import statistics
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def records(command):
    """The JSON records a benchmark command prints."""
    out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    return [json.loads(line) for line in out.splitlines() if line.startswith("{")]


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("out")
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--only", required=True, help="comma-separated workload id prefixes, each run as one group")
    p.add_argument("--threads", default="1 2")
    p.add_argument("--probe", action="store_true", help="also measure the memory roofline in each round")
    p.add_argument("--each", action="store_true",
                   help="run every workload id that the prefixes select as its own group (alternating per workload)")
    p.add_argument("--table", action="store_true",
                   help="only print the tables of the records already in OUT_DIR (no benchmark runs)")
    args = p.parse_args()
    if args.table:
        load = lambda name: [json.loads(l) for l in open(os.path.join(args.out, name))] \
            if os.path.exists(os.path.join(args.out, name)) else []
        table(load("swifttorch.jsonl"), load("pytorch.jsonl"), args.rounds)
        if load("probe.jsonl"):
            roofline(load("probe.jsonl"))
        return
    python = os.environ.get("PYTHON", "python3")
    shared = os.environ.get("SHARED", os.path.join(ROOT, "..", "shared"))
    swift = os.path.join(ROOT, ".build", "release", "swifttorch")
    threads = args.threads.split()
    os.makedirs(args.out, exist_ok=True)
    runs = {"swifttorch": [], "pytorch": []}
    commands = {
        "swifttorch": lambda g: [swift, "bench", "--json", "--only", g, "--threads", *threads],
        "pytorch": lambda g: [python, os.path.join(shared, "bench", "pytorch_reference.py"), "--json", "--only", g,
                              "--threads", *threads],
    }
    probe = None
    if args.probe:
        cc = shutil.which("gcc") or shutil.which("cc")
        if not cc:
            sys.exit("--probe needs gcc or cc")
        probe = os.path.join(args.out, "bandwidth_probe")
        subprocess.run([cc, "-O2", "-march=native", "-pthread", "-o", probe, os.path.join(HERE, "bandwidth_probe.c")],
                       check=True)
        runs["probe"] = []
    groups = args.only.split(",")
    if args.each:
        listed = subprocess.run([swift, "bench", "--list"], check=True, capture_output=True, text=True).stdout.split()
        groups = [w for w in listed if any(w.startswith(g) for g in groups)]
    for r in range(args.rounds):
        order = ["swifttorch", "pytorch"] if r % 2 == 0 else ["pytorch", "swifttorch"]
        for group in groups:
            for fw in order:
                recs = records(commands[fw](group))
                for rec in recs:
                    rec["round"] = r
                # An id is also the prefix of longer ids (`..._fwd` of `..._fwdbwd`): keep only its own records.
                runs[fw] += [rec for rec in recs if not args.each or rec["id"] == group]
            if probe:
                for rec in records([probe, "11"]):
                    rec["round"] = r
                    runs["probe"].append(rec)
        print(f"round {r + 1} of {args.rounds} done", file=sys.stderr)
    for fw, recs in runs.items():
        with open(os.path.join(args.out, f"{fw}.jsonl"), "w") as f:
            for rec in recs:
                f.write(json.dumps(rec) + "\n")
    table(runs["swifttorch"], runs["pytorch"], args.rounds)
    if probe:
        roofline(runs["probe"])


def roofline(recs):
    """The probe's medians per measurement and thread count, over every group and round."""
    values = {}
    for rec in recs:
        values.setdefault((rec["threads"], rec["id"]), []).append(rec["value"])
    print()
    print(f"| memory roofline (scripts/bandwidth_probe.c) | T | GB/s, median of {len(next(iter(values.values())))} | range |")
    print("| --- | --- | --- | --- |")
    for (t, name), v in sorted(values.items()):
        print(f"| `{name}` | {t} | {statistics.median(v):.4g} | {min(v):.4g}–{max(v):.4g} |")


def table(swift, torch, rounds):
    def medians(recs):
        values, meta, order = {}, {}, []
        for rec in recs:
            key = (rec["id"], rec["threads"])
            if key not in values:
                values[key] = []
                order.append(key)
            values[key].append(rec["value"])
            meta[key] = rec
        return {k: statistics.median(v) for k, v in values.items()}, meta, order, values

    ms, meta, order, sv = medians(swift)
    mt, _, _, tv = medians(torch)
    keys = sorted([k for k in order if k in mt], key=lambda k: (k[1], order.index(k)))
    def by_round(recs):
        out = {}
        for rec in recs:
            out.setdefault((rec["id"], rec["threads"]), {})[rec["round"]] = rec["value"]
        return out

    sr, tr = by_round(swift), by_round(torch)
    print(f"| workload | T | unit | SwiftTorch (median of {rounds}) | PyTorch (median of {rounds}) | ratio | SwiftTorch range | PyTorch range | ratios of the rounds (median) |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    below = []
    for k in keys:
        higher = meta[k]["higher_is_better"]
        ratio = ms[k] / mt[k] if higher else mt[k] / ms[k]
        if ratio < 1.0:
            below.append(f"`{k[0]}` (T={k[1]}) {ratio:.2f}")
        rng = lambda v: f"{min(v):.4g}–{max(v):.4g}"
        # Each round's own ratio (both frameworks in the same minutes), and their median.
        paired = [(sr[k][r] / tr[k][r]) if higher else (tr[k][r] / sr[k][r]) for r in sorted(sr[k]) if r in tr[k]]
        rounds_text = " ".join(f"{x:.2f}" for x in paired) + f" ({statistics.median(paired):.2f})" if paired else ""
        print(f"| `{k[0]}` | {k[1]} | {meta[k]['unit']} | {ms[k]:.4g} | {mt[k]:.4g} | {ratio:.2f}{'' if ratio >= 1 else ' ✗'} "
              f"| {rng(sv[k])} | {rng(tv[k])} | {rounds_text} |")
    print()
    print(f"{len(keys) - len(below)} of {len(keys)} at or above 1.00." + (" Below: " + ", ".join(below) + "." if below else ""))


if __name__ == "__main__":
    main()
