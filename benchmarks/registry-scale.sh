#!/usr/bin/env bash
# Start-up of modelgate against registries of growing size; writes benchmarks/RESULTS-registry-scale.md.
#
#   bash benchmarks/registry-scale.sh [--sizes "300 1000 3000 10000"] [--versions 3] [--aliases 2]
#                                     [--heap 128m] [--timeout S] [--no-build] [--out FILE] [--keep]
#
# For each size N it generates a config of N models, each with --versions versions (one endpoint
# each, all on 127.0.0.1, never contacted: no request is sent and no health check configured) and
# --aliases aliases (production 90/10 over the last two versions, the others 100 % on one
# version), then, on 127.0.0.1 and free ports:
#   - first start: `java $MODELGATE_JAVA_OPTS -jar gateway/target/modelgate.jar serve` on an empty
#     state dir, so the whole registry is declared and written as config events;
#   - restart: the same command on the state dir the first start left, so the ledger is replayed
#     and the unchanged file declares nothing.
# Each start is timed from launch until GET /readyz answers 200 (polled every 50 ms, given up
# after --timeout seconds, 120); the CPU time the process used until then (utime + stime, all its
# threads, JIT and GC included) is read from /proc/PID/stat, a figure that other load on the
# machine does not inflate as it does the wall time; VmRSS is read from /proc/PID/status once
# ready and again 2 s later. Each gateway is
# stopped with SIGTERM and waited for; every process is stopped by its PID, also on Ctrl-C.
# The JVM runs with the README's recommended flags, -Xmx<--heap> -Xms32m -Xmn16m -XX:+UseSerialGC
# -XX:SharedArchiveFile=<archive>, the AppCDS archive made first by a training run (`serve
# --exit-after-ready` on a one-model config with -XX:ArchiveClassesAtExit). A MODELGATE_JAVA_OPTS of
# your own is used as it is instead, with no training run.
# Needs: java 17, mvn (unless --no-build with the jar built), python3, curl.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
SIZES="300 1000 3000 10000"
VERSIONS=3
ALIASES=2
TIMEOUT=120
HEAP=128m
BUILD=1
KEEP=0
OUT="$ROOT/benchmarks/RESULTS-registry-scale.md"

while [[ $# -gt 0 ]]; do
  case "$1" in
    --sizes) SIZES=$2; shift 2 ;;
    --versions) VERSIONS=$2; shift 2 ;;
    --aliases) ALIASES=$2; shift 2 ;;
    --heap) HEAP=$2; shift 2 ;;
    --timeout) TIMEOUT=$2; shift 2 ;;
    --no-build) BUILD=0; shift ;;
    --out) OUT=$2; shift 2 ;;
    --keep) KEEP=1; shift ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
if (( VERSIONS < 2 || ALIASES < 1 )); then
  echo "--versions must be 2 or more and --aliases 1 or more" >&2
  exit 2
fi

# shellcheck source=benchmarks/startup-common.sh
source "$ROOT/benchmarks/startup-common.sh"

# gen_config N STATE_DIR FILE
gen_config() {
  python3 - "$1" "$2" "$3" "$VERSIONS" "$ALIASES" "$(free_port)" "$(free_port)" <<'EOF'
import sys
n, state, path, versions, aliases, port, admin = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]), sys.argv[6], sys.argv[7]
out = [f"server: {{port: {port}, admin_port: {admin}, host: 127.0.0.1, drain_timeout: 0}}",
       f"state: {{kind: file, dir: {state}}}", "access_log: off", "models:"]
for i in range(int(n)):
    name = f"team-{i % 97}/model-{i:05d}"
    out.append(f"  {name}:")
    out.append("    versions:")
    for v in range(1, versions + 1):
        out.append(f"      v{v}:")
        out.append(f"        artifact: s3://models/{name}/v{v}/weights.safetensors")
        out.append(f"        served_model: {name}-v{v}")
        out.append(f"        endpoints: [http://127.0.0.1:{20000 + (i * versions + v) % 20000}/v1]")
        out.append(f"        lineage: {{base_model: meta-llama/Llama-3.1-8B, dataset_version: ds-{i}-{v}}}")
    out.append("    aliases:")
    out.append(f"      production: {{weights: {{v{versions - 1}: 90, v{versions}: 10}}, stable: v{versions - 1}}}")
    for a in range(1, aliases):
        v = 1 + (a - 1) % versions
        out.append(f"      stage-{a}: {{weights: {{v{v}: 100}}, stable: v{v}}}")
