"""PySpark (local[2], pip package pyspark) reads the lake that `covidflow process --lake`
writes: the same rows and the same sentiment mix by day as `covidflow lake stats`."""
import json
import os
import subprocess
import sys

from conftest import run

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SPARK_READ = os.path.join(ROOT, "tests", "integration", "lake_spark_read.py")


def test_spark_reads_the_lake_with_the_same_counts(home):
    csv = f"{home}/t.csv"
    # 60,000 generated tweets span two days, so Spark sees two hive partitions.
    run("generate", "--count", 60000, "--seed", 5, "--malformed-rate", 0.01, "--out", csv)
    uri, lake = f"file://{home}/log", f"{home}/lake"
    run("produce", "--from", csv, "--to", uri)
    counts = json.loads(run("process", "--from", uri, "--group", "s", "--exit-when-idle",
                            "--lake", lake, "--json").stdout)
    stats = json.loads(run("lake", "stats", lake, "--json").stdout)
    assert stats["rows"] == counts["enriched"] and stats["partitions"] >= 2
    r = subprocess.run([sys.executable, SPARK_READ, lake, "--json",
                        "--expect-rows", str(counts["enriched"])],
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr[-3000:]
    spark = json.loads(r.stdout.strip().splitlines()[-1])
    assert spark["rows"] == counts["enriched"]
    ours = [{k: d[k] for k in ("date", "negative", "neutral", "positive")} for d in stats["by_day"]]
    assert spark["by_day"] == ours
