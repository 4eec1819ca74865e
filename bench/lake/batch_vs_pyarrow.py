#!/usr/bin/env python3
"""Our lake BatchReader against pyarrow reading the same columns of the same files, one thread.

The lake: the rows of lake_vs_pyarrow.py (real tweets cycled, unique texts), written by our
writer (bench_lake write, zstd level 1, the default) as two files in two date partitions of a
lake directory. Each projection is read by
- ours: bench_lake scan LAKE_DIR (BatchReader over the lake: listing, the replaces rule,
  footers, page CRC checks, decompression, decoding into column batches of --batch-rows rows;
  strings copied into one buffer per batch column), timed inside the binary;
- pyarrow: pq.read_table(file, columns=..., use_threads=False) for each file, then
  pa.concat_tables (zero-copy), timed in this process (pyarrow decodes into Arrow arrays; it
  does not check page CRCs by default).
Both are the best of --repeats; the two sides alternate within each of --rounds rounds (the
machine is shared: compare within a round, report the range). Ratio = pyarrow time / our time
(>= 1.0: we are at least as fast). Two ratios: of wall time, and of the process's CPU time
(both sides read with one thread, so CPU time is the work done; on a machine shared with other
jobs it moves far less than wall time, which includes the time spent waiting for a core).

  .venv/bin/python bench/lake/batch_vs_pyarrow.py --bench build/ci/bench/lake/bench_lake
"""
import argparse
import sys
import tempfile
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

sys.path.insert(0, str(Path(__file__).resolve().parent))
from lake_vs_pyarrow import best, prepare, run  # noqa: E402  the writer benchmark's rows

PROJECTIONS = {
    "all": [],
    "numeric": ["user_followers", "user_friends", "user_favourites", "user_verified",
                "event_time", "sentiment_compound", "source_offset"],
    "text": ["text"],
    "training": ["text", "hashtags", "user_followers", "user_verified", "event_time",
                 "sentiment_label", "country"],
    "model": ["model", "model_label", "model_confidence", "model_probabilities"],
}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bench", required=True, help="path to the bench_lake binary")
    ap.add_argument("--rows", type=int, default=200_000)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--batch-rows", type=int, default=65536)
    ap.add_argument("--projections", default=",".join(PROJECTIONS))
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        rows_file = Path(tmp) / "rows.jsonl"
        prepare(rows_file, args.rows)
        lines = rows_file.read_text(encoding="utf-8").splitlines(keepends=True)
        half = len(lines) // 2
        lake = Path(tmp) / "lake"
        files = []
        for i, (date, part) in enumerate([("2020-07-25", lines[:half]), ("2020-07-26", lines[half:])]):
            part_rows = Path(tmp) / f"rows{i}.jsonl"
            part_rows.write_text("".join(part), encoding="utf-8")
            out = lake / "tweets" / f"date={date}" / f"part-bench-{i}.parquet"
            out.parent.mkdir(parents=True)
            run([args.bench, "write", str(part_rows), str(out), "zstd", "1"])
            files.append(str(out))
        print(f"rows: {args.rows} in {len(files)} files, zstd; batch rows {args.batch_rows}; "
              f"best of {args.repeats}, {args.rounds} rounds; pyarrow {pa.__version__}, use_threads=False")
        header = (f"{'projection':12}{'round':>6}{'ours rows/s':>14}{'pyarrow rows/s':>16}{'ratio':>8}"
                  f"{'cpu ratio':>11}")
        print(header)
        print("-" * len(header))
        summary = {}
        for name in args.projections.split(","):
            cols = PROJECTIONS[name]
            pa_cols = cols or None

            def pyarrow_read():
                t = pa.concat_tables([pq.read_table(f, columns=pa_cols, use_threads=False)
                                      for f in files])
                assert t.num_rows == args.rows

            ratios = []
            cpu_ratios = []
            for r in range(args.rounds):
                cmd = [args.bench, "scan", str(lake), str(args.repeats), str(args.batch_rows)]
                if cols:
                    cmd.append(",".join(cols))
                if r % 2 == 0:
                    ours = run(cmd)
                    theirs, theirs_cpu = best(pyarrow_read, args.repeats, cpu=True)
                else:
                    theirs, theirs_cpu = best(pyarrow_read, args.repeats, cpu=True)
                    ours = run(cmd)
                assert ours["rows"] == args.rows, ours
                ratio = theirs / ours["seconds"]
                cpu_ratio = theirs_cpu / ours["cpu_seconds"]
                ratios.append(ratio)
                cpu_ratios.append(cpu_ratio)
                print(f"{name:12}{r + 1:>6}{args.rows / ours['seconds']:14.0f}"
                      f"{args.rows / theirs:16.0f}{ratio:7.2f}x{cpu_ratio:10.2f}x")
            summary[name] = (min(ratios), max(ratios), min(cpu_ratios), max(cpu_ratios))
        print("ratio = pyarrow time / our time (>= 1.0: ours at least as fast); cpu ratio = the same"
              " with each side's process CPU time")
        for name, (lo, hi, cpu_lo, cpu_hi) in summary.items():
            print(f"  {name:12} wall {lo:.2f}x .. {hi:.2f}x   cpu {cpu_lo:.2f}x .. {cpu_hi:.2f}x")


if __name__ == "__main__":
    main()
