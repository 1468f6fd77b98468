#!/usr/bin/env bash
# Start-up of modelgate on a ledger of 1,000,000 events against an empty one, for each store;
# writes benchmarks/RESULTS-ledger-snapshots.md.
#
#   bash benchmarks/ledger-snapshots.sh [--stores "file postgres"] [--events 1000000] [--models 100]
#                                       [--runs 3] [--heap 256m] [--timeout S] [--no-build]
#                                       [--out FILE] [--keep]
#
# On 127.0.0.1 and free ports, with one config of --models models (2 versions, alias production
# 90/10; endpoints never contacted), for each store of --stores — `file` (a state dir per ledger)
# and `postgres` (a database per ledger on one embedded PostgreSQL, the tests' io.zonky binaries
# from the Maven repository, started by benchmarks/registry-scale/EmbeddedPostgresServer.java):
#   1. empty ledger: `serve` on a fresh ledger, --runs times (each a new one); the first start
#      records the config's models as config events, so "empty" is the smallest real ledger;
#   2. the long ledger is made the way an operator would move one: the config events of run 1
#      (`modelgate state export`), then set_weights moves of one alias (90/10 and 80/20 in turn,
#      each revision one on) up to --events minus 999, as JSON lines, loaded by `modelgate state
#      import` into a new ledger (batched appends; the import saves a snapshot at its last seq);
#   3. 999 more moves through the admin API of a gateway serving that ledger (one PUT each, on one
#      keep-alive connection): the tail a start-up folds when the last snapshot (one every 1,000
#      events) is as old as it gets;
#   4. `serve` on it, --runs times: the snapshot plus 999 events; /readyz, then the audit API's
#      seq 1 (which the events before the snapshot must still answer) is fetched and checked.
# Each start is timed from launch until GET /readyz answers 200 (polled every 50 ms); CPU time
# (utime + stime) from /proc/PID/stat and VmRSS once ready. Every process is stopped by its PID.
# Needs: java 17, mvn (unless --no-build with the jar built), python3, curl.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
EVENTS=1000000
STORES="file postgres"
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
    --stores) STORES=$2; shift 2 ;;
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
for store in $STORES; do
  [[ $store == file || $store == postgres ]] || { echo "--stores: $store (expected: file, postgres)" >&2; exit 2; }
done

# shellcheck source=benchmarks/startup-common.sh
source "$ROOT/benchmarks/startup-common.sh"
JAVA_OPTS="-Xmx$HEAP -Xms32m -XX:+UseSerialGC"
export BENCH_TOKEN=$TOKEN


# gen_config STATE FILE, STATE the state mapping's keys, e.g. "kind: file, dir: /tmp/x"
gen_config() {
  python3 - "$MODELS" "$1" "$2" "$(free_port)" "$(free_port)" <<'EOF'
import sys
n, state, path, port, admin = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5]
out = [f"server: {{port: {port}, admin_port: {admin}, host: 127.0.0.1, drain_timeout: 0}}",
       f"state: {{{state}}}", "access_log: off",
       "auth: {admin_tokens: [{name: bench, token_env: BENCH_TOKEN, role: operator}]}", "models:"]
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

# state_of STORE DIR DATABASE -> the state mapping of one ledger: DIR/data, or DATABASE on the embedded server
state_of() {
  if [[ $1 == file ]]; then echo "kind: file, dir: $2/data"; else echo "kind: postgres, url: \"postgresql://postgres@127.0.0.1:$PG_PORT/$3\""; fi
}
if [[ " $STORES " == *" postgres "* ]]; then
  databases=(long)
  for run in $(seq 1 "$RUNS"); do databases+=("empty$run"); done
  start_postgres "${databases[@]}"
fi

