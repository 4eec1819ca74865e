#!/usr/bin/env bash
# Sets up, builds and runs every test: the one command CI runs (.ci/run calls it).
#   0. the layer check (scripts/check_layers.py), before anything is built; after set-up,
#      the format check (scripts/check_format.sh, clang-format-14 from set-up)
#   1. integration (reference peers) and e2e tests on an optimised build, -Werror; of the unit
#      tests only those labelled slow (too slow under sanitizers): every other unit test is
#      built and run once, in step 3 (CF_TEST_SET, ADR 0012)
#   2. the Kafka tests against a real broker this script starts and stops; the MLflow tests
#      against one real MLflow server (ctest's mlflow_server fixture starts and stops it)
#   3. the unit, integration and e2e tests under AddressSanitizer + UndefinedBehaviorSanitizer
#      (clang-14, -Werror; the same
#      build also holds the libFuzzer targets, so step 5 builds nothing more; test code itself
#      is compiled without fuzzer coverage, CF_TEST_FLAGS in cmake/covidflow.cmake)
#   4. the threaded stages under ThreadSanitizer (scripts/tsan.sh)
#   5. every libFuzzer target for a bounded time (CF_FUZZ_SECONDS, default 5: the whole run
#      must stay under 40 minutes on 2 cores; give more when fuzzing on its own)
set -euo pipefail
cd "$(dirname "$0")/.."
export CTEST_PARALLEL_LEVEL=${CTEST_PARALLEL_LEVEL:-$(nproc)}
export CTEST_OUTPUT_ON_FAILURE=1
started=$SECONDS
step() { echo; echo "== $* ($((SECONDS - started)) s)"; }
tally=$(mktemp)
trap 'rm -f "$tally"' EXIT
# Runs ctest, keeping its summary line for the closing tally.
run_ctest() { ctest "$@" 2>&1 | tee -a "$tally"; }

step "layers (src/README.md: which module may include which)"
python3 scripts/check_layers.py

step "set-up (what building needs; what only the tests need installs while the ci build runs)"
scripts/setup.sh --build-only
test_setup_log=$(mktemp)
trap 'rm -f "$tally" "$test_setup_log"' EXIT
scripts/setup.sh --test-only > "$test_setup_log" 2>&1 &
test_setup=$!

step "format (.clang-format, scripts/check_format.sh)"
scripts/check_format.sh

step "build (ci preset: Release, warnings are errors; the unit tests are built in the asan step)"
scripts/build.sh ci -DCF_TEST_SET=optimised
step "set-up of what only the tests need (started before the build)"
if ! wait "$test_setup"; then
  cat "$test_setup_log" >&2
  echo "set-up of what the tests need failed" >&2
  exit 1
fi
cat "$test_setup_log"
step "tests (ci preset; Kafka and MLflow tests run next, against real servers)"
run_ctest --preset ci --label-exclude 'kafka|mlflow'

step "Kafka tests against a real broker on 127.0.0.1"
tests/integration/kafka_env.sh build/ci 2>&1 | tee -a "$tally"

step "MLflow tests against one real MLflow server on 127.0.0.1 (scripts/mlflow/start.sh)"
run_ctest --preset ci -L mlflow

step "build (asan preset: ASan + UBSan, clang-14, with the libFuzzer targets)"
scripts/build.sh asan -DCF_TEST_SET=sanitized
step "tests under sanitizers (labels slow, kafka and mlflow run in the ci preset only)"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  run_ctest --preset asan --label-exclude 'slow|kafka|mlflow'

step "threaded stages under ThreadSanitizer"
scripts/tsan.sh

step "fuzzing"
FUZZ_BUILD_DIR=build/asan scripts/fuzz.sh "${CF_FUZZ_SECONDS:-5}"
step "all tests passed"
# One closing line over every ctest run above (ci, Kafka, MLflow, sanitizers). A skipped test is
# not a passed one: ctest counts it as not failed, so it is subtracted and shown apart.
awk '/tests passed, [0-9]+ tests failed out of/ {
       for (i = 1; i <= NF; i++) if ($i == "out") total += $(i + 2);
       for (i = 1; i <= NF; i++) if ($i == "failed") failed += $(i - 2) }
     /\*\*\*Skipped/ { skipped++ }
     END { printf "%d passed, %d skipped, %d failed\n", total - failed - skipped, skipped, failed }' "$tally"
