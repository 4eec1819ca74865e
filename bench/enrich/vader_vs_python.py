"""Scores the same 100,000 tweet texts with covidflow's VADER and with vaderSentiment 3.3.2
in one run, on one core each, and prints both rates and the ratio.

The texts are the first 100,000 of the shared tweet files in the parity test's order
(tweeteval train, then corona-nlp, covidsenti...), decoded like the parity test. Measured:
  python     SentimentIntensityAnalyzer.polarity_scores over the list (CPU time)
  cpp-score  VaderEnricher::Score over the same texts in memory (driver --time-scoring)
  cpp-e2e    the whole `sentiment --format csv` command: read CSV, score, write JSONL
             (CPU time of the process, output to /dev/null)
CPU time, not wall time, because the machine is shared: a busy neighbour stretches wall
time of both sides by different amounts.
Usage:
  .venv/bin/python bench/enrich/vader_vs_python.py \
      --bin build/vader/src/enrich/tests/enrich_sentiment_driver [--count 100000]
"""
import argparse
import csv
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

ROOT = Path(__file__).resolve().parents[2]
DATA = Path(os.environ.get("CF_SHARED_DATA_DIR", ROOT.parent / "shared" / "data"))
FILES = [
    ("tweeteval-sentiment/train.csv", "text"),
    ("corona-nlp/Corona_NLP_train.csv", "OriginalTweet"),
    ("covidsenti/COVIDSenti-A_train.csv", "tweet"),
    ("covid19-tweets/covid19_tweets_2020-07-25_early.csv", "text"),
    ("covid19-vaccine-tweets/vaccination_tweets_before_2021-03-03.csv", "text"),
]


def load_texts(count):
    csv.field_size_limit(sys.maxsize)
    texts = []
    for name, column in FILES:
        path = DATA / name
        if not path.is_file():
            sys.exit(f"missing shared data file {path}")
        with open(path, encoding="utf-8-sig", errors="replace", newline="") as f:
            rows = csv.reader(f)
            index = next(rows).index(column)
            for row in rows:
                if len(row) > index:
                    texts.append(row[index])
                    if len(texts) == count:
                        return texts
    return texts


def pin_to_one_core():
    # Both sides on the same single core, so neither gets a second one.
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", default=os.environ.get("CF_SENTIMENT_BIN"), required=False)
    parser.add_argument("--count", type=int, default=100_000)
    args = parser.parse_args()
    if not args.bin or not os.access(args.bin, os.X_OK):
        sys.exit("give --bin (or CF_SENTIMENT_BIN): the enrich_sentiment_driver binary")

    texts = load_texts(args.count)
    pin_to_one_core()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "texts.csv"
        with open(path, "w", encoding="utf-8", newline="") as f:
            writer = csv.writer(f)
            writer.writerow(["text"])
            writer.writerows([t] for t in texts)

        analyzer = SentimentIntensityAnalyzer()
        start = time.process_time()
        checksum = 0.0
        for t in texts:
            checksum += analyzer.polarity_scores(t)["compound"]
        py_seconds = time.process_time() - start

        done = subprocess.run([args.bin, "--time-scoring", "--column", "text", str(path)],
                              capture_output=True, check=True, text=True)
        score = json.loads(done.stdout)
        assert score["texts"] == len(texts), score

        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        with open(os.devnull, "wb") as null:
            subprocess.run([args.bin, "--format", "csv", "--column", "text", str(path)],
                           stdout=null, check=True)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        e2e_seconds = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)

    n = len(texts)
    py_rate = n / py_seconds
    score_rate = n / score["cpu_seconds"]
    e2e_rate = n / e2e_seconds
    print(f"texts                     {n}")
    print(f"python vaderSentiment     {py_rate:12,.0f} tweets/s  (checksum {checksum:.4f})")
    print(f"covidflow Score()         {score_rate:12,.0f} tweets/s  (checksum {score['checksum']:.4f})")
    print(f"covidflow sentiment e2e   {e2e_rate:12,.0f} tweets/s  (CSV in, JSONL out)")
    print(f"ratio Score()/python      {score_rate / py_rate:12.1f}x")
    print(f"ratio e2e/python          {e2e_rate / py_rate:12.1f}x")


if __name__ == "__main__":
    main()
