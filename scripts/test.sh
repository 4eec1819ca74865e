#!/usr/bin/env bash
# Sets up, builds and runs every test: the one command CI runs (.ci/run calls it).
#   1. unit, integration (reference peers) and e2e tests on an optimised build, -Werror
#   2. the Kafka tests against a real broker this script starts and stops
#   3. the unit tests under AddressSanitizer + UndefinedBehaviorSanitizer
#   4. every libFuzzer target for a bounded time (CF_FUZZ_SECONDS, default 30)
set -euo pipefail
cd "$(dirname "$0")/.."
export CTEST_PARALLEL_LEVEL=${CTEST_PARALLEL_LEVEL:-$(nproc)}
export CTEST_OUTPUT_ON_FAILURE=1
started=$SECONDS
step() { echo; echo "== $* ($((SECONDS - started)) s)"; }

step "set-up"
scripts/setup.sh

step "build (ci preset: Release, warnings are errors)"
scripts/build.sh ci
step "tests (ci preset; Kafka tests run next, against a broker)"
ctest --preset ci --label-exclude kafka

step "Kafka tests against a real broker on 127.0.0.1"
tests/integration/kafka_env.sh build/ci

step "build (asan preset: ASan + UBSan)"
scripts/build.sh asan
step "tests under sanitizers (labels slow and kafka run in the ci preset only)"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --preset asan --label-exclude 'slow|kafka'

step "fuzzing"
scripts/fuzz.sh "${CF_FUZZ_SECONDS:-30}"
step "all tests passed"
