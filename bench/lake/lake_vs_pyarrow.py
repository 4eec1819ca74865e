#!/usr/bin/env python3
"""Our Parquet writer and reader against pyarrow on the same rows, same codec, same run.

Rows: the real tweets of /work/shared/data/covid19-tweets (seed schema), cycled to --rows
(each later cycle's text gets a " [n]" suffix so texts stay unique, as in a live stream;
users, sources and locations repeat) with dense source offsets, a deterministic
pseudo-sentiment and location, and the model columns of lake schema version 2 as `process
--model` writes them (model NAME/VERSION, label, confidence, probabilities as a JSON object) on
--scored of the rows (the rest null, as tweets no model scored). Reads: our reader vs pq.read_table on our file.
Every timing is the best of --repeats. Prints a table and the ratios (>1 = we are faster /
smaller is better for size).

What each write timing includes (the same rows, codec and level on both sides):
- ours (bench_lake): WriteParquetFile from a std::vector<EnrichedTweet> already in memory
  (parsed from the JSON Lines file, untimed): row-to-column gathering, dictionaries,
  statistics, levels, pages, compression, a CRC-32 per page, the footer, write(2). No fsync.
- pyarrow: pq.write_table from a pyarrow.Table already in memory (read from our file,
  untimed; columnar already, so no row-to-column work), with compression=<codec> and, for
  zstd, compression_level=1 (Arrow's default, given explicitly). Dictionaries, statistics,
  levels, pages, compression, footer, write(2); no page CRC (pyarrow's
  default), no fsync.
Both write the same directory, the same file name each repeat (created by the first, truncated
by the later ones), one row group, data pages of about 1 MiB.

Threads: pq.write_table writes a file on one thread. Arrow C++ has
ArrowWriterProperties::Builder::set_use_threads (default off), but pyarrow 26 does not expose
it: its libparquet.pxd declares no set_use_threads for the writer properties and
write_table/ParquetWriter take no such argument (checked in the installed
pyarrow/includes/libparquet.pxd and parquet/core.py). So pyarrow's best available setting is
its only one. Ours is shown with 1 thread (the like-for-like ratio) and with 2
(WriterOptions.threads = 2: gathering split by columns, pages compressed on both cores).

  .venv/bin/python bench/lake/lake_vs_pyarrow.py --bench build/lake/bench/lake/bench_lake
"""
import argparse
import ast
import csv
import json
import random
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

import pyarrow.parquet as pq

DATA = Path(__file__).resolve().parents[3] / "shared/data/covid19-tweets"


def ts(s):
    return int(datetime.strptime(s, "%Y-%m-%d %H:%M:%S").replace(tzinfo=timezone.utc).timestamp())


def load_tweets():
    files = sorted(DATA.glob("*.csv"))
    if not files:
        sys.exit(f"lake_vs_pyarrow: no CSV under {DATA} (shared data missing)")
    out = []
    for f in files:
        with open(f, newline="", encoding="utf-8") as fh:
            for r in csv.DictReader(fh):
                try:
                    tags = ast.literal_eval(r["hashtags"]) if r["hashtags"] else []
                    out.append({
                        "user_name": r["user_name"], "user_location": r["user_location"],
                        "user_description": r["user_description"],
                        "user_created": ts(r["user_created"]),
                        "user_followers": int(float(r["user_followers"])),
                        "user_friends": int(float(r["user_friends"])),
                        "user_favourites": int(float(r["user_favourites"])),
                        "user_verified": r["user_verified"] == "True",
                        "event_time": ts(r["date"]),
                        "text": r["text"], "hashtags": [str(t) for t in tags],
                        "source": r["source"], "is_retweet": r["is_retweet"] == "True"})
                except (ValueError, SyntaxError, KeyError):
                    continue  # a record the processor would dead-letter
    return out


