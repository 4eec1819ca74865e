"""covidflow train and predict from the command line, on a sample of the CONSTRAINT fake-news
posts (../shared/data): the summary, the artifact, predictions that agree with training's
own evaluation, determinism, and the exit codes of a bad spec and of data that cannot train."""
import csv
import filecmp
import json
import os
import shutil

import pytest

from conftest import run, sample_csv

DATA = os.path.join(os.environ.get("CF_SHARED_DATA_DIR", "../../../shared/data"),
                    "constraint-covid19-fake-news")




SPEC = """name: fake-news-sample
task: binary
seed: 7
label: {label}
features:
  - {{name: text, kind: text, column: tweet, word_ngrams: [1, 2], char_ngrams: [2, 4]}}
  - {{name: counts, kind: text_counts, column: tweet}}
model:
  family: linear
  hyperparameters: {{C: 1.0}}
split:
  by: files
  train: train.csv
  validation: val.csv
metrics: [weighted_f1]
"""


@pytest.fixture
def workdir(home):
    sample_csv(os.path.join(DATA, "Constraint_Train.csv"), os.path.join(home, "train.csv"), 1500)
    sample_csv(os.path.join(DATA, "Constraint_Val.csv"), os.path.join(home, "val.csv"), 600)
    with open(os.path.join(home, "spec.yaml"), "w") as f:
        f.write(SPEC.format(label="label"))
    return home


def train(workdir, out, *extra, check=True):
    # The run is recorded in the home's registry: keep it in the scratch directory.
    return run("train", "--spec", os.path.join(workdir, "spec.yaml"), "--out",
               os.path.join(workdir, out), "--home", workdir, *extra, check=check)


def test_train_reports_metrics_and_predict_agrees_with_them(workdir):
    report = json.loads(train(workdir, "m", "--json").stdout)
    assert report["classes"] == ["fake", "real"]
    val = report["splits"]["validation"]
    assert val["rows"] == 600 and sum(val["class_rows"].values()) == 600
    m = val["metrics"]
    assert 0.75 < m["accuracy"] <= 1.0, m
    assert sum(map(sum, m["confusion"])) == 600
    for name in ("manifest.json", "features.json"):
        assert os.path.exists(os.path.join(workdir, "m", name)), name

    out = os.path.join(workdir, "pred.jsonl")
    run("predict", "--model", os.path.join(workdir, "m"), "--input",
        os.path.join(workdir, "val.csv"), "--out", out)
    preds = [json.loads(line) for line in open(out)]
    with open(os.path.join(workdir, "val.csv"), newline="", encoding="utf-8") as f:
        truth = [row["label"] for row in csv.DictReader(f)]
    assert len(preds) == len(truth)
    for p in preds:
        probs = p["probabilities"]
        assert set(probs) == {"fake", "real"}
        assert abs(sum(probs.values()) - 1) < 1e-9
        assert p["class"] == max(probs, key=probs.get)
    # The serving path (predict: load, features, model) gives what training measured.
    correct = sum(p["class"] == t for p, t in zip(preds, truth))
    assert correct == sum(m["confusion"][i][i] for i in range(2))


def test_same_spec_data_and_seed_give_identical_model_and_predictions(workdir):
    train(workdir, "a")
    train(workdir, "b")
    a, b = os.path.join(workdir, "a"), os.path.join(workdir, "b")
    names = sorted(os.listdir(a))
    assert names == sorted(os.listdir(b))
    match, mismatch, errors = filecmp.cmpfiles(a, b, names, shallow=False)
    assert not mismatch and not errors, (mismatch, errors)
    outs = []
    for m in (a, b):
        out = os.path.join(workdir, os.path.basename(m) + ".jsonl")
        run("predict", "--model", m, "--input", os.path.join(workdir, "val.csv"), "--out", out)
        outs.append(open(out, "rb").read())
    assert outs[0] == outs[1] and outs[0]


def test_bad_spec_exits_2_naming_the_field(workdir):
    with open(os.path.join(workdir, "spec.yaml"), "w") as f:
        f.write(SPEC.format(label="label").replace("family: linear", "family: nope"))
    r = train(workdir, "m", check=False)
    assert r.returncode == 2, r.stderr
    assert "family" in r.stderr


