"""Parity: every metric of src/model/metrics.h against scikit-learn (the project's .venv) on
the same predictions, to 1e-9: random binary, multiclass and regression sets, heavily tied
scores, probabilities of exactly 0 and 1, a class never predicted, a class absent from the
truth, one class only, a single row. Where scikit-learn returns NaN (ROC-AUC with one class
in the truth, R² on one row) the C++ side must say "undefined" with a reason instead.

Run through ctest (test `model_metrics_parity`), or:
  CF_METRICS_DRIVER=build/ci/src/model/tests/model_metrics_driver \
    .venv/bin/python -m pytest -q tests/integration/metrics_parity_test.py
"""
import json
import math
import os
import subprocess
import warnings

import numpy as np
import pytest
from sklearn import metrics as skm

TOL = 1e-9


def driver():
    path = os.environ.get("CF_METRICS_DRIVER")
    if not path or not os.access(path, os.X_OK):
        pytest.fail("CF_METRICS_DRIVER must point at the built model_metrics_driver")
    return path


def run(cases):
    out = subprocess.run([driver()], input=json.dumps(cases), capture_output=True, text=True,
                         check=True)
    return json.loads(out.stdout)


def classification_case(truth, proba, predicted=None):
    proba = np.asarray(proba, dtype=float)
    if predicted is None:
        predicted = proba.argmax(axis=1)
    return {"task": "classification", "num_classes": int(proba.shape[1]),
            "truth": [int(t) for t in truth], "predicted": [int(p) for p in predicted],
            "probabilities": proba.tolist()}


def dirichlet(rng, n, k, decimals=None):
    p = rng.dirichlet(np.ones(k), size=n)
    if decimals is not None:  # ties: few distinct scores; keep rows summing to one
        p = np.round(p, decimals)
        p[:, -1] = 1.0 - p[:, :-1].sum(axis=1)
        p = np.clip(p, 0.0, 1.0)
        p = p / p.sum(axis=1, keepdims=True)
    return p


def make_cases():
    rng = np.random.default_rng(20261207)
    cases = []
    for n, k in [(1000, 2), (400, 3), (250, 5)]:
        truth = rng.integers(0, k, n)
        cases.append(classification_case(truth, dirichlet(rng, n, k)))
    # informative scores: the true class gets a boost, so AUC is far from 0.5
    truth = rng.integers(0, 3, 600)
    p = dirichlet(rng, 600, 3)
    p[np.arange(600), truth] += 1.0
    cases.append(classification_case(truth, p / p.sum(axis=1, keepdims=True)))
    # heavily tied scores (one decimal)
    truth = rng.integers(0, 2, 800)
    cases.append(classification_case(truth, dirichlet(rng, 800, 2, decimals=1)))
    truth = rng.integers(0, 3, 500)
    cases.append(classification_case(truth, dirichlet(rng, 500, 3, decimals=1)))
    # predictions not the argmax of the probabilities (a thresholded model)
    truth = rng.integers(0, 3, 300)
    cases.append(classification_case(truth, dirichlet(rng, 300, 3), rng.integers(0, 3, 300)))
    # probabilities of exactly 0 and 1 (log-loss clipping), some confidently wrong
    truth = rng.integers(0, 2, 50)
    hard = rng.integers(0, 2, 50)
    cases.append(classification_case(truth, np.stack([1 - hard, hard], axis=1)))
    # class 2 never predicted
    truth = rng.integers(0, 3, 200)
    p = dirichlet(rng, 200, 3)
    p[:, 2] = 0.0
    p = p / p.sum(axis=1, keepdims=True)
    cases.append(classification_case(truth, p))
    # class 3 absent from the truth (predicted sometimes): its recall is 0, OvR AUC undefined
    truth = rng.integers(0, 3, 300)
    cases.append(classification_case(truth, dirichlet(rng, 300, 4)))
    # one class only in the truth (binary): AUC undefined
    cases.append(classification_case(np.zeros(40, dtype=int), dirichlet(rng, 40, 2)))
    # perfect predictions, and a single row
    truth = rng.integers(0, 2, 30)
    cases.append(classification_case(truth, np.eye(2)[truth] * 0.9 + 0.05))
    cases.append(classification_case([1], [[0.3, 0.7]]))
    # regression
    y = rng.normal(10, 3, 500)
    cases.append({"task": "regression", "truth": y.tolist(),
                  "predicted": (y + rng.normal(0, 1, 500)).tolist()})
    cases.append({"task": "regression", "truth": [2.0] * 5, "predicted": [2.0] * 5})
    cases.append({"task": "regression", "truth": [2.0] * 5, "predicted": [1, 2, 3, 2, 2]})
    cases.append({"task": "regression", "truth": [1.5], "predicted": [2.5]})
    return cases