def prepare(path, n, scored=0.9):
    tweets = load_tweets()
    rnd = random.Random(42)
    countries = ["US", "IN", "GB", "", "", "", "CA", "AU"]
    with open(path, "w", encoding="utf-8") as out:
        for i in range(n):
            t = dict(tweets[i % len(tweets)])
            cycle = i // len(tweets)
            t["event_time"] += 86400 * cycle
            if cycle:
                # A live stream does not repeat texts: keep every text unique, so neither
                # writer gets a dictionary of texts that only the cycling would make.
                t["text"] = f"{t['text']} [{cycle}]"
            pos = round(rnd.random(), 3)
            neg = round((1 - pos) * rnd.random(), 3)
            country = countries[hash(t["user_name"]) % len(countries)]
            t.update({
                "sentiment_positive": pos, "sentiment_negative": neg,
                "sentiment_neutral": round(1 - pos - neg, 3),
                "sentiment_compound": round(pos - neg, 4),
                "sentiment_label": "positive" if pos > 0.6 else "negative" if neg > 0.3 else "neutral",
                "enricher": "vader", "country": country, "region": "",
                "location_confidence": 0.9 if country else 0.0, "source_topic": "tweets.raw",
                "source_partition": i % 4, "source_offset": i // 4,
                "ingest_time": 1595635200000 + i})
            if rnd.random() < scored:
                # The model's own answer, independent of VADER's (another scorer), 3 classes.
                a, b = rnd.random(), rnd.random()
                p = {"negative": round(min(a, b), 6), "neutral": round(abs(a - b), 6),
                     "positive": round(1 - max(a, b), 6)}
                label = max(p, key=p.get)
                t.update({"model": "tweet-sentiment/3", "model_label": label,
                          "model_confidence": p[label],
                          "model_probabilities": json.dumps(p, separators=(",", ":"))})
            else:
                t.update({"model": None, "model_label": None, "model_confidence": None,
                          "model_probabilities": None})
            out.write(json.dumps(t, ensure_ascii=False) + "\n")
    return len(tweets)


def best(fn, repeats, cpu=False):
    """The best wall time of `repeats` calls; with cpu=True, also the best process CPU time."""
    times = []
    cpu_times = []
    for _ in range(repeats):
        c0 = time.process_time()
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
        cpu_times.append(time.process_time() - c0)
    return (min(times), min(cpu_times)) if cpu else min(times)


def run(cmd):
    return json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bench", required=True, help="path to the bench_lake binary")
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--codecs", default="zstd,snappy")
    ap.add_argument("--scored", type=float, default=0.9,
                    help="share of rows with the model columns (the rest null)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        rows_file = Path(tmp) / "rows.jsonl"
        distinct = prepare(rows_file, args.rows, args.scored)
        print(f"rows: {args.rows} ({distinct} distinct real tweets cycled), "
              f"repeats: {args.repeats} (best of), pyarrow {pq.__name__ and __import__('pyarrow').__version__}")
        header = f"{'codec':8}{'what':28}{'ours':>14}{'pyarrow':>14}{'ratio':>9}"
        print(header)
        print("-" * len(header))
        for codec in args.codecs.split(","):
            ours_file = Path(tmp) / f"ours.{codec}.parquet"
            theirs_file = Path(tmp) / f"pyarrow.{codec}.parquet"
            w = run([args.bench, "write", str(rows_file), str(ours_file), codec, str(args.repeats)])
            w2 = run([args.bench, "write", str(rows_file), str(ours_file), codec, str(args.repeats),
                      "2"])
            table = pq.read_table(ours_file)
            assert table.num_rows == args.rows
            scored = table.num_rows - table.column("model").null_count
            assert abs(scored - args.scored * args.rows) <= max(50, 0.02 * args.rows), scored
            level = {"zstd": 1}.get(codec)  # our WriterOptions.zstd_level default
            pa_write = best(lambda: pq.write_table(table, theirs_file, compression=codec,
                                                   compression_level=level),
                            args.repeats)
            mb = w["input_bytes"] / 1e6
            ours_size, theirs_size = ours_file.stat().st_size, theirs_file.stat().st_size
            r = run([args.bench, "read", str(ours_file), str(args.repeats)])
            pa_read = best(lambda: pq.read_table(ours_file), args.repeats)
            pa_read1 = best(lambda: pq.read_table(ours_file, use_threads=False), args.repeats)
            lines = [
                ("write rows/s", args.rows / w["seconds"], args.rows / pa_write, True),
                ("write MB/s (JSONL-size MB)", mb / w["seconds"], mb / pa_write, True),
                ("write rows/s (ours 2 threads)", args.rows / w2["seconds"], args.rows / pa_write,
                 True),
                ("file size MB", ours_size / 1e6, theirs_size / 1e6, False),
                ("read rows/s (threads on)", args.rows / r["seconds"], args.rows / pa_read, True),
                ("read rows/s (1 thread)", args.rows / r["seconds"], args.rows / pa_read1, True),
            ]
            for what, ours, theirs, higher_better in lines:
                ratio = ours / theirs if higher_better else theirs / ours
                print(f"{codec:8}{what:28}{ours:14.2f}{theirs:14.2f}{ratio:9.2f}x")
        print("ratio: ours/pyarrow for speeds, pyarrow/ours for size (>= 1.0 is as good or better)")


if __name__ == "__main__":
    main()
