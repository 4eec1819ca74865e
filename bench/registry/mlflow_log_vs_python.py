#!/usr/bin/env python3
"""Logging 10,000 metric points to a real MLflow server: covidflow's MLflow backend against
MLflow's own Python client doing the same, same server, same run of this script.

Both sides log --metrics points (100 keys x 100 steps, explicit timestamps) into a fresh run
with one call each:
- covidflow: Registry::LogRunData (bench_registry_mlflow_log), which splits into log-batch
  calls of at most 1,000 entries, timed inside the binary (the call alone);
- MLflow: MlflowClient.log_batch(run_id, metrics=[Metric...]), which splits the same way,
  timed in this process (the call alone; building the Metric objects is untimed).
The server is started by scripts/mlflow/start.sh in a temporary directory (or --url). The two
sides alternate for --rounds rounds; each side's best and median are printed, and the ratio
of medians = MLflow's time / covidflow's time (> 1: covidflow is faster). Most of either side's
time is the server's (parsing, SQLite inserts): the ratio shows the client overhead on top.

  .venv/bin/python bench/registry/mlflow_log_vs_python.py \
      --bench build/ci/bench/registry/bench_registry_mlflow_log
"""
import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from mlflow import MlflowClient
from mlflow.entities import Metric

ROOT = Path(__file__).resolve().parents[2]


def covidflow_round(bench, url, experiment, n):
    out = subprocess.run([bench, url, experiment, str(n), "1"], check=True,
                         capture_output=True, text=True).stdout.split()
    return float(out[1]), out[3]


def mlflow_round(client, experiment_id, n, r):
    run = client.create_run(experiment_id, run_name=f"mlflow-{r}")
    t0 = 1_700_000_000_000
    metrics = [Metric(f"m{i // 100}", i * 0.001, t0 + i, i % 100) for i in range(n)]
    start = time.perf_counter()
    client.log_batch(run.info.run_id, metrics=metrics)
    return time.perf_counter() - start, run.info.run_id


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bench", required=True)
    ap.add_argument("--url", help="a running server; default: start one")
    ap.add_argument("--metrics", type=int, default=10_000)
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()

    tmp = tempfile.TemporaryDirectory(prefix="cf-mlflow-bench-")
    url = args.url
    if url is None:
        url = subprocess.run([str(ROOT / "scripts/mlflow/start.sh"), tmp.name + "/server"],
                             check=True, capture_output=True, text=True).stdout.strip()
    try:
        client = MlflowClient(url)
        experiment = f"bench-log-{time.time_ns()}"
        experiment_id = client.create_experiment(experiment)
        ours, theirs = [], []
        for r in range(args.rounds):
            secs, run_id = covidflow_round(args.bench, url, experiment, args.metrics)
            assert len(client.get_metric_history(run_id, "m0")) == 100
            ours.append(secs)
            secs, run_id = mlflow_round(client, experiment_id, args.metrics, r)
            assert len(client.get_metric_history(run_id, "m0")) == 100
            theirs.append(secs)
        print(f"{args.metrics} metric points, {args.rounds} rounds, server {url}")
        print(f"{'':12} {'best s':>8} {'median s':>9} {'points/s (median)':>18}")
        for name, xs in (("covidflow", ours), ("mlflow py", theirs)):
            med = statistics.median(xs)
            print(f"{name:12} {min(xs):8.3f} {med:9.3f} {args.metrics / med:18.0f}")
        print(f"ratio (MLflow client time / covidflow time, medians): "
              f"{statistics.median(theirs) / statistics.median(ours):.2f}")
    finally:
        if args.url is None:
            subprocess.run([str(ROOT / "scripts/mlflow/stop.sh"), tmp.name + "/server"],
                           check=False)
        tmp.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
