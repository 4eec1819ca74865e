"""Parity: `covidflow monitor drift` against Evidently 0.7 (pinned in requirements-dev.txt),
DataDriftPreset with its defaults, on the same reference and current CSV files.

Two datasets, each one Evidently report: one where many columns drift (the dataset drifts),
one where none does. Their columns cover every branch of Evidently's method choice: numeric
above and below 1,000 reference rows (Wasserstein, Kolmogorov–Smirnov with equal and unequal
sizes), numeric with few distinct values (chi-square, Z-test, Jensen–Shannon), constant
columns, categories with new values in the current data (chi-square p = 0), two-valued
categories (Z-test), integer columns read as categories, booleans, and missing values.
Columns have different lengths inside one file by leaving cells empty: both sides drop
missing values before choosing a method.

For every column: the same method, the same verdict, and the same score to 1e-6 relative
(the Kolmogorov–Smirnov p-value when one sample has more than 10,000 values is the one
exception: scipy switches to the exact Kolmogorov distribution of the effective size there,
covidflow to its asymptotic form with Stephens' correction; docs/monitoring.md). For each
dataset: the same number of drifted columns and the same dataset verdict.

Run through ctest (test `monitor_evidently_parity`), or:
  CF_COVIDFLOW_BIN=build/ci/src/cli/covidflow .venv/bin/python -m pytest -q \
      tests/integration/evidently_parity_test.py
"""
import json
import math
import os
import subprocess
import warnings

import numpy as np
import pandas as pd
import pytest

warnings.filterwarnings("ignore")

from evidently import Dataset, Report  # noqa: E402
from evidently.presets import DataDriftPreset  # noqa: E402

BIN = os.environ.get("CF_COVIDFLOW_BIN", "build/ci/src/cli/covidflow")

# Evidently's display name of each method → covidflow's (Evidently's registry name).
METHODS = {
    "K-S p_value": "ks",
    "Wasserstein distance (normed)": "wasserstein",
    "chi-square p_value": "chisquare",
    "Z-test p_value": "z",
    "Jensen-Shannon distance": "jensenshannon",
}


def padded(values, rows):
    """A column of `rows` cells: the values, then missing cells."""
    out = np.full(rows, np.nan, dtype=object)
    out[: len(values)] = values
    return out


def numbers(values, rows):
    return padded(np.asarray(values, dtype=float), rows).astype(float)


def make_data(drift, rng):
    """The reference and current frames; `drift` shifts what may shift."""
    n_ref, n_cur = 3000, 2500
    s = 1.0 if drift else 0.0
    ref, cur = {}, {}

    def add(name, r, c, to_float=True):
        ref[name] = numbers(r, n_ref) if to_float else padded(r, n_ref)
        cur[name] = numbers(c, n_cur) if to_float else padded(c, n_cur)

    add("num_large", rng.normal(0, 1, n_ref), rng.normal(0.4 * s, 1, n_cur))
    add("num_large_scale", rng.exponential(2, n_ref), rng.exponential(2 + 0.5 * s, n_cur))
    add("num_small", rng.normal(10, 3, 600), rng.normal(10 + 2 * s, 3, 450))
    add("num_small_equal", rng.normal(0, 1, 300), rng.normal(0.5 * s, 1, 300))
    add("num_small_close", rng.normal(0, 1, 800), rng.normal(0.05, 1, 700))
    add("num_few_small", rng.choice([0.0, 1.0, 2.0], 200), rng.choice([0.0, 1.0, 2.0], 180,
                                                                        p=[0.2 + 0.3 * s / 2, 0.4, 0.4 - 0.3 * s / 2]))
    add("num_two_small", rng.choice([5.0, 7.0], 150), rng.choice([5.0, 7.0], 170, p=[0.5 + 0.3 * s, 0.5 - 0.3 * s]))
    add("num_few_large", rng.choice([1.0, 2.0, 3.0, 4.0], n_ref),
        rng.choice([1.0, 2.0, 3.0, 4.0], n_cur, p=[0.25 + 0.2 * s, 0.25, 0.25, 0.25 - 0.2 * s]))
    add("num_const_large", np.full(n_ref, 3.5), np.full(n_cur, 3.5))
    add("num_const_small", np.full(90, -1.0), np.full(80, -1.0))
    with_gaps_r = rng.normal(5, 1, n_ref)
    with_gaps_r[::7] = np.nan
    with_gaps_c = rng.normal(5 + 0.3 * s, 1, n_cur)
    with_gaps_c[::5] = np.nan
    add("num_with_gaps", with_gaps_r, with_gaps_c)

    cats = ["alpha", "beta", "gamma"]
    new_cats = cats + (["delta"] if drift else [])
    add("cat_small", rng.choice(cats, 400), rng.choice(new_cats, 300), to_float=False)
    add("cat_two_small", rng.choice(["yes", "no"], 250),
        rng.choice(["yes", "no"], 260, p=[0.5 + 0.25 * s, 0.5 - 0.25 * s]), to_float=False)
    add("cat_large", rng.choice(cats, n_ref), rng.choice(new_cats, n_cur), to_float=False)
    add("cat_one_value", np.array(["same"] * 500), np.array(["same"] * 400), to_float=False)

    # Full-length columns (missing cells would change their type): integers with few values
    # are categories, with many values numbers; booleans are categories.
    ref["int_cat"] = rng.integers(0, 5, n_ref)
    cur["int_cat"] = rng.integers(0, 5 if not drift else 3, n_cur)
    ref["int_num"] = rng.integers(0, 1000, n_ref)
    cur["int_num"] = rng.integers(0, 1000, n_cur) + (150 if drift else 0)
    ref["flag"] = rng.random(n_ref) < 0.5
    cur["flag"] = rng.random(n_cur) < (0.8 if drift else 0.5)
    return pd.DataFrame(ref), pd.DataFrame(cur)


