#!/usr/bin/env bash
# Copies the runtime jars of a fetch-only pom (no covidflow code is built with Maven) from Maven
# Central into a cache folder and prints that folder. Idempotent: a complete cache is reused
# without running Maven.
#   scripts/maven_jars.sh POM PROPERTY CACHE_ROOT MARKER
# The cache is CACHE_ROOT/<the pom's <PROPERTY> value>/jars; MARKER is a jar name pattern with
# VERSION for that value, which a complete cache holds (e.g. kafka_2.13-VERSION.jar).
# Used by scripts/kafka/fetch.sh (the broker) and bench/spark/fetch_jars.sh (Spark's Kafka source).
set -euo pipefail
pom="${1:?usage: maven_jars.sh POM PROPERTY CACHE_ROOT MARKER}"
property="${2:?}"
cache_root="${3:?}"
marker="${4:?}"
version="$(sed -n "s:.*<$property>\(.*\)</$property>.*:\1:p" "$pom")"
[[ -n "$version" ]] || { echo "maven_jars.sh: no <$property> in $pom" >&2; exit 1; }
cache="$cache_root/$version"
jars="$cache/jars"
# The marker is written last, so an interrupted fetch is redone rather than trusted.
if [[ -f "$cache/complete" && -f "$jars/${marker//VERSION/$version}" ]]; then
  echo "$jars"
  exit 0
fi
command -v mvn >/dev/null || { echo "maven_jars.sh: mvn not found (apt-get install maven)" >&2; exit 1; }
command -v java >/dev/null || { echo "maven_jars.sh: java not found (apt-get install openjdk-17-jre-headless)" >&2; exit 1; }
rm -rf "$jars.tmp"
mkdir -p "$cache"
mvn -q -B -Dstyle.color=never -f "$pom" dependency:copy-dependencies -DincludeScope=runtime \
  -DoutputDirectory="$jars.tmp" >&2
rm -rf "$jars"
mv "$jars.tmp" "$jars"
touch "$cache/complete"
echo "$jars"
