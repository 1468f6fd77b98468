#!/usr/bin/env bash
# Start-up of modelgate against registries of growing size; writes benchmarks/RESULTS-registry-scale.md.
#
#   bash benchmarks/registry-scale.sh [--sizes "300 1000 3000 10000"] [--versions 3] [--aliases 2]
#                                     [--stores "file postgres"] [--sources "config admin"]
#                                     [--admin-sizes "SIZES"] [--concurrency 64] [--admin-timeout 900]
#                                     [--runs 1] [--heap 192m] [--xms 192m] [--young 16m] [--timeout S] [--no-build] [--out FILE] [--keep]
#
# For each size N it generates a config of N models, each with --versions versions (one endpoint
# each, all on 127.0.0.1, never contacted: no request is sent and no health check configured) and
# --aliases aliases (production 90/10 over the last two versions, the others 100 % on one
# version), then, on 127.0.0.1 and free ports:
#   - first start: `java $MODELGATE_JAVA_OPTS -jar gateway/target/modelgate.jar serve` on an empty
#     store, so the whole registry is declared and written as config events;
#   - restart: the same command on the store the first start left, so the ledger (its snapshot and
#     the events after it) is replayed and the unchanged file declares nothing.
# That is --sources config. With --sources admin the same registry comes through the admin API
# instead: the config declares no models (and an admin token), the first start is of that empty
# gateway, then benchmarks/registry-scale/register.py registers every version (POST) and alias (PUT)
# with --concurrency keep-alive connections and its duration, and the CPU the gateway spent on it,
# are reported; the gateway is stopped 2 s later and the restart measured as above. Each change
# through the API is one event, but the calls that wait while the writer is busy are recorded
# together (one routing table and one fsync per batch), so the more concurrent calls, the fewer
# table builds. --admin-sizes (default: those of --sizes) says which sizes the admin source runs,
# and --admin-timeout gives a registration up.
# Each store of --stores is measured: `file` (a state dir of its own per run) and `postgres` (a
# database of its own per run on one embedded PostgreSQL, the tests' io.zonky binaries from the
# Maven repository, started by benchmarks/registry-scale/EmbeddedPostgresServer.java on 127.0.0.1).
# --runs R repeats each pair R times, each on a new store, and reports the medians.
# Each start is timed from launch until GET /readyz answers 200 (polled every 50 ms, given up
# after --timeout seconds, 120); the CPU time the process used until then (utime + stime, all its
# threads, JIT and GC included) is read from /proc/PID/stat, a figure that other load on the
# machine does not inflate as it does the wall time; VmRSS is read from /proc/PID/status once
# ready and again 2 s later. Each gateway is
# stopped with SIGTERM and waited for; every process is stopped by its PID, also on Ctrl-C.
# The JVM runs with -Xmx<--heap> -Xms<--xms> -Xmn<--young> -XX:+UseSerialGC (default -Xmx192m -Xms192m
# -Xmn16m, the README's recommended flags, which hold 10,000 models; earlier rounds measured with
# --xms 32m)
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
HEAP=192m
XMS=192m
YOUNG=16m
STORES="file postgres"
SOURCES="config admin"
ADMIN_SIZES=""
CONCURRENCY=64
ADMIN_TIMEOUT=900
RUNS=1
BUILD=1
KEEP=0
OUT="$ROOT/benchmarks/RESULTS-registry-scale.md"

while [[ $# -gt 0 ]]; do
  case "$1" in
    --sizes) SIZES=$2; shift 2 ;;
    --versions) VERSIONS=$2; shift 2 ;;
    --aliases) ALIASES=$2; shift 2 ;;
    --heap) HEAP=$2; shift 2 ;;
    --xms) XMS=$2; shift 2 ;;
    --young) YOUNG=$2; shift 2 ;;
    --stores) STORES=$2; shift 2 ;;
    --sources) SOURCES=$2; shift 2 ;;
    --admin-sizes) ADMIN_SIZES=$2; shift 2 ;;
    --concurrency) CONCURRENCY=$2; shift 2 ;;
    --admin-timeout) ADMIN_TIMEOUT=$2; shift 2 ;;
    --runs) RUNS=$2; shift 2 ;;
    --timeout) TIMEOUT=$2; shift 2 ;;
    --no-build) BUILD=0; shift ;;
    --out) OUT=$2; shift 2 ;;
    --keep) KEEP=1; shift ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
if (( VERSIONS < 2 || ALIASES < 1 || RUNS < 1 )); then
  echo "--versions must be 2 or more, --aliases and --runs 1 or more" >&2
  exit 2
fi
for store in $STORES; do
  [[ $store == file || $store == postgres ]] || { echo "--stores: $store (expected: file, postgres)" >&2; exit 2; }
done
for source in $SOURCES; do
  [[ $source == config || $source == admin ]] || { echo "--sources: $source (expected: config, admin)" >&2; exit 2; }
