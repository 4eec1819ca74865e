#!/usr/bin/env bash
# Runs the Kafka tests against a real broker that this script starts and always stops:
# ctest -L kafka with CF_KAFKA_BOOTSTRAP set, then the scale-out/crash test when the covidflow
# CLI is built. One script for CI and for a developer.
#   tests/integration/kafka_env.sh BUILD_DIR
# Env: CF_KAFKA_SKIP_SCALEOUT=1 runs only the ctest part.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
build="$(cd "${1:?usage: kafka_env.sh BUILD_DIR}" && pwd)"
dir="$(mktemp -d /tmp/covidflow-kafka.XXXXXX)"
trap '"$root/scripts/kafka/stop.sh" "$dir"; rm -rf "$dir"' EXIT

CF_KAFKA_BOOTSTRAP="$("$root/scripts/kafka/start.sh" "$dir/broker")"
export CF_KAFKA_BOOTSTRAP
# The broker restart test (e2e_kafka_outage) kills and restarts this broker.
export CF_KAFKA_BROKER_DIR="$dir/broker"
echo "kafka_env: broker at $CF_KAFKA_BOOTSTRAP"
# The broker's own log goes to stderr on failure, which is where one looks first.
if ! ctest --test-dir "$build" -L kafka --output-on-failure; then
  echo "kafka_env: last broker log lines:" >&2
  tail -20 "$dir/broker/broker.log" >&2
  exit 1
fi

cli="$build/src/cli/covidflow"
if [[ "${CF_KAFKA_SKIP_SCALEOUT:-0}" != 1 && -x "$cli" && -x "$root/tests/integration/kafka_scaleout_test.sh" ]]; then
  "$root/tests/integration/kafka_scaleout_test.sh" "$cli" "$dir/broker"
fi
