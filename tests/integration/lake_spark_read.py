#!/usr/bin/env python3
"""Reads a covidflow lake with PySpark (local[2]) and prints the row count and the sentiment
mix by day (issue 5, item 5). CI runs it through the e2e test `e2e_spark`
(tests/e2e/test_spark_test.py); pyspark 3.5.3 is in requirements-dev.txt and runs on the
machine's Java 17. Spark binds to 127.0.0.1 only.

  python tests/integration/lake_spark_read.py LAKE_DIR [--expect-rows N] [--json]

Spark discovers the hive partitions (date=YYYY-MM-DD) itself. Only *.parquet files are read,
so a commit's in-flight .tmp files are never opened. Spark does not apply the lake's
"covidflow.replaces" rule: do not run it while a compaction is between its rename and its
removals (docs/formats/lake.md).
"""
import argparse
import json
import os
import sys

from pyspark.sql import SparkSession
from pyspark.sql import functions as F


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("lake")
    ap.add_argument("--expect-rows", type=int, default=None)
    ap.add_argument("--json", action="store_true", help="print one JSON object instead")
    args = ap.parse_args()
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    spark = (SparkSession.builder.master("local[2]").appName("covidflow-lake-read")
             .config("spark.ui.enabled", "false").config("spark.sql.session.timeZone", "UTC")
             .config("spark.driver.bindAddress", "127.0.0.1")
             .config("spark.driver.host", "127.0.0.1")
             .getOrCreate())
    spark.sparkContext.setLogLevel("ERROR")
    df = spark.read.option("pathGlobFilter", "*.parquet").parquet(f"{args.lake}/tweets")
    rows = df.count()
    mix = (df.groupBy("date").pivot("sentiment_label", ["negative", "neutral", "positive"])
           .count().na.fill(0).orderBy("date")).collect()
    if args.json:
        print(json.dumps({"rows": rows, "by_day": [
            {"date": str(r["date"]), "negative": r["negative"], "neutral": r["neutral"],
             "positive": r["positive"]} for r in mix]}))
    else:
        print(f"rows: {rows}")
        print(f"{'date':12}{'negative':>10}{'neutral':>10}{'positive':>10}")
        for r in mix:
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