done
ADMIN_SIZES=${ADMIN_SIZES:-$SIZES}

# shellcheck source=benchmarks/startup-common.sh
source "$ROOT/benchmarks/startup-common.sh"

# gen_config N STATE FILE, STATE the state mapping's keys, e.g. "kind: file, dir: /tmp/x"; N=0
# writes a config without models whose admin API takes the token in $TOKEN_ENV (--sources admin).
TOKEN_ENV=MODELGATE_SCALE_ADMIN_TOKEN
export MODELGATE_SCALE_ADMIN_TOKEN="scale-$RANDOM$RANDOM$RANDOM"
gen_config() {
  python3 - "$1" "$2" "$3" "$VERSIONS" "$ALIASES" "$(free_port)" "$(free_port)" "$TOKEN_ENV" <<'EOF'
import sys
n, state, path, versions, aliases, port, admin, token_env = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]), sys.argv[6], sys.argv[7], sys.argv[8]
out = [f"server: {{port: {port}, admin_port: {admin}, host: 127.0.0.1, drain_timeout: 0}}",
       f"state: {{{state}}}", "access_log: off"]
if n == "0":
    out += [f"auth: {{admin_tokens: [{{name: registry-scale, token_env: {token_env}, role: admin}}]}}", "models: {}"]
else:
    out.append("models:")
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
  FLAGS="-Xmx$HEAP -Xms$XMS -Xmn$YOUNG -XX:+UseSerialGC"
  mkdir -p "$WORK/train"
  (VERSIONS=2 ALIASES=1; gen_config 1 "kind: file, dir: $WORK/train/data" "$WORK/train/gateway.yaml")
  # shellcheck disable=SC2086
  java $FLAGS -XX:ArchiveClassesAtExit="$WORK/modelgate.jsa" -jar "$JAR" serve --config "$WORK/train/gateway.yaml" \
    --exit-after-ready >"$WORK/train/log" 2>&1 || { echo "the AppCDS training run failed: $WORK/train/log" >&2; KEEP=1; exit 1; }
  JAVA_OPTS="$FLAGS -XX:SharedArchiveFile=$WORK/modelgate.jsa"
fi


