#!/usr/bin/env bash
# Egress benchmark (issue 3): what sluice's egress meter costs on the hot path, measured side by
# side in one run, variants alternated, reported as ratios (never asserted in tests).
#
#   bash bench/egress_bench.sh [BUILD_DIR]        (default: build; needs the guests and cc)
#
# Variants, all against one loopback sink (bench/tcp_sink.c) on 127.0.0.1:
#   sluice meter on    sluice run --allow-outbound tcp://127.0.0.1:PORT GUEST ...
#   sluice meter off   the same with --no-metering (policy decisions kept, nothing counted)
#   sluice policy      meter on and an active policy file: 1,000 rules (names, suffixes, CIDRs,
#                      deny rules including metadata and 10.0.0.0/8), every limit set (high
#                      enough not to bind): byte quotas, concurrency, connection and lookup rates
#   native             the same loop in C on POSIX sockets (bench/native_*.c, cc -O2)
#   jco                the same guest under jco's Node.js host (node_modules/.bin/jco run)
# Workloads:
#   stream  one connection, TOTAL bytes in writes of 1 KiB and of 64 KiB (guest bench_stream)
#   churn   N sequential connect + shutdown + close (guest bench_churn)
# Rates come from each program's own timing line (monotonic clock inside the guest / native
# program: process and sluice startup excluded); wall time per invocation is reported too.
# Each repetition runs every variant once; the order of meter on/off flips every repetition.
#
# Environment: REPS (5), STREAM_BYTES (1 GiB), CHURN_N (10000), and for jco, which is ~50x
# slower, JCO_STREAM_BYTES_1K (16 MiB), JCO_STREAM_BYTES_64K (64 MiB), JCO_CHURN_N (500);
# BENCH_JCO=0 skips jco; BENCH_RAW=FILE keeps the raw per-run lines
# (workload variant repetition rate wall_seconds).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
BUILD=${1:-build}
SLUICE=$BUILD/cli/sluice
GUESTS=$BUILD/guests
JCO=node_modules/.bin/jco
REPS=${REPS:-5}
STREAM_BYTES=${STREAM_BYTES:-1073741824}
CHURN_N=${CHURN_N:-10000}
JCO_STREAM_BYTES_1K=${JCO_STREAM_BYTES_1K:-16777216}
JCO_STREAM_BYTES_64K=${JCO_STREAM_BYTES_64K:-67108864}
JCO_CHURN_N=${JCO_CHURN_N:-500}
BENCH_JCO=${BENCH_JCO:-1}
IP=127.0.0.1

[[ -x $SLUICE ]] || { echo "build sluice first: $SLUICE missing" >&2; exit 1; }
for g in bench_stream bench_churn; do
  [[ -f $GUESTS/$g.wasm ]] || { echo "build the guests first: $GUESTS/$g.wasm missing" >&2; exit 1; }
done
if [[ $BENCH_JCO = 1 && ! -x $JCO ]]; then
  echo "jco not found ($JCO): npm ci, or BENCH_JCO=0" >&2; exit 1
fi