def ovr_macro_auc(truth, proba):
    """One-vs-rest macro AUC as sklearn defines it, class by class (NaN if any is undefined).
    When every class is in the truth this is also checked against roc_auc_score(ovr)."""
    k = proba.shape[1]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if k == 2:
            return skm.roc_auc_score(truth, proba[:, 1]) if len(set(truth)) == 2 else math.nan
        per_class = []
        for c in range(k):
            binary = (truth == c).astype(int)
            per_class.append(skm.roc_auc_score(binary, proba[:, c])
                             if 0 < binary.sum() < len(binary) else math.nan)
        value = float(np.mean(per_class))
        if len(set(truth)) == k:
            direct = skm.roc_auc_score(truth, proba, multi_class="ovr", average="macro",
                                       labels=list(range(k)))
            assert abs(direct - value) <= TOL
        return value


def expected_classification(case):
    k = case["num_classes"]
    truth = np.array(case["truth"])
    pred = np.array(case["predicted"])
    proba = np.array(case["probabilities"])
    labels = list(range(k))
    p, r, f, s = skm.precision_recall_fscore_support(truth, pred, labels=labels,
                                                     zero_division=0)

    def avg(fn, average):
        return fn(truth, pred, labels=labels, average=average, zero_division=0)

    return {
        "accuracy": skm.accuracy_score(truth, pred),
        "macro_precision": avg(skm.precision_score, "macro"),
        "macro_recall": avg(skm.recall_score, "macro"),
        "macro_f1": avg(skm.f1_score, "macro"),
        "weighted_f1": avg(skm.f1_score, "weighted"),
        "per_class": [{"precision": p[i], "recall": r[i], "f1": f[i], "support": int(s[i])}
                      for i in range(k)],
        "confusion": skm.confusion_matrix(truth, pred, labels=labels).tolist(),
        "roc_auc": ovr_macro_auc(truth, proba),
        "log_loss": skm.log_loss(truth, proba, labels=labels),
    }