# gen_moves FILE FIRST_SEQ COUNT: COUNT set_weights moves of model-0000:production appended to FILE
# as event lines, from revision 1 (the config's) on.
gen_moves() {
  python3 - "$@" <<'EOF'
import json, sys
path, first_seq, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
shapes = [{"v1": 90, "v2": 10}, {"v1": 80, "v2": 20}]
with open(path, "a") as out:
    lines = []
    for i in range(count):
        seq, revision = first_seq + i, 1 + i
        before = {"weights": shapes[(revision - 1) % 2], "stable": "v1", "revision": revision}
        after = {"weights": shapes[revision % 2], "stable": "v1", "revision": revision + 1}
        day, rest = divmod(seq, 86400)
        time = f"2026-{1 + day // 28:02d}-{1 + day % 28:02d}T{rest // 3600:02d}:{rest % 3600 // 60:02d}:{rest % 60:02d}Z"
        lines.append(json.dumps({"seq": seq, "time": time, "actor": "bench", "action": "set_weights", "model": "model-0000",
                                 "alias": "production", "before": before, "after": after, "reason": None, "evidence": {}},
                                separators=(",", ":")))
        if len(lines) >= 50000:
            out.write("\n".join(lines) + "\n")
            lines = []
    if lines:
        out.write("\n".join(lines) + "\n")
EOF
}

# move_by_api CONFIG COUNT LOG: COUNT more moves of model-0000:production through the admin API of a
# gateway serving CONFIG, each PUT checked against the revision it read.
move_by_api() {
  serve_until_ready "$1" "$3" >/dev/null || { echo "the gateway for the tail did not start: $3" >&2; KEEP=1; exit 1; }
  python3 - "$(admin_port "$1")" "$TOKEN" "$2" <<'EOF' || { echo "the tail's moves failed" >&2; KEEP=1; exit 1; }
import http.client, json, sys
port, token, count = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
path = "/admin/v1/models/model-0000/aliases/production"
headers = {"authorization": f"Bearer {token}", "content-type": "application/json"}
shapes = [{"v1": 90, "v2": 10}, {"v1": 80, "v2": 20}]
connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
connection.request("GET", path, headers=headers)
alias = json.loads(connection.getresponse().read())
weights, revision = alias["weights"], alias["revision"]
for i in range(count):
    weights = shapes[1] if weights == shapes[0] else shapes[0]
    body = json.dumps({"weights": weights, "stable": "v1", "reason": "bench", "if_revision": revision})
    connection.request("PUT", path, body=body, headers=headers)
    answer = connection.getresponse()
    text = answer.read()
    if answer.status != 200:
        sys.exit(f"PUT {i + 1} of {count}: {answer.status} {text[:200]!r}")
    revision += 1
EOF
  kill "$PID"
  wait "$PID" 2>/dev/null || true
  PID=""
}

