#!/usr/bin/env bash
# Runs SwiftTorch's benchmark suite and PyTorch's reference script one after the other on this machine and
# prints the ratio table (docs/benchmarks.md's format).
#
#   PYTHON=/path/to/venv/bin/python scripts/bench_side_by_side.sh [OUT_DIR] [extra options, e.g. --quick --only conv]
#
# The PyTorch side needs `pip install torch numpy` in that environment. Records are kept in OUT_DIR
# (default: bench-out/<date>) as swifttorch.jsonl and pytorch.jsonl.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
OUT=${1:-bench-out/$(date +%Y-%m-%d)}
shift || true
SHARED=${SHARED:-../shared}
mkdir -p "$OUT"
swift build -c release --product swifttorch >&2
echo "SwiftTorch $(git rev-parse --short HEAD) ..." >&2
.build/release/swifttorch bench --threads 1 2 --json "$@" > "$OUT/swifttorch.jsonl"
echo "PyTorch reference ..." >&2
"$PYTHON" "$SHARED/bench/pytorch_reference.py" --threads 1 2 --json "$@" > "$OUT/pytorch.jsonl"
python3 scripts/compare_bench.py "$OUT/swifttorch.jsonl" "$OUT/pytorch.jsonl"
