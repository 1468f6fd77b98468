#!/usr/bin/env bash
# modelgate side by side with an nginx reference proxy, on loopback; writes benchmarks/RESULTS.md.
#
#   bash benchmarks/compare.sh [--duration S] [--reps N] [--warmup S] [--no-build] [--quick]
#                              [--hold N] [--out FILE] [--note TEXT] [--keep]
#                              [--max-other-cpu PCT] [--allow-busy] [--models N] [--flags 'JVM FLAGS']
#
# It starts, all on 127.0.0.1 and on free ports:
#   - a static-JSON backend pair: one nginx (from Debian's packages; `apt-get install -y nginx` when
#     missing) with two server blocks, each answering every request with a ~600-byte chat.completion
#     stamped "backend":"a" or "b";
#   - two streaming backends, `modelgate sim` (40-stream test: --ttft-ms 50 --itl-ms 10 --tokens 20;
#     held-stream test: long streams);
#   - the reference proxy: nginx, 1 worker, `split_clients` 90/10 over the two backends, keep-alive
#     upstreams, one added response header (x-modelgate-version), access log buffered to a file, and a
#     `proxy_buffering off` server in front of the streaming simulator;
#   - modelgate: `java $MODELGATE_JAVA_OPTS -jar gateway/target/modelgate.jar serve` with the same
#     90/10 split, access log to a file. Default MODELGATE_JAVA_OPTS: the README's recommended flags
#     (benchmarks/jvm-flags.sh) plus -XX:SharedArchiveFile=$WORK/modelgate.jsa, an AppCDS archive made first by
#     a training run (`serve --exit-after-ready` with -XX:ArchiveClassesAtExit); a MODELGATE_JAVA_OPTS
#     of your own is used as it is, with no training run.
# Backends, simulators and every load generator run on CPU 0 (LOAD_CPUS), the proxy under test
# alone on CPU 1 (PROXY_CPUS), pinned with taskset.
#
# It measures, for three targets — direct (backend a, no proxy), nginx, modelgate:
#   - closed-loop throughput, wrk with 64 connections: req/s, p50/p99/max, errors, and the proxy's CPU
#     per request (utime+stime from /proc/PID/stat before and after, over the requests completed);
#   - serial latency, wrk with 1 connection: p50/p99/max and what the proxy adds over direct;
#   - for modelgate, in each of those windows: GC pauses and safepoints (count, total and longest, from
#     -Xlog:gc,safepoint, which is added to its JVM options), JIT compilations (jstat -compiler) and
#     which of its threads used its core (event loop, access-log writer, compiler, VM thread...);
#   - split share over 2,000 requests (which backend answered, from the body stamp);
#   - 40 concurrent streams: time to first `data:` event and to the end (direct = the simulator);
#   - modelgate only: --hold (1,000) concurrent streams held open and its peak VmRSS meanwhile,
#     start-up to ready (launch until GET /readyz answers 200), VmRSS at idle.
# Warm-up runs first, not recorded: --warmup seconds (60) of wrk for modelgate, whose JIT compiler
# shares the gateway's one core and is still busy long after start (jstat -compiler: 2.2 s, 1.2 s
# and 0.4 s of compiling within three 8-s runs that followed 30 s of load), and 5 s for nginx and
# direct (no JIT; only their connections and caches to warm). Each figure is taken
# --reps (5) times, targets interleaved; the report quotes the median and the spread (min–max).
# A busy machine makes every figure noise, so it is checked: 3 s before anything starts, in every
# measured window and 3 s after the last one, the CPU used by processes outside this script's tree
# (user+nice+system from /proc/stat less what the tree used) and steal must stay within
# --max-other-cpu (10 % of one core) and 5 %. A busy start stops the script at once; a busy window
# makes it exit 3 with the windows named, the report written to FILE.busy.md instead of FILE.
# --flags 'JVM FLAGS' measures other JVM flags in place of the README's recommended ones, with the
# same AppCDS archive made for them (to compare collectors or heap shapes run against run).
# --models N gives modelgate's registry N more models (3 versions, 2 aliases each, as
# registry-scale.sh makes them; their endpoints are never contacted) beside the measured one, so the
# per-request cost is measured against a large routing table; its heap must then hold them (e.g.
# MODELGATE_JAVA_OPTS with -Xmx256m for 10,000).
# --allow-busy measures anyway: the report goes to FILE with a warning at its top. Every process it starts it stops
# by PID (also on Ctrl-C or failure). Logs and generated configs: a temp dir, removed unless --keep
# or a failure. Needs: java 17, mvn (unless --no-build with the jar built), wrk, nginx, taskset,
# python3, curl, 2 cores. Run from anywhere; paths are relative to the repository root.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
HERE="$ROOT/benchmarks/compare"
JAR="$ROOT/gateway/target/modelgate.jar"
# The command line as typed, for RESULTS.md: arguments with spaces or quotes single-quoted.
ARGS=""
for a in "$@"; do
  if [[ "$a" =~ ^[A-Za-z0-9_./=:,+-]+$ ]]; then ARGS+=" $a"; else ARGS+=" '${a//\'/\'\\\'\'}'"; fi
