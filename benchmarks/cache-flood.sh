#!/usr/bin/env bash
# The response cache's byte bound under a flood of unique requests: a gateway whose alias caches
# embeddings (server.cache.max_bytes = --max-mb) takes --seconds of wrk, every request a new input
# (benchmarks/cache-flood/unique.lua), from one simulated backend; VmRSS and modelgate_cache_bytes
# are sampled each second. Prints one line per sample and a summary. Then the latency of a hit:
# 10 s of one connection repeating one request (benchmarks/cache-flood/same.lua), answered from the
# cache, against the same with `Cache-Control: no-cache` (each request to the backend).
#
#   bash benchmarks/cache-flood.sh [--max-mb N] [--seconds S] [--no-build] [--keep]
#
# JVM flags: the README's recommended ones with the heap raised by the cache's bound, as
# docs/cache.md advises (-Xmx and -Xms 192 MiB + --max-mb, -Xmn96m). Needs java 17, wrk, python3,
# curl. All on 127.0.0.1.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
MAX_MB=64 SECONDS_=30 BUILD=1 KEEP=0
while [ $# -gt 0 ]; do
  case "$1" in
    --max-mb) MAX_MB="${2:?--max-mb needs a number}"; shift 2 ;;
    --seconds) SECONDS_="${2:?--seconds needs a number}"; shift 2 ;;
    --no-build) BUILD=0; shift ;;
    --keep) KEEP=1; shift ;;
    *) echo "cache-flood.sh: unknown option: $1" >&2; exit 2 ;;
  esac
done
source "$ROOT/benchmarks/startup-common.sh"
SIM_PID=""
stop_sim() { [[ -n "$SIM_PID" ]] && kill "$SIM_PID" 2>/dev/null || true; }
trap 'stop_sim; cleanup' EXIT

SIM_PORT=$(free_port) PORT=$(free_port) ADMIN=$(free_port)
java -Xmx64m -jar "$JAR" sim --port "$SIM_PORT" --ttft-ms 0 --itl-ms 0 > "$WORK/sim.log" 2>&1 &
SIM_PID=$!
cat > "$WORK/gateway.yaml" <<YAML
server: {port: $PORT, admin_port: $ADMIN, host: 127.0.0.1, cache: {max_bytes: $((MAX_MB * 1024 * 1024))}}
state: {dir: "$WORK/state"}
access_log: "off"
models:
  emb:
    versions:
      v1: {artifact: "s3://m/emb", served_model: emb, endpoints: ["http://127.0.0.1:$SIM_PORT"]}
    aliases:
      production: {weights: {v1: 100}, stable: v1, cache: {ttl: 1h, paths: [embeddings]}}
YAML
HEAP=$((192 + MAX_MB))
java -Xmx${HEAP}m -Xms${HEAP}m -Xmn96m -XX:+UseSerialGC -jar "$JAR" serve --config "$WORK/gateway.yaml" > "$WORK/gateway.log" 2>&1 &
PID=$!
for _ in $(seq 1 100); do
  curl -sf "http://127.0.0.1:$ADMIN/readyz" > /dev/null 2>&1 && break
  sleep 0.1
done
curl -sf "http://127.0.0.1:$ADMIN/readyz" > /dev/null || { echo "gateway not ready; log: $WORK/gateway.log" >&2; exit 1; }
cache_bytes() { curl -s "http://127.0.0.1:$ADMIN/metrics" | awk '/^modelgate_cache_bytes/ {printf "%.0f", $2 / 1048576}'; }
echo "ready: RSS $(rss_mb "$PID") MB; flooding for ${SECONDS_} s, cache bound ${MAX_MB} MiB"
wrk -t1 -c16 -d"${SECONDS_}s" -s "$ROOT/benchmarks/cache-flood/unique.lua" "http://127.0.0.1:$PORT" > "$WORK/wrk.txt" 2>&1 &
WRK=$!
PEAK=0
while kill -0 "$WRK" 2>/dev/null; do
  sleep 1
  RSS=$(rss_mb "$PID"); (( RSS > PEAK )) && PEAK=$RSS
  echo "  RSS ${RSS} MB, cached $(cache_bytes) MiB"
done
wait "$WRK" || true
sleep 2
echo "wrk: $(grep -E 'Requests/sec' "$WORK/wrk.txt" | awk '{print $2}') req/s, $(grep -E 'requests in' "$WORK/wrk.txt" | awk '{print $1}') requests (each a new entry)"
echo "after: RSS $(rss_mb "$PID") MB (peak ${PEAK} MB), cached $(cache_bytes) MiB (bound ${MAX_MB} MiB)"

latency() { awk '/^ +50%/ {p50=$2} /^ +99%/ {p99=$2} /Requests\/sec/ {rps=$2} END {printf "p50 %s, p99 %s, %s req/s", p50, p99, rps}' "$1"; }
wrk -t1 -c1 -d10s --latency -s "$ROOT/benchmarks/cache-flood/same.lua" "http://127.0.0.1:$PORT" > "$WORK/hits.txt" 2>&1
wrk -t1 -c1 -d10s --latency -H "Cache-Control: no-cache" -s "$ROOT/benchmarks/cache-flood/same.lua" "http://127.0.0.1:$PORT" > "$WORK/misses.txt" 2>&1
echo "serial hits:   $(latency "$WORK/hits.txt")"
echo "serial misses (no-cache, to the backend): $(latency "$WORK/misses.txt")"