def test_a_label_with_one_class_refuses_with_exit_1_naming_the_distribution(workdir):
    for name in ("train.csv", "val.csv"):
        path = os.path.join(workdir, name)
        rows = list(csv.DictReader(open(path, newline="", encoding="utf-8")))
        with open(path, "w", newline="", encoding="utf-8") as f:
            w = csv.DictWriter(f, fieldnames=["id", "tweet", "label"])
            w.writeheader()
            for row in rows:
                w.writerow({**row, "label": "real"})
    r = train(workdir, "m", check=False)
    assert r.returncode == 1, r.stderr
    assert "real" in r.stderr
    assert not os.path.exists(os.path.join(workdir, "m", "manifest.json"))


def test_predict_on_a_missing_model_or_input_exits_1_and_a_missing_flag_2(workdir):
    r = run("predict", "--model", os.path.join(workdir, "none"), "--input",
            os.path.join(workdir, "val.csv"), check=False)
    assert r.returncode == 1 and "none" in r.stderr
    r = run("predict", "--model", os.path.join(workdir, "none"), check=False)
    assert r.returncode == 2 and "--input" in r.stderr


def test_train_records_its_run_and_registers_in_the_default_registry(workdir):
    # No --home, no --registry: ./covidflow-home/registry of the working directory, which
    # `models` and `runs` then read with no flags either.
    spec = os.path.join(workdir, "spec.yaml")
    report = json.loads(run("train", "--spec", spec, "--register", "fake-news", "--alias",
                            "champion", "--reason", "first model", "--json", cwd=workdir).stdout)
    rec = report["registry"]
    assert rec["model"] == "fake-news" and rec["version"] == 1 and rec["alias"] == "champion"
    assert os.path.isdir(os.path.join(workdir, "covidflow-home", "registry"))

    models = json.loads(run("models", "list", "--json", cwd=workdir).stdout)
    assert [(m["name"], m["latest_version"], m["aliases"]) for m in models] == [
        ("fake-news", 1, {"champion": 1})]
    shown = json.loads(run("runs", "show", rec["run_id"], "--json", cwd=workdir).stdout)
    assert shown["status"] == "FINISHED"
    latest = {m["key"]: m["value"] for m in shown["metrics"]}
    val = report["splits"]["validation"]["metrics"]
    assert latest["validation_weighted_f1"] == pytest.approx(val["weighted_f1"], abs=1e-12)
    assert latest["validation_rows"] == 600
    assert shown["params"]["model.family"] == "linear"
    assert shown["tags"]["covidflow.spec_name"] == "fake-news-sample"
    audit = json.loads(run("models", "audit", "fake-news", "--json", cwd=workdir).stdout)
    assert {e["reason"] for e in audit} == {"first model"}

    # A refused training leaves its run FAILED, not RUNNING, and registers nothing.
    with open(spec, "w") as f:
        f.write(SPEC.format(label="{column: label, mapping: {real: x, fake: x}}"))
    r = run("train", "--spec", spec, "--register", "fake-news", cwd=workdir, check=False)
    assert r.returncode == 1, r.stderr
    runs = json.loads(run("runs", "list", "--json", cwd=workdir).stdout)
    assert sorted(x["status"] for x in runs) == ["FAILED", "FINISHED"]
    versions = json.loads(run("models", "versions", "fake-news", "--json", cwd=workdir).stdout)
    assert [v["version"] for v in versions] == [1]


def test_evaluate_and_predict_resolve_a_registry_alias_as_serve_does(workdir):
    # The champion is registered (its folder then removed: only the registry has it); the
    # candidate is a directory. --against NAME@ALIAS must give what --against DIR gave.
    val = os.path.join(workdir, "val.csv")
    train(workdir, "champ", "--register", "fake-news", "--alias", "champion")
    with open(os.path.join(workdir, "spec.yaml"), "w") as f:
        f.write(SPEC.format(label="label").replace("C: 1.0", "C: 0.05"))
    train(workdir, "cand")
    by_dir = json.loads(run("evaluate", "--model", os.path.join(workdir, "cand"), "--against",
                            os.path.join(workdir, "champ"), "--data", val, "--json").stdout)
    before = {}
    for ref, out in ((os.path.join(workdir, "champ"), "dir.jsonl"), ("fake-news@champion",
                                                                     "alias.jsonl")):
        run("predict", "--model", ref, "--input", val, "--out", os.path.join(workdir, out),
            "--home", workdir)
        before[out] = open(os.path.join(workdir, out), "rb").read()
    assert before["dir.jsonl"] == before["alias.jsonl"] and before["dir.jsonl"]
    shutil.rmtree(os.path.join(workdir, "champ"))

    by_ref = json.loads(run("evaluate", "--model", os.path.join(workdir, "cand"), "--against",
                            "fake-news@champion", "--data", val, "--home", workdir,
                            "--json").stdout)
    assert by_ref["against"] == "fake-news@champion"
    assert by_ref["champion"] == by_dir["champion"] and by_ref["champion"] is not None
    assert by_ref["deltas"] == by_dir["deltas"]
    assert by_ref["promotion"] == by_dir["promotion"]
    # An alias nobody set is an error naming it (exit 1: the flags were well formed).
    r = run("evaluate", "--model", os.path.join(workdir, "cand"), "--against", "fake-news@gone",
            "--data", val, "--home", workdir, check=False)
    assert r.returncode == 1 and "gone" in r.stderr, r.stderr


