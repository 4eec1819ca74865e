#!/usr/bin/env python3
"""The Spark side of bench/spark/bench_spark.sh: the job a user of the reference would run
instead of covidflow, timed apart from Spark's start-up. Runs in bench/spark/.venv
(requirements.txt beside this file). Prints one JSON object on stdout.

  spark_peer.py batch CSV OUT
      PySpark local[2]: read the generated CSV, repartition(2), cast the schema, VADER
      (vaderSentiment) in a pandas UDF, Parquet partitioned by date.
  spark_peer.py stream BOOTSTRAP TOPIC OUT --jars JAR,... [--checkpoint DIR]
      Structured Streaming, trigger(availableNow=True): the same job reading the raw topic
      covidflow produce wrote (one CSV record per value, docs/formats/records.md).
  spark_peer.py verify COVIDFLOW_LAKE SPARK_OUT [--sample N]
      The comparison is honest only if both wrote the same rows: equal row counts per date,
      and VADER's compound equal on a sample of texts.

JSON of batch/stream: rows (read back after the timed part), startup_seconds (the
SparkSession's creation: the JVM, jars, the local scheduler), run_seconds (the job from the
first read to the last file committed), spark and pyspark versions.
"""
import argparse
import json
import os
import sys
import time

# Column names and order of the generated CSV (covidflow's seed schema, src/schema/fields.h).
COLUMNS = ["user_name", "user_location", "user_description", "user_created", "user_followers",
           "user_friends", "user_favourites", "user_verified", "date", "text", "hashtags",
           "source", "is_retweet"]


def session(app, jars=None):
    from pyspark.sql import SparkSession
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    # The Python workers run in this venv too (pandas, pyarrow, vaderSentiment).
    os.environ["PYSPARK_PYTHON"] = sys.executable
    b = (SparkSession.builder.master("local[2]").appName(app)
         .config("spark.ui.enabled", "false")
         .config("spark.sql.session.timeZone", "UTC")
         .config("spark.driver.bindAddress", "127.0.0.1")
         .config("spark.driver.host", "127.0.0.1")
         .config("spark.driver.memory", "2g")
         .config("spark.sql.execution.arrow.pyspark.enabled", "true")
         .config("spark.sql.shuffle.partitions", "2"))
    if jars:
        b = b.config("spark.jars", ",".join(jars))
    spark = b.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def vader_udf():
    """VADER's four scores per text as a pandas UDF; the analyzer is built once per Python
    worker process (kept on vaderSentiment's module: its lexicon load is not per batch)."""
    import pandas as pd
    from pyspark.sql.functions import pandas_udf

    @pandas_udf("positive double, neutral double, negative double, compound double")
    def vader(texts: pd.Series) -> pd.DataFrame:
        import vaderSentiment.vaderSentiment as v
        a = getattr(v, "covidflow_bench_analyzer", None)
        if a is None:
            a = v.covidflow_bench_analyzer = v.SentimentIntensityAnalyzer()
        scores = [a.polarity_scores(t) for t in texts]
        return pd.DataFrame({"positive": [s["pos"] for s in scores],
                             "neutral": [s["neu"] for s in scores],
                             "negative": [s["neg"] for s in scores],
                             "compound": [s["compound"] for s in scores]})

    return vader


def typed(df):
    """The seed schema's types from the CSV's strings, VADER, the label, the date partition."""
    from pyspark.sql import functions as F
    ts = "yyyy-MM-dd HH:mm:ss"
    s = vader_udf()(F.col("text"))
    return (df.select(
        "user_name", "user_location", "user_description",
        F.to_timestamp("user_created", ts).alias("user_created"),
        F.col("user_followers").cast("long").alias("user_followers"),
        F.col("user_friends").cast("long").alias("user_friends"),
        F.col("user_favourites").cast("long").alias("user_favourites"),
        F.col("user_verified").cast("boolean").alias("user_verified"),
        F.to_timestamp("date", ts).alias("event_time"),
        "text",
        F.expr("regexp_extract_all(coalesce(hashtags, ''), \"'([^']*)'\", 1)").alias("hashtags"),
        "source",
        F.col("is_retweet").cast("boolean").alias("is_retweet"))
        .filter(F.col("user_name").isNotNull() & F.col("text").isNotNull()
                & F.col("event_time").isNotNull())
        .withColumn("s", s)
        .select("*", F.col("s.positive").alias("sentiment_positive"),
                F.col("s.neutral").alias("sentiment_neutral"),
                F.col("s.negative").alias("sentiment_negative"),
                F.col("s.compound").alias("sentiment_compound"))
        .drop("s")
        .withColumn("sentiment_label",
                    F.when(F.col("sentiment_compound") >= 0.05, "positive")
                    .when(F.col("sentiment_compound") <= -0.05, "negative").otherwise("neutral"))
        .withColumn("date", F.to_date("event_time")))


def string_schema():
    from pyspark.sql.types import StringType, StructField, StructType
    return StructType([StructField(c, StringType()) for c in COLUMNS])


def count_rows(spark, out):
    return spark.read.parquet(out).count()


def versions(spark):
    import pyspark
    return {"spark": spark.version, "pyspark": pyspark.__version__}


