#!/usr/bin/env bash
# The CUDA issue's GPU check, in one call on a GPU machine that has no Swift toolchain.
#
# Here (with Swift):   scripts/gpu_check.sh prepare    builds the static binary into gpu/ (ignored by git)
# There (with a GPU):  scripts/gpu_check.sh run        runs the self-test, the benchmarks and PyTorch's figures
#                                                      and prints the ratio table; files go to $OUT (or ./gpu-out)
set -euo pipefail
cd "$(dirname "$0")/.."
case "${1:-}" in
prepare)
    swift build -c release --static-swift-stdlib --product swifttorch
    rm -rf gpu && mkdir -p gpu/lib
    bin="$(swift build -c release --static-swift-stdlib --show-bin-path)/swifttorch"
    cp "$bin" gpu/swifttorch
    strip gpu/swifttorch 2>/dev/null || true
    # The Swift runtime is static; OpenBLAS (and its Fortran runtime) and zlib are not, and a bare GPU machine may
    # lack them: carry the ones this build links, compressed (the carried tree must stay under 64 MiB).
    for lib in $(ldd "$bin" | awk '/=>/ {print $3}' | grep -E 'libopenblas|libgfortran|libquadmath|libz\.so'); do
        cp -L "$lib" gpu/lib/
    done
    gzip -9 gpu/swifttorch gpu/lib/*
    grep -qx '/gpu/' .git/info/exclude 2>/dev/null || echo '/gpu/' >> .git/info/exclude
    du -ah gpu
    ;;
run)
    OUT="${OUT:-$PWD/gpu-out}"
    mkdir -p "$OUT"
    BIN=/tmp/swifttorch-gpu
    rm -rf "$BIN" && mkdir -p "$BIN/lib"
    gunzip -c gpu/swifttorch.gz > "$BIN/swifttorch" && chmod +x "$BIN/swifttorch"
    for f in gpu/lib/*.gz; do gunzip -c "$f" > "$BIN/lib/$(basename "$f" .gz)"; done
    PY="${PYTHON:-python3}"
    # PyTorch's CUDA wheels carry NVRTC and cuBLAS in site-packages/nvidia/*/lib; name them for the loader too.
    NV_LIBS="$($PY -c 'import glob, os, nvidia; roots = list(nvidia.__path__); print(":".join(sorted({os.path.dirname(p) for r in roots for p in glob.glob(r + "/*/lib/lib*.so*")})))' 2>/dev/null || true)"
    export LD_LIBRARY_PATH="$BIN/lib${NV_LIBS:+:$NV_LIBS}${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
    nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader | tee "$OUT/nvidia-smi.txt" || true
    "$BIN/swifttorch" doctor | tee "$OUT/doctor.txt"
    set +e
    # One process per phase, so a crash in one (a failed launch stops the process) leaves the others' results.
    status=0
    rm -f "$OUT/swifttorch.jsonl"
    for phase in kernels blas tensors training bench; do
        echo "== phase $phase" | tee -a "$OUT/selftest.txt"
        "$BIN/swifttorch" cuda-selftest --phases "$phase" --json "$OUT/swifttorch.jsonl" 2>&1 | tee -a "$OUT/selftest.txt"
        rc=${PIPESTATUS[0]}
        echo "== phase $phase exit $rc" | tee -a "$OUT/selftest.txt"
        [ "$rc" -ne 0 ] && status=$rc
        if [ "$phase" = tensors ] && [ "$rc" -ge 128 ]; then
            # The tensor phase crashed: run it op by op to name the op (and keep every other op's result).
            for op in $("$BIN/swifttorch" ops | sed -n 's/^| `\([^`]*\)` |.*/\1/p'); do
                "$BIN/swifttorch" cuda-selftest --phases tensors --ops "$op" --json "$OUT/swifttorch.jsonl" >> "$OUT/selftest-ops.txt" 2>&1
                echo "op $op exit $?" >> "$OUT/selftest-ops.txt"
            done
            grep -v "exit 0$" "$OUT/selftest-ops.txt" | grep "^op " | tee -a "$OUT/selftest.txt" || true
        fi
    done
    set -e
    "$PY" scripts/cuda_reference.py > "$OUT/pytorch.jsonl" || echo "gpu_check: the PyTorch reference failed"
    "$PY" - "$OUT/swifttorch.jsonl" "$OUT/pytorch.jsonl" <<'PYEOF' | tee "$OUT/ratios.txt"
import json, sys
def load(p):
    try:
        return {r["id"]: r for r in map(json.loads, open(p)) if r.get("kind") == "bench"}
    except FileNotFoundError:
        return {}
st, pt = load(sys.argv[1]), load(sys.argv[2])
copy_st = st.get("copy_256mib", {}).get("gbps")
print(f"{'workload':24} {'swifttorch':>12} {'pytorch':>12} {'ratio':>7}  note")
for k in st:
    unit = next(u for u in ("tflops", "gbps", "steps_per_s") if u in st[k])
    a, b = st[k][unit], pt.get(k, {}).get(unit)
    note = f"{a / copy_st:.0%} of copy" if unit == "gbps" and copy_st and k != "copy_256mib" else ""
    print(f"{k:24} {a:12.1f} {b if b is None else round(b, 1)!s:>12} {'' if not b else f'{a / b:7.2f}'}  {note}")
PYEOF
    exit "$status"
    ;;
*)
    echo "usage: scripts/gpu_check.sh prepare|run" >&2
    exit 2
    ;;
esac