LAKE_SPEC = """name: lake-sentiment
task: multiclass
seed: 3
label: sentiment_label
features:
  - {name: text, kind: text, column: text, hash_bits: 16}
  - {name: followers, kind: numeric, column: {followers}}
  - {name: hour, kind: hour, column: event_time}
model: {family: linear, hyperparameters: {C: 1.0}}
split: {by: time, column: event_time, validation_from: '2020-07-25 08:30:00'}
"""


def test_train_from_the_lake_that_process_writes(home):
    # 6,000 generated tweets from 2020-07-25 06:00 to about 09:30 (one date partition; the
    # unit tests in src/train/tests/lake_test.cc cover pruning across partitions).
    tweets, uri, lake = f"{home}/t.csv", f"file://{home}/log", f"{home}/lake"
    run("generate", "--count", 6000, "--seed", 3, "--out", tweets)
    run("produce", "--from", tweets, "--to", uri)
    counts = json.loads(run("process", "--from", uri, "--group", "g", "--exit-when-idle",
                            "--lake", lake, "--json").stdout)
    spec = os.path.join(home, "spec.yaml")
    with open(spec, "w") as f:
        f.write(LAKE_SPEC.replace("{followers}", "user_followers"))

    def train_lake(out, *extra, check=True):
        return run("train", "--spec", spec, "--lake", lake, "--out", os.path.join(home, out),
                   "--home", home, "--json", *extra, check=check)

    report = json.loads(train_lake("m").stdout)
    splits = report["splits"]
    assert splits["train"]["rows"] + splits["validation"]["rows"] == counts["enriched"]
    assert splits["train"]["rows"] > 0 and splits["validation"]["rows"] > 0
    # The VADER label is learnt from the text well above chance (three classes).
    assert splits["validation"]["metrics"]["macro_recall"] > 0.6
    manifest = json.load(open(os.path.join(home, "m", "manifest.json")))
    lineage = manifest["record"]["lineage"]
    assert lineage["lake"]["dir"] == lake
    assert sum(i["rows"] for i in lineage["inputs"]) == counts["enriched"]
    assert all("/tweets/date=2020-07-25/" in i["path"] for i in lineage["inputs"])

    # The same lake, spec and seed: the same model files.
    train_lake("m2")
    for name in ("features.json", "classifier.json", "linear.model"):
        assert filecmp.cmp(os.path.join(home, "m", name), os.path.join(home, "m2", name),
                           shallow=False), name

    # evaluate on the same lake: both models on every row, the same predictions, no promotion
    # of a model over its twin; a date range with no rows exits 2.
    ev = json.loads(run("evaluate", "--model", os.path.join(home, "m"), "--against",
                        os.path.join(home, "m2"), "--lake", lake, "--from", "2020-07-25",
                        "--json").stdout)
    assert ev["input_rows"] == counts["enriched"]
    assert ev["mcnemar"]["only_candidate_correct"] == 0
    assert ev["mcnemar"]["only_champion_correct"] == 0
    r = run("evaluate", "--model", os.path.join(home, "m"), "--lake", lake, "--to", "2020-07-01",
            check=False)
    assert r.returncode == 2 and "no rows" in r.stderr, r.stderr

    # A range before the lake's first date: no rows, exit 2.
    r = train_lake("m3", "--to", "2020-07-24", check=False)
    assert r.returncode == 2 and "no rows" in r.stderr, r.stderr

    # Exit 2, naming what is wrong: no lake, an empty range, a bad date, a missing column.
    r = run("train", "--spec", spec, "--lake", f"{home}/nope", "--home", home, check=False)
    assert r.returncode == 2 and "nope" in r.stderr, r.stderr
    r = train_lake("m4", "--from", "2030-01-01", check=False)
    assert r.returncode == 2 and "no rows" in r.stderr, r.stderr
    r = train_lake("m5", "--from", "July", check=False)
    assert r.returncode == 2 and "train.from" in r.stderr, r.stderr
    with open(spec, "w") as f:
        f.write(LAKE_SPEC.replace("{followers}", "retweets"))
    r = train_lake("m6", check=False)
    assert r.returncode == 2 and "'retweets'" in r.stderr, r.stderr


