#!/usr/bin/env bash
# The threaded stages under ThreadSanitizer (the "tsan" CMake preset, clang-14): the
# processor's tests, the embedded log's tests (threads and processes sharing one directory),
# the metrics and HTTP tests (lock-free updates under concurrent scrapes; concurrent requests).
# The processor's tests include a generate → produce → process run with VADER, locations, the
# lake, two workers, two output writers, the sync thread and a concurrent metrics scraper
# (src/process/tests/pipeline_test.cc, TWEETS tweets). Only these four binaries and the
# libraries they link are built: not the composition root. Any report fails the run.
#   scripts/tsan.sh [TWEETS=50000]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
tweets="${1:-50000}"
build="$root/build/tsan"
[[ -f "$build/build.ninja" ]] || (cd "$root" && cmake --preset tsan >/dev/null)
cmake --build "$build" --target process_test log_test metrics_test http_test -- -j"$(nproc)"
export TSAN_OPTIONS="halt_on_error=1 exitcode=66"
CF_PIPELINE_TWEETS="$tweets" "$build/src/process/tests/process_test" --gtest_brief=1
"$build/src/log/tests/log_test" --gtest_brief=1
"$build/src/metrics/tests/metrics_test" --gtest_brief=1
"$build/src/http/tests/http_test" --gtest_brief=1
echo "tsan: process, log, metrics and http tests passed ($tweets tweets through the pipeline), no reports"
