#!/usr/bin/env bash
# Fetches Spark's Kafka source (spark-sql-kafka-0-10, bench/spark/pom.xml) and its runtime
# dependencies from Maven Central into a cache folder and prints that folder (idempotent).
#   bench/spark/fetch_jars.sh         -> prints e.g. ~/.cache/covidflow/spark-kafka/4.2.0/jars
# CF_SPARK_CACHE overrides the cache root.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
exec "$here/../../scripts/maven_jars.sh" "$here/pom.xml" spark.version \
  "${CF_SPARK_CACHE:-$HOME/.cache/covidflow/spark-kafka}" "spark-sql-kafka-0-10_2.13-VERSION.jar"
