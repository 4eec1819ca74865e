#!/usr/bin/env bash
# The threaded stages under ThreadSanitizer (the "tsan" CMake preset, clang-14): the
# processor's tests, the embedded log's tests (threads and processes sharing one directory),
# the metrics and HTTP tests (lock-free updates under concurrent scrapes; concurrent requests),
# and a generate → produce → process run with VADER, locations, the lake, two workers, two
# output writers and the sync thread. Any report fails the run.
#   scripts/tsan.sh [TWEETS=50000]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
tweets="${1:-50000}"
build="$root/build/tsan"
[[ -f "$build/build.ninja" ]] || (cd "$root" && cmake --preset tsan >/dev/null)
cmake --build "$build" --target process_test log_test metrics_test http_test covidflow -- -j"$(nproc)"
export TSAN_OPTIONS="halt_on_error=1 exitcode=66"
"$build/src/process/tests/process_test" --gtest_brief=1
"$build/src/log/tests/log_test" --gtest_brief=1
"$build/src/metrics/tests/metrics_test" --gtest_brief=1
"$build/src/http/tests/http_test" --gtest_brief=1

work="$(mktemp -d /tmp/covidflow-tsan.XXXXXX)"
trap 'rm -rf "$work"' EXIT
cf="$build/src/cli/covidflow"
"$cf" generate --count "$tweets" --seed 4 --malformed-rate 0.01 --out "$work/t.csv" 2>/dev/null
"$cf" produce --from "$work/t.csv" --to "file://$work/log" --json >/dev/null
"$cf" process --from "file://$work/log" --group tsan --exit-when-idle --batch 2048 \
  --threads 2 --send-threads 2 --lake "$work/lake" --json > "$work/process.json"
python3 - "$work/process.json" "$tweets" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
n = int(sys.argv[2])
assert c["consumed"] == n, c
assert c["enriched"] + c["dead_letters"] == n and c["dead_letters"] > 0, c
assert c["lake_rows"] == c["enriched"], c
print(f"tsan: processor run of {n} tweets reconciles ({c['enriched']} enriched, "
      f"{c['dead_letters']} dead letters, {c['batches']} batches), no reports")
PY
