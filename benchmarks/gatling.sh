#!/usr/bin/env bash
# Load test: two `modelgate sim` backends and `modelgate serve` on loopback, then one Gatling
# simulation against the gateway. Every process it starts is stopped on exit.
#
#   benchmarks/gatling.sh throughput [-Dusers=64] [-Dduration=30] [-Dstream.percent=20]
#   benchmarks/gatling.sh arrival    [-Drate=2000] [-Dduration=30] [-Dstream.percent=20]
#
# Further -D options go to the simulation (see benchmarks/gatling/src/test/java). Environment:
#   SIM_TTFT_MS, SIM_ITL_MS, SIM_TOKENS  the simulators' pacing (default 5, 1, 16)
#   MODELGATE_JAVA_OPTS                  the gateway's JVM flags (default: the README's, jvm-flags.sh)
#   GATEWAY_CPUS, LOAD_CPUS              taskset CPU lists for the gateway and for simulators +
#                                        Gatling (default: first half of the CPUs / the rest)
# The HTML report lands in benchmarks/gatling/target/gatling/<simulation>-<timestamp>/index.html.
set -euo pipefail

usage() {
  sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

case "${1:-}" in
  throughput) simulation=dev.modelgate.gatling.ThroughputSimulation ;;
  arrival) simulation=dev.modelgate.gatling.ArrivalSimulation ;;
  *) usage ;;
esac
shift

root=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=benchmarks/jvm-flags.sh
source "$root/benchmarks/jvm-flags.sh"
jar=$root/gateway/target/modelgate.jar
if [[ ! -f $jar ]]; then
  (cd "$root" && mvn -B -ntp -q -pl gateway -am package -DskipTests)
fi

work=$(mktemp -d)
pids=()
stop_all() {
  local status=$?
  if ((status != 0)) && [[ -s $work/gateway.log ]]; then
    echo "gatling.sh: failed ($status); the gateway's log ends:" >&2
    tail -n 20 "$work/gateway.log" >&2
  fi
  for pid in "${pids[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in "${pids[@]}"; do
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$work"
}
trap stop_all EXIT

# Pin the gateway apart from its load when taskset exists and there are CPUs to split.
cpus=$(nproc)
gateway_pin=()
load_pin=()
if command -v taskset >/dev/null && ((cpus >= 2)); then
  gateway_pin=(taskset -c "${GATEWAY_CPUS:-0-$((cpus / 2 - 1))}")
  load_pin=(taskset -c "${LOAD_CPUS:-$((cpus / 2))-$((cpus - 1))}")
fi

# Waits up to 60 s for a line matching $2 in file $1 and prints the port after $3 on it.
port_from() {
  local deadline=$((SECONDS + 60)) line
  while ((SECONDS < deadline)); do
    line=$(grep -m1 -E "$2" "$1" 2>/dev/null || true)
    if [[ -n $line ]]; then
      sed -E "s/.*$3([0-9]+).*/\1/" <<<"$line"
      return 0
    fi
    for pid in "${pids[@]}"; do
      kill -0 "$pid" 2>/dev/null || { echo "gatling.sh: a process exited early; its log:" >&2; cat "$1" >&2; return 1; }
    done
    sleep 0.2
  done
  echo "gatling.sh: nothing listening after 60 s; log $1:" >&2
  cat "$1" >&2
  return 1
}

sim_ports=()
for v in 1 2; do
  "${load_pin[@]}" java -Xmx256m -jar "$jar" sim --port 0 --model "bench-v$v" \
    --ttft-ms "${SIM_TTFT_MS:-5}" --itl-ms "${SIM_ITL_MS:-1}" --tokens "${SIM_TOKENS:-16}" \
    >"$work/sim$v.log" 2>&1 &
  pids+=($!)
done
for v in 1 2; do
  sim_ports+=("$(port_from "$work/sim$v.log" 'modelgate sim: model' '127\.0\.0\.1:')")
done

cat >"$work/gateway.yaml" <<EOF
server: {host: 127.0.0.1, port: 0, admin_host: 127.0.0.1, admin_port: 0}
state: {kind: file, dir: $work/data}
access_log: off
models:
  bench:
    versions:
      v1: {artifact: sim://bench/v1, served_model: bench-v1, endpoints: ["http://127.0.0.1:${sim_ports[0]}"]}
      v2: {artifact: sim://bench/v2, served_model: bench-v2, endpoints: ["http://127.0.0.1:${sim_ports[1]}"]}
    aliases:
      production: {weights: {v1: 90, v2: 10}, stable: v1}
EOF
# shellcheck disable=SC2086
"${gateway_pin[@]}" java ${MODELGATE_JAVA_OPTS:-$RECOMMENDED_JAVA_OPTS} -jar "$jar" serve --config "$work/gateway.yaml" >"$work/gateway.log" 2>&1 &
pids+=($!)
gateway_port=$(port_from "$work/gateway.log" 'modelgate listening' 'data plane 127\.0\.0\.1:')
echo "gatling.sh: gateway on 127.0.0.1:$gateway_port (${gateway_pin[*]:-unpinned}), simulators on ${sim_ports[*]} (${load_pin[*]:-unpinned})"

"${load_pin[@]}" mvn -B -ntp -f "$root/benchmarks/gatling/pom.xml" gatling:test \
  -Dgatling.simulationClass="$simulation" -Dgateway.url="http://127.0.0.1:$gateway_port" -Dmodel=bench "$@"