# start_once CONFIG LOG -> "ms cpu_ms rss_ready rss_settled", or "failed (...)"
start_once() {
  local config=$1 log=$2 start end
  serve_until_ready "$config" "$log" || return 0
  start=$LAUNCHED_MS end=$READY_MS
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

# The embedded PostgreSQL, when a store needs it, with a database per source, size and run.
if [[ " $STORES " == *" postgres "* ]]; then
  databases=()
  for source in $SOURCES; do for n in $SIZES; do for ((r = 1; r <= RUNS; r++)); do databases+=("scale_${source}_${n}_$r"); done; done; done
  start_postgres "${databases[@]}"
fi

# median "a b c ..." -> the middle value (the lower of the two middle ones for an even count)
median() { tr ' ' '\n' <<<"$1" | sort -n | awk 'NF {v[++n] = $1} END {print v[int((n + 1) / 2)]}'; }

# medians "ms cpu r s" lines... -> one line of per-column medians, or "failed (...)" if any run failed
medians() {
  local line cols=("" "" "" "") failed=""
  for line in "$@"; do
    if [[ $line == failed* ]]; then failed=$line; continue; fi
    read -r a b c d <<<"$line"
    cols[0]+=" $a"; cols[1]+=" $b"; cols[2]+=" $c"; cols[3]+=" $d"
  done
  if [[ -n "$failed" ]]; then echo "$failed"; return; fi
  echo "$(median "${cols[0]}") $(median "${cols[1]}") $(median "${cols[2]}") $(median "${cols[3]}")"
}

# admin_first CONFIG LOG N -> "ms cpu_ms rss_ready rss_settled", the start of a gateway without models,
# then registers N models through its admin API and sets REGISTERED to "calls seconds cpu_ms" (the
# gateway's CPU during the registration), or "failed (...)"; stops the gateway 2 s after.
admin_first() {
  local config=$1 log=$2 n=$3
  REGISTERED="failed (no start)"
  serve_until_ready "$config" "$log" || return 0
  local start=$LAUNCHED_MS end=$READY_MS cpu ready settled before registered
  cpu=$(cpu_ms "$PID")
  ready=$(rss_mb "$PID")
  sleep 2
  settled=$(rss_mb "$PID")
  before=$(cpu_ms "$PID")
  if registered=$(python3 "$ROOT/benchmarks/registry-scale/register.py" "$(admin_port "$config")" "$TOKEN_ENV" "$n" "$VERSIONS" "$ALIASES" \
      "$CONCURRENCY" "$ADMIN_TIMEOUT" 2>>"$log"); then
    REGISTERED="$registered $(( $(cpu_ms "$PID") - before ))"
  else
    REGISTERED="failed (see $log)"
  fi
  # The snapshots the registration crossed are saved on the writer after their changes: let them finish.
  sleep 2
  kill "$PID"
  wait "$PID" 2>/dev/null || true
  PID=""
  echo "$(( end - start )) $cpu $ready $settled"
}

# medians3 "calls s cpu" lines... -> per-column medians, or "failed (...)" if any registration failed
medians3() {
  local line cols=("" "" "") failed=""
  for line in "$@"; do
    if [[ $line == failed* ]]; then failed=$line; continue; fi
    read -r a b c <<<"$line"
    cols[0]+=" $a"; cols[1]+=" $b"; cols[2]+=" $c"
  done
  if [[ -n "$failed" ]]; then echo "$failed"; return; fi
  echo "$(median "${cols[0]}") $(median "${cols[1]}") $(median "${cols[2]}")"
}

ROWS=()
for store in $STORES; do
  for source in $SOURCES; do
    for n in $SIZES; do
      if [[ $source == admin && " $ADMIN_SIZES " != *" $n "* ]]; then continue; fi
      firsts=()
      agains=()
      registrations=()
      for ((r = 1; r <= RUNS; r++)); do
        dir="$WORK/$store-$source-n$n-r$r"
        mkdir -p "$dir"
        if [[ $store == file ]]; then
          state="kind: file, dir: $dir/data"
        else
          state="kind: postgres, url: \"postgresql://postgres@127.0.0.1:$PG_PORT/scale_${source}_${n}_$r\""
        fi
        if [[ $source == config ]]; then
          gen_config "$n" "$state" "$dir/gateway.yaml"
          first=$(start_once "$dir/gateway.yaml" "$dir/first.log")
          REGISTERED="-"
        else
          gen_config 0 "$state" "$dir/gateway.yaml"
          # Not in a subshell: admin_first sets REGISTERED.
          admin_first "$dir/gateway.yaml" "$dir/first.log" "$n" >"$dir/first.result"
          first=$(cat "$dir/first.result")
        fi
        bytes=$(stat -c %s "$dir/gateway.yaml")
        again=$(start_once "$dir/gateway.yaml" "$dir/restart.log")
        echo "$store $source N=$n run $r config=${bytes}B first: $first | registration: $REGISTERED | restart: $again" >&2
        firsts+=("$first")
        agains+=("$again")
        registrations+=("$REGISTERED")
      done
      registration="-"
      if [[ $source == admin ]]; then
        registration=$(medians3 "${registrations[@]}")
      fi
      ROWS+=("$store|$source|$n|$bytes|$(medians "${firsts[@]}")|$registration|$(medians "${agains[@]}")")
    done
  done
done

{
  echo "# Registry scale: start-up to ready"
  echo
  echo "Generated by \`benchmarks/registry-scale.sh\` on $(date -u +%Y-%m-%d), $(nproc) cores, $(java -version 2>&1 | head -1)."
  echo "Each model: $VERSIONS versions, $ALIASES aliases. JVM flags: \`${FLAGS:-$JAVA_OPTS}\`$([[ -n "${FLAGS:-}" ]] && echo " with an AppCDS archive")."
  echo "$([[ $RUNS == 1 ]] && echo "One run" || echo "Medians of $RUNS runs") per store and size; load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)."
  echo
  echo "Source \`config\`: the registry declared in the config file; \`admin\`: registered through the admin API after a first start"
  echo "without models ($CONCURRENCY concurrent connections; calls, wall time and the gateway's CPU for the registration)."
  echo
  echo "| store | source | models | config | first start: ready / CPU | VmRSS ready / +2 s | registration: calls / wall / CPU | restart: ready / CPU | VmRSS ready / +2 s |"
  echo "|---|---|---:|---:|---:|---:|---:|---:|---:|"
  for row in "${ROWS[@]}"; do
    IFS='|' read -r store source n bytes first registration again <<<"$row"
    cell() {
      if [[ $1 == failed* ]]; then echo "not ready | —"; else read -r ms cpu r s <<<"$1"; awk -v ms="$ms" -v cpu="$cpu" -v r="$r" -v s="$s" 'BEGIN {printf "%.2f s / %.2f s | %s / %s MB", ms / 1000, cpu / 1000, r, s}'; fi
    }
    registered() {
      if [[ $1 == - ]]; then echo "—"; elif [[ $1 == failed* ]]; then echo "$1"; else read -r calls secs cpu <<<"$1"; awk -v c="$calls" -v w="$secs" -v cpu="$cpu" 'BEGIN {printf "%d / %.1f s / %.1f s", c, w, cpu / 1000}'; fi
    }
    echo "| $store | $source | $n | $(( bytes / 1024 )) KiB | $(cell "$first") | $(registered "$registration") | $(cell "$again") |"
  done
} >"$OUT"
cat "$OUT"