done

MODELS=0 DURATION=10 REPS=5 WARMUP=60 BUILD=1 HOLD=1000 HOLD_S=5 STREAMS=40 SPLIT_N=2000 KEEP=0 NOTE="" MAX_OTHER_CPU=10 ALLOW_BUSY=0
OUT="$ROOT/benchmarks/RESULTS.md"
JAVA_OPTS="${MODELGATE_JAVA_OPTS:-}"
# shellcheck source=benchmarks/jvm-flags.sh
source "$ROOT/benchmarks/jvm-flags.sh"
LOAD_CPUS="${LOAD_CPUS:-0}" PROXY_CPUS="${PROXY_CPUS:-1}"
SIM_ARGS="--ttft-ms 50 --itl-ms 10 --tokens 20"
HOLD_SIM_ARGS="--ttft-ms 50 --itl-ms 200 --tokens 1000"

die() { echo "compare.sh: $*" >&2; exit 1; }
say() { echo "[$(date +%H:%M:%S)] $*" >&2; }
usage() { sed -n '2,5p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit "${1:-0}"; }

while [ $# -gt 0 ]; do
  case "$1" in
    --duration) DURATION="${2:?--duration needs seconds}"; shift 2 ;;
    --reps) REPS="${2:?--reps needs a count}"; shift 2 ;;
    --warmup) WARMUP="${2:?--warmup needs seconds}"; shift 2 ;;
    --hold) HOLD="${2:?--hold needs a count}"; shift 2 ;;
    --out) OUT="${2:?--out needs a file}"; shift 2 ;;
    --note) NOTE="${2:?--note needs a text}"; shift 2 ;;
    --no-build) BUILD=0; shift ;;
    --quick) DURATION=3 REPS=1 WARMUP=3 HOLD_S=3; shift ;;
    --keep) KEEP=1; shift ;;
    --max-other-cpu) MAX_OTHER_CPU="${2:?--max-other-cpu needs a percentage of one core}"; shift 2 ;;
    --allow-busy) ALLOW_BUSY=1; shift ;;
    --flags) RECOMMENDED_JAVA_OPTS="${2:?--flags needs JVM flags}"; shift 2 ;;
    --models) MODELS="${2:?--models needs a count}"; shift 2 ;;
    -h|--help) usage 0 ;;
    *) echo "compare.sh: unknown option: $1" >&2; usage 2 ;;
  esac
done
for v in DURATION REPS WARMUP HOLD; do
  [[ "${!v}" =~ ^[1-9][0-9]*$ ]] || die "--${v,,}: ${!v} (expected: a whole number, 1 or more)"
done
[[ "$MODELS" =~ ^(0|[1-9][0-9]*)$ ]] || die "--models: $MODELS (expected: a whole number, 0 or more)"
[[ "$MAX_OTHER_CPU" =~ ^[0-9]+([.][0-9]+)?$ ]] || die "--max-other-cpu: $MAX_OTHER_CPU (expected: a percentage of one core, e.g. 10)"

# ---- processes: every one started is recorded and stopped by PID ------------------------------------
PIDS=()
FG_PID=""
WORK=""
stop_pid() {
  local pid=$1 i
  kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for i in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
}
cleanup() {
  local rc=$? pid
  trap - EXIT INT TERM
  [ -n "$FG_PID" ] && stop_pid "$FG_PID"
  for pid in "${PIDS[@]}"; do stop_pid "$pid"; done
  if [ -n "$WORK" ]; then
    if [ "$rc" -ne 0 ] || [ "$KEEP" = 1 ]; then say "logs and configs kept in $WORK"; else rm -rf "$WORK"; fi
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# start NAME CPUS CMD...: in the background, pinned, output to $WORK/NAME.log; PID in $LAST_PID.
start() {
  local name=$1 cpus=$2; shift 2
  taskset -c "$cpus" "$@" >"$WORK/$name.log" 2>&1 &
  LAST_PID=$!
  PIDS+=("$LAST_PID")
}
# stop PID: stops one process started by start().
stop() {
  local pid=$1 p keep=()
  stop_pid "$pid"
  for p in "${PIDS[@]}"; do [ "$p" = "$pid" ] || keep+=("$p"); done
  PIDS=("${keep[@]}")
}
# run_fg CMD...: a foreground command that cleanup can still stop by PID.
run_fg() {
  local rc=0
  "$@" &
  FG_PID=$!
  wait "$FG_PID" || rc=$?
  FG_PID=""
  return "$rc"
}

# ---- tools ----------------------------------------------------------------------------------------
apt_install() {
  local pkg=$1
  [ "$(id -u)" = 0 ] || die "$pkg is missing and installing it needs root: run 'sudo apt-get install -y $pkg'"
  command -v apt-get >/dev/null || die "$pkg is missing and there is no apt-get to install it: install $pkg"
  say "installing $pkg (apt-get install -y $pkg)"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$pkg" >/dev/null 2>&1 \
    || { DEBIAN_FRONTEND=noninteractive apt-get update -q >/dev/null 2>&1 \
         && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$pkg" >/dev/null 2>&1; } \
    || die "could not install $pkg with apt-get: install it and run again"
}
need() { command -v "$1" >/dev/null || die "$1 is missing: $2"; }

