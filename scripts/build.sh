#!/usr/bin/env bash
# Configures and builds one preset (default: release).
#   scripts/build.sh [preset] [-DNAME=VALUE ...]
# Cache settings after the preset are passed to CMake (the configure runs again when any are
# given): scripts/test.sh builds each unit test once with -DCF_TEST_SET=optimised for ci and
# -DCF_TEST_SET=sanitized for asan (ADR 0012); `-DCF_TEST_SET=all` restores the default.
set -euo pipefail
cd "$(dirname "$0")/.."
preset=${1:-release}
shift || true
if [ $# -gt 0 ] || [ ! -f "build/$preset/build.ninja" ]; then
  cmake --preset "$preset" "$@" >/dev/null
fi
cmake --build --preset "$preset" -- -j"$(nproc)"