def expected_regression(case):
    truth = np.array(case["truth"])
    pred = np.array(case["predicted"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r2 = skm.r2_score(truth, pred)
    return {"mae": skm.mean_absolute_error(truth, pred),
            "rmse": skm.root_mean_squared_error(truth, pred), "r2": r2}


def check_value(where, got, want):
    if isinstance(want, float) and math.isnan(want):
        assert isinstance(got, dict) and "undefined" in got, f"{where}: want undefined, got {got}"
        assert got["undefined"], where
        return
    assert not isinstance(got, dict), f"{where}: got {got}, scikit-learn says {want}"
    assert abs(got - float(want)) <= TOL * max(1.0, abs(float(want))), \
        f"{where}: C++ {got!r} vs scikit-learn {want!r}"


CASES = make_cases()


@pytest.fixture(scope="module")
def results():
    return run(CASES)


@pytest.mark.parametrize("index", range(len(CASES)))
def test_every_metric_matches_scikit_learn(results, index):
    case, got = CASES[index], results[index]
    assert "error" not in got, got
    if case["task"] == "regression":
        for name, want in expected_regression(case).items():
            check_value(f"case {index} {name}", got[name], want)
            check_value(f"case {index} {name} (single)", got["single"][name], want)
        return
    want = expected_classification(case)
    assert got["confusion"] == want["confusion"]
    for name in ("accuracy", "macro_precision", "macro_recall", "macro_f1", "weighted_f1",
                 "roc_auc", "log_loss"):
        check_value(f"case {index} {name}", got[name], want[name])
        check_value(f"case {index} {name} (single)", got["single"][name], want[name])
    for c, (g, w) in enumerate(zip(got["per_class"], want["per_class"])):
        assert g["support"] == w["support"]
        for key in ("precision", "recall", "f1"):
            check_value(f"case {index} class {c} {key}", g[key], w[key])


def test_the_edge_cases_are_really_edges(results):
    """Guards the case list itself: the undefined paths and clipping are exercised."""
    undefined = [r for r in results if isinstance(r.get("roc_auc"), dict)]
    assert len(undefined) >= 3  # no probabilities? no: class absent, one class, single row
    assert any(isinstance(r.get("r2"), dict) for r in results)


def test_bad_input_is_rejected_with_the_row():
    bad = [{"task": "classification", "num_classes": 2, "truth": [0, 2], "predicted": [0, 1],
            "probabilities": []},
           {"task": "classification", "num_classes": 2, "truth": [0, 1], "predicted": [0, 1],
            "probabilities": [[0.5, 0.5], [1.5, -0.5]]}]
    for got in run(bad):
        assert "row 1" in got["error"]


MCNEMAR = [(0, 0), (0, 1), (1, 0), (5, 5), (3, 12), (12, 3), (0, 10), (40, 61), (200, 150),
           (1234, 1301), (20000, 20500), (7, 0)]


def test_mcnemar_matches_scipy():
    """Exact: two-sided binomial test of min(b, c) in Bin(b + c, 1/2) (scipy.stats.binomtest
    and 2·cdf capped at 1 agree for p = 1/2); asymptotic: continuity-corrected χ² with one
    degree of freedom, the correction clipped at 0."""
    from scipy import stats
    got = run([{"task": "mcnemar", "only_a_correct": b, "only_b_correct": c}
               for b, c in MCNEMAR])
    for (b, c), g in zip(MCNEMAR, got):
        n = b + c
        if n == 0:
            assert g == {"exact_p": 1.0, "chi_square": 0.0, "chi_square_p": 1.0}
            continue
        exact = stats.binomtest(min(b, c), n, 0.5, alternative="two-sided").pvalue
        assert abs(exact - min(1.0, 2 * stats.binom.cdf(min(b, c), n, 0.5))) <= 1e-12
        chi = max(abs(b - c) - 1, 0) ** 2 / n
        for key, want in (("exact_p", exact), ("chi_square", chi),
                          ("chi_square_p", stats.chi2.sf(chi, 1))):
            assert abs(g[key] - want) <= TOL * max(abs(want), 1e-300) or abs(g[key] - want) <= 1e-15, \
                f"McNemar b={b} c={c} {key}: C++ {g[key]!r} vs scipy {want!r}"


class SplitMix64:
    """model/significance.cc's generator: splitmix64, and uniform draws below n by rejection."""
    MASK = (1 << 64) - 1

    def __init__(self, seed):
        self.state = seed & self.MASK

    def next(self):
        self.state = (self.state + 0x9E3779B97F4A7C15) & self.MASK
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & self.MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & self.MASK
        return z ^ (z >> 31)

    def below(self, n):
        threshold = ((1 << 64) - n) % n
        while True:
            r = self.next()
            if r >= threshold:
                return r % n


REGRESSION_METRICS = {"mae": (skm.mean_absolute_error, False),
                      "rmse": (skm.root_mean_squared_error, False),
                      "r2": (skm.r2_score, True)}


@pytest.mark.parametrize("metric", sorted(REGRESSION_METRICS))
def test_regression_bootstrap_interval_matches_scikit_learn_and_numpy(metric):
    """The paired bootstrap `evaluate` reports for two regressors: the same resamples drawn
    here with the same generator, each scored by scikit-learn, the interval by numpy's linear
    percentile; every figure to 1e-9."""
    rng = np.random.default_rng(7)
    n, resamples, seed = 150, 200, 11
    truth = rng.normal(3, 1, n)
    a = truth + rng.normal(0, 0.8, n)
    b = truth + rng.normal(0.1, 0.6, n)
    got = run([{"task": "bootstrap", "metric": metric, "truth": truth.tolist(), "a": a.tolist(),
                "b": b.tolist(), "resamples": resamples, "seed": seed}])[0]
    assert "error" not in got, got
    score, higher_is_better = REGRESSION_METRICS[metric]
    gen = SplitMix64(seed)
    deltas = []
    for _ in range(resamples):
        idx = np.array([gen.below(n) for _ in range(n)])
        deltas.append(score(truth[idx], b[idx]) - score(truth[idx], a[idx]))
    deltas = np.array(deltas)
    better = (deltas > 0) if higher_is_better else (deltas < 0)
    want = {"a": score(truth, a), "b": score(truth, b),
            "delta": score(truth, b) - score(truth, a),
            "low": np.percentile(deltas, 2.5), "high": np.percentile(deltas, 97.5),
            "b_better_share": better.mean()}
    assert got["resamples"] == resamples
    for key, value in want.items():
        check_value(f"{metric} bootstrap {key}", got[key], float(value))
