"""`covidflow monitor quality`: predictions written by the server's own writer
(serve::PredictionLog, through monitor_quality_driver) onto a file log, delayed labels in a CSV
file and on a topic (late, duplicate, unknown-id and malformed ones among them), and the
per-window figures checked against scikit-learn's accuracy_score, f1_score(average="macro")
and roc_auc_score on the rows the documented join rules keep (docs/monitoring.md)."""
import json
import os
import random
import signal
import socket
import subprocess
import time
import urllib.request

import pytest
from sklearn.metrics import accuracy_score, f1_score, roc_auc_score

from conftest import covidflow_bin, read_topic, run

HOUR = 3600 * 1000
T0 = 1765094400000  # a UTC hour
LATENESS = HOUR
MODELS = {  # (model, version) → classes, in the model's order
    ("tweet-sentiment", "3"): ["negative", "positive"],
    ("tweet-sentiment", "4"): ["negative", "positive"],
    ("topic", "1"): ["health", "politics", "sport"],
}


def driver():
    path = os.environ.get("CF_QUALITY_DRIVER", "")
    if not path or not os.access(path, os.X_OK):
        pytest.fail(f"CF_QUALITY_DRIVER must name monitor_quality_driver (got {path!r})")
    return path


def make_case(seed=7):
    rng = random.Random(seed)
    predictions, labels = [], []
    n = 0
    for window in range(3):
        for (model, version), classes in MODELS.items():
            if model == "tweet-sentiment" and version == "4" and window == 0:
                continue  # version 4 arrives in the second hour
            for _ in range(60):
                n += 1
                tweet = str(1250000000000000000 + n)
                w = [rng.random() + 0.05 for _ in classes]
                probs = [x / sum(w) for x in w]
                predicted = classes[max(range(len(classes)), key=lambda i: probs[i])]
                t = T0 + window * HOUR + rng.randrange(HOUR)
                predictions.append({
                    "v": 1, "request_id": f"r{n}", "row": 0, "tweet_id": tweet,
                    "input_digest": "0000abcd", "model": model, "version": version,
                    "role": "champion", "label": predicted,
                    "probabilities": dict(zip(classes, probs)),
                    "latency_seconds": 0.001, "time_ms": t})
                r = rng.random()
                if r < 0.1:
                    continue  # never labelled
                truth = predicted if rng.random() < 0.7 else rng.choice(classes)
                close = T0 + (window + 1) * HOUR + LATENESS
                arrival = close + rng.randrange(1, HOUR) if r < 0.2 else t + rng.randrange(HOUR)
                labels.append({"tweet_id": tweet, "label": truth, "time_ms": arrival})
                if rng.random() < 0.05:  # a second, different label: the first one wins
                    other = rng.choice([c for c in classes if c != truth])
                    labels.append({"tweet_id": tweet, "label": other, "time_ms": arrival + 1})
    for k in range(4):  # tweets nobody predicted
        labels.append({"tweet_id": str(9000 + k), "label": "positive", "time_ms": T0})
    return predictions, labels


def expected_windows(predictions, labels):
    first = {}
    for label in labels:
        first.setdefault(label["tweet_id"], label)
    groups = {}
    for p in predictions:
        start = p["time_ms"] // HOUR * HOUR
        g = groups.setdefault((start, p["model"], p["version"]),
                              {"truth": [], "pred": [], "probs": [], "late": 0, "n": 0})
        g["n"] += 1
        label = first.get(p["tweet_id"])
        if label is None:
            continue
        if label["time_ms"] >= start + HOUR + LATENESS:
            g["late"] += 1
            continue
        g["truth"].append(label["label"])
        g["pred"].append(p["label"])
        g["probs"].append(list(p["probabilities"].values()))
    out = {}
    for (start, model, version), g in groups.items():
        classes = MODELS[(model, version)]
        if len(classes) == 2:
            auc = roc_auc_score([classes.index(t) for t in g["truth"]], [p[1] for p in g["probs"]])
        else:
            auc = roc_auc_score(g["truth"], g["probs"], multi_class="ovr", labels=classes)
        out[(start, model, version)] = {
            "predictions": g["n"], "joined": len(g["truth"]), "late": g["late"],
            "accuracy": accuracy_score(g["truth"], g["pred"]),
            # The model's classes, as model/metrics.h scores them (a class absent from both
            # sides counts in the average).
            "macro_f1": f1_score(g["truth"], g["pred"], average="macro", labels=classes,
                                 zero_division=0),
            "roc_auc": auc}
    return out


@pytest.fixture
def case(home):
    predictions, labels = make_case()
    uri = f"file://{home}/log"
    os.makedirs(f"{home}/log")
    lines = "".join(json.dumps(p) + "\n" for p in predictions)
    subprocess.run([driver(), uri, "predictions"], input=lines, text=True, check=True,
                   capture_output=True)
    csv = f"{home}/labels.csv"
    with open(csv, "w") as f:
        f.write("tweet_id,label,time_ms\n")
        for label in labels:
            f.write(f"{label['tweet_id']},{label['label']},{label['time_ms']}\n")
        f.write("\n,positive,5\n12,negative,soon\n")  # two malformed rows
    return {"uri": uri, "csv": csv, "predictions": predictions, "labels": labels, "home": home}


