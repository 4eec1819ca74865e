"""The peer figure for bench_parse: Python's C-implemented csv module on the same files.

Counts CPU time of decode + csv.reader (no validation at all), best of 5, so the figure
compares with bench_parse's per-core (CPU time) bytes/s. Run:
    .venv/bin/python bench/schema/python_csv_peer.py
"""
import csv
import io
import os
import time

DATA = os.path.join(os.path.dirname(__file__), "..", "..", "..", "shared", "data")
FILES = [
    ("covid19-tweets/covid19_tweets_2020-07-25_early.csv", "utf-8"),
    ("covid19-vaccine-tweets/vaccination_tweets_before_2021-03-03.csv", "utf-8"),
    ("corona-nlp/Corona_NLP_train.csv", "latin-1"),  # not valid UTF-8
]

for name, encoding in FILES:
    with open(os.path.join(DATA, name), "rb") as f:
        data = f.read()
    best = float("inf")
    rows = 0
    for _ in range(5):
        start = time.process_time()
        rows = sum(1 for _ in csv.reader(io.StringIO(data.decode(encoding), newline="")))
        best = min(best, time.process_time() - start)
    print(f"{name}: {rows - 1} rows, {len(data) / best / 2**20:.0f} MiB/s, "
          f"{(rows - 1) / best / 1e6:.2f}M rows/s (CPU time, best of 5)")
