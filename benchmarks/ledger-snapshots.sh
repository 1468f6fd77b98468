#!/usr/bin/env bash
# Start-up of modelgate on a ledger of 1,000,000 events against an empty one (file store);
# writes benchmarks/RESULTS-ledger-snapshots.md.
#
#   bash benchmarks/ledger-snapshots.sh [--events 1000000] [--models 100] [--runs 3] [--heap 256m]
#                                       [--timeout S] [--no-build] [--out FILE] [--keep]
#
# On 127.0.0.1 and free ports, with one config of --models models (2 versions, alias production
# 90/10; endpoints never contacted):
#   1. empty ledger: `serve` on a fresh state dir, --runs times (each a new dir); the first start
#      records the config's models as config events, so "empty" is the smallest real ledger;
#   2. the long ledger is made the way an operator would move one: the config events of run 1,
#      then set_weights moves of one alias (90/10 and 80/20 in turn, each revision one on) up to
#      --events minus 999, as JSON lines, loaded by `modelgate state import` into a new state dir
#      (batched appends; the import saves a snapshot at its last seq);
#   3. 999 more moves appended to that ledger as batch lines, as the gateway writes them: the tail
#      a start-up folds when the writer's last snapshot (every 1,000 events) is as old as it gets;
#   4. `serve` on it, --runs times: the snapshot plus 999 events; /readyz, then the audit API's
#      seq 1 (which the events before the snapshot must still answer) is fetched and checked.
# Each start is timed from launch until GET /readyz answers 200 (polled every 50 ms); CPU time
# (utime + stime) from /proc/PID/stat and VmRSS once ready. Every process is stopped by its PID.
# Needs: java 17, mvn (unless --no-build with the jar built), python3, curl.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
EVENTS=1000000
MODELS=100
RUNS=3
HEAP=256m
TIMEOUT=300
BUILD=1
KEEP=0
OUT="$ROOT/benchmarks/RESULTS-ledger-snapshots.md"
TAIL=999
TOKEN=bench-token

while [[ $# -gt 0 ]]; do
  case "$1" in
    --events) EVENTS=$2; shift 2 ;;
    --models) MODELS=$2; shift 2 ;;
    --runs) RUNS=$2; shift 2 ;;
    --heap) HEAP=$2; shift 2 ;;
    --timeout) TIMEOUT=$2; shift 2 ;;
    --no-build) BUILD=0; shift ;;
    --out) OUT=$2; shift 2 ;;
    --keep) KEEP=1; shift ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
if (( EVENTS < MODELS + TAIL + 1 )); then
  echo "--events must exceed --models + $TAIL" >&2
  exit 2
fi

# shellcheck source=benchmarks/startup-common.sh
source "$ROOT/benchmarks/startup-common.sh"
JAVA_OPTS="-Xmx$HEAP -Xms32m -XX:+UseSerialGC"
export BENCH_TOKEN=$TOKEN


# gen_config STATE_DIR FILE
gen_config() {
  python3 - "$MODELS" "$1" "$2" "$(free_port)" "$(free_port)" <<'EOF'
import sys
n, state, path, port, admin = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5]
out = [f"server: {{port: {port}, admin_port: {admin}, host: 127.0.0.1, drain_timeout: 0}}",
       f"state: {{kind: file, dir: {state}}}", "access_log: off",
       "auth: {admin_tokens: [{name: bench, token_env: BENCH_TOKEN, role: viewer}]}", "models:"]
for i in range(n):
    out.append(f"  model-{i:04d}:")
    out.append("    versions:")
    for v in (1, 2):
        out.append(f"      v{v}: {{artifact: s3://models/{i}/v{v}, served_model: m{i}, endpoints: [http://127.0.0.1:{20000 + i}/v1]}}")
    out.append("    aliases:")
    out.append("      production: {weights: {v1: 90, v2: 10}, stable: v1}")
with open(path, "w") as f:
    f.write("\n".join(out) + "\n")
EOF
}

# start_once CONFIG LOG -> "ms cpu_ms rss audit_ms" (audit_ms: GET of seq 1), or "failed (...)"
start_once() {
  local config=$1 log=$2 admin start end
  admin=$(admin_port "$config")
  serve_until_ready "$config" "$log" || return 0
  start=$LAUNCHED_MS end=$READY_MS
  local cpu rss asked answered
  cpu=$(cpu_ms "$PID")
  rss=$(rss_mb "$PID")
  asked=$(now_ms)
  answered=$(curl -fsS -H "authorization: Bearer $TOKEN" "http://127.0.0.1:$admin/admin/v1/audit?since=0&limit=1" \
    | python3 -c 'import json,sys; e=json.load(sys.stdin)["events"]; print(e[0]["seq"] if e else "none")')
  local audit_ms=$(( $(now_ms) - asked ))
  kill "$PID"
  wait "$PID" 2>/dev/null || true
  PID=""
  [[ $answered == 1 ]] || { echo "failed (the audit API answered seq $answered for since=0)"; return; }
  echo "$(( end - start )) $cpu $rss $audit_ms"
}

EMPTY=()
for run in $(seq 1 "$RUNS"); do
  mkdir -p "$WORK/empty$run"
  gen_config "$WORK/empty$run/data" "$WORK/empty$run/gateway.yaml"
  EMPTY+=("$(start_once "$WORK/empty$run/gateway.yaml" "$WORK/empty$run/log")")
  echo "empty ledger, run $run: ${EMPTY[-1]}" >&2
done