def check_against_sklearn(out, case):
    expected = expected_windows(case["predictions"], case["labels"])
    got = {(w["window_start_ms"], w["model"], w["version"]): w for w in out["windows"]}
    assert set(got) == set(expected)
    for key, e in expected.items():
        w = got[key]
        assert w["window_end_ms"] == key[0] + HOUR
        assert (w["predictions"], w["joined"], w["late_labels"]) == (
            e["predictions"], e["joined"], e["late"]), key
        assert w["unlabelled"] + w["joined"] + w["late_labels"] == w["predictions"]
        for metric in ("accuracy", "macro_f1", "roc_auc"):
            assert w[metric] == pytest.approx(e[metric], rel=1e-9, abs=1e-12), (key, metric)
    ids = {p["tweet_id"] for p in case["predictions"]}
    distinct = {label["tweet_id"] for label in case["labels"]}
    counts = out["label_counts"]
    assert counts["unknown"] == len(distinct - ids) == 4
    assert counts["duplicate"] == len(case["labels"]) - len(distinct) > 0
    assert counts["late"] == sum(e["late"] for e in expected.values()) > 0
    assert counts["joined"] + counts["late"] + counts["unknown"] == len(distinct)


def test_quality_per_window_matches_sklearn_from_a_file_and_a_topic(case):
    out = json.loads(run("monitor", "quality", "--predictions", case["uri"], "--labels",
                         case["csv"], "--window", "1h", "--lateness", "1h", "--json").stdout)
    check_against_sklearn(out, case)
    assert out["malformed"] == {"label: no tweet_id": 1, "label: time_ms is not an integer": 1}
    assert out["prediction_counts"]["read"] == len(case["predictions"])

    lines = "".join(json.dumps(label) + "\n" for label in case["labels"]) + "not json\n"
    subprocess.run([driver(), case["uri"], "labels", "raw"], input=lines, text=True, check=True)
    from_topic = json.loads(run("monitor", "quality", "--predictions",
                                case["uri"] + "#predictions", "--labels", case["uri"] + "#labels",
                                "--lateness", "1h", "--json").stdout)
    check_against_sklearn(from_topic, case)
    assert from_topic["malformed"] == {"label: not a JSON object": 1}


def test_windows_below_the_threshold_are_events_and_gauges_are_served(case):
    out = json.loads(run("monitor", "quality", "--predictions", case["uri"], "--labels",
                         case["csv"], "--lateness", "1h", "--model", "tweet-sentiment",
                         "--min-accuracy", "0.9", "--json").stdout)
    assert {w["model"] for w in out["windows"]} == {"tweet-sentiment"}
    below = {(w["window_start_ms"], w["version"]) for w in out["windows"]
             if w["closed"] and w["accuracy"] < 0.9}
    assert below and out["events_published"] == len(below)
    events = [json.loads(r["value"]) for r in read_topic(case["uri"], "monitor.events")]
    assert {(e["window_start_ms"], e["version"]) for e in events} == below
    assert all(e["type"] == "quality_below_threshold" and e["metric"] == "accuracy" and
               e["value"] < e["threshold"] == 0.9 for e in events)

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([covidflow_bin(), "monitor", "quality", "--predictions", case["uri"],
                             "--labels", case["csv"], "--lateness", "1h", "--metrics-port",
                             str(port), "--json"], stdout=subprocess.PIPE, text=True)
    try:
        printed = json.loads(proc.stdout.readline())
        body = None
        for _ in range(100):
            try:
                body = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics").read().decode()
                break
            except OSError:
                time.sleep(0.05)
        assert body is not None, "no /metrics"
        latest = max((w for w in printed["windows"] if w["version"] == "4"),
                     key=lambda w: w["window_start_ms"])
        series = 'covidflow_live_accuracy{model="tweet-sentiment",version="4"}'
        line = next(x for x in body.splitlines() if x.startswith(series))
        assert float(line.split()[-1]) == pytest.approx(latest["accuracy"], rel=1e-12)
        assert 'covidflow_live_labels{outcome="unknown"} 4' in body
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0


def test_bad_input_is_exit_2_naming_the_flag(case):
    bad = run("monitor", "quality", "--predictions", case["uri"], "--labels", case["csv"],
              "--window", "1w", check=False)
    assert bad.returncode == 2 and "--window" in bad.stderr
    bad = run("monitor", "quality", "--predictions", case["uri"], check=False)
    assert bad.returncode == 2 and "--labels" in bad.stderr
    bad = run("monitor", "quality", "--predictions", case["uri"], "--labels", case["csv"],
              "--label-column", "truth", check=False)
    assert bad.returncode == 2 and "--label-column" in bad.stderr
    bad = run("monitor", "quality", "--predictions", f"file://{case['home']}/nolog",
              "--labels", case["csv"], check=False)
    assert bad.returncode == 2 and "--predictions" in bad.stderr