PATH="$PATH:/usr/sbin:/sbin"
command -v nginx >/dev/null || apt_install nginx
command -v wrk >/dev/null || apt_install wrk
need nginx "apt-get install -y nginx"
need wrk "apt-get install -y wrk"
need taskset "apt-get install -y util-linux"
need python3 "apt-get install -y python3"
need curl "apt-get install -y curl"
need java "install a JDK 17"
need getconf "apt-get install -y libc-bin"
need jstat "install a full JDK 17 (jstat reads the gateway's GC and JIT counters)"
[ "$(nproc --all)" -ge 2 ] || die "needs 2 cores (load on CPU $LOAD_CPUS, proxy on CPU $PROXY_CPUS); this machine has $(nproc --all)"
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
[ "$(ulimit -n)" -ge $((HOLD * 3 + 200)) ] || die "open-files limit $(ulimit -n) is too low for --hold $HOLD (raise ulimit -n)"

if [ "$BUILD" = 1 ] && [ ! -f "$JAR" ]; then
  need mvn "install Maven, or build $JAR and pass --no-build"
  say "building $JAR (mvn -B -ntp -DskipTests package)"
  (cd "$ROOT" && mvn -B -ntp -q -DskipTests package) || die "the build failed"
fi
[ -f "$JAR" ] || die "$JAR is missing: build it (mvn -B -ntp -DskipTests package) or drop --no-build"

CLK_TCK=$(getconf CLK_TCK)
# busy_check SECONDS: other processes' CPU over a quiet sample, as JSON (bench.py busy).
busy_check() { python3 "$HERE/bench.py" busy --root $$ --seconds "$1" --max-other-cpu "$MAX_OTHER_CPU"; }
BUSY_START=$(busy_check 3)
if [[ "$BUSY_START" == *'"busy": true'* ]]; then
  msg="the machine is busy before the run: $BUSY_START (limit: --max-other-cpu $MAX_OTHER_CPU % of one core, 5 % steal)"
  [ "$ALLOW_BUSY" = 1 ] || die "$msg; wait until it is quiet, or pass --allow-busy to measure anyway (the report will say so)"
  say "WARNING: $msg; measuring anyway (--allow-busy)"
fi
WORK=$(mktemp -d "${TMPDIR:-/tmp}/modelgate-compare.XXXXXX")
RESULTS="$WORK/results.jsonl"
: >"$RESULTS"
LOADAVG_START=$(cut -d' ' -f1-3 /proc/loadavg)

read -r P_A P_B P_NGINX P_NGINX_SSE P_MG P_MG_ADMIN P_SIM P_HOLD P_MG2 P_MG2_ADMIN < <(python3 - <<'EOF'
import socket
socks = []
for _ in range(10):
    s = socket.socket(); s.bind(("127.0.0.1", 0)); socks.append(s)
print(" ".join(str(s.getsockname()[1]) for s in socks))
EOF
)
U=http://127.0.0.1
CHAT=/v1/chat/completions

