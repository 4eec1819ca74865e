#!/usr/bin/env bash
# The story, in one command: a generated stream whose sentiment mix drifts → processed and
# stored → the first model trained and promoted → served → drift detected → retrained → the
# challenger passes the staging gate and is promoted while requests keep flowing (none may
# fail) → a deliberately bad model pushed by hand is caught and rolled back. Everything runs
# inside one `covidflow up`; this script feeds it, watches its audit log and checks each step.
# Prints the audit trail and each stage's figures; exits non-zero naming any step that did not
# happen.
#
#   scripts/demo.sh [--home DIR] [--keep]   (sets up and builds release first)
#   CF_BIN=build/ci/src/cli/covidflow scripts/demo.sh   (uses that binary, no set-up)
#
# The labels: the model learns the sentiment of a tweet from its words (specs/lake-sentiment.yaml);
# its labels are the VADER labels the processor writes, standing in for labels people would give
# later. `covidflow demo` (the processing report alone) is unchanged.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
home="" keep=0
while [ $# -gt 0 ]; do
  case "$1" in
    --home) home=$2; shift 2 ;;
    --keep) keep=1; shift ;;
    *) echo "demo.sh: unknown argument $1 (expected --home DIR, --keep)" >&2; exit 2 ;;
  esac
done
if [ -z "${CF_BIN:-}" ]; then
  scripts/setup.sh
  scripts/build.sh release
  CF_BIN=$root/build/release/src/cli/covidflow
fi
cf=$CF_BIN
[ -n "$home" ] || { home=$(mktemp -d /tmp/covidflow-story.XXXXXX); [ "$keep" = 1 ] || trap 'rm -rf "$home"' EXIT; }
mkdir -p "$home"
SECONDS=0
up_pid="" load_pid=""
stop_all() {
  [ -z "$load_pid" ] || kill "$load_pid" 2>/dev/null || true
  [ -z "$up_pid" ] || { kill -TERM "$up_pid" 2>/dev/null || true; wait "$up_pid" 2>/dev/null || true; }
}
trap 'stop_all; [ "$keep" = 1 ] || rm -rf "$home"' EXIT
say() { printf '[%3ds] %s\n' "$SECONDS" "$*"; }
uplog=$home/up.log
fail() {
  echo "demo.sh: FAILED: $*" >&2
  echo "--- covidflow up said:" >&2; cat "$uplog" "$home/up.err" >&2 || true
  exit 1
}
# Polls `file` for a line matching `pattern` (readiness, not a fixed sleep).
wait_for() {
  local pattern=$1 what=$2 limit=${3:-40} i=0
  while ! grep -qE "$pattern" "$uplog" 2>/dev/null; do
    kill -0 "$up_pid" 2>/dev/null || fail "covidflow up exited before: $what"
    i=$((i + 1)); [ $i -le $((limit * 10)) ] || fail "no $what within ${limit}s"
    sleep 0.1
  done
  say "$what: $(grep -E "$pattern" "$uplog" | tail -1 | sed 's/^covidflow up: //')"
}
common=(--home "$home")

# 1. A stream of 8000 tweets whose sentiment mix turns negative after 4000 (JSONL: one per line).
"$cf" generate --count 8000 --seed 11 --drift-after 4000 --format jsonl --out "$home/stream.jsonl" >/dev/null
head -n 4000 "$home/stream.jsonl" >"$home/before.jsonl"
sed -n 4001,6000p "$home/stream.jsonl" >"$home/after.jsonl"
sed -n 6001,7000p "$home/stream.jsonl" >"$home/after-v2.jsonl"
tail -n +7001 "$home/stream.jsonl" >"$home/after-bad.jsonl"
"$cf" produce "${common[@]}" --from "$home/before.jsonl" >/dev/null
say "produced 4000 tweets before the drift"

# 2. One process: processor → lake, the monitor (drift per 15-minute window of event time
#    against the champion's training rows), the retraining loop, the server (following
#    @champion), the dashboard and /metrics.
up_flags=(--spec "$root/specs/lake-sentiment.yaml" --port 0 --dashboard-port 0 --tick-ms 200
  --min-rows 3000 --cooldown 1 --watch 4 --poll-interval 0.2 --window 15m
  --lateness 1m)
"$cf" up "${common[@]}" "${up_flags[@]}" >"$uplog" 2>"$home/up.err" &
up_pid=$!
wait_for "dashboard: http" "up's own server"
wait_for "run 1: promoted v1" "first model trained, gated and promoted"
wait_for "serving: http" "served"
wait_for "monitor: drift" "monitor watching the stream"
url=$(grep -E 'serving: http' "$uplog" | grep -oE 'http://[0-9.]+:[0-9]+' | head -1)
ops=$(grep -E 'dashboard: http' "$uplog" | grep -oE 'http://[0-9.]+:[0-9]+' | head -1)
curl -sf "$ops/" | grep -q uPlot || fail "the dashboard page at $ops/ did not load"
curl -sf "$ops/api/models" | grep -q '"version"' || fail "the dashboard's model timeline is empty"

