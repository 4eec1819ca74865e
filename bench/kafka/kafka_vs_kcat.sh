#!/usr/bin/env bash
# covidflow's Kafka producer and consumer vs kcat (librdkafka's own CLI) on the same broker in
# one run, as ratios (target >= 0.8). Each side is timed as a whole process, best of RUNS.
#   bench/kafka/kafka_vs_kcat.sh BUILD_DIR [COVIDFLOW_BINARY]
# BUILD_DIR holds bench/kafka/kafka_bench_driver. Uses CF_KAFKA_BOOTSTRAP if set, else starts
# a broker of its own. Env: RECORDS (default 500000), RUNS (3), PARTITIONS (4).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
build="${1:?usage: kafka_vs_kcat.sh BUILD_DIR [COVIDFLOW_BINARY]}"
covidflow="${2:-}"
driver="$build/bench/kafka/kafka_bench_driver"
records="${RECORDS:-500000}"
runs="${RUNS:-3}"
partitions="${PARTITIONS:-4}"
[[ -x "$driver" ]] || { echo "missing $driver: ninja -C $build kafka_bench_driver" >&2; exit 1; }
command -v kcat >/dev/null || { echo "kcat not found (apt-get install kcat)" >&2; exit 1; }

work="$(mktemp -d)"
cleanup() {
  [[ -n "${own_broker:-}" ]] && "$root/scripts/kafka/stop.sh" "$work/broker"
  rm -rf "$work"
}
trap cleanup EXIT
if [[ -z "${CF_KAFKA_BOOTSTRAP:-}" ]]; then
  own_broker=1
  CF_KAFKA_BOOTSTRAP="$("$root/scripts/kafka/start.sh" "$work/broker")"
fi
b="$CF_KAFKA_BOOTSTRAP"
echo "broker $b, $records records of ~240 bytes, $partitions partitions, best of $runs"

# Tweet-sized lines, deterministic, one record per line for both tools.
python3 - "$records" >"$work/records.txt" <<'PY'
import random, sys
r = random.Random(7)
words = "covid vaccine mask lockdown stay home safe india usa cases deaths hospital news".split()
for i in range(int(sys.argv[1])):
    text = " ".join(r.choice(words) for _ in range(30))
    print(f'{{"id":{i},"user_location":"New York, NY","text":"{text}"}}')
PY

now() { date +%s.%N; }
best() { sort -g | head -1; }
ratio() { python3 -c "import sys; print(f'{float(sys.argv[1])/float(sys.argv[2]):.2f}')" "$1" "$2"; }
rate() { python3 -c "import sys; print(f'{float(sys.argv[1])/float(sys.argv[2]):,.0f}')" "$1" "$2"; }

"$driver" create "$b" bench.kcat.$$ "$partitions"
"$driver" create "$b" bench.cf.$$ "$partitions"

kcat_p=(); cf_p=()
for _ in $(seq 1 "$runs"); do
  t0=$(now); kcat -P -b "$b" -t bench.kcat.$$ -l "$work/records.txt"; t1=$(now)
  kcat_p+=("$(echo "$t1 - $t0" | bc)")
  t0=$(now); "$driver" produce "$b" bench.cf.$$ "$work/records.txt" >/dev/null; t1=$(now)
  cf_p+=("$(echo "$t1 - $t0" | bc)")
done
kp=$(printf '%s\n' "${kcat_p[@]}" | best); cp=$(printf '%s\n' "${cf_p[@]}" | best)
echo "produce  kcat -P:   $(rate "$records" "$kp") records/s (${kp}s)"
echo "produce  covidflow: $(rate "$records" "$cp") records/s (${cp}s)"
echo "produce  ratio covidflow/kcat = $(ratio "$kp" "$cp")"

total=$((records * runs))
kcat_c=(); cf_c=()
for _ in $(seq 1 "$runs"); do
  t0=$(now); kcat -C -b "$b" -t bench.kcat.$$ -o beginning -e -q -f '%s\n' >/dev/null; t1=$(now)
  kcat_c+=("$(echo "$t1 - $t0" | bc)")
  t0=$(now); "$driver" consume "$b" bench.kcat.$$ "$total" >/dev/null 2>&1; t1=$(now)
  cf_c+=("$(echo "$t1 - $t0" | bc)")
