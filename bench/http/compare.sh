#!/usr/bin/env bash
# The HTTP stack against the library it replaced, on loopback, in one run: wrk (-t2) against
# GET /ping (a small JSON) and POST /echo (a ~300-byte JSON body, echo.lua) served by
# covidflow's http::Server (Boost.Beast) and by plain cpp-httplib (as http::Server used it:
# a thread pool where a kept-alive connection holds a worker) at 16 and 64 connections.
# Prints requests/s and p50/p99 latency for each, and covidflow's ratio to the better
# httplib configuration. Takes about a minute (CF_BENCH_SECONDS per wrk run, default 5).
#
# Usage: bench/http/compare.sh [build dir, default build/ci]   (needs target bench_http_server)
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${1:-build/ci}
server=$build/bench/http/bench_http_server
seconds=${CF_BENCH_SECONDS:-5}
[ -x "$server" ] || { echo "compare.sh: $server missing (cmake --build $build --target bench_http_server)" >&2; exit 2; }
command -v wrk >/dev/null || { echo "compare.sh: wrk missing (Debian package wrk)" >&2; exit 2; }

pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; pid=""; }
trap cleanup EXIT

source bench/wrk_common.sh

# run IMPL THREADS CONNECTIONS ENDPOINT → "rps p50 p99 errors"
run() {
  local impl=$1 threads=$2 conns=$3 endpoint=$4 port out
  port=$(free_port)
  "$server" --impl "$impl" --port "$port" --threads "$threads" >/dev/null &
  pid=$!
  for _ in $(seq 100); do curl -sf -o /dev/null "http://127.0.0.1:$port/ping" && break; sleep 0.05; done
  local script=()
  [ "$endpoint" = echo ] && script=(-s bench/http/echo.lua)
  out=$(wrk -t2 -c"$conns" -d"${seconds}s" --latency "${script[@]}" "http://127.0.0.1:$port/$endpoint")
  cleanup
  wrk_summary "$out"
}

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg); $(nproc) cores; wrk -t2 -d${seconds}s"
printf '%-9s %-8s %-5s %-7s %10s %9s %9s  %s\n' endpoint impl thr conns "req/s" "p50 ms" "p99 ms" errors
for endpoint in ping echo; do
  for conns in 16 64; do
    best=0
    for cfg in "httplib 4" "httplib 64" "covidflow 2"; do
      read -r impl threads <<<"$cfg"
      read -r rps p50 p99 errors <<<"$(run "$impl" "$threads" "$conns" "$endpoint")"
      printf '%-9s %-8s %-5s %-7s %10s %9s %9s  %s\n' "$endpoint" "$impl" "$threads" "$conns" "$rps" "$p50" "$p99" "$errors"
      if [ "$impl" = httplib ]; then
        best=$(awk -v a="$rps" -v b="$best" 'BEGIN {print (a > b) ? a : b}')
      else
        awk -v a="$rps" -v b="$best" -v e="$endpoint" -v c="$conns" \
          'BEGIN {printf "  → covidflow / best httplib (%s, %s connections): %.2fx requests/s\n", e, c, a/b}'
      fi
    done
  done
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