def batch(args):
    t0 = time.perf_counter()
    spark = session("covidflow-bench-pyspark")
    t1 = time.perf_counter()
    df = (spark.read.option("header", "true").option("multiLine", "true")
          .option("escape", '"').schema(string_schema()).csv(args.csv).repartition(2))
    typed(df).write.mode("overwrite").partitionBy("date").parquet(args.out)
    t2 = time.perf_counter()
    rows = count_rows(spark, args.out)
    out = {"rows": rows, "startup_seconds": t1 - t0, "run_seconds": t2 - t1, **versions(spark)}
    spark.stop()
    print(json.dumps(out))


def stream(args):
    from pyspark.sql import functions as F
    t0 = time.perf_counter()
    spark = session("covidflow-bench-structured-streaming", args.jars.split(","))
    t1 = time.perf_counter()
    ddl = ", ".join(f"`{c}` STRING" for c in COLUMNS)
    raw = (spark.readStream.format("kafka")
           .option("kafka.bootstrap.servers", args.bootstrap)
           .option("subscribe", args.topic)
           .option("startingOffsets", "earliest")
           .option("failOnDataLoss", "true").load())
    # Each value is one CSV record of the file as produce read it (docs/formats/records.md).
    parsed = raw.select(F.from_csv(F.col("value").cast("string"), ddl,
                                   {"escape": '"', "multiLine": "true"}).alias("t")).select("t.*")
    checkpoint = args.checkpoint or args.out + ".checkpoint"
    q = (typed(parsed).writeStream.format("parquet").option("path", args.out)
         .option("checkpointLocation", checkpoint).partitionBy("date")
         .trigger(availableNow=True).start())
    q.awaitTermination()
    t2 = time.perf_counter()
    if q.exception() is not None:
        sys.exit(f"the streaming query failed: {q.exception()}")
    rows = count_rows(spark, args.out)
    out = {"rows": rows, "startup_seconds": t1 - t0, "run_seconds": t2 - t1, **versions(spark)}
    spark.stop()
    print(json.dumps(out))


def read_dataset(path, columns):
    import pyarrow.dataset as ds
    # Only committed *.parquet files: covidflow's .tmp files and Spark's _spark_metadata,
    # _SUCCESS and .crc files are not data.
    files = [os.path.join(d, f) for d, _, fs in os.walk(path) for f in fs
             if f.endswith(".parquet") and not f.startswith((".", "_"))]
    return ds.dataset(files, format="parquet", partitioning=ds.partitioning(flavor="hive"),
                      partition_base_dir=path).to_table(columns=columns).to_pandas()


def verify(args):
    cf = read_dataset(os.path.join(args.lake, "tweets"), ["event_time", "text", "sentiment_compound"])
    sp = read_dataset(args.spark_out, ["event_time", "text", "sentiment_compound"])
    problems = []
    if len(cf) != len(sp):
        problems.append(f"row counts differ: covidflow {len(cf)}, Spark {len(sp)}")
    cf_days = cf["event_time"].dt.strftime("%Y-%m-%d").value_counts().sort_index()
    sp_days = sp["event_time"].dt.strftime("%Y-%m-%d").value_counts().sort_index()
    if not cf_days.equals(sp_days):
        problems.append(f"rows per day differ: covidflow {cf_days.to_dict()}, Spark {sp_days.to_dict()}")
    # VADER is a function of the text: compare compound by text on a sample.
    texts = cf.drop_duplicates("text")
    sample = texts.sample(n=min(args.sample, len(texts)), random_state=7)
    sp_by_text = sp.drop_duplicates("text").set_index("text")["sentiment_compound"]
    missing = int((~sample["text"].isin(sp_by_text.index)).sum())
    if missing:
        problems.append(f"{missing} sampled texts of covidflow's lake are not in Spark's output")
    joined = sample[sample["text"].isin(sp_by_text.index)]
    diff = (joined["sentiment_compound"].to_numpy() - sp_by_text.loc[joined["text"]].to_numpy())
    bad = int((abs(diff) > 1e-9).sum())
    if bad:
        problems.append(f"VADER compound differs on {bad} of {len(joined)} sampled texts")
    print(json.dumps({"covidflow_rows": len(cf), "spark_rows": len(sp), "days": len(cf_days),
                      "compound_compared": len(joined), "compound_differ": bad,
                      "problems": problems}))
    if problems:
        sys.exit("verify: " + "; ".join(problems))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="mode", required=True)
    b = sub.add_parser("batch")
    b.add_argument("csv")
    b.add_argument("out")
    s = sub.add_parser("stream")
    s.add_argument("bootstrap")
    s.add_argument("topic")
    s.add_argument("out")
    s.add_argument("--jars", required=True, help="comma-separated spark-sql-kafka-0-10 jars")
    s.add_argument("--checkpoint")
    v = sub.add_parser("verify")
    v.add_argument("lake")
    v.add_argument("spark_out")
    v.add_argument("--sample", type=int, default=2000)
    args = ap.parse_args()
    {"batch": batch, "stream": stream, "verify": verify}[args.mode](args)


if __name__ == "__main__":
    main()
