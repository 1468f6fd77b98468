# Sourced by the start-up benchmarks (registry-scale.sh, ledger-snapshots.sh) once their options
# are read: a work directory removed on exit (unless KEEP=1), the gateway process in PID stopped on
# any exit, the jar built unless BUILD=0, and the /proc readings both scripts report.
# Needs ROOT, BUILD and KEEP set by the caller.

WORK=$(mktemp -d)
PID=""
cleanup() {
  if [[ -n "$PID" ]] && kill -0 "$PID" 2>/dev/null; then
    kill "$PID" 2>/dev/null || true
    wait "$PID" 2>/dev/null || true
  fi
  if (( KEEP )); then echo "kept $WORK" >&2; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

JAR="$ROOT/gateway/target/modelgate.jar"
if (( BUILD )); then
  (cd "$ROOT" && mvn -B -ntp -q -pl gateway -am package -DskipTests)
fi
[[ -f "$JAR" ]] || { echo "$JAR is missing: build it, or drop --no-build" >&2; exit 1; }

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}
now_ms() { date +%s%3N; }
rss_mb() { awk '/VmRSS/ {printf "%.0f", $2 / 1024}' "/proc/$1/status"; }
cpu_ms() { awk -v hz="$(getconf CLK_TCK)" '{printf "%.0f", ($14 + $15) * 1000 / hz}' "/proc/$1/stat"; }
