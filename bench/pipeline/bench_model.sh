#!/usr/bin/env bash
# The stream scored by a model: process throughput on N generated tweets (default 200,000)
# with VADER + locations, without a model and with --model-dir MODEL (the tweet-sentiment spec:
# word + char tf-idf, VADER and text counts into logistic regression), alternating so both
# see the same machine. The no-model runs are the named peer: they show what the model costs,
# and that the path without a model did not slow down (compare with bench_pipeline.sh).
# Usage: bench/pipeline/bench_model.sh [N] [covidflow binary] [model dir]
# Without a model dir, trains specs/tweet-sentiment.yaml first (reads ../shared/data).
set -euo pipefail
cd "$(dirname "$0")/../.."
N=${1:-200000}
CF=${2:-build/release/src/cli/covidflow}
MODEL=${3:-}
[ -x "$CF" ] || { echo "build first: scripts/build.sh release" >&2; exit 1; }
work=$(mktemp -d /tmp/cf-bench-model-XXXXXX)
trap 'rm -rf "$work"' EXIT

field() { python3 -c "import json,sys; print(json.load(sys.stdin)[sys.argv[1]])" "$1"; }

if [ -z "$MODEL" ]; then
  MODEL="$work/model"
  "$CF" train --spec specs/tweet-sentiment.yaml --out "$MODEL" --home "$work/home" > /dev/null
fi
echo "covidflow process with and without a model: $N tweets, $(nproc) cores, model $MODEL"
"$CF" generate --count "$N" --seed 1 --out "$work/t.csv" 2>/dev/null
"$CF" produce --from "$work/t.csv" --to "file://$work/log" > /dev/null
declare -A rates
for round in 1 2; do
  for mode in none model; do
    args=()
    [ "$mode" = model ] && args=(--model-dir "$MODEL")
    "$CF" process --from "file://$work/log" --group "bench-$mode-$round" --exit-when-idle \
      --idle-ms 200 --batch 32768 --json "${args[@]}" > "$work/process.json"
    consumed=$(field consumed < "$work/process.json")
    secs=$(field active_seconds < "$work/process.json")
    rate=$(python3 -c "import sys; print(round(float(sys.argv[1]) / float(sys.argv[2])))" \
      "$consumed" "$secs")
    rates[$mode]="${rates[$mode]:-} $rate"
    echo "round $round, $mode: $rate tweets/s ($consumed tweets in $secs s)"
  done
done
python3 - "${rates[none]}" "${rates[model]}" <<'PY'
import statistics, sys
none = [int(x) for x in sys.argv[1].split()]
model = [int(x) for x in sys.argv[2].split()]
print(f"without a model: median {statistics.median(none):,.0f} tweets/s; with the model: "
      f"median {statistics.median(model):,.0f} tweets/s "
      f"({statistics.median(model) / statistics.median(none):.2f}x of the peer without)")
PY
