#!/usr/bin/env bash
# Scale-out and crash test on a real broker (issue 4, item 5):
#   a 4-partition input topic with TWEETS generated tweets, WORKERS `covidflow process` workers
#   in one group; one worker is SIGKILLed and restarted KILLS times mid-stream, and the broker
#   is stopped and started once mid-stream. Then every input position must appear in the
#   outputs (enriched + dead letters) and, as src/process/README.md states exactly-once
#   outputs, no position may appear twice. Duplicates are counted and printed either way.
#   tests/integration/kafka_scaleout_test.sh COVIDFLOW_BINARY BROKER_DIR
# BROKER_DIR is a broker started by scripts/kafka/start.sh (kafka_env.sh passes its own).
# 200 lines of random bytes are appended to the input too: they must come out as dead letters.
# Env: TWEETS (500000), WORKERS (3), KILLS (5).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cli="${1:?usage: kafka_scaleout_test.sh COVIDFLOW_BINARY BROKER_DIR}"
broker_dir="${2:?usage: kafka_scaleout_test.sh COVIDFLOW_BINARY BROKER_DIR}"
tweets="${TWEETS:-500000}"
workers="${WORKERS:-3}"
kills="${KILLS:-5}"
b="$(cat "$broker_dir/bootstrap")"
uri="kafka://$b"
run="scale$$"
in_topic="$run.raw"; out_topic="$run.enriched"; dlq_topic="$run.dlq"; group="$run"
work="$(mktemp -d)"
declare -A pids=()
cleanup() {
  for w in "${!pids[@]}"; do kill -KILL "${pids[$w]}" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

log() { echo "scaleout: $*"; }
"$cli" generate --count "$tweets" --seed 11 --malformed-rate 0.01 --out "$work/tweets.csv" >/dev/null
"$cli" produce --from "$work/tweets.csv" --to "$uri" --topic "$in_topic" --partitions 4 >/dev/null
ends() {  # sum of the high watermarks of topic $1 over its partitions (0..3)
  local sum=0 p o
  for p in 0 1 2 3; do
    o="$(kcat -Q -b "$b" -t "$1:$p:-1" 2>/dev/null | awk '{print $NF}' | tail -1)"
    [[ "$o" =~ ^[0-9]+$ ]] && sum=$((sum + o))
  done
  echo "$sum"
}
# Garbage bytes on the input topic must become dead letters, not stop a worker.
python3 -c '
import random, sys
r = random.Random(5)
for _ in range(200):
    sys.stdout.buffer.write(bytes(r.choice([b for b in range(256) if b != 10]) for _ in range(r.randint(1, 300))) + b"\n")
' >"$work/garbage.bin"
kcat -P -b "$b" -t "$in_topic" -l "$work/garbage.bin"
input="$(ends "$in_topic")"
log "input topic $in_topic has $input records in 4 partitions"
[[ "$input" -gt 0 ]] || { echo "scaleout: FAIL: nothing was produced" >&2; exit 1; }

start_worker() {
  "$cli" process --from "$uri" --topic "$in_topic" --group "$group" \
    --enriched-topic "$out_topic" --dlq-topic "$dlq_topic" --batch 2048 --threads 1 \
    >>"$work/worker$1.log" 2>&1 &
  pids[$1]=$!
}
for w in $(seq 1 "$workers"); do start_worker "$w"; done

kills_done=0; broker_bounced=0; exits=0
deadline=$((SECONDS + ${CF_SCALEOUT_TIMEOUT:-600}))
while true; do
  sleep 1
  done_count="$(ends "$out_topic")"; dlq_count="$(ends "$dlq_topic")"
  out=$((done_count + dlq_count))
  # A worker that stopped on its own (an error it reports) is restarted, as a supervisor would.
  for w in "${!pids[@]}"; do
    if ! kill -0 "${pids[$w]}" 2>/dev/null; then
      exits=$((exits + 1))
      log "worker $w exited by itself: $(tail -1 "$work/worker$w.log")"
      start_worker "$w"
    fi
  done
  if ((broker_bounced == 0 && out > input / 2)); then
    log "stopping the broker at $out/$input outputs"
    "$root/scripts/kafka/stop.sh" "$broker_dir"
    sleep 3
    "$root/scripts/kafka/start.sh" "$broker_dir" >/dev/null
    broker_bounced=1
    log "broker back"
  elif ((kills_done < kills && out > input * (kills_done + 1) / (kills + 2))); then
    w=$((kills_done % workers + 1))
    kill -KILL "${pids[$w]}"
    wait "${pids[$w]}" 2>/dev/null || true
    kills_done=$((kills_done + 1))
    log "SIGKILL worker $w at $out/$input outputs (kill $kills_done)"
    start_worker "$w"
  fi
  if ((out >= input && kills_done >= kills && broker_bounced == 1)); then break; fi
  if ((SECONDS > deadline)); then
    echo "scaleout: FAIL: outputs stuck at $out/$input" >&2
    tail -5 "$work"/worker*.log >&2
    exit 1
  fi
done
# Let in-flight batches land, then stop the workers.
sleep 2
for w in "${!pids[@]}"; do kill -TERM "${pids[$w]}" 2>/dev/null || true; done
for w in "${!pids[@]}"; do wait "${pids[$w]}" 2>/dev/null || true; done
pids=()

# Every output names its source position in headers; count positions.
for t in "$out_topic" "$dlq_topic"; do
  kcat -C -b "$b" -t "$t" -o beginning -e -q -f '%h\n' >>"$work/positions.txt"
done
python3 - "$work/positions.txt" "$input" "$kills_done" "$exits" <<'PY'
import collections, sys
path, want, kills, exits = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
seen = collections.Counter()
for line in open(path, encoding="utf-8", errors="replace"):
    h = dict(kv.split("=", 1) for kv in line.strip().split(",") if "=" in kv)
    if "src-part" in h and "src-offset" in h:
        seen[(int(h["src-part"]), int(h["src-offset"]))] += 1
total = sum(seen.values())
dups = total - len(seen)
print(f"scaleout: {want} inputs, {total} outputs, {len(seen)} distinct positions, "
      f"{dups} duplicates, {kills} SIGKILLs, 1 broker restart, {exits} self-exits")
missing = want - len(seen)
if missing:
    print(f"scaleout: FAIL: {missing} inputs have no output", file=sys.stderr)
    sys.exit(1)
if dups:
    print(f"scaleout: FAIL: {dups} duplicates; the processor states exactly-once outputs",
          file=sys.stderr)
    sys.exit(1)
print("scaleout: PASS")
PY
