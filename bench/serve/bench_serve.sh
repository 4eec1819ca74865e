#!/usr/bin/env bash
# The serving benchmark of issue 14 item 7, in one run on loopback: `covidflow serve` against
# `mlflow models serve` (MLflow 3.17 from .venv, --env-manager local) serving the equivalent
# scikit-learn pipeline (sklearn_peer.py: word + char_wb TF-IDF into balanced logistic
# regression) trained on the same files (specs/tweet-sentiment.yaml's train and validation
# split), and against the HTTP stack's ceiling (GET /ping on the same covidflow server).
# wrk -t2 -c$CONNS for $SECONDS s per run: POSTs of 1 and 100 validation tweets as MLflow
# dataframe_split JSON. Prints requests/s, tweets/s, p50/p99, the covidflow server's CPU time per
# request (/proc/PID/stat around each run), and the ratios against the
# issue's targets. Bounded: training both models takes a few minutes, the runs ~1 minute.
#
# Usage: bench/serve/bench_serve.sh [build dir, default build/ci]
#   CF_BENCH_SECONDS (10), CF_BENCH_CONNECTIONS (16), CF_BENCH_KEEP=1 keeps the work dir.
# Until `covidflow serve` exists in the build, only the MLflow half runs.
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${1:-build/ci}
covidflow=$build/src/cli/covidflow
seconds=${CF_BENCH_SECONDS:-10}
conns=${CF_BENCH_CONNECTIONS:-16}
data=../shared/data/tweeteval-sentiment
py=.venv/bin/python
for need in "$data/train.csv" "$data/val.csv" "$py" "$covidflow"; do
  [ -e "$need" ] || { echo "bench_serve: $need missing" >&2; exit 2; }
done
command -v wrk >/dev/null || { echo "bench_serve: wrk missing (Debian package wrk)" >&2; exit 2; }

