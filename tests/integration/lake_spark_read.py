#!/usr/bin/env python3
"""Reads a covidflow lake with PySpark (local[2]) and prints the row count and the sentiment
mix by day (issue 5, item 5). Not run by ctest: PySpark is a ~300 MB download plus a JVM
(Java 17 works with pyspark 3.5); see src/lake/README.md.

  pip install pyspark==3.5.3
  python tests/integration/lake_spark_read.py LAKE_DIR [--expect-rows N]

Spark discovers the hive partitions (date=YYYY-MM-DD) itself. Only *.parquet files are read,
so a commit's in-flight .tmp files are never opened. Spark does not apply the lake's
"covidflow.replaces" rule: do not run it while a compaction is between its rename and its
removals (docs/formats/lake.md).
"""
import argparse
import sys

from pyspark.sql import SparkSession
from pyspark.sql import functions as F


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("lake")
    ap.add_argument("--expect-rows", type=int, default=None)
    args = ap.parse_args()
    spark = (SparkSession.builder.master("local[2]").appName("covidflow-lake-read")
             .config("spark.ui.enabled", "false").config("spark.sql.session.timeZone", "UTC")
             .getOrCreate())
    spark.sparkContext.setLogLevel("ERROR")
    df = spark.read.option("pathGlobFilter", "*.parquet").parquet(f"{args.lake}/tweets")
    rows = df.count()
    print(f"rows: {rows}")
    mix = (df.groupBy("date").pivot("sentiment_label", ["negative", "neutral", "positive"])
           .count().na.fill(0).orderBy("date"))
    print(f"{'date':12}{'negative':>10}{'neutral':>10}{'positive':>10}")
    for r in mix.collect():
        print(f"{str(r['date']):12}{r['negative']:>10}{r['neutral']:>10}{r['positive']:>10}")
    # The partition value must agree with each row's event time.
    mismatched = df.filter(F.to_date("event_time") != F.col("date")).count()
    spark.stop()
    if mismatched:
        sys.exit(f"{mismatched} rows sit in a partition other than their event date")
    if args.expect_rows is not None and rows != args.expect_rows:
        sys.exit(f"expected {args.expect_rows} rows, Spark read {rows}")


if __name__ == "__main__":
    main()