REGRESSION_SPEC = """name: values
task: regression
seed: 5
label: y
features:
  - {{kind: numeric, column: x}}
  - {{kind: text, column: text, min_df: 1, hash_bits: 10}}
model: {model}
split: {{by: files, train: rtrain.csv, validation: rval.csv}}
metrics: [rmse, mae, r2]
promotion: rmse on validation <= champion - 0.01
"""


def test_evaluate_compares_regressors_on_their_errors(workdir):
    # y = 2x + 1 + noise: the linear family fits it, a one-split tree does not.
    for name, rows in (("rtrain.csv", range(0, 300)), ("rval.csv", range(300, 450))):
        with open(os.path.join(workdir, name), "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(["y", "x", "text"])
            for k in rows:
                x = (k * 37 % 100) / 10
                w.writerow([2 * x + 1 + ((k * 53) % 11 - 5) / 10, x, f"row {k % 7}"])
    for out, model in (("rlin", "{family: linear}"),
                       ("rtree", "{family: decision_tree, hyperparameters: {max_depth: 1}}")):
        with open(os.path.join(workdir, "rspec.yaml"), "w") as f:
            f.write(REGRESSION_SPEC.format(model=model))
        run("train", "--spec", os.path.join(workdir, "rspec.yaml"), "--out",
            os.path.join(workdir, out), "--home", workdir)
    val = os.path.join(workdir, "rval.csv")
    r = json.loads(run("evaluate", "--model", os.path.join(workdir, "rlin"), "--against",
                       os.path.join(workdir, "rtree"), "--data", val, "--json").stdout)
    assert r["task"] == "regression" and r["rows"] == 150
    assert r["candidate"]["rmse"] < r["champion"]["rmse"] - 0.01
    assert [d["metric"] for d in r["deltas"]] == ["mae", "rmse", "r2"]
    rmse = r["deltas"][1]
    assert rmse["delta"] == pytest.approx(r["candidate"]["rmse"] - r["champion"]["rmse"])
    assert rmse["low"] <= rmse["delta"] <= rmse["high"] < 0
    assert r["promotion"]["promote"] is True
    assert r["promotion"]["reason"].startswith("promote: rmse on validation "), r["promotion"]
    # What predict writes is what evaluate scored: the same RMSE from its values.
    out = os.path.join(workdir, "values.jsonl")
    run("predict", "--model", os.path.join(workdir, "rlin"), "--input", val, "--out", out)
    values = [json.loads(line)["value"] for line in open(out)]
    with open(val, newline="") as f:
        truth = [float(row["y"]) for row in csv.DictReader(f)]
    mse = sum((v - t) ** 2 for v, t in zip(values, truth)) / len(truth)
    assert mse ** 0.5 == pytest.approx(r["candidate"]["rmse"], abs=1e-9)
    # The text report: both models' errors and the decision.
    text = run("evaluate", "--model", os.path.join(workdir, "rtree"), "--against",
               os.path.join(workdir, "rlin"), "--data", val).stdout
    assert "rmse" in text and "(lower is better)" in text, text
    assert "keep the champion: rmse on validation" in text, text
    # A regressor against a classifier: exit 2, both tasks named.
    train(workdir, "clf")
    r = run("evaluate", "--model", os.path.join(workdir, "rlin"), "--against",
            os.path.join(workdir, "clf"), "--data", val, check=False)
    assert r.returncode == 2, r.stderr
    assert "is a regression model" in r.stderr and "is a classifier" in r.stderr, r.stderr
