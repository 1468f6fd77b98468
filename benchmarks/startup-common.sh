# Sourced by the start-up benchmarks (registry-scale.sh, ledger-snapshots.sh) once their options
# are read: a work directory removed on exit (unless KEEP=1), the gateway process in PID stopped on
# any exit, the jar built unless BUILD=0, the /proc readings both scripts report, and one timed
# start (serve_until_ready), and the embedded PostgreSQL (start_postgres). Needs ROOT, BUILD and KEEP
# set by the caller (and JAVA_OPTS, TIMEOUT for serve_until_ready and start_postgres).

WORK=$(mktemp -d)
PID=""
PG_PID=""
cleanup() {
  stop_postgres
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
# start_postgres DATABASE...: the PostgreSQL the tests embed (io.zonky binaries from the Maven
# repository, no installed server) on 127.0.0.1 with those databases created; its port in PG_PORT.
# It runs until its standard input closes (stop_postgres, also on exit).
start_postgres() {
  (cd "$ROOT" && mvn -B -ntp -q -o -pl gateway dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile="$WORK/pg.classpath")
  mkfifo "$WORK/pg.in"
  java -cp "$(cat "$WORK/pg.classpath")" "$ROOT/benchmarks/registry-scale/EmbeddedPostgresServer.java" "$@" \
    <"$WORK/pg.in" >"$WORK/pg.port" 2>"$WORK/pg.log" &
  PG_PID=$!
  exec 3>"$WORK/pg.in"
  local i
  for ((i = 0; i < TIMEOUT * 10; i++)); do
    [[ -s "$WORK/pg.port" ]] && break
    kill -0 "$PG_PID" 2>/dev/null || break
    sleep 0.1
  done
  PG_PORT=$(cat "$WORK/pg.port")
  [[ -n "$PG_PORT" ]] || { echo "the embedded PostgreSQL did not start: $WORK/pg.log" >&2; KEEP=1; exit 1; }
}
stop_postgres() {
  if [[ -n "$PG_PID" ]]; then
    exec 3>&-
    wait "$PG_PID" 2>/dev/null || true
    PG_PID=""
  fi
}

now_ms() { date +%s%3N; }
rss_mb() { awk '/VmRSS/ {printf "%.0f", $2 / 1024}' "/proc/$1/status"; }
cpu_ms() { awk -v hz="$(getconf CLK_TCK)" '{printf "%.0f", ($14 + $15) * 1000 / hz}' "/proc/$1/stat"; }

# The admin port a generated config names on its first line.
admin_port() { python3 -c 'import re,sys; print(re.search(r"admin_port: (\d+)", open(sys.argv[1]).readline()).group(1))' "$1"; }

# serve_until_ready CONFIG LOG: starts `serve --config CONFIG` into PID and waits until its /readyz
# answers 200, at most TIMEOUT s; sets LAUNCHED_MS and READY_MS. On failure it prints
# "failed (see LOG)", stops the gateway and returns 1.
serve_until_ready() {
  local config=$1 log=$2 admin
  admin=$(admin_port "$config")
  LAUNCHED_MS=$(now_ms)
  # shellcheck disable=SC2086
  java $JAVA_OPTS -jar "$JAR" serve --config "$config" >"$log" 2>&1 &
  PID=$!
  local deadline=$(( LAUNCHED_MS + TIMEOUT * 1000 ))
  until curl -fsS -o /dev/null "http://127.0.0.1:$admin/readyz" 2>/dev/null; do
    if ! kill -0 "$PID" 2>/dev/null || (( $(now_ms) > deadline )); then
      echo "failed (see $log)"
      kill "$PID" 2>/dev/null || true
      wait "$PID" 2>/dev/null || true
      PID=""
      return 1
    fi
    sleep 0.05
  done
  READY_MS=$(now_ms)
}
