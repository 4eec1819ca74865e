#!/usr/bin/env bash
# Sets up, builds and runs every test: the one command CI runs (.ci/run calls it).
#   1. unit, integration and e2e tests on an optimised build with warnings as errors
#   2. the same unit tests under AddressSanitizer + UndefinedBehaviorSanitizer
#   3. every libFuzzer target for a bounded time (CF_FUZZ_SECONDS, default 30)
set -euo pipefail
cd "$(dirname "$0")/.."
export CTEST_PARALLEL_LEVEL=${CTEST_PARALLEL_LEVEL:-$(nproc)}

scripts/setup.sh

echo "== build (ci preset: Release, -Werror)"
scripts/build.sh ci
echo "== tests (ci preset)"
ctest --preset ci

echo "== build (asan preset: ASan + UBSan)"
scripts/build.sh asan
echo "== tests under sanitizers (label 'slow' excluded: they run in the ci preset)"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --preset asan --label-exclude slow

if [ -x scripts/fuzz.sh ]; then
  echo "== fuzzing"
  scripts/fuzz.sh "${CF_FUZZ_SECONDS:-30}"
fi
echo "== all tests passed"