with open(path, "w") as f:
    f.write("\n".join(out) + "\n")
EOF
}

if [[ -n "${MODELGATE_JAVA_OPTS:-}" ]]; then
  JAVA_OPTS=$MODELGATE_JAVA_OPTS
else
  FLAGS="-Xmx$HEAP -Xms32m -Xmn16m -XX:+UseSerialGC"
  mkdir -p "$WORK/train"
  (VERSIONS=2 ALIASES=1; gen_config 1 "$WORK/train/data" "$WORK/train/gateway.yaml")
  # shellcheck disable=SC2086
  java $FLAGS -XX:ArchiveClassesAtExit="$WORK/modelgate.jsa" -jar "$JAR" serve --config "$WORK/train/gateway.yaml" \
    --exit-after-ready >"$WORK/train/log" 2>&1 || { echo "the AppCDS training run failed: $WORK/train/log" >&2; KEEP=1; exit 1; }
  JAVA_OPTS="$FLAGS -XX:SharedArchiveFile=$WORK/modelgate.jsa"
fi


# start_once CONFIG LOG -> "ms cpu_ms rss_ready rss_settled", or "failed (...)"
start_once() {
  local config=$1 log=$2 admin start end
  admin=$(python3 -c 'import re,sys; print(re.search(r"admin_port: (\d+)", open(sys.argv[1]).readline()).group(1))' "$config")
  start=$(now_ms)
  # shellcheck disable=SC2086
  java $JAVA_OPTS -jar "$JAR" serve --config "$config" >"$log" 2>&1 &
  PID=$!
  local deadline=$(( start + TIMEOUT * 1000 ))
  until curl -fsS -o /dev/null "http://127.0.0.1:$admin/readyz" 2>/dev/null; do
    if ! kill -0 "$PID" 2>/dev/null || (( $(now_ms) > deadline )); then
      echo "failed (see $log)"
      kill "$PID" 2>/dev/null || true
      wait "$PID" 2>/dev/null || true
      PID=""
      return
    fi
    sleep 0.05
  done
  end=$(now_ms)
  local ready settled cpu
  cpu=$(cpu_ms "$PID")
  ready=$(rss_mb "$PID")
  sleep 2
  settled=$(rss_mb "$PID")
  kill "$PID"
  wait "$PID" 2>/dev/null || true
  PID=""
  echo "$(( end - start )) $cpu $ready $settled"
}

ROWS=()
for n in $SIZES; do
  dir="$WORK/n$n"
  mkdir -p "$dir"
  gen_config "$n" "$dir/data" "$dir/gateway.yaml"
  bytes=$(stat -c %s "$dir/gateway.yaml")
  first=$(start_once "$dir/gateway.yaml" "$dir/first.log")
  again=$(start_once "$dir/gateway.yaml" "$dir/restart.log")
  echo "N=$n config=${bytes}B first: $first | restart: $again" >&2
  ROWS+=("$n|$bytes|$first|$again")
done

{
  echo "# Registry scale: start-up to ready"
  echo
  echo "Generated by \`benchmarks/registry-scale.sh\` on $(date -u +%Y-%m-%d), $(nproc) cores, $(java -version 2>&1 | head -1)."
  echo "Each model: $VERSIONS versions, $ALIASES aliases. JVM flags: \`${FLAGS:-$JAVA_OPTS}\`$([[ -n "${FLAGS:-}" ]] && echo " with an AppCDS archive"). One run per size;"
  echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)."
  echo
  echo "| models | config | first start: ready / CPU | VmRSS ready / +2 s | restart: ready / CPU | VmRSS ready / +2 s |"
  echo "|---:|---:|---:|---:|---:|---:|"
  for row in "${ROWS[@]}"; do
    IFS='|' read -r n bytes first again <<<"$row"
    cell() {
      if [[ $1 == failed* ]]; then echo "not ready | —"; else read -r ms cpu r s <<<"$1"; awk -v ms="$ms" -v cpu="$cpu" -v r="$r" -v s="$s" 'BEGIN {printf "%.2f s / %.2f s | %s / %s MB", ms / 1000, cpu / 1000, r, s}'; fi
    }
    echo "| $n | $(( bytes / 1024 )) KiB | $(cell "$first") | $(cell "$again") |"
  done
} >"$OUT"
cat "$OUT"
