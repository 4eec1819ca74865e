#!/usr/bin/env bash
# Fetches the Apache Kafka broker jars named in the top-level pom.xml from Maven Central into a
# cache folder and prints that folder. Idempotent: a complete cache is reused without running Maven.
#   scripts/kafka/fetch.sh            -> prints e.g. ~/.cache/covidflow/kafka/3.8.1/jars
# CF_KAFKA_CACHE overrides the cache root.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
version="$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$root/pom.xml")"
cache="${CF_KAFKA_CACHE:-$HOME/.cache/covidflow/kafka}/$version"
jars="$cache/jars"
# The marker is written last, so an interrupted fetch is redone rather than trusted.
if [[ -f "$cache/complete" && -f "$jars/kafka_2.13-$version.jar" ]]; then
  echo "$jars"
  exit 0
fi
command -v mvn >/dev/null || { echo "fetch.sh: mvn not found (apt-get install maven)" >&2; exit 1; }
command -v java >/dev/null || { echo "fetch.sh: java not found (apt-get install openjdk-17-jre-headless)" >&2; exit 1; }
rm -rf "$jars.tmp"
mkdir -p "$cache"
mvn -q -B -Dstyle.color=never -f "$root/pom.xml" dependency:copy-dependencies -DincludeScope=runtime \
  -DoutputDirectory="$jars.tmp" >&2
rm -rf "$jars"
mv "$jars.tmp" "$jars"
touch "$cache/complete"
echo "$jars"
