#!/usr/bin/env bash
# Fetches the Apache Kafka broker jars named in the top-level pom.xml from Maven Central into a
# cache folder and prints that folder. Idempotent: a complete cache is reused without running Maven.
#   scripts/kafka/fetch.sh            -> prints e.g. ~/.cache/covidflow/kafka/3.8.1/jars
# CF_KAFKA_CACHE overrides the cache root.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
exec "$root/scripts/maven_jars.sh" "$root/pom.xml" kafka.version \
  "${CF_KAFKA_CACHE:-$HOME/.cache/covidflow/kafka}" "kafka_2.13-VERSION.jar"