work=$(mktemp -d /tmp/bench_serve.XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  if [ "${CF_BENCH_KEEP:-0}" = 1 ]; then echo "work dir kept: $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

source bench/wrk_common.sh
wait_ready() {  # URL SECONDS NAME
  local deadline=$((SECONDS + $2))
  until curl -sf -o /dev/null "$1"; do
    ((SECONDS < deadline)) || { echo "bench_serve: $3 not ready after $2 s (log: $work/$3.log)" >&2; tail -20 "$work/$3.log" >&2; exit 1; }
    sleep 0.2
  done
}
declare -A RPS P50 P99 ERR CPU
cf_pid=
# CPU seconds (user + system) the covidflow server has used so far, in clock ticks.
cf_ticks() { awk '{print $14 + $15}' "/proc/$cf_pid/stat"; }
# bench NAME URL [BODY FILE] → fills RPS/P50/P99/ERR[NAME], and for covidflow's runs CPU[NAME]:
# the server's CPU microseconds per request (it moves with other load on the machine less
# than requests/s, which is whatever share of the 2 cores the server got, but it moves).
bench() {
  local name=$1 url=$2 body=${3:-} out ticks0=0
  [[ $name == covidflow_* ]] && ticks0=$(cf_ticks)
  if [ -n "$body" ]; then
    out=$(wrk -t2 -c"$conns" -d"${seconds}s" --latency -s bench/serve/post_file.lua "$url" -- "$body")
  else
    out=$(wrk -t2 -c"$conns" -d"${seconds}s" --latency "$url")
  fi
  read -r RPS[$name] P50[$name] P99[$name] ERR[$name] <<<"$(wrk_summary "$out")"
  CPU[$name]=-
  if [[ $name == covidflow_* ]]; then
    local requests
    requests=$(awk '/requests in/ {print $1}' <<<"$out")
    CPU[$name]=$(awk -v a="$ticks0" -v b="$(cf_ticks)" -v n="$requests" -v hz="$(getconf CLK_TCK)" \
      'BEGIN {printf "%.1f", (b - a) / hz / n * 1e6}')
  fi
}

echo "== training (same files: $data/train.csv, validation $data/val.csv)"
"$py" bench/serve/sklearn_peer.py --train "$data/train.csv" --validation "$data/val.csv" \
  --out "$work/mlflow_model" | sed 's/^/scikit-learn: /'
"$py" bench/serve/make_bodies.py "$data/val.csv" "$work"
have_serve=0
if "$covidflow" serve --help >/dev/null 2>&1; then
  have_serve=1
  start=$SECONDS
  "$covidflow" train --spec specs/tweet-sentiment.yaml --out "$work/covidflow_model" \
    >"$work/train.log" 2>&1 || { cat "$work/train.log" >&2; exit 1; }
  echo "covidflow: trained in $((SECONDS - start)) s ($(grep -m1 -i 'macro_recall' "$work/train.log" | tr -s ' ' || true))"
else
  echo "covidflow: no 'serve' command in $covidflow yet: the MLflow half only"
fi

echo "== serving"
mlflow_port=$(free_port)
PATH="$PWD/.venv/bin:$PATH" .venv/bin/mlflow models serve -m "$work/mlflow_model" \
  --env-manager local -h 127.0.0.1 -p "$mlflow_port" >"$work/mlflow.log" 2>&1 &
pids+=($!)
wait_ready "http://127.0.0.1:$mlflow_port/ping" 180 mlflow
mlflow_url=http://127.0.0.1:$mlflow_port
echo "mlflow models serve on $mlflow_url: $(curl -s -H 'Content-Type: application/json' --data-binary @"$work/one.json" "$mlflow_url/invocations")"
if ((have_serve)); then
  cf_port=$(free_port)
  # Every scored row goes to the prediction log (HOME/log, topic predictions), as served for real.
  "$covidflow" serve --model-dir "$work/covidflow_model" --port "$cf_port" --home "$work/home" \
    >"$work/covidflow.log" 2>&1 &
  cf_pid=$!
  pids+=($!)
  wait_ready "http://127.0.0.1:$cf_port/ping" 60 covidflow
  cf_url=http://127.0.0.1:$cf_port
  echo "covidflow serve on $cf_url: $(curl -s -H 'Content-Type: application/json' --data-binary @"$work/one.json" "$cf_url/invocations" | head -c 300)"
fi

echo "== wrk -t2 -c$conns -d${seconds}s (load average before: $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) cores)"
bench mlflow_1 "$mlflow_url/invocations" "$work/one.json"
bench mlflow_100 "$mlflow_url/invocations" "$work/hundred.json"
names=(mlflow_1 mlflow_100)
if ((have_serve)); then
  bench covidflow_ping "$cf_url/ping"
  bench covidflow_1 "$cf_url/invocations" "$work/one.json"
  bench covidflow_100 "$cf_url/invocations" "$work/hundred.json"
  names+=(covidflow_ping covidflow_1 covidflow_100)
fi
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"

printf '\n%-16s %10s %10s %9s %9s %14s  %s\n' run "req/s" "tweets/s" "p50 ms" "p99 ms" "server us/req" errors
for n in "${names[@]}"; do
  tweets=${n##*_}; [ "$tweets" = ping ] && tweets=0
  printf '%-16s %10s %10s %9s %9s %14s  %s\n' "$n" "${RPS[$n]}" \
    "$(awk -v r="${RPS[$n]}" -v t="$tweets" 'BEGIN {printf "%.0f", r*t}')" "${P50[$n]}" "${P99[$n]}" \
    "${CPU[$n]}" "${ERR[$n]}"
done
if ((have_serve)); then
  echo
  ratio() {  # LABEL A B TARGET: A/B against the target
    awk -v l="$1" -v a="$2" -v b="$3" -v t="$4" 'BEGIN {r = a / b; printf "%-52s %8.2fx  (target >= %s: %s)\n", l, r, t, (r >= t ? "met" : "NOT met")}'
  }
  ratio "1 tweet: covidflow / MLflow requests/s" "${RPS[covidflow_1]}" "${RPS[mlflow_1]}" 100
  ratio "100 tweets: covidflow / MLflow tweets/s" "${RPS[covidflow_100]}" "${RPS[mlflow_100]}" 50
  ratio "1 tweet: MLflow p99 / covidflow p99" "${P99[mlflow_1]}" "${P99[covidflow_1]}" 20
  ratio "100 tweets: MLflow p99 / covidflow p99" "${P99[mlflow_100]}" "${P99[covidflow_100]}" 20
  ratio "1 tweet: covidflow requests/s / its ceiling (/ping)" "${RPS[covidflow_1]}" "${RPS[covidflow_ping]}" 0.7
fi
