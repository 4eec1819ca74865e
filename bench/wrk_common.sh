# Sourced by the wrk benchmarks (bench/http/compare.sh, bench/serve/bench_serve.sh).

# A free TCP port on 127.0.0.1 (there is a small window before the caller binds it).
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# wrk's latency ("812.00us", "1.20ms", "2.01s") in milliseconds.
to_ms() {
  awk '{v=$1; if (v ~ /us$/) {sub(/us/,"",v); v/=1000} else if (v ~ /ms$/) {sub(/ms/,"",v)} else if (v ~ /s$/) {sub(/s/,"",v); v*=1000}; printf "%.2f", v}' <<<"$1"
}

# WRK_OUTPUT → "requests/s p50_ms p99_ms errors" (errors: "none" or wrk's error lines)
wrk_summary() {
  local rps p50 p99 errors
  rps=$(awk '/^Requests\/sec/ {printf "%.1f", $2}' <<<"$1")
  p50=$(to_ms "$(awk '$1=="50%" {print $2}' <<<"$1")")
  p99=$(to_ms "$(awk '$1=="99%" {print $2}' <<<"$1")")
  errors=$(awk '/Non-2xx|Socket errors/ {printf "%s; ", $0}' <<<"$1")
  echo "$rps $p50 $p99 ${errors:-none}"
}
