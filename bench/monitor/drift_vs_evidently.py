"""Drift on 1M rows x 15 columns (10 numeric, 5 categorical): covidflow against Evidently 0.7's
DataDriftPreset, on the same data, in the same run, with the verdicts compared.

Both sides get a reference and a current sample of ROWS rows each (default 1,000,000), half the
columns shifted. Evidently is timed from pandas frames already in memory to its finished
Report (Dataset.from_pandas + Report.run). covidflow is timed two ways: the comparison alone,
with the samples already in memory (the `seconds.compare` figure of `monitor drift --json`,
the like-for-like figure), and the whole command, reading both CSV files (wall time).

Usage: .venv/bin/python bench/monitor/drift_vs_evidently.py [ROWS] [covidflow binary]
Build first: scripts/build.sh release (or ci).
"""
import json
import os
import subprocess
import sys
import tempfile
import time
import warnings

import numpy as np
import pandas as pd

warnings.filterwarnings("ignore")
from evidently import Dataset, Report  # noqa: E402
from evidently.presets import DataDriftPreset  # noqa: E402

ROWS = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
BIN = sys.argv[2] if len(sys.argv) > 2 else "build/release/src/cli/covidflow"
if not os.path.exists(BIN):
    sys.exit(f"no {BIN}: build first (scripts/build.sh release), or pass the binary")


def frames(rows, rng):
    ref, cur = {}, {}
    for k in range(10):
        shift = 0.3 if k % 2 == 0 else 0.0
        if k < 4:
            ref[f"num_{k}"] = rng.normal(0, 1, rows)
            cur[f"num_{k}"] = rng.normal(shift, 1, rows)
        elif k < 7:
            ref[f"num_{k}"] = rng.exponential(2, rows)
            cur[f"num_{k}"] = rng.exponential(2 + shift, rows)
        else:
            ref[f"num_{k}"] = rng.uniform(0, 10, rows)
            cur[f"num_{k}"] = rng.uniform(shift * 3, 10, rows)
    for k in range(5):
        cats = [f"c{j}" for j in range(3 + k)]
        p = np.full(len(cats), 1 / len(cats))
        ref[f"cat_{k}"] = rng.choice(cats, rows, p=p)
        if k % 2 == 0:
            q = p.copy()
            q[0] += 0.2
            q[-1] -= 0.2
            q = np.clip(q, 0, None)
            q /= q.sum()
            cur[f"cat_{k}"] = rng.choice(cats, rows, p=q)
        else:
            cur[f"cat_{k}"] = rng.choice(cats, rows, p=p)
    return pd.DataFrame(ref), pd.DataFrame(cur)


def main():
    rng = np.random.default_rng(2026)
    ref, cur = frames(ROWS, rng)
    with tempfile.TemporaryDirectory(prefix="cf-drift-bench-") as tmp:
        ref_path, cur_path = os.path.join(tmp, "reference.csv"), os.path.join(tmp, "current.csv")
        ref.to_csv(ref_path, index=False)
        cur.to_csv(cur_path, index=False)
        ref = pd.read_csv(ref_path, float_precision="round_trip")
        cur = pd.read_csv(cur_path, float_precision="round_trip")

        t0 = time.perf_counter()
        proc = subprocess.run([BIN, "monitor", "drift", "--reference", ref_path, "--current",
                               cur_path, "--json"], capture_output=True, text=True)
        cf_wall = time.perf_counter() - t0
        if proc.returncode not in (0, 3):
            sys.exit(proc.stderr)
        ours = json.loads(proc.stdout)

        t0 = time.perf_counter()
        snap = Report([DataDriftPreset()], include_tests=True).run(
            Dataset.from_pandas(cur), Dataset.from_pandas(ref))
        ev_seconds = time.perf_counter() - t0

    d = snap.dict()
    ev = {}
    for t in d["tests"]:
        if t["id"] == "drift":
            ev[t["metric_config"]["params"]["column"]] = t["status"] == "FAIL"
        elif t["id"] == "lt":
            ev_dataset = t["status"] == "FAIL"
    cf = {c["column"]: c["drifted"] for c in ours["columns"]}
    agree = cf == ev and ours["dataset_drift"] == ev_dataset
    compare = ours["seconds"]["compare"]
    print(f"drift, {ROWS:,} reference + {ROWS:,} current rows x 15 columns "
          f"(10 numeric, 5 categorical), {os.cpu_count()} cores")
    print(f"  Evidently 0.7 DataDriftPreset (frames in memory): {ev_seconds:8.2f} s")
    print(f"  covidflow, samples in memory (compare):           {compare:8.3f} s   "
          f"{ev_seconds / compare:7.0f}x faster")
    print(f"  covidflow, whole command incl. reading the CSVs:  {cf_wall:8.2f} s   "
          f"{ev_seconds / cf_wall:7.1f}x faster")
    print(f"  drifted columns: covidflow {sum(cf.values())}, Evidently {sum(ev.values())}; "
          f"dataset drift: covidflow {ours['dataset_drift']}, Evidently {ev_dataset}")
    print(f"  verdicts agree on every column and the dataset: {'yes' if agree else 'NO'}")
    if not agree:
        for name in sorted(ev):
            if cf.get(name) != ev[name]:
                print(f"    {name}: covidflow {cf.get(name)}, Evidently {ev[name]}")
        sys.exit(1)


if __name__ == "__main__":
    main()
