#!/usr/bin/env bash
# Starts a real MLflow tracking server (the project's .venv, SQLite backend store, artifacts
# served through its proxy) bound to 127.0.0.1 on a free port, and waits for GET /health.
#   scripts/mlflow/start.sh DIR     -> prints the base URL, also written to DIR/url
# DIR holds mlflow.db, artifacts/, server.log and pid. Starting again on a DIR that was stopped
# keeps its data and its port.
# Host check: MLflow 3 answers 403 to a Host header it does not allow. The clients here send
# "127.0.0.1:PORT", which is allowed explicitly rather than by the default's private-IP rule.
# Env: CF_MLFLOW_START_TIMEOUT seconds (default 180), CF_MLFLOW_WORKERS (default 1: tests and
# the benchmark use one server on a 2-core machine).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
dir="${1:?usage: start.sh DIR}"
mkdir -p "$dir"
dir="$(cd "$dir" && pwd)"
timeout_s="${CF_MLFLOW_START_TIMEOUT:-180}"
mlflow="$root/.venv/bin/mlflow"
if [[ ! -x "$mlflow" ]]; then
  echo "start.sh: $mlflow not found: run scripts/setup.sh (it installs mlflow into .venv)" >&2
  exit 1
fi

if [[ -f "$dir/pid" ]] && kill -0 "$(cat "$dir/pid")" 2>/dev/null; then
  echo "start.sh: an MLflow server is already running from $dir (pid $(cat "$dir/pid"))" >&2
  cat "$dir/url"
  exit 0
fi

if [[ ! -f "$dir/url" ]]; then
  port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
  echo "http://127.0.0.1:$port" >"$dir/url"
fi
url="$(cat "$dir/url")"
port="${url##*:}"
mkdir -p "$dir/artifacts"

# setsid: the server (uvicorn and its worker) must outlive this script, and stop.sh signals
# the whole process group. MLflow's server jobs (GenAI evaluation, trace roll-ups) are not used
# by covidflow and would start eight more Python processes (a job runner, huey consumers).
MLFLOW_SERVER_ENABLE_JOB_EXECUTION="${MLFLOW_SERVER_ENABLE_JOB_EXECUTION:-false}" \
setsid "$mlflow" server \
  --backend-store-uri "sqlite:///$dir/mlflow.db" \
  --artifacts-destination "$dir/artifacts" --serve-artifacts \
  --host 127.0.0.1 --port "$port" --workers "${CF_MLFLOW_WORKERS:-1}" \
  --allowed-hosts "127.0.0.1:$port,localhost:$port" \
  >>"$dir/server.log" 2>&1 </dev/null &
echo $! >"$dir/pid"

deadline=$((SECONDS + timeout_s))
until curl -fsS -o /dev/null "$url/health" 2>/dev/null; do
  if ! kill -0 "$(cat "$dir/pid")" 2>/dev/null; then
    echo "start.sh: the MLflow server exited; last lines of $dir/server.log:" >&2
    tail -20 "$dir/server.log" >&2
    rm -f "$dir/pid"
    exit 1
  fi
  if ((SECONDS > deadline)); then
    echo "start.sh: MLflow at $url not ready after ${timeout_s}s; see $dir/server.log" >&2
    exit 1
  fi
  sleep 0.3
done
echo "$url"
