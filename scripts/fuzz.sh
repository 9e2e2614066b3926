#!/usr/bin/env bash
# Fuzzes every reader with libFuzzer for SECONDS each (default 60), two at a time:
#   scripts/fuzz.sh [SECONDS] [reader ...]        readers: safetensors pt npy npz events idx
# Builds Fuzz/ with `swift build -c release --sanitize fuzzer`, starts each target from a copy of its seed corpus
# (Fuzz/Corpus/<reader>, written by scripts/make_fuzz_corpus.py), and prints executions, coverage and corpus
# growth. Crashing inputs are kept in Fuzz/Crashes/<reader>/; each one becomes a regression test.
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_EACH="${1:-60}"
shift || true
READERS=("$@")
[ ${#READERS[@]} -eq 0 ] && READERS=(safetensors pt npy npz events idx)
(cd Fuzz && swift build -c release --sanitize fuzzer >/dev/null)
BIN="$(cd Fuzz && swift build -c release --sanitize fuzzer --show-bin-path)"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
export SWIFT_BACKTRACE=enable=no
run() {
    local r="$1"
    mkdir -p "$WORK/$r" "Fuzz/Crashes/$r"
    cp Fuzz/Corpus/"$r"/* "$WORK/$r/"
    "$BIN/fuzz-$r" "$WORK/$r" -max_total_time="$SECONDS_EACH" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
        -print_final_stats=1 -artifact_prefix="Fuzz/Crashes/$r/" > "$WORK/$r.log" 2>&1 || true
    local execs cov units crashes
    execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$WORK/$r.log" | grep -o '[0-9]*$' || echo "?")
    cov=$(grep -o 'cov: [0-9]*' "$WORK/$r.log" | tail -1 | grep -o '[0-9]*' || echo "?")
    units=$(ls "$WORK/$r" | wc -l)
    crashes=$(ls "Fuzz/Crashes/$r" | wc -l)
    printf '%-12s %6ss  %10s executions  coverage %5s  corpus %4s  crashes %s\n' "$r" "$SECONDS_EACH" "$execs" "$cov" "$units" "$crashes"
    if [ "$crashes" != "0" ]; then grep -E 'ERROR|Fatal error|==[0-9]+==' "$WORK/$r.log" | head -5; fi
}
i=0
for r in "${READERS[@]}"; do
    run "$r" &
    i=$((i + 1))
    if [ $((i % 2)) -eq 0 ]; then wait; fi
done
wait
