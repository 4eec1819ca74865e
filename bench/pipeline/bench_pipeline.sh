#!/usr/bin/env bash
# End-to-end rates of the spine on N generated tweets (default 1,000,000), release build:
#   generate → file, produce file → tweets.raw, process → tweets.enriched + tweets.dlq
# first the spine alone (--enricher none --locations=false, the issue's "no enrichment"),
# then with locations, other fsync policies and VADER, and VADER + locations into the lake
# (--lake, the lake written on the processor's cf-lake thread), plus the raw-copy ceiling of
# the same bytes (cat > /dev/null) as the named peer for the produce rate.
# Usage: bench/pipeline/bench_pipeline.sh [N] [covidflow binary]   (env LAKE_ONLY=1, below)
set -euo pipefail
cd "$(dirname "$0")/../.."
N=${1:-1000000}
CF=${2:-build/release/src/cli/covidflow}
[ -x "$CF" ] || { echo "build first: scripts/build.sh release" >&2; exit 1; }
work=$(mktemp -d /tmp/cf-bench-XXXXXX)
trap 'rm -rf "$work"' EXIT

now() { date +%s.%N; }
rate() { python3 -c "import sys; n,a,b=map(float,sys.argv[1:]); print(f'{n/(b-a):,.0f}')" "$@"; }
field() { python3 -c "import json,sys; print(json.load(sys.stdin)[sys.argv[1]])" "$1"; }

echo "covidflow pipeline benchmark: $N tweets, $(nproc) cores"
t0=$(now); "$CF" generate --count "$N" --seed 1 --out "$work/t.csv" 2>/dev/null; t1=$(now)
bytes=$(stat -c %s "$work/t.csv")
echo "generate: $(rate "$N" "$t0" "$t1") tweets/s ($((bytes / 1000000)) MB)"
t0=$(now); cat "$work/t.csv" > /dev/null; t1=$(now)
cat_rate=$(rate "$N" "$t0" "$t1")
# Each run: enricher, locations (user_location resolution), then the log's fsync policy
# (every-flush is the default; never survives kill -9 but not a power loss, see
# docs/formats/log.md). The first run is the spine alone: no enrichment of any kind.
# LAKE_ONLY=1: only the VADER + locations run and its --lake run (the lake's ratio and cost).
runs=("none false every-flush" "none true every-flush" "none false interval"
      "none false never" "vader true every-flush" "vader true never"
      "vader true every-flush lake")
[ "${LAKE_ONLY:-0}" = 1 ] && runs=("vader true every-flush" "vader true every-flush lake")
for run in "${runs[@]}"; do
  read -r enricher locations fsync lake <<<"$run"
  rm -rf "$work/log" "$work/lake"
  lake_args=()
  [ -n "${lake:-}" ] && lake_args=(--lake "$work/lake")
  t0=$(now)
  "$CF" produce --from "$work/t.csv" --to "file://$work/log" --json > "$work/produce.json"
  t1=$(now)
  /usr/bin/time -f '%U %S %M' -o "$work/time" \
  "$CF" process --from "file://$work/log" --group bench --exit-when-idle --idle-ms 200 --batch 32768 \
    --enricher "$enricher" --locations="$locations" --fsync "$fsync" "${lake_args[@]}" --json > "$work/process.json" ||
    { echo "process with $enricher failed"; continue; }
  consumed=$(field consumed < "$work/process.json")
  secs=$(field active_seconds < "$work/process.json")
  echo "produce:  $(rate "$N" "$t0" "$t1") records/s"
  # CPU time per tweet (user + sys of the whole process, every thread): on a shared machine
  # it moves less than the rate, which also counts the waits for a core.
  read -r cpu_user cpu_sys rss_kb < "$work/time"
  python3 -c "import sys; c,s,e,l,f,k,u,y,m,la=sys.argv[1:]; print(f'process (enricher {e}, locations {l}, fsync {f}{k}): {float(c)/float(s):,.0f} tweets/s end to end ({c} tweets in {float(s):.2f} s); CPU {(float(u)+float(y))/float(c)*1e6:.2f} us/tweet (user {float(u)/float(c)*1e6:.2f}, sys {float(y)/float(c)*1e6:.2f}), peak RSS {int(m)//1024} MB, load average {la}')" \
    "$consumed" "$secs" "$enricher" "$locations" "$fsync" "${lake:+, --lake}" "$cpu_user" "$cpu_sys" "$rss_kb" "$(cut -d' ' -f1-3 /proc/loadavg)"
  this_rate=$(python3 -c "import sys; print(float(sys.argv[1])/float(sys.argv[2]))" "$consumed" "$secs")
  # The lake's cost: the same run (VADER, locations, every-flush) without --lake is its peer.
  if [ "$run" = "vader true every-flush" ]; then peer_rate=$this_rate; fi
  if [ -n "${lake:-}" ] && [ -n "${peer_rate:-}" ]; then
    python3 -c "import sys; print(f'  --lake vs the same run without: {float(sys.argv[1])/float(sys.argv[2]):.2f}x')" \
      "$this_rate" "$peer_rate"
  fi
done
echo "peer: cat of the same file: $cat_rate records/s equivalent"