# ---- backends: one nginx, two server blocks, ~600-byte chat.completion stamped a / b ------------------
answer() {  # the backend's JSON body, stamped with its name
  local text="Thanks for reaching out. Your order left our warehouse on Monday and is with the carrier now; the tracking page shows it arriving on Thursday before noon. If it has not arrived by Friday, reply here and we will send a replacement at no cost. Is there anything else I can help you with today?"
  printf '{"id":"chatcmpl-bench-%s","object":"chat.completion","created":1767225600,"model":"bench-model","backend":"%s","system_fingerprint":"fp_bench","choices":[{"index":0,"message":{"role":"assistant","content":"%s"},"logprobs":null,"finish_reason":"stop"}],"usage":{"prompt_tokens":24,"completion_tokens":64,"total_tokens":88}}' "$1" "$1" "$text"
}
ANSWER_BYTES=$(answer a | wc -c)
mkdir -p "$WORK/backend" "$WORK/nginx" "$WORK/logs"
cat >"$WORK/backend/nginx.conf" <<EOF
worker_processes 1;
daemon off;
pid $WORK/backend/nginx.pid;
error_log $WORK/logs/backend-error.log warn;
events { worker_connections 8192; }
http {
  access_log off;
  default_type application/json;
  keepalive_requests 1000000;
  server { listen 127.0.0.1:$P_A; location / { return 200 '$(answer a)'; } }
  server { listen 127.0.0.1:$P_B; location / { return 200 '$(answer b)'; } }
}
EOF

# ---- the reference proxy ------------------------------------------------------------------------------
cat >"$WORK/nginx/nginx.conf" <<EOF
worker_processes 1;
daemon off;
pid $WORK/nginx/nginx.pid;
error_log $WORK/logs/nginx-error.log warn;
events { worker_connections 8192; }
http {
  access_log $WORK/logs/nginx-access.log combined buffer=64k flush=1s;
  keepalive_requests 1000000;
  upstream a { server 127.0.0.1:$P_A; keepalive 64; keepalive_requests 1000000; }
  upstream b { server 127.0.0.1:$P_B; keepalive 64; keepalive_requests 1000000; }
  upstream sim { server 127.0.0.1:$P_SIM; keepalive 64; }
  split_clients "\$request_id" \$backend { 90% a; * b; }
  server {
    listen 127.0.0.1:$P_NGINX;
    location / {
      proxy_pass http://\$backend;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      add_header x-modelgate-version \$backend;
    }
  }
  server {
    listen 127.0.0.1:$P_NGINX_SSE;
    location / {
      proxy_pass http://sim;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_buffering off;
      proxy_read_timeout 300s;
      add_header x-modelgate-version v1;
    }
  }
}
EOF

# ---- modelgate -----------------------------------------------------------------------------------------
mg_config() {  # mg_config PORT ADMIN_PORT STATE_DIR
  cat <<EOF
server:
  host: 127.0.0.1
  port: $1
  admin_port: $2
  drain_timeout: 1s
state: {kind: file, dir: $3}
access_log: $3/access.jsonl
models:
  bench:
    versions:
      v1: {artifact: "bench://backend-a", served_model: bench-model, endpoints: ["$U:$P_A"]}
      v2: {artifact: "bench://backend-b", served_model: bench-model, endpoints: ["$U:$P_B"]}
    aliases:
      production: {weights: {v1: 90, v2: 10}, stable: v1}
  bench-stream:
    versions:
      v1: {artifact: "bench://sim", served_model: sim-model, endpoints: ["$U:$P_SIM"]}
    aliases:
      production: {weights: {v1: 100}, stable: v1}
  bench-hold:
    versions:
      v1: {artifact: "bench://sim-long", served_model: sim-model, endpoints: ["$U:$P_HOLD"]}
    aliases:
      production: {weights: {v1: 100}, stable: v1}
EOF
  python3 - "$MODELS" "$U:$P_A" <<'EOF'
import sys
for i in range(int(sys.argv[1])):
    print(f"  team-{i % 97}/model-{i:05d}:")
    print("    versions:")
    for v in (1, 2, 3):
        print(f'      v{v}: {{artifact: "bench://filler/{i}/v{v}", served_model: filler, endpoints: ["{sys.argv[2]}"]}}')
    print("    aliases:")
    print("      production: {weights: {v2: 90, v3: 10}, stable: v2}")
    print("      staging: {weights: {v3: 100}, stable: v3}")
EOF
}
mg_config "$P_MG" "$P_MG_ADMIN" "$WORK/mg-state" >"$WORK/modelgate.yaml"


rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }
# cpu_ticks PID...: utime+stime of the processes, in clock ticks (fields 14 and 15 of /proc/PID/stat).
cpu_ticks() {
  local total=0 pid stat rest f
  for pid in "$@"; do
    stat=$(cat "/proc/$pid/stat") || die "process $pid is gone"
    rest=${stat##*) }
    read -r -a f <<<"$rest"
    total=$((total + f[11] + f[12]))
  done
  echo "$total"
}
record() { echo "$1" >>"$RESULTS"; }
# client ARGS...: bench.py on the load CPU, in the foreground of this shell (not in a $(...) subshell,
# so that cleanup can stop it by PID); what it prints is then in $OUT_TEXT.
client() {
  run_fg taskset -c "$LOAD_CPUS" python3 "$HERE/bench.py" "$@" >"$WORK/client.out" || return 1
  OUT_TEXT=$(<"$WORK/client.out")
}
# ready URL [TIMEOUT]: waits for a 200 (bounded).
ready() { client ready --url "$1" --start-ns "$(date +%s%N)" --timeout "${2:-60}" || die "$1 did not become ready; see $WORK/*.log"; }

say "work dir $WORK; load on CPU $LOAD_CPUS, proxy on CPU $PROXY_CPUS"
start backends "$LOAD_CPUS" nginx -e "$WORK/logs/backend-error.log" -p "$WORK/backend" -c "$WORK/backend/nginx.conf"
BACKEND_PID=$LAST_PID
start sim "$LOAD_CPUS" java -Xmx256m -jar "$JAR" sim --port "$P_SIM" $SIM_ARGS
SIM_PID=$LAST_PID
start sim-hold "$LOAD_CPUS" java -Xmx512m -jar "$JAR" sim --port "$P_HOLD" $HOLD_SIM_ARGS
HOLD_SIM_PID=$LAST_PID
start nginx "$PROXY_CPUS" nginx -e "$WORK/logs/nginx-error.log" -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf"
NGINX_PID=$LAST_PID
ready "$U:$P_A/" 10
ready "$U:$P_B/" 10
ready "$U:$P_NGINX/" 10
ready "$U:$P_SIM/v1/models" 60
ready "$U:$P_HOLD/v1/models" 60
NGINX_PIDS=("$NGINX_PID" $(pgrep -P "$NGINX_PID"))
[ "${#NGINX_PIDS[@]}" -ge 2 ] || die "the reference nginx has no worker process; see $WORK/logs/nginx-error.log"

# ---- modelgate start-up to ready, fresh state each time -----------------------------------------------
if [ -z "$JAVA_OPTS" ]; then
  mg_config "$P_MG2" "$P_MG2_ADMIN" "$WORK/mg-training" >"$WORK/modelgate-training.yaml"
  say "AppCDS training run: $WORK/modelgate.jsa"
  run_fg taskset -c "$PROXY_CPUS" java $RECOMMENDED_JAVA_OPTS -XX:ArchiveClassesAtExit="$WORK/modelgate.jsa" -jar "$JAR" \
    serve --config "$WORK/modelgate-training.yaml" --exit-after-ready >"$WORK/modelgate-training.log" 2>&1 \
    || die "the AppCDS training run failed; see $WORK/modelgate-training.log"
  JAVA_OPTS="$RECOMMENDED_JAVA_OPTS -XX:SharedArchiveFile=$WORK/modelgate.jsa"
fi
STARTUPS=$(( REPS < 3 ? REPS : 3 ))
for i in $(seq 1 "$STARTUPS"); do
  mg_config "$P_MG2" "$P_MG2_ADMIN" "$WORK/mg-startup-$i" >"$WORK/modelgate-startup.yaml"
  t0=$(date +%s%N)
  start "modelgate-startup-$i" "$PROXY_CPUS" java $JAVA_OPTS -jar "$JAR" serve --config "$WORK/modelgate-startup.yaml"
  pid=$LAST_PID
  client ready --url "$U:$P_MG2_ADMIN/readyz" --start-ns "$t0" --timeout 60 \
    || die "modelgate did not become ready; see $WORK/modelgate-startup-$i.log"
  ms=$OUT_TEXT
  record "{\"kind\":\"startup\",\"rep\":$i,\"ms\":$ms}"
  say "start-up to ready: $ms ms"
  stop "$pid"
done

GC_LOG="$WORK/logs/modelgate-gc.log"
start modelgate "$PROXY_CPUS" java $JAVA_OPTS -Xlog:gc,safepoint:file="$GC_LOG":uptime -jar "$JAR" serve --config "$WORK/modelgate.yaml"
MG_PID=$LAST_PID
ready "$U:$P_MG_ADMIN/readyz" 60
sleep 2
record "{\"kind\":\"rss_idle_start\",\"kb\":$(rss_kb "$MG_PID")}"

# Each target answers, from the backend it says, before anything is measured.
check() {  # check NAME URL MODEL STAMP-REGEX
  local out
  out=$(curl -sS -i -m 10 -H 'content-type: application/json' \
    -d "{\"model\":\"$3\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}" "$2") \
    || die "$1 at $2 does not answer"
  grep -q '^HTTP/1.1 200' <<<"$out" || die "$1 at $2 answered: $(head -1 <<<"$out")"
  grep -Eq "$4" <<<"$out" || die "$1 at $2: the answer lacks $4: $out"
}
check direct "$U:$P_A$CHAT" bench '"backend":"a"'
check nginx "$U:$P_NGINX$CHAT" bench 'x-modelgate-version: [ab]'
check modelgate "$U:$P_MG$CHAT" bench 'x-modelgate-version: v[12]'

declare -A URL=([direct]="$U:$P_A$CHAT" [nginx]="$U:$P_NGINX$CHAT" [modelgate]="$U:$P_MG$CHAT")
declare -A SSE=([direct]="$U:$P_SIM$CHAT" [nginx]="$U:$P_NGINX_SSE$CHAT" [modelgate]="$U:$P_MG$CHAT")
declare -A SSE_MODEL=([direct]=sim-model [nginx]=sim-model [modelgate]=bench-stream)
TARGETS=(nginx modelgate direct)
proxy_pids() {  # the processes whose CPU a target costs
  case "$1" in nginx) echo "${NGINX_PIDS[@]}" ;; modelgate) echo "$MG_PID" ;; direct) ;; esac
}

