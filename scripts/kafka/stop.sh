#!/usr/bin/env bash
# Stops the broker started by start.sh DIR: SIGTERM (a controlled shutdown), SIGKILL after 30 s.
# Keeps DIR, so start.sh DIR brings the same broker back with its data.
set -euo pipefail
dir="${1:?usage: stop.sh DIR}"
[[ -f "$dir/pid" ]] || exit 0
pid="$(cat "$dir/pid")"
if kill -0 "$pid" 2>/dev/null; then
  kill -TERM "$pid"
  for _ in $(seq 1 300); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
fi
rm -f "$dir/pid"