median() { sort -n | awk '{a[NR] = $1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
column() { local i=$1; shift; for row in "$@"; do [[ $row == failed* ]] || echo "$row" | cut -d' ' -f"$i"; done; }

ROWS=()
SUMMARY=()
for store in $STORES; do
  EMPTY=()
  for run in $(seq 1 "$RUNS"); do
    dir="$WORK/$store-empty$run"
    mkdir -p "$dir"
    gen_config "$(state_of "$store" "$dir" "empty$run")" "$dir/gateway.yaml"
    EMPTY+=("$(start_once "$dir/gateway.yaml" "$dir/log")")
    echo "$store, empty ledger, run $run: ${EMPTY[-1]}" >&2
  done

  LONG="$WORK/$store-long"
  mkdir -p "$LONG"
  gen_config "$(state_of "$store" "$LONG" long)" "$LONG/gateway.yaml"
  generated=$(now_ms)
  # shellcheck disable=SC2086
  java $JAVA_OPTS -jar "$JAR" state export --config "$WORK/$store-empty1/gateway.yaml" --out "$LONG/events.jsonl" \
    >"$LONG/export.log" 2>&1 || { echo "the export failed: $LONG/export.log" >&2; KEEP=1; exit 1; }
  CONFIG_EVENTS=$(wc -l <"$LONG/events.jsonl")
  gen_moves "$LONG/events.jsonl" "$(( CONFIG_EVENTS + 1 ))" "$(( EVENTS - TAIL - CONFIG_EVENTS ))"
  # shellcheck disable=SC2086
  java $JAVA_OPTS -jar "$JAR" state import --config "$LONG/gateway.yaml" --in "$LONG/events.jsonl" >"$LONG/import.log" 2>&1 \
    || { echo "the import failed: $LONG/import.log" >&2; KEEP=1; exit 1; }
  move_by_api "$LONG/gateway.yaml" "$TAIL" "$LONG/tail.log"
  generated=$(( $(now_ms) - generated ))
  echo "$store: generated $EVENTS events in $(( generated / 1000 )) s: $(tail -1 "$LONG/import.log")" >&2
  if [[ $store == file ]]; then
    HOW="$(( $(stat -c %s "$LONG/data/ledger.jsonl") / 1048576 )) MiB of ledger.jsonl and $(cd "$LONG/data" && ls snapshot-*.json) beside it"
  else
    HOW="one database, the events' table and the snapshot's"
  fi

  FULL=()
  for run in $(seq 1 "$RUNS"); do
    FULL+=("$(start_once "$LONG/gateway.yaml" "$LONG/serve$run.log")")
    echo "$store, $EVENTS events, run $run: ${FULL[-1]}" >&2
  done
  for i in "${!EMPTY[@]}"; do ROWS+=("$store|empty ($MODELS models' config events)|$(( i + 1 ))|${EMPTY[$i]}"); done
  for i in "${!FULL[@]}"; do ROWS+=("$store|$EVENTS events|$(( i + 1 ))|${FULL[$i]}"); done
  SUMMARY+=("$store|$(column 1 "${EMPTY[@]}" | median)|$(column 1 "${FULL[@]}" | median)|$HOW ($(( generated / 1000 )) s to make, import and tail included)")
done

{
  echo "# Ledger snapshots: start-up with $EVENTS events against an empty ledger"
  echo
  echo "Generated by \`benchmarks/ledger-snapshots.sh\` on $(date -u +%Y-%m-%d), $(nproc) cores, $(java -version 2>&1 | head -1)."
  echo "Stores: $STORES; $MODELS models in the config; JVM flags \`$JAVA_OPTS\`; load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)."
  echo "Each long ledger: the config's events, $(( EVENTS - TAIL )) in all imported (the import saves a snapshot at its last"
  echo "seq), then $TAIL moves through the admin API, so a start folds the snapshot and $TAIL events after it."
  echo
  echo "| store | ledger | run | ready | CPU | VmRSS ready | audit since=0 |"
  echo "|---|---|---:|---:|---:|---:|---:|"
  for row in "${ROWS[@]}"; do
    IFS='|' read -r store ledger run result <<<"$row"
    if [[ $result == failed* ]]; then echo "| $store | $ledger | $run | $result | | | |"; else read -r ms cpu rss audit <<<"$result"
      awk -v s="$store" -v l="$ledger" -v r="$run" -v ms="$ms" -v cpu="$cpu" -v rss="$rss" -v a="$audit" \
        'BEGIN {printf "| %s | %s | %s | %.2f s | %.2f s | %s MB | %d ms |\n", s, l, r, ms / 1000, cpu / 1000, rss, a}'; fi
  done
  echo
  for line in "${SUMMARY[@]}"; do
    IFS='|' read -r store e f how <<<"$line"
    awk -v s="$store" -v e="$e" -v f="$f" -v n="$EVENTS" -v how="$how" \
      'BEGIN {printf "- %s: median ready empty %.2f s, %s events %.2f s: **%.2f×** (goal: at most 2×); %s.\n", s, e / 1000, n, f / 1000, f / e, how}'
  done
} >"$OUT"
cat "$OUT"