# jvm_counters PID: "uptime_s compiled_methods compile_s" from jstat (perf counters, no safepoint),
# or "- - -" when the JVM does not publish them (-XX:-UsePerfData).
jvm_counters() {
  local gc jit
  gc=$(taskset -c "$LOAD_CPUS" jstat -gc -t "$1" 2>/dev/null | awk 'NR == 2 {print $1}') || gc=""
  jit=$(taskset -c "$LOAD_CPUS" jstat -compiler "$1" 2>/dev/null | awk 'NR == 2 {print $1, $4}') || jit=""
  if [ -n "$gc" ] && [ -n "$jit" ]; then echo "$gc $jit"; else echo "- - -"; fi
}
snap() { python3 "$HERE/bench.py" snap --root $$; }

# wrk_run KIND TARGET REP CONNECTIONS SECONDS [record]
wrk_run() {
  local kind=$1 target=$2 rep=$3 conns=$4 secs=$5 pids before after line out jvm0="- - -" jvm1="- - -" snap0 snap1 busy jvm="{}"
  local up0 up1 comp0 comp1 ctime0 ctime1 threads0="{}" threads1="{}"
  out="$WORK/logs/wrk-$kind-$target-$rep.txt"
  read -r -a pids <<<"$(proxy_pids "$target")"
  if [ "$target" = modelgate ] && [ "${6:-}" = record ]; then
    jvm0=$(jvm_counters "$MG_PID")
    threads0=$(python3 "$HERE/bench.py" threads --pid "$MG_PID")
  fi
  snap0=$(snap)
  before=$([ "${#pids[@]}" -gt 0 ] && cpu_ticks "${pids[@]}" || echo 0)
  run_fg env MODEL=bench taskset -c "$LOAD_CPUS" wrk -t1 -c"$conns" -d"${secs}s" --timeout 10s -s "$HERE/post.lua" \
    "${URL[$target]}" >"$out" 2>&1 || die "wrk failed against $target; see $out"
  after=$([ "${#pids[@]}" -gt 0 ] && cpu_ticks "${pids[@]}" || echo 0)
  snap1=$(snap)
  [ "${6:-}" = record ] || return 0
  if [ "$target" = modelgate ]; then
    threads1=$(python3 "$HERE/bench.py" threads --pid "$MG_PID")
    jvm1=$(jvm_counters "$MG_PID")
  fi
  busy=$(python3 "$HERE/bench.py" busy --root $$ --before "$snap0" --after "$snap1" --max-other-cpu "$MAX_OTHER_CPU")
  read -r up0 comp0 ctime0 <<<"$jvm0"
  read -r up1 comp1 ctime1 <<<"$jvm1"
  if [ "$up0" != - ] && [ "$up1" != - ]; then
    jvm=$(python3 "$HERE/bench.py" jvm-window --gc-log "$GC_LOG" --from "$up0" --to "$up1")
    jvm="${jvm%\}}, \"compiled\": $((comp1 - comp0)), \"compile_s\": $(python3 -c "print(round($ctime1 - $ctime0, 3))")}"
  fi
  line=$(sed -n 's/^MGBENCH //p' "$out")
  [ -n "$line" ] || die "no figures in wrk's output; see $out"
  record "$(python3 - "$kind" "$target" "$rep" "$line" "$((after - before))" "$CLK_TCK" "${#pids[@]}" "$busy" "$jvm" "$threads0" "$threads1" <<'EOF'
import json, sys
kind, target, rep, line, ticks, hz, procs, busy, jvm, threads0, threads1 = sys.argv[1:]
w = json.loads(line)
r = {"kind": kind, "target": target, "rep": int(rep), "wrk": w, "machine": json.loads(busy)}
if jvm != "{}":
    r["jvm"] = json.loads(jvm)
t0, t1 = json.loads(threads0), json.loads(threads1)
if t1:
    r["threads"] = {n: t - t0.get(n, 0) for n, t in t1.items() if t - t0.get(n, 0) > 0}
if int(procs) and w["requests"]:
    cpu_s = int(ticks) / int(hz)
    r["cpu_us_per_req"] = cpu_s * 1e6 / w["requests"]
    r["proxy_busy"] = cpu_s / (w["duration_us"] / 1e6)
print(json.dumps(r))
EOF
)"
  say "$kind $target #$rep: $(tail -1 "$RESULTS" | python3 "$HERE/bench.py" line)"
}