# The config events the first empty start recorded, then moves of model-0000:production up to EVENTS - TAIL.
gen_moves() {
  python3 - "$@" <<'EOF'
import json, sys
mode, path, first_seq, count = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
head = sys.argv[5] if len(sys.argv) > 5 else None
shapes = [{"v1": 90, "v2": 10}, {"v1": 80, "v2": 20}]
def move(seq, revision):
    before = {"weights": shapes[(revision - 1) % 2], "stable": "v1", "revision": revision}
    after = {"weights": shapes[revision % 2], "stable": "v1", "revision": revision + 1}
    day, rest = divmod(seq, 86400)
    time = f"2026-{1 + day // 28:02d}-{1 + day % 28:02d}T{rest // 3600:02d}:{rest % 3600 // 60:02d}:{rest % 60:02d}Z"
    return json.dumps({"seq": seq, "time": time, "actor": "bench", "action": "set_weights", "model": "model-0000",
                       "alias": "production", "before": before, "after": after, "reason": None, "evidence": {}},
                      separators=(",", ":"))
with open(path, "a") as out:
    if head:
        with open(head) as f:
            out.writelines(line for line in f if not line.startswith('{"batch":'))
    revision = 1 + (first_seq - int(sys.argv[6] if len(sys.argv) > 6 else first_seq))
    lines = []
    for i in range(count):
        seq = first_seq + i
        if mode == "batches" and i % 100 == 0 and count - i > 1:
            lines.append('{"batch":%d}' % min(100, count - i))
        lines.append(move(seq, revision))
        revision += 1
        if len(lines) >= 50000:
            out.write("\n".join(lines) + "\n")
            lines = []
    if lines:
        out.write("\n".join(lines) + "\n")
EOF
}

LONG="$WORK/long"
mkdir -p "$LONG"
gen_config "$LONG/data" "$LONG/gateway.yaml"
generated=$(now_ms)
CONFIG_EVENTS=$(grep -vc '^{"batch":' "$WORK/empty1/data/ledger.jsonl")
BULK=$(( EVENTS - TAIL - CONFIG_EVENTS ))
FIRST_MOVE=$(( CONFIG_EVENTS + 1 ))
gen_moves plain "$WORK/events.jsonl" "$FIRST_MOVE" "$BULK" "$WORK/empty1/data/ledger.jsonl" "$FIRST_MOVE"
# shellcheck disable=SC2086
java $JAVA_OPTS -jar "$JAR" state import --config "$LONG/gateway.yaml" --in "$WORK/events.jsonl" >"$LONG/import.log" 2>&1 \
  || { echo "the import failed: $LONG/import.log" >&2; KEEP=1; exit 1; }
gen_moves batches "$LONG/data/ledger.jsonl" "$(( FIRST_MOVE + BULK ))" "$TAIL" "" "$FIRST_MOVE"
generated=$(( $(now_ms) - generated ))
echo "generated $EVENTS events in $(( generated / 1000 )) s: $(tail -1 "$LONG/import.log")" >&2
LEDGER_BYTES=$(stat -c %s "$LONG/data/ledger.jsonl")
SNAPSHOT=$(cd "$LONG/data" && ls snapshot-*.json)

FULL=()
for run in $(seq 1 "$RUNS"); do
  FULL+=("$(start_once "$LONG/gateway.yaml" "$LONG/serve$run.log")")
  echo "$EVENTS events, run $run: ${FULL[-1]}" >&2
done

median() { sort -n | awk '{a[NR] = $1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
column() { local i=$1; shift; for row in "$@"; do [[ $row == failed* ]] || echo "$row" | cut -d' ' -f"$i"; done; }
{
  echo "# Ledger snapshots: start-up with 1,000,000 events against an empty ledger"
  echo
  echo "Generated by \`benchmarks/ledger-snapshots.sh\` on $(date -u +%Y-%m-%d), $(nproc) cores, $(java -version 2>&1 | head -1)."
  echo "File store; $MODELS models in the config; JVM flags \`$JAVA_OPTS\`; load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)."
  echo "The long ledger: $EVENTS events, $(( LEDGER_BYTES / 1048576 )) MiB, $SNAPSHOT beside it and $TAIL events after it"
  echo "(made in $(( generated / 1000 )) s, import included)."
  echo
  echo "| ledger | run | ready | CPU | VmRSS ready | audit since=0 |"
  echo "|---|---:|---:|---:|---:|---:|"
  row() {
    if [[ $3 == failed* ]]; then echo "| $1 | $2 | $3 | | | |"; else read -r ms cpu rss audit <<<"$3"
      awk -v l="$1" -v r="$2" -v ms="$ms" -v cpu="$cpu" -v rss="$rss" -v a="$audit" \
        'BEGIN {printf "| %s | %s | %.2f s | %.2f s | %s MB | %d ms |\n", l, r, ms / 1000, cpu / 1000, rss, a}'; fi
  }
  for i in "${!EMPTY[@]}"; do row "empty ($MODELS config events)" "$(( i + 1 ))" "${EMPTY[$i]}"; done
  for i in "${!FULL[@]}"; do row "$EVENTS events" "$(( i + 1 ))" "${FULL[$i]}"; done
  e=$(column 1 "${EMPTY[@]}" | median)
  f=$(column 1 "${FULL[@]}" | median)
  echo
  awk -v e="$e" -v f="$f" 'BEGIN {printf "Median ready: empty %.2f s, %s events %.2f s: **%.2f×** (goal: at most 2×).\n", e / 1000, "'"$EVENTS"'", f / 1000, f / e}'
} >"$OUT"
cat "$OUT"