WORK=$(mktemp -d)
SINK_PID=
cleanup() {
  if [[ -n $SINK_PID ]]; then
    kill "$SINK_PID" 2>/dev/null || true
    wait "$SINK_PID" 2>/dev/null || true  # 143: killed, as intended
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT
export XDG_CACHE_HOME=$WORK/cache

for x in tcp_sink native_stream native_churn; do
  cc -O2 -Wall -o "$WORK/$x" "bench/$x.c"
done

"$WORK/tcp_sink" >"$WORK/sink.port" &
SINK_PID=$!
for _ in $(seq 100); do [[ -s $WORK/sink.port ]] && break; sleep 0.05; done
PORT=$(head -1 "$WORK/sink.port")
[[ $PORT =~ ^[0-9]+$ ]] || { echo "the sink did not print its port" >&2; exit 1; }
ALLOW=(--allow-outbound "tcp://$IP:$PORT")

# The active policy of the "policy" variant: the sink's rule among 1,000, with every limit set.
{
  echo "version = 1"
  echo "[outbound]"
  echo "allow = ["
  for i in $(seq 1 330); do
    echo "  \"tcp://api$i.example.com:443\", \"*://*.svc$i.example.net:*\", \"tcp://100.$((i % 250)).$((i / 250)).0/24:8000-9000\","
  done
  echo "  \"tcp://$IP:$PORT\","
  echo "]"
  echo "deny = [\"*://metadata:*\", \"*://10.0.0.0/8:*\", \"tcp://*.blocked.example:*\", \"udp://*:53\","
  for i in $(seq 1 5); do echo "  \"tcp://198.18.$i.0/24:*\","; done
  echo "]"
  echo "[limits]"
  echo "bytes_out = \"1024 GiB\""
  echo "bytes_out_per_destination = \"1024 GiB\""
  echo "concurrent_connections = 10000"
  echo "connections_per_second = { rate = 1000000, burst = 1000000 }"
  echo "dns_lookups_per_second = 1000"
  echo "[dns]"
  echo "max_name_length = 200"
} >"$WORK/policy.toml"

now() { date +%s.%N; }
RESULTS=$WORK/results  # lines: workload variant rep rate wall_seconds

# run WORKLOAD VARIANT REP EXPECTED_COUNT COMMAND...: runs it, parses "<unit> <n> seconds <s>",
# checks n, appends the rate (n / s) and the wall time.
run() {
  local workload=$1 variant=$2 rep=$3 expect=$4; shift 4
  local t0 t1 out
  t0=$(now)
  if ! out=$("$@" 2>"$WORK/stderr"); then
    echo "FAILED: $workload/$variant: $*" >&2; echo "$out" >&2; cat "$WORK/stderr" >&2; exit 1
  fi
  t1=$(now)
  local n s
  read -r _ n _ s <<<"$(grep -E '^(bytes|connections) [0-9]+ seconds ' <<<"$out" | tail -1)"
  if [[ $n != "$expect" ]]; then
    echo "FAILED: $workload/$variant moved $n, expected $expect: $out" >&2; exit 1
  fi
  awk -v w="$workload" -v v="$variant" -v r="$rep" -v n="$n" -v s="$s" -v a="$t0" -v b="$t1" \
    'BEGIN { printf "%s %s %s %.6f %.6f\n", w, v, r, n / s, b - a }' >>"$RESULTS"
}

sluice_cmd() {  # sluice_cmd on|off|policy GUEST ARGS...
  local mode=$1 guest=$2; shift 2
  local flags=("${ALLOW[@]}")
  [[ $mode = off ]] && flags+=(--no-metering)
  [[ $mode = policy ]] && flags=(--policy "$WORK/policy.toml")
  echo "$SLUICE" run "${flags[@]}" "$GUESTS/$guest.wasm" -- "$@"
}

# Warm the sluice cache (one compile per guest) and check that every variant works.
"$SLUICE" run "${ALLOW[@]}" "$GUESTS/bench_stream.wasm" -- $IP "$PORT" 1048576 65536 >/dev/null 2>&1
"$SLUICE" run "${ALLOW[@]}" "$GUESTS/bench_churn.wasm" -- $IP "$PORT" 10 >/dev/null 2>&1
"$SLUICE" run --policy "$WORK/policy.toml" "$GUESTS/bench_churn.wasm" -- $IP "$PORT" 10 >/dev/null
: >"$RESULTS"

one_rep() {
  local rep=$1 order=(on off policy)
  (( rep % 2 == 0 )) && order=(policy off on)
  for chunk in 1024 65536; do
    local w=stream-$((chunk / 1024))k jb=$JCO_STREAM_BYTES_1K
    (( chunk == 65536 )) && jb=$JCO_STREAM_BYTES_64K
    for m in "${order[@]}"; do
      # shellcheck disable=SC2046
      run "$w" "sluice-$m" "$rep" "$STREAM_BYTES" $(sluice_cmd "$m" bench_stream $IP "$PORT" "$STREAM_BYTES" "$chunk")
    done
    run "$w" native "$rep" "$STREAM_BYTES" "$WORK/native_stream" $IP "$PORT" "$STREAM_BYTES" "$chunk"
    if [[ $BENCH_JCO = 1 ]]; then
      run "$w" jco "$rep" "$jb" "$JCO" run "$GUESTS/bench_stream.wasm" $IP "$PORT" "$jb" "$chunk"
    fi
  done
  for m in "${order[@]}"; do
    # shellcheck disable=SC2046
    run churn "sluice-$m" "$rep" "$CHURN_N" $(sluice_cmd "$m" bench_churn $IP "$PORT" "$CHURN_N")
  done
  run churn native "$rep" "$CHURN_N" "$WORK/native_churn" $IP "$PORT" "$CHURN_N"
  if [[ $BENCH_JCO = 1 ]]; then
    run churn jco "$rep" "$JCO_CHURN_N" "$JCO" run "$GUESTS/bench_churn.wasm" $IP "$PORT" "$JCO_CHURN_N"
  fi
}

for rep in $(seq "$REPS"); do
  echo "repetition $rep/$REPS" >&2
  one_rep "$rep"
done

[[ -n ${BENCH_RAW:-} ]] && cp "$RESULTS" "$BENCH_RAW"

# ---- Report -----------------------------------------------------------------------------------
fmt_bytes() { awk -v b="$1" 'BEGIN { if (b >= 1073741824) printf "%g GiB", b / 1073741824;
  else printf "%g MiB", b / 1048576 }'; }
median() { sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
col() { awk -v w="$1" -v v="$2" -v c="$3" '$1==w && $2==v {print $c}' "$RESULTS"; }
minmax() { sort -g | awk 'NR==1{lo=$1} {hi=$1} END {printf "%s %s", lo, hi}'; }
# Per-repetition ratio on/off of a workload (the pairs ran back to back).
ratios() {  # ratios WORKLOAD [VARIANT (sluice-on)]
  awk -v w="$1" -v v="${2:-sluice-on}" '$1==w && $2==v {on[$3]=$4} $1==w && $2=="sluice-off" {off[$3]=$4}
    END { for (r in on) if (r in off) print on[r] / off[r] }' "$RESULTS"
}

echo
echo "Egress benchmark: $REPS alternating repetitions, medians; spread = min-max over repetitions."
echo "sluice $($SLUICE --version 2>/dev/null | head -1), $(uname -sr), $(nproc) cores, $(date -u +%Y-%m-%d)."
echo
echo "| workload | variant | per run | median rate | spread | vs meter off | median wall |"
echo "|---|---|---|---:|---:|---:|---:|"
for w in stream-1k stream-64k churn; do
  off_med=$(col "$w" sluice-off 4 | median)
  for v in sluice-on sluice-off sluice-policy native jco; do
    [[ -z $(col "$w" "$v" 4) ]] && continue
    med=$(col "$w" "$v" 4 | median)
    read -r lo hi <<<"$(col "$w" "$v" 4 | minmax)"
    wall=$(col "$w" "$v" 5 | median)
    case $w/$v in
      churn/jco) per="$JCO_CHURN_N conns" ;;
      churn/*) per="$CHURN_N conns" ;;
      stream-1k/jco) per="$(fmt_bytes "$JCO_STREAM_BYTES_1K") x 1 KiB" ;;
      stream-64k/jco) per="$(fmt_bytes "$JCO_STREAM_BYTES_64K") x 64 KiB" ;;
      stream-1k/*) per="$(fmt_bytes "$STREAM_BYTES") x 1 KiB" ;;
      stream-64k/*) per="$(fmt_bytes "$STREAM_BYTES") x 64 KiB" ;;
    esac
    if [[ $w = churn ]]; then
      awk -v w="$w" -v v="$v" -v p="$per" -v m="$med" -v lo="$lo" -v hi="$hi" -v o="$off_med" -v t="$wall" \
        'BEGIN { printf "| %s | %s | %s | %.0f conn/s | %.0f-%.0f | %.3f | %.2f s |\n", w, v, p, m, lo, hi, m / o, t }'
    else
      awk -v w="$w" -v v="$v" -v p="$per" -v m="$med" -v lo="$lo" -v hi="$hi" -v o="$off_med" -v t="$wall" \
        'BEGIN { M = 1048576; printf "| %s | %s | %s | %.0f MiB/s | %.0f-%.0f | %.3f | %.2f s |\n",
                 w, v, p, m / M, lo / M, hi / M, m / o, t }'
    fi
  done
done
echo
echo "Overhead = 1 - (variant / meter off), per repetition (the variants ran back to back):"
echo
echo "| workload | variant | median overhead | spread over repetitions | target |"
echo "|---|---|---:|---:|---:|"
for w in stream-1k stream-64k churn; do
  target="< 0.5%"; [[ $w = churn ]] && target="< 1%"
  for v in sluice-on sluice-policy; do
    med=$(ratios "$w" "$v" | median)
    read -r lo hi <<<"$(ratios "$w" "$v" | minmax)"
    awk -v w="$w" -v v="$v" -v m="$med" -v lo="$lo" -v hi="$hi" -v t="$target" \
      'BEGIN { printf "| %s | %s | %+.2f%% | %+.2f%% .. %+.2f%% | %s |\n", w, v, 100 * (1 - m), 100 * (1 - hi), 100 * (1 - lo), t }'
  done
done