NATIVE_WARMUP=$((WARMUP < 5 ? WARMUP : 5))
say "warm-up (not recorded): $WARMUP s of wrk for modelgate, $NATIVE_WARMUP s for nginx and direct"
for t in "${TARGETS[@]}"; do
  if [ "$t" = modelgate ]; then wrk_run warmup "$t" 0 64 "$WARMUP"; else wrk_run warmup "$t" 0 64 "$NATIVE_WARMUP"; fi
done

say "split share over $SPLIT_N requests"
for t in nginx modelgate; do
  client split --url "${URL[$t]}" --model bench --n "$SPLIT_N" || die "split share against $t failed"
  s=$OUT_TEXT
  record "{\"kind\":\"split\",\"target\":\"$t\",${s#\{}"
  say "split $t: $s"
done

for rep in $(seq 1 "$REPS"); do
  for t in "${TARGETS[@]}"; do wrk_run throughput "$t" "$rep" 64 "$DURATION" record; done
done
for rep in $(seq 1 "$REPS"); do
  for t in "${TARGETS[@]}"; do wrk_run serial "$t" "$rep" 1 "$DURATION" record; done
done

say "streams: $STREAMS concurrent per run"
for t in "${TARGETS[@]}"; do  # warm-up of the streaming path, not recorded
  client streams --url "${SSE[$t]}" --model "${SSE_MODEL[$t]}" --n "$STREAMS" || die "streams against $t failed"
done
for rep in $(seq 1 "$REPS"); do
  for t in "${TARGETS[@]}"; do
    client streams --url "${SSE[$t]}" --model "${SSE_MODEL[$t]}" --n "$STREAMS" || die "streams against $t failed"
    s=$OUT_TEXT
    record "{\"kind\":\"streams\",\"target\":\"$t\",\"rep\":$rep,${s#\{}"
    say "streams $t #$rep: $s"
  done
done

sleep 2
record "{\"kind\":\"rss_idle_load\",\"kb\":$(rss_kb "$MG_PID")}"

say "holding $HOLD streams through modelgate"
client hold --url "$U:$P_MG$CHAT" --model bench-hold --n "$HOLD" --pid "$MG_PID" --hold-s "$HOLD_S" \
  || die "holding $HOLD streams failed"
s=$OUT_TEXT
record "{\"kind\":\"hold\",${s#\{}"
say "hold: $s"

sleep 2
record "{\"kind\":\"rss_idle_after\",\"kb\":$(rss_kb "$MG_PID")}"
LOADAVG_END=$(cut -d' ' -f1-3 /proc/loadavg)
BUSY_END=$(busy_check 3)
record "{\"kind\":\"busy_check\",\"when\":\"before\",\"check\":$BUSY_START}"
record "{\"kind\":\"busy_check\",\"when\":\"after\",\"check\":$BUSY_END}"
BUSY_WINDOWS=$(python3 "$HERE/bench.py" busy-windows --results "$RESULTS")

