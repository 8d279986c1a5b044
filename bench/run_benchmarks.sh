#!/usr/bin/env bash
# sluice benchmarks, measured side by side in one run and reported as ratios (never asserted in
# tests). Needs a build with guests (cmake --build build) and a C compiler.
#
#   bash bench/run_benchmarks.sh [BUILD_DIR]      (default: build)
#
# Reports, as a Markdown table on stdout:
#   - compute: SHA-256 over 256 MiB, sluice (warm cache) vs the same C compiled natively with
#     cc -O2, runs alternated, median of 5 each;
#   - cold compile and warm start of a small component (hello), and of the componentize-js agent
#     when BENCH_JS=1 (its cold compile takes minutes);
#   - one host call (clock_gettime through the preview1 adapter into wasi:clocks) vs the native
#     vDSO clock_gettime.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
BUILD=${1:-build}
SLUICE=$BUILD/cli/sluice
GUESTS=$BUILD/guests
RUNS=${RUNS:-5}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
export XDG_CACHE_HOME=$WORK/cache

[[ -x $SLUICE ]] || { echo "build sluice first: $SLUICE missing" >&2; exit 1; }

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { print b - a }'; }
div() { awk -v a="$1" -v b="$2" 'BEGIN { print a / b }'; }
median() { sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
timed() {  # prints seconds taken by "$@" (output discarded)
  local t0 t1
  t0=$(now); "$@" >/dev/null 2>&1; t1=$(now)
  elapsed "$t0" "$t1"
}

cc -O2 -o "$WORK/sha256_native" tests/guests/compute_sha256.c
cc -O2 -o "$WORK/host_calls_native" tests/guests/host_calls.c
"$SLUICE" compile "$GUESTS/compute_sha256.wasm" -o "$WORK/sha.sluice" 2>/dev/null

# Same digest from both, or the comparison means nothing.
a=$("$WORK/sha256_native" 16 | tail -1)
b=$("$SLUICE" run "$GUESTS/compute_sha256.wasm" -- 16 | tail -1)
[[ $a == "$b" ]] || { echo "digest mismatch: native '$a' vs sluice '$b'" >&2; exit 1; }

MIB=${MIB:-256}
: >"$WORK/native.t"; : >"$WORK/sluice.t"
for ((i = 0; i < RUNS; i++)); do
  timed "$WORK/sha256_native" "$MIB" >>"$WORK/native.t"
  timed "$SLUICE" run "$GUESTS/compute_sha256.wasm" -- "$MIB" >>"$WORK/sluice.t"
done
native=$(median <"$WORK/native.t"); inside=$(median <"$WORK/sluice.t")

# Cold compile (empty cache) and warm start (cached artifact) of hello.
: >"$WORK/cold.t"; : >"$WORK/warm.t"
for ((i = 0; i < 3; i++)); do
  rm -rf "$XDG_CACHE_HOME"
  timed "$SLUICE" run "$GUESTS/hello.wasm" >>"$WORK/cold.t"
done
for ((i = 0; i < 10; i++)); do timed "$SLUICE" run "$GUESTS/hello.wasm" >>"$WORK/warm.t"; done
cold=$(median <"$WORK/cold.t"); warm=$(median <"$WORK/warm.t")

host_native=$("$WORK/host_calls_native" 10000000 | sed -E 's/.* ([0-9.]+) ns\/call/\1/')
host_sluice=$("$SLUICE" run "$GUESTS/host_calls.wasm" -- 10000000 | sed -E 's/.* ([0-9.]+) ns\/call/\1/')

echo "| measure | native | sluice | ratio |"
echo "|---|---|---|---|"
printf '| SHA-256 of %s MiB (s, median of %s) | %.3f | %.3f | %.2fx |\n' "$MIB" "$RUNS" "$native" "$inside" "$(div "$inside" "$native")"
printf '| clock_gettime host call (ns) | %s | %s | %.1fx |\n' "$host_native" "$host_sluice" "$(div "$host_sluice" "$host_native")"
printf '| hello: cold compile + run (s) | | %.2f | |\n' "$cold"
printf '| hello: warm start + run (s) | | %.3f | |\n' "$warm"

if [[ ${BENCH_JS:-0} == 1 ]]; then
  rm -rf "$XDG_CACHE_HOME"
  jcold=$(timed "$SLUICE" run --opt-level 1 "$GUESTS/js_hello.wasm")
  : >"$WORK/jwarm.t"
  for ((i = 0; i < 5; i++)); do timed "$SLUICE" run --opt-level 1 "$GUESTS/js_hello.wasm" >>"$WORK/jwarm.t"; done
  printf '| js agent: cold compile -O1 + run (s) | | %.1f | |\n' "$jcold"
  printf '| js agent: warm start + run (s) | | %.3f | |\n' "$(median <"$WORK/jwarm.t")"
fi
