#!/usr/bin/env bash
# covidflow against the reference's own engine, on the same generated tweets in one run:
#   (a) covidflow produce + process --lake (embedded file log) vs PySpark local[2] reading the
#       CSV, repartition(2), casting the schema, VADER (vaderSentiment) in a pandas UDF,
#       Parquet partitioned by date;
#   (b) covidflow process --from kafka://... --lake vs Spark Structured Streaming
#       (trigger(availableNow=True), spark-sql-kafka-0-10) reading the same topic of a broker
#       started by scripts/kafka/start.sh, the same UDF, Parquet by date.
# Prints rows/s of each side and the ratios (targets: >= 25x on (a), >= 10x on (b)); Spark's
# start-up (the SparkSession) is reported apart and left out of its rate. Each comparison is
# checked before it is printed: the same rows per date on both sides, VADER's compound equal
# on a sample of texts (spark_peer.py verify). A benchmark, not a CI test (minutes at 500k).
#
#   bench/spark/bench_spark.sh [BUILD_DIR]        (default build/ci; needs src/cli/covidflow)
# Env: TWEETS (default 500000; SMOKE=1 means 2000, a quick manual check), PARTITIONS of the
# Kafka topic (default 2, as local[2]), ONLY=a|b (one comparison), CF_SPARK_VENV (default
# bench/spark/.venv, made from requirements.txt when missing or stale), CF_SPARK_CACHE (the
# connector jars' cache root, default ~/.cache/covidflow/spark-kafka), KEEP_WORK=1.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
build="${1:-$root/build/ci}"
cf="$build/src/cli/covidflow"
[[ -x "$cf" ]] || { echo "bench_spark.sh: no $cf (cmake --build --preset ci)" >&2; exit 1; }
tweets="${TWEETS:-500000}"
[[ "${SMOKE:-0}" == 1 ]] && tweets="${TWEETS:-2000}"
partitions="${PARTITIONS:-2}"
only="${ONLY:-ab}"
venv="${CF_SPARK_VENV:-$here/.venv}"
command -v java >/dev/null || { echo "bench_spark.sh: java not found (scripts/setup.sh installs Java 17)" >&2; exit 1; }

# The bench's own venv: PySpark, pandas, pyarrow and vaderSentiment pinned in requirements.txt,
# kept apart from the project's .venv. Reinstalled when requirements.txt changes.
want="$(sha256sum "$here/requirements.txt" | cut -d' ' -f1)"
if [[ "$(cat "$venv/.requirements-sha256" 2>/dev/null)" != "$want" ]]; then
  echo "setting up $venv from bench/spark/requirements.txt" >&2
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q -r "$here/requirements.txt" >&2
  echo "$want" >"$venv/.requirements-sha256"
fi
py="$venv/bin/python"
spark_version="$("$py" -c 'import pyspark; print(pyspark.__version__)')"
pom_version="$(sed -n 's:.*<spark.version>\(.*\)</spark.version>.*:\1:p' "$here/pom.xml")"
[[ "$spark_version" == "$pom_version" ]] ||
  { echo "bench_spark.sh: pyspark $spark_version but pom.xml's spark.version $pom_version" >&2; exit 1; }

work="$(mktemp -d /tmp/cf-bench-spark-XXXXXX)"
cleanup() {
  [[ -f "$work/broker/pid" ]] && "$root/scripts/kafka/stop.sh" "$work/broker" || true
  [[ "${KEEP_WORK:-0}" == 1 ]] && echo "work dir kept: $work" >&2 || rm -rf "$work"
}
trap cleanup EXIT

now() { date +%s.%N; }
json() { "$py" -c "import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2], {}, d))" "$@"; }
calc() { "$py" -c "import sys; print(eval(sys.argv[1]))" "$1"; }
load() { cut -d' ' -f1-3 /proc/loadavg; }
# spark_report TAG WHAT: Spark's rate in run TAG (start-up left out, printed apart) into
# sp_rate, then the check that covidflow's lake-TAG and Spark's spark-TAG hold the same rows.
spark_report() {
  local tag=$1 what=$2
  sp_rate=$(json "$work/spark-$tag.json" "rows/run_seconds")
  echo "($tag) $what: $(calc "f'{$sp_rate:,.0f}'") rows/s" \
    "($(json "$work/spark-$tag.json" "f'{rows} rows in {run_seconds:.2f} s'"); start-up" \
    "$(json "$work/spark-$tag.json" "f'{startup_seconds:.2f}'") s apart)"
  "$py" "$here/spark_peer.py" verify "$work/lake-$tag" "$work/spark-$tag" \
    >"$work/verify-$tag.json" || { cat "$work/verify-$tag.json"; exit 1; }
  echo "($tag) verified: $(json "$work/verify-$tag.json" "f'{covidflow_rows} rows on both sides over {days} days, VADER compound equal on {compound_compared} sampled texts'")"
}

