#!/usr/bin/env bash
# Stops the MLflow server started by start.sh DIR: SIGTERM to its process group (uvicorn and
# its workers), SIGKILL after 20 s. Keeps DIR, so start.sh DIR brings the same server back
# with its data on the same port.
set -euo pipefail
dir="${1:?usage: stop.sh DIR}"
[[ -f "$dir/pid" ]] || exit 0
pid="$(cat "$dir/pid")"
if kill -0 "$pid" 2>/dev/null; then
  kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid"
  for _ in $(seq 1 200); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -0 "$pid" 2>/dev/null && kill -KILL -- "-$pid" 2>/dev/null
fi
rm -f "$dir/pid"