def test_monitor_run_publishes_each_closed_window_once(case):
    """`monitor run` with --predictions and --labels: one "quality" event per closed window
    and model version, equal to that window in `monitor quality --json`; a restart publishes
    none of them again."""
    want = json.loads(run("monitor", "quality", "--predictions", case["uri"], "--labels",
                          case["csv"], "--lateness", "1h", "--json").stdout)
    closed = {(w["window_start_ms"], w["model"], w["version"]): w
              for w in want["windows"] if w["closed"]}
    assert len(closed) > 1
    args = ["monitor", "run", "--home", case["home"], "--log", case["uri"], "--predictions",
            case["uri"], "--labels", case["csv"], "--lateness", "1h", "--exit-when-idle", "--json"]

    def quality_events():
        return [e for e in (json.loads(r["value"]) for r in read_topic(case["uri"],
                                                                       "monitor.events"))
                if e.get("kind") == "quality"]

    assert json.loads(run(*args).stdout)["quality_windows_published"] == len(closed)
    events = quality_events()
    got = {(e["window_start_ms"], e["model"], e["version"]): e for e in events}
    assert len(events) == len(got) == len(closed) and set(got) == set(closed)
    for key, w in closed.items():
        assert {k: got[key][k] for k in w} == w, key
        assert got[key]["source"] == case["uri"] + "#predictions"
    assert json.loads(run(*args).stdout)["quality_windows_published"] == 0
    assert len(quality_events()) == len(closed)


def test_a_regression_models_windows_match_sklearns_errors(home):
    """Prediction records with a value (a regression model's, as serve and the stream write
    them) joined with numeric labels: each window's MAE, RMSE and R² are scikit-learn's on the
    rows the join keeps; a label that is not a number is counted as foreign."""
    from sklearn.metrics import mean_absolute_error, mean_squared_error, r2_score
    rng = random.Random(11)
    predictions, labels = [], []
    for n in range(300):
        tweet = str(1260000000000000000 + n)
        t = T0 + (n % 3) * HOUR + rng.randrange(HOUR)
        value = rng.uniform(0, 5)
        predictions.append({
            "v": 1, "request_id": f"q{n}", "row": 0, "tweet_id": tweet,
            "input_digest": "0000abcd", "model": "retweets", "version": "2",
            "role": "champion", "label": "", "probabilities": {}, "value": value,
            "latency_seconds": 0.001, "time_ms": t})
        if n % 10 == 0:
            continue  # never labelled
        truth = "many" if n % 29 == 0 else repr(value + rng.gauss(0, 1))
        labels.append({"tweet_id": tweet, "label": truth, "time_ms": t + 1})
    uri = f"file://{home}/log"
    os.makedirs(f"{home}/log")
    subprocess.run([driver(), uri, "predictions"],
                   input="".join(json.dumps(p) + "\n" for p in predictions), text=True,
                   check=True, capture_output=True)
    csv = f"{home}/labels.csv"
    with open(csv, "w") as f:
        f.write("tweet_id,label,time_ms\n")
        for label in labels:
            f.write(f"{label['tweet_id']},{label['label']},{label['time_ms']}\n")
    out = json.loads(run("monitor", "quality", "--predictions", uri, "--labels", csv,
                         "--window", "1h", "--lateness", "1h", "--json").stdout)
    truth = {label["tweet_id"]: label["label"] for label in labels}
    assert len(out["windows"]) == 3
    for w in out["windows"]:
        rows = [p for p in predictions if p["time_ms"] // HOUR * HOUR == w["window_start_ms"]]
        kept = [(float(truth[p["tweet_id"]]), p["value"]) for p in rows
                if p["tweet_id"] in truth and truth[p["tweet_id"]] != "many"]
        y, v = [k[0] for k in kept], [k[1] for k in kept]
        assert w["task"] == "regression" and w["classes"] == []
        assert w["predictions"] == len(rows) and w["joined"] == len(kept)
        assert w["foreign_labels"] == sum(1 for p in rows if truth.get(p["tweet_id"]) == "many")
        assert w["mae"] == pytest.approx(mean_absolute_error(y, v), rel=1e-9)
        assert w["rmse"] == pytest.approx(mean_squared_error(y, v) ** 0.5, rel=1e-9)
        assert w["r2"] == pytest.approx(r2_score(y, v), rel=1e-9)
        assert "accuracy" not in w
    text = run("monitor", "quality", "--predictions", uri, "--labels", csv, "--window", "1h",
               "--lateness", "1h").stdout
    assert "mae " in text and "rmse " in text, text
