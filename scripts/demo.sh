#!/usr/bin/env bash
# Sets up, builds (release) and runs `covidflow demo` on embedded defaults. Extra
# arguments go to the demo: scripts/demo.sh --count 1000000 --home /tmp/cf
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh release
exec build/release/src/cli/covidflow demo "$@"