done
kc=$(printf '%s\n' "${kcat_c[@]}" | best); cc=$(printf '%s\n' "${cf_c[@]}" | best)
echo "consume  kcat -C:   $(rate "$total" "$kc") records/s (${kc}s)"
echo "consume  covidflow: $(rate "$total" "$cc") records/s (${cc}s)"
echo "consume  ratio covidflow/kcat = $(ratio "$kc" "$cc")"

if [[ -z "$covidflow" || ! -x "$covidflow" ]]; then
  echo "process  skipped: no covidflow binary given (pass build/<dir>/src/cli/covidflow as the 2nd argument)"
  exit 0
fi
# The processor on generated tweets vs kcat -C reading the same topic, each best of RUNS,
# with the CPU seconds the broker spent on each (its JVM shares the machine's cores).
broker_pid="$(cat "$work/broker/pid" 2>/dev/null || true)"
broker_cpu() {
  if [[ -n "$broker_pid" && -r /proc/$broker_pid/stat ]]; then
    awk -v hz="$(getconf CLK_TCK)" '{printf "%.2f", ($14 + $15) / hz}' "/proc/$broker_pid/stat"
  else
    echo 0
  fi
}
"$covidflow" generate --count "$records" --seed 7 --out "$work/tweets.csv" >/dev/null
"$covidflow" produce --from "$work/tweets.csv" --to "kafka://$b" --topic bench.tweets.$$ --partitions "$partitions" >/dev/null 2>&1
kt=""; kt_cpu=0
for _ in $(seq 1 "$runs"); do
  c0=$(broker_cpu); t0=$(now)
  kcat -C -b "$b" -t bench.tweets.$$ -o beginning -e -q -f '%s\n' >/dev/null
  t1=$(now); c1=$(broker_cpu)
  t=$(echo "$t1 - $t0" | bc)
  if [[ -z "$kt" ]] || (( $(echo "$t < $kt" | bc) )); then kt=$t; kt_cpu=$(echo "$c1 - $c0" | bc); fi
done
echo "process  kcat -C:   $(rate "$records" "$kt") records/s (${kt}s; broker CPU ${kt_cpu}s)"
# PROCESS_ARGS adds flags to every processor run (e.g. "--compression lz4").
for enricher in none vader; do
  best_t=""; best_line=""
  for run in $(seq 1 "$runs"); do
    n="$enricher$run"
    c0=$(broker_cpu); t0=$(now)
    "$covidflow" process --from "kafka://$b" --topic bench.tweets.$$ --group bench.$n \
      --enriched-topic bench.enriched.$$.$n --dlq-topic bench.dlq.$$.$n --enricher "$enricher" \
      --exit-when-idle --idle-ms 300 --json ${PROCESS_ARGS:-} >"$work/process.json" 2>/dev/null
    t1=$(now); c1=$(broker_cpu)
    t=$(echo "$t1 - $t0" | bc)
    consumed=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['consumed'])" "$work/process.json")
    if [[ "$consumed" != "$records" ]]; then
      echo "process  run $run with --enricher $enricher consumed $consumed of $records records: not counted" >&2
      continue
    fi
    if [[ -z "$best_t" ]] || (( $(echo "$t < $best_t" | bc) )); then
      best_t=$t
      # active = first record polled to last commit: without connecting, joining the group
      # and the idle wait, which kcat's run has no counterpart of.
      best_line="broker CPU $(echo "$c1 - $c0" | bc)s, $(python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(f\"active {d['consumed']/d['active_seconds']:,.0f} records/s, phases \" + ' '.join(f'{k}={v:.2f}' for k,v in sorted(d['phase_seconds'].items())))" "$work/process.json")"
    fi
  done
  echo "process  covidflow --enricher $enricher: $(rate "$records" "$best_t") records/s (${best_t}s incl. its 0.3 s idle exit wait; $best_line)"
  echo "process  ratio covidflow/kcat (--enricher $enricher) = $(ratio "$kt" "$best_t")"
done