# ---- report --------------------------------------------------------------------------------------------
COMMIT="$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)"
git -C "$ROOT" diff --quiet HEAD -- gateway router-core 2>/dev/null || COMMIT="$COMMIT + uncommitted changes"
JVM_FLAGS=$(taskset -c "$PROXY_CPUS" java $JAVA_OPTS -XX:+PrintCommandLineFlags -version 2>&1 | head -1)
SETTINGS=$(
  echo "# modelgate: taskset -c $PROXY_CPUS java ${JAVA_OPTS//$WORK/\$WORK} -jar gateway/target/modelgate.jar serve --config modelgate.yaml"
  echo "# JVM flags on the proxy core: $JVM_FLAGS"
  # The --models fillers are named, not listed: a registry of thousands would not fit the report (or the environment).
  sed "s#$WORK#\$WORK#g" "$WORK/modelgate.yaml" | awk '/^  team-[0-9]+\/model-/ {filler = 1} !filler {print}'
  [ "$MODELS" = 0 ] || echo "  # ...and $MODELS more models, 3 versions and 2 aliases each (--models $MODELS)"
  echo
  echo "# reference proxy: taskset -c $PROXY_CPUS nginx -c nginx.conf"
  sed "s#$WORK#\$WORK#g" "$WORK/nginx/nginx.conf"
  echo
  echo "# backends: taskset -c $LOAD_CPUS nginx, 1 worker, two server blocks: location / { return 200 '<$ANSWER_BYTES-byte chat.completion>'; }"
  echo "# simulators: taskset -c $LOAD_CPUS java -jar modelgate.jar sim $SIM_ARGS   (held streams: $HOLD_SIM_ARGS)"
  echo "# load: taskset -c $LOAD_CPUS wrk -t1 -c64|-c1 -d${DURATION}s --timeout 10s -s benchmarks/compare/post.lua URL"
  echo "#       taskset -c $LOAD_CPUS python3 benchmarks/compare/bench.py split|streams|hold ..."
)
JAVA_OPTS=${JAVA_OPTS//$WORK/\$WORK}
export MODELS ARGS NOTE DURATION REPS WARMUP NATIVE_WARMUP STREAMS HOLD HOLD_S LOAD_CPUS PROXY_CPUS SIM_ARGS HOLD_SIM_ARGS JAVA_OPTS COMMIT SETTINGS \
  LOADAVG_START LOADAVG_END MAX_OTHER_CPU BUSY_WINDOWS
python3 - >"$WORK/meta.json" <<'EOF'
import json, os, platform, subprocess, datetime
def sh(cmd):
    try:
        return subprocess.run(cmd, shell=True, capture_output=True, text=True, timeout=30).stdout.strip() or \
               subprocess.run(cmd, shell=True, capture_output=True, text=True, timeout=30).stderr.strip()
    except Exception as e:
        return f"unknown ({e})"
def cpu_model():
    for line in open("/proc/cpuinfo"):
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"
mem = next(l.split()[1] for l in open("/proc/meminfo") if l.startswith("MemTotal"))
os_name = next((l.split("=", 1)[1].strip().strip('"') for l in open("/etc/os-release") if l.startswith("PRETTY_NAME")), "unknown")
e = os.environ
print(json.dumps({
    "command": "bash benchmarks/compare.sh" + e["ARGS"],
    "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
    "commit": e["COMMIT"], "note": e["NOTE"], "models": int(e["MODELS"]), "duration": int(e["DURATION"]), "reps": int(e["REPS"]),
    "warmup": int(e["WARMUP"]), "native_warmup": int(e["NATIVE_WARMUP"]),
    "streams": int(e["STREAMS"]), "hold_s": float(e["HOLD_S"]), "load_cpus": e["LOAD_CPUS"], "proxy_cpus": e["PROXY_CPUS"],
    "sim_args": e["SIM_ARGS"], "hold_sim_args": e["HOLD_SIM_ARGS"], "java_opts": e["JAVA_OPTS"],
    "loadavg_start": e["LOADAVG_START"], "loadavg_end": e["LOADAVG_END"], "settings": e["SETTINGS"],
    "max_other_cpu": float(e["MAX_OTHER_CPU"]), "busy_windows": e["BUSY_WINDOWS"],
    "machine": {
        "CPU": f"{cpu_model()}, {os.cpu_count()} cores",
        "memory": f"{int(mem) // 1024 // 1024} GiB",
        "OS": f"{os_name}, kernel {platform.release()}",
        "Java": sh("java -version 2>&1 | head -2 | tail -1"),
        "nginx": sh("nginx -v 2>&1"),
        "wrk": sh("wrk -v 2>&1 | head -1").split(" Copyright")[0],
        "python": platform.python_version(),
    },
}))
EOF
if [ -n "$BUSY_WINDOWS" ] && [ "$ALLOW_BUSY" = 0 ]; then
  OUT="${OUT%.md}.busy.md"
fi
mkdir -p "$(dirname "$OUT")"
python3 "$HERE/bench.py" report --results "$RESULTS" --meta "$WORK/meta.json" --out "$OUT"
say "wrote $OUT"
if [ -n "$BUSY_WINDOWS" ]; then
  echo "compare.sh: THE MACHINE WAS BUSY — other processes used more than $MAX_OTHER_CPU % of a core (or steal above 5 %) in: $BUSY_WINDOWS" >&2
  [ "$ALLOW_BUSY" = 1 ] || { echo "compare.sh: these figures are noise; the report went to $OUT, not to the results file. Rerun on a quiet machine (or pass --allow-busy)." >&2; exit 3; }
fi