echo "covidflow vs Spark $spark_version: $tweets generated tweets, $(nproc) cores, load average $(load) at start"
"$cf" generate --count "$tweets" --seed 17 --out "$work/tweets.csv" >/dev/null 2>&1
summary=()

if [[ "$only" == *a* ]]; then
  # (a) covidflow: the CSV into the embedded log, then the processor with the lake.
  t0=$(now)
  "$cf" produce --home "$work/home-a" --from "$work/tweets.csv" --to "file://$work/log" \
    --json >"$work/produce-a.json"
  t1=$(now)
  /usr/bin/time -f '%M' -o "$work/rss-a" "$cf" process --home "$work/home-a" \
    --from "file://$work/log" --group bench --lake "$work/lake-a" --exit-when-idle --idle-ms 200 \
    --json >"$work/process-a.json"
  t2=$(now)
  cf_a_s=$(calc "$t2 - $t0")
  consumed=$(json "$work/process-a.json" consumed)
  echo "(a) covidflow produce + process --lake: $(calc "f'{$tweets/$cf_a_s:,.0f}'") tweets/s" \
    "(produce $(calc "f'{$t1-$t0:.2f}'") s + process $(calc "f'{$t2-$t1:.2f}'") s incl. its 0.2 s idle exit;" \
    "process active $(json "$work/process-a.json" "f'{consumed/active_seconds:,.0f}'")/s;" \
    "$consumed consumed, peak RSS $(($(cat "$work/rss-a") / 1024)) MB)"
  "$py" "$here/spark_peer.py" batch "$work/tweets.csv" "$work/spark-a" >"$work/spark-a.json" \
    2>"$work/spark-a.log" || { tail -30 "$work/spark-a.log" >&2; exit 1; }
  spark_report a "PySpark local[2] CSV → VADER pandas UDF → Parquet"
  ratio_a=$(calc "f'{$tweets/$cf_a_s/$sp_rate:.1f}'")
  summary+=("(a) file log + lake vs PySpark: ${ratio_a}x (target >= 25x), load average $(load)")
fi

if [[ "$only" == *b* ]]; then
  b="$("$root/scripts/kafka/start.sh" "$work/broker")"
  # Not timed: both sides read this topic, as the reference's stream job reads its broker.
  "$cf" produce --home "$work/home-b" --from "$work/tweets.csv" --to "kafka://$b" \
    --topic bench.raw --partitions "$partitions" --json >"$work/produce-b.json"
  t0=$(now)
  /usr/bin/time -f '%M' -o "$work/rss-b" "$cf" process --home "$work/home-b" \
    --from "kafka://$b" --topic bench.raw --group bench --enriched-topic bench.enriched \
    --dlq-topic bench.dlq --partitions "$partitions" --lake "$work/lake-b" --exit-when-idle \
    --idle-ms 300 --json >"$work/process-b.json"
  t1=$(now)
  cf_b_s=$(calc "$t1 - $t0")
  consumed=$(json "$work/process-b.json" consumed)
  [[ "$consumed" == "$tweets" ]] || { echo "(b) covidflow consumed $consumed of $tweets" >&2; exit 1; }
  echo "(b) covidflow process --from kafka:// --lake: $(calc "f'{$tweets/$cf_b_s:,.0f}'") tweets/s" \
    "($(calc "f'{$cf_b_s:.2f}'") s incl. connecting, the group join and its 0.3 s idle exit;" \
    "active $(json "$work/process-b.json" "f'{consumed/active_seconds:,.0f}'")/s;" \
    "peak RSS $(($(cat "$work/rss-b") / 1024)) MB; also writes the enriched topic)"
  jars_dir="$("$here/fetch_jars.sh")"
  # Only the jars pyspark lacks: its own (Spark, Scala, Hadoop, compression codecs) stay first.
  jars=""
  for j in "$jars_dir"/*.jar; do
    name="$(basename "$j" .jar)"
    artifact="${name%-[0-9]*}"
    compgen -G "$venv/lib/python3*/site-packages/pyspark/jars/$artifact-[0-9]*.jar" >/dev/null && continue
    jars="${jars:+$jars,}$j"
  done
  "$py" "$here/spark_peer.py" stream "$b" bench.raw "$work/spark-b" --jars "$jars" \
    >"$work/spark-b.json" 2>"$work/spark-b.log" || { tail -30 "$work/spark-b.log" >&2; exit 1; }
  spark_report b "Structured Streaming availableNow from the topic → VADER pandas UDF → Parquet"
  ratio_b=$(calc "f'{$tweets/$cf_b_s/$sp_rate:.1f}'")
  summary+=("(b) Kafka + lake vs Structured Streaming: ${ratio_b}x (target >= 10x), load average $(load)")
fi
printf '%s\n' "${summary[@]}"