# 3. Requests all along from here: every answer must be 200, through the swaps.
body='{"instances": ["I love the new vaccine centre, great work", "Lockdown again, this is awful"]}'
(
  ok=0 bad=0
  while [ ! -e "$home/stop-load" ]; do
    code=$(curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' -d "$body" "$url/invocations" || echo 000)
    if [ "$code" = 200 ]; then ok=$((ok + 1)); else bad=$((bad + 1)); echo "$code" >>"$home/load-errors"; fi
  done
  echo "$ok $bad" >"$home/load-result"
) &
load_pid=$!

# 4. The drift arrives: the monitor inside up publishes drift events, the drift trigger fires.
"$cf" produce "${common[@]}" --from "$home/after.jsonl" >/dev/null
say "produced 2000 tweets after the drift"

# 5. Retrained on the newest window, compared with the champion on the same held-out rows,
#    gated and promoted while the requests flow.
wait_for "run 2: triggered by drift" "drift detected by up's monitor, retraining triggered"
wait_for "run 2: passed the staging gate" "challenger passed the staging gate"
grep -E "run 2: passed the staging gate" "$uplog" | grep -qE "shadow requests through the server: [0-9]+ scored by the candidate" ||
  fail "the staging gate did not send shadow traffic through the server"
wait_for "run 2: promoted v2" "challenger promoted"
# The stream goes on, scored by v2 inside up: its predictions, joined with the labels that
# follow them, are its live quality.
wait_for "stream: scored by tweets/2" "the stream scored by v2"
"$cf" produce "${common[@]}" --from "$home/after-v2.jsonl" >/dev/null
say "produced 1000 more tweets, scored by v2"
wait_for "run 2: done" "challenger kept after its watch" 30
grep -E "run 2: done" "$uplog" | grep -qE "v2 live [0-9.]+ on [0-9]+ labelled predictions" ||
  fail "v2's watch did not measure its live quality on labelled predictions"

# 6. A deliberately bad model (its labels swapped positive ↔ negative) pushed by hand.
run2=$(ls -d "$home"/loop/runs/2-* | head -1)
sed -e "s|^label: sentiment|label: {column: sentiment, mapping: {positive: negative, negative: positive, neutral: neutral}}|" \
    -e "s|^  train: .*|  train: $run2/train.csv|" -e "s|^  validation: .*|  validation: $run2/holdout.csv|" \
    -e "s|^name: .*|name: lake-sentiment-swapped|" "$root/specs/lake-sentiment.yaml" >"$home/bad.yaml"
"$cf" train "${common[@]}" --spec "$home/bad.yaml" --register tweets --actor demo \
  --reason "deliberately bad: labels swapped" >/dev/null
bad=$("$cf" models show tweets "${common[@]}" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["latest_version"])')
"$cf" models promote tweets "$bad" "${common[@]}" --actor demo --reason "a hasty push by hand" >/dev/null
say "bad model v$bad pushed to @champion by hand"
wait_for "stream: scored by tweets/$bad" "the stream scored by v$bad"
wait_for "watching v$bad" "the loop watches the hand-pushed v$bad"
"$cf" produce "${common[@]}" --from "$home/after-bad.jsonl" >/dev/null
say "produced the last 1000 tweets, scored by v$bad"
wait_for "rolled_back" "bad model caught and rolled back"
grep -E "rolled_back" "$uplog" | grep -qE "v$bad live [0-9.]+ on [0-9]+ labelled predictions, previous v2 [0-9.]+" ||
  fail "the rollback did not rest on live quality from labelled predictions"
touch "$home/stop-load"
wait "$load_pid"; load_pid=""
read -r ok errors <"$home/load-result"
say "requests during the swaps: $ok answered 200, $errors failed"
[ "$errors" = 0 ] || fail "$errors requests failed during the swaps"
[ "$ok" -gt 0 ] || fail "no request was answered"
champion=$("$cf" models show tweets "${common[@]}" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["aliases"]["champion"])')
[ "$champion" = 2 ] || fail "@champion is v$champion after the rollback, expected v2"

metrics=$(curl -sf "$ops/metrics") || fail "no /metrics at $ops"
for series in covidflow_process_records_enriched_total covidflow_consumer_lag_records \
  covidflow_monitor_windows_total covidflow_serve_requests_total; do
  grep -q "^$series" <<<"$metrics" || fail "/metrics lacks $series"
done
say "/metrics: $(grep -c '^covidflow_' <<<"$metrics") covidflow series (processor, lag, monitor, server)"

kill -TERM "$up_pid"; wait "$up_pid" || fail "covidflow up did not stop cleanly"; up_pid=""
grep -q "stopped" "$uplog" || fail "covidflow up did not say it stopped"
say "covidflow up stopped on SIGTERM"

# 7. Started again, it resumes: the champion is served at once and no first model is trained;
#    then killed with -9 and started once more: the same.
for how in TERM KILL; do
  uplog=$home/up-after-$how.log
  "$cf" up "${common[@]}" "${up_flags[@]}" >"$uplog" 2>"$home/up.err" &
  up_pid=$!
  wait_for "serving: http.*tweets/2" "restarted: resumed with v2 served"
  wait_for "monitor: drift.*v2" "restarted: the monitor against v2's reference"
  ! grep -q "bootstrap" "$uplog" || fail "the restart trained a first model again"
  if [ "$how" = TERM ]; then
    kill -TERM "$up_pid"; wait "$up_pid" || fail "the restarted covidflow up did not stop cleanly"
  else
    kill -KILL "$up_pid"; wait "$up_pid" 2>/dev/null || true
    say "killed with -9"
  fi
  up_pid=""
done
uplog=$home/up-final.log
"$cf" up "${common[@]}" "${up_flags[@]}" >"$uplog" 2>"$home/up.err" &
up_pid=$!
wait_for "serving: http.*tweets/2" "restarted after kill -9: resumed with v2 served"
kill -TERM "$up_pid"; wait "$up_pid" || fail "covidflow up did not stop cleanly after a kill -9"
up_pid=""
echo
echo "== the audit trail (covidflow audit)"
"$cf" audit "${common[@]}"
echo
echo "== each stage's figures"
grep -E "processor:|serving:|loop: run" "$home/up.log" | sed 's/^covidflow up: /  /'
echo
say "the loop closed: every step happened"