def evidently_drift(ref_path, cur_path):
    ref = pd.read_csv(ref_path, float_precision="round_trip")
    cur = pd.read_csv(cur_path, float_precision="round_trip")
    snap = Report([DataDriftPreset()], include_tests=True).run(
        Dataset.from_pandas(cur), Dataset.from_pandas(ref))
    d = snap.dict()
    columns = {}
    for m in d["metrics"]:
        cfg = m["config"]
        if cfg["type"].endswith("ValueDrift"):
            columns[cfg["column"]] = {"method": METHODS[cfg["method"]], "score": m["value"],
                                      "threshold": cfg["threshold"]}
        elif cfg["type"].endswith("DriftedColumnsCount"):
            count = int(m["value"]["count"])
    for t in d["tests"]:
        if t["id"] == "drift":
            columns[t["metric_config"]["params"]["column"]]["drifted"] = t["status"] == "FAIL"
        elif t["id"] == "lt":
            dataset_drift = t["status"] == "FAIL"
    return columns, count, dataset_drift


def covidflow_drift(ref_path, cur_path):
    proc = subprocess.run([*BIN.split(), "monitor", "drift", "--reference", str(ref_path),
                           "--current", str(cur_path), "--json"],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode in (0, 3), proc.stderr
    out = json.loads(proc.stdout)
    assert (proc.returncode == 3) == out["dataset_drift"], "exit code 3 means dataset drift"
    return out


def close(a, b, rel):
    if a == b:
        return True
    return math.isfinite(a) and math.isfinite(b) and abs(a - b) <= rel * max(abs(a), abs(b))


@pytest.mark.parametrize("drift", [True, False], ids=["drifting", "steady"])
def test_same_verdicts_and_statistics_as_evidently(tmp_path, drift):
    ref, cur = make_data(drift, np.random.default_rng(20260 + int(drift)))
    ref_path, cur_path = tmp_path / "reference.csv", tmp_path / "current.csv"
    ref.to_csv(ref_path, index=False)
    cur.to_csv(cur_path, index=False)

    ev_columns, ev_count, ev_dataset = evidently_drift(ref_path, cur_path)
    ours = covidflow_drift(ref_path, cur_path)
    cf_columns = {c["column"]: c for c in ours["columns"]}

    assert sorted(cf_columns) == sorted(ev_columns)
    problems = []
    for name, ev in sorted(ev_columns.items()):
        cf = cf_columns[name]
        if cf["method"] != ev["method"]:
            problems.append(f"{name}: method {cf['method']} vs Evidently {ev['method']}")
            continue
        if cf["drifted"] != ev["drifted"]:
            problems.append(f"{name}: drifted {cf['drifted']} vs Evidently {ev['drifted']}")
        if not close(cf["threshold"], ev["threshold"], 1e-12):
            problems.append(f"{name}: threshold {cf['threshold']} vs {ev['threshold']}")
        if not close(cf["score"], ev["score"], 1e-6):
            problems.append(f"{name} ({cf['method']}): score {cf['score']!r} vs Evidently {ev['score']!r}")
    assert not problems, "\n".join(problems)
    assert ours["drifted_columns"] == ev_count
    assert ours["dataset_drift"] == ev_dataset
    # The data are built so that both verdicts are exercised.
    assert ours["dataset_drift"] == drift
    methods = {c["method"] for c in ours["columns"]}
    assert methods == {"ks", "wasserstein", "chisquare", "z", "jensenshannon"}
    if drift:
        # A category new to the reference: chi-square's p-value is exactly 0 on both sides.
        assert cf_columns["cat_small"]["score"] == 0.0 == ev_columns["cat_small"]["score"]


def test_psi_matches_its_definition(tmp_path):
    """PSI is not one of Evidently's defaults: check it against its definition in numpy
    (10 bins cut at the reference's deciles, empty bins filled as Evidently fills them)."""
    rng = np.random.default_rng(7)
    r = rng.normal(0, 1, 5000)
    c = rng.normal(0.3, 1.2, 4000)
    pd.DataFrame({"x": r}).to_csv(tmp_path / "r.csv", index=False)
    pd.DataFrame({"x": c}).to_csv(tmp_path / "c.csv", index=False)
    ours = covidflow_drift(tmp_path / "r.csv", tmp_path / "c.csv")["columns"][0]

    edges = np.unique(np.quantile(r, np.arange(1, 10) / 10))
    def shares(v):
        idx = np.searchsorted(edges, v, side="left")  # (e[k-1], e[k]] → k
        return np.bincount(idx, minlength=len(edges) + 1) / len(v)
    pr, pc = shares(r), shares(c)
    for p in (pr, pc):
        nz = p[p != 0]
        if len(nz) != len(p):
            p[p == 0] = nz.min() / 1e6 if nz.min() <= 1e-4 else 1e-4
    psi = float(np.sum((pr - pc) * np.log(pr / pc)))
    assert close(ours["psi"], psi, 1e-9), (ours["psi"], psi)
    assert ours["psi_level"] == ("significant" if psi >= 0.25 else "moderate" if psi >= 0.1 else "none")
