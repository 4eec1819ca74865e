#!/usr/bin/env bash
# Installs everything covidflow needs to build, test and run, idempotently: Debian packages
# and a Python virtualenv (.venv) with the reference peers the tests compare against.
# Fast when everything is already there. Safe to run as often as you like.
#   scripts/setup.sh               everything
#   scripts/setup.sh --build-only  what building needs (Debian packages: compilers, libraries;
#                                  the npm package the dashboard embeds)
#   scripts/setup.sh --test-only   what only the tests need: the peers' Debian packages (Kafka's
#                                  JRE, Prometheus, Chromium, ...), the .venv and the Kafka jars;
#                                  CI runs this in the background while the first build compiles
set -euo pipefail
cd "$(dirname "$0")/.."
part="${1:-all}"
case "$part" in
  all | --build-only | --test-only) ;;
  *) echo "usage: scripts/setup.sh [--build-only | --test-only]" >&2; exit 2 ;;
esac

DEB_PACKAGES=(
  build-essential cmake ninja-build pkg-config git python3-venv
  clang-14 libclang-rt-14-dev lld-14 clang-format-14
  libgtest-dev libgmock-dev libbenchmark-dev
  libyaml-cpp-dev nlohmann-json3-dev libsimdjson-dev libfmt-dev
  libzstd-dev libsnappy-dev zlib1g-dev librdkafka-dev libsqlite3-dev libcpp-httplib-dev libboost-dev
  libxgboost-dev liblinear-dev
)
# Needed by tests and benchmarks only, never by the build.
DEB_TEST_PACKAGES=(
  kcat hyperfine prometheus wrk chromium
  openjdk-17-jre-headless maven
)
case "$part" in
  all) DEB_PACKAGES+=("${DEB_TEST_PACKAGES[@]}") ;;
  --test-only) DEB_PACKAGES=("${DEB_TEST_PACKAGES[@]}") ;;
esac

missing=()
for p in "${DEB_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing Debian packages: ${missing[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The dashboard's charting library (uPlot), pinned in package-lock.json, is embedded in the
# binary at build time (docs/decisions/0011-dashboard-assets.md): building needs it. Node and npm
# come from Debian when the machine has none.
if [ "$part" != --test-only ]; then
  if ! command -v npm >/dev/null; then
    echo "setup: installing Debian packages: nodejs npm"
    SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
  fi
  stamp=node_modules/.package-lock.sha256
  want=$(sha256sum package-lock.json | cut -d' ' -f1)
  if [ ! -f node_modules/uplot/dist/uPlot.iife.min.js ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    echo "setup: installing npm packages (package-lock.json) into node_modules"
    npm ci --no-audit --no-fund --loglevel=error >/dev/null
    echo "$want" > "$stamp"
  fi
fi

# Python peers (vaderSentiment, pyarrow, ...) live in .venv, pinned in requirements-dev.txt.
if [ "$part" = --build-only ]; then
  echo "setup: ok (what building needs)"
  exit 0
fi

if [ -f requirements-dev.txt ]; then
  stamp=.venv/.requirements.sha256
  want=$(sha256sum requirements-dev.txt | cut -d' ' -f1)
  if [ ! -x .venv/bin/python ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    echo "setup: installing Python packages into .venv"
    python3 -m venv .venv
    .venv/bin/pip install -q --disable-pip-version-check -r requirements-dev.txt
    echo "$want" > "$stamp"
  fi
fi
# Apache Kafka broker jars from Maven Central (cached; used by the Kafka tests and
# scripts/kafka/start.sh). CF_SETUP_SKIP_KAFKA=1 skips them.
if [ "${CF_SETUP_SKIP_KAFKA:-0}" != 1 ]; then
  scripts/kafka/fetch.sh >/dev/null
fi
echo "setup: ok"
