#!/usr/bin/env bash
# Builds the libFuzzer targets (the "fuzz" CMake preset, clang-14) and runs each one for a
# bounded time with its seed corpus. Exits non-zero if any target crashes; crash inputs are
# copied to fuzz-findings/<target>/. Keep a real finding as a regression input in
# tests/fuzz/corpus/<corpus>/regressions/ so the unit tests replay it.
#
#   scripts/fuzz.sh [SECONDS_PER_TARGET=60] [TARGET...]
#
# Env: FUZZ_BUILD_DIR (default build/fuzz, the preset's directory), FUZZ_JOBS (ninja -j, 2).
# The corpus of target <name>_fuzz is tests/fuzz/corpus/<name>/, else corpus/<first word>/
# (csv_reader_fuzz -> corpus/csv). It is copied to a temporary directory first, so what
# libFuzzer adds never lands in the repository.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
seconds="${1:-60}"
shift || true
build="${FUZZ_BUILD_DIR:-$root/build/fuzz}"
jobs="${FUZZ_JOBS:-2}"

if [[ ! -f "$build/build.ninja" ]]; then
  if [[ "$build" == "$root/build/fuzz" ]]; then
    (cd "$root" && cmake --preset fuzz >/dev/null)
  else
    cmake -S "$root" -B "$build" -G Ninja -DCF_FUZZ=ON -DCF_BENCH=OFF \
      -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++-14 \
      -DCMAKE_C_COMPILER=clang-14 >/dev/null
  fi
fi

if [[ $# -gt 0 ]]; then
  targets=("$@")
else
  mapfile -t targets < <(ninja -C "$build" -t targets all | sed -n 's/^\([a-z0-9_]*_fuzz\): .*/\1/p' | grep -v '^cmake_' | sort -u)
fi
if [[ ${#targets[@]} -eq 0 ]]; then
  echo "fuzz.sh: no *_fuzz targets in $build" >&2
  exit 1
fi
ninja -C "$build" -j "$jobs" "${targets[@]}"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
failed=()
for target in "${targets[@]}"; do
  bin="$build/tests/fuzz/$target"
  [[ -x "$bin" ]] || bin="$(find "$build" -name "$target" -type f -perm -u+x | head -n 1)"
  name="${target%_fuzz}"
  corpus="$root/tests/fuzz/corpus/$name"
  [[ -d "$corpus" ]] || corpus="$root/tests/fuzz/corpus/${name%%_*}"
  run="$work/$target"
  mkdir -p "$run/corpus" "$run/artifacts"
  if [[ -d "$corpus" ]]; then
    find "$corpus" -type f -exec cp -t "$run/corpus" {} +
  fi
  echo "== $target: ${seconds}s, seeds from ${corpus#$root/} ($(ls "$run/corpus" | wc -l) files)"
  if ! "$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
      -print_final_stats=1 -artifact_prefix="$run/artifacts/" "$run/corpus" \
      >"$run/log" 2>&1; then
    failed+=("$target")
    mkdir -p "$root/fuzz-findings/$target"
    cp "$run/artifacts/"* "$root/fuzz-findings/$target/" 2>/dev/null || true
    cp "$run/log" "$root/fuzz-findings/$target/log"
    echo "!! $target crashed; inputs and log in fuzz-findings/$target/" >&2
    grep -m 5 -E "ERROR|invariant|SUMMARY" "$run/log" >&2 || true
  fi
  grep -E "^stat::number_of_executed_units|^stat::peak_rss_mb" "$run/log" | sed 's/^/   /' || true
  grep -E "^#[0-9]+.*DONE" "$run/log" | tail -n 1 | sed 's/^/   /' || true
done

if [[ ${#failed[@]} -gt 0 ]]; then
  echo "fuzz.sh: crashes in: ${failed[*]}" >&2
  exit 1
fi
echo "fuzz.sh: ${#targets[@]} targets ran ${seconds}s each without a crash"
