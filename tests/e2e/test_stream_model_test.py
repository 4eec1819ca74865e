"""The stream scored by a registered model (issue 14, item 2): train a small sentiment model on
a sample of TweetEval (../shared/data), register and promote it, generate → produce → process
--model NAME@champion, and every lake row carries the model's columns, equal to what
`covidflow predict` says for the same tweets; the enriched topic carries them too, and the
prediction log has one record per tweet named by its source position; bad model
flags exit 2, an unknown model 1."""
import csv
import json
import os

import pyarrow.dataset as ds
import pytest

from conftest import read_topic, run, sample_csv

DATA = os.path.join(os.environ.get("CF_SHARED_DATA_DIR", "../../../shared/data"),
                    "tweeteval-sentiment")

SPEC = """name: stream-sentiment
task: multiclass
seed: 3
label: label_name
features:
  - {name: text, kind: text, column: text, word_ngrams: [1, 2], char_ngrams: [2, 4]}
  - {name: vader, kind: vader, column: text}
model:
  family: linear
  hyperparameters: {C: 1.0, class_weight: balanced}
split:
  by: files
  train: train.csv
  validation: val.csv
metrics: [macro_recall]
"""


@pytest.fixture
def registered(home):
    """A trained model (artifact `m`) registered as stream-sentiment version 1 @champion."""
    sample_csv(os.path.join(DATA, "train.csv"), os.path.join(home, "train.csv"), 1500)
    sample_csv(os.path.join(DATA, "val.csv"), os.path.join(home, "val.csv"), 300)
    with open(os.path.join(home, "spec.yaml"), "w") as f:
        f.write(SPEC)
    run("train", "--spec", os.path.join(home, "spec.yaml"), "--out", os.path.join(home, "m"))
    reg = ["--registry", os.path.join(home, "reg")]
    run("models", "register", "stream-sentiment", "--artifact", os.path.join(home, "m"), *reg,
        "--actor", "e2e")
    run("models", "promote", "stream-sentiment", "1", *reg, "--actor", "e2e", "--reason", "e2e")
    return home, reg


def predictions_by_text(home, source):
    """`covidflow predict` on the generated file: text → (class, probabilities)."""
    out = os.path.join(home, "pred.jsonl")
    run("predict", "--model", os.path.join(home, "m"), "--input", source, "--out", out)
    with open(source, newline="", encoding="utf-8") as f:
        texts = [row["text"] for row in csv.DictReader(f)]
    preds = [json.loads(line) for line in open(out, encoding="utf-8")]
    assert len(preds) == len(texts)
    return {t: p for t, p in zip(texts, preds)}


def test_process_with_a_model_scores_every_tweet_as_predict_does(registered):
    home, reg = registered
    source = os.path.join(home, "t.csv")
    gen = json.loads(run("generate", "--count", 3000, "--seed", 5, "--malformed-rate", 0,
                         "--out", source, "--json").stdout)
    assert gen["records"] == 3000
    uri = f"file://{home}/log"
    run("produce", "--from", source, "--to", uri)
    lake = os.path.join(home, "lake")
    counts = json.loads(run("process", "--from", uri, "--group", "scored", "--exit-when-idle",
                            "--json", "--lake", lake, "--model", "stream-sentiment@champion",
                            *reg, "--home", home).stdout)
    assert counts["enriched"] == 3000 and counts["lake_rows"] == 3000

    want = predictions_by_text(home, source)
    table = ds.dataset(os.path.join(lake, "tweets"), format="parquet", partitioning="hive",
                       exclude_invalid_files=True).to_table(
        columns=["text", "sentiment_label", "model", "model_label", "model_confidence",
                 "model_probabilities"]).to_pylist()
    assert len(table) == 3000
    labels = set()
    for row in table:
        p = want[row["text"]]
        assert row["model"] == "stream-sentiment/1"
        assert row["model_label"] == p["class"], row["text"]
        assert json.loads(row["model_probabilities"]) == p["probabilities"], row["text"]
        assert list(json.loads(row["model_probabilities"])) == list(p["probabilities"])
        assert row["model_confidence"] == p["probabilities"][p["class"]]
        assert row["sentiment_label"] in ("negative", "neutral", "positive")  # VADER beside it
        labels.add(row["model_label"])
    assert len(labels) >= 2, "a model that answers one class for every tweet tests little"

    enriched = read_topic(uri, "tweets.enriched")
    assert len(enriched) == 3000
    for rec in enriched[:200]:
        e = json.loads(rec["value"])
        p = want[e["text"]]
        assert e["model"]["id"] == "stream-sentiment/1"
        assert e["model"]["label"] == p["class"]
        assert e["model"]["probabilities"] == p["probabilities"]

    # Every scored tweet is one record on the prediction log, named by its source position.
    logged = [json.loads(r["value"]) for r in read_topic(uri, "predictions")]
    assert len(logged) == 3000
    by_position = {}
    for p in logged:
        assert p["model"] == "stream-sentiment" and p["version"] == "1"
        assert p["role"] == "champion" and p["row"] == 0
        assert abs(sum(p["probabilities"].values()) - 1) < 1e-9
        by_position[p["request_id"]] = p
    assert len(by_position) == 3000
    for rec in enriched[:200]:
        e = json.loads(rec["value"])
        src = e["source_position"]
        position = "%s/%d/%d" % (src["topic"], src["partition"], src["offset"])
        assert by_position[position]["label"] == e["model"]["label"], position

    # Without --model nothing changes: no model key, null model columns.
    plain = json.loads(run("process", "--from", uri, "--group", "plain", "--exit-when-idle",
                           "--json", "--lake", os.path.join(home, "lake2")).stdout)
    assert plain["enriched"] == 3000
    rows = ds.dataset(os.path.join(home, "lake2", "tweets"), format="parquet",
                      partitioning="hive", exclude_invalid_files=True).to_table(
        columns=["model", "model_label"]).to_pylist()
    assert len(rows) == 3000 and all(r["model"] is None and r["model_label"] is None for r in rows)


def test_model_dir_and_bad_model_flags(registered):
    home, reg = registered
    source = os.path.join(home, "t.csv")
    run("generate", "--count", 200, "--seed", 9, "--out", source)
    uri = f"file://{home}/log"
    run("produce", "--from", source, "--to", uri)
    counts = json.loads(run("process", "--from", uri, "--group", "dir", "--exit-when-idle",
                            "--json", "--model-dir", os.path.join(home, "m")).stdout)
    assert counts["enriched"] > 0
    scored = [json.loads(r["value"]) for r in read_topic(uri, "tweets.enriched")]
    assert scored and all(e["model"]["id"] == "m" for e in scored)

    both = run("process", "--from", uri, "--exit-when-idle", "--model", "stream-sentiment",
               "--model-dir", os.path.join(home, "m"), *reg, check=False)
    assert both.returncode == 2 and "process.model" in both.stderr, both.stderr
    bad = run("process", "--from", uri, "--exit-when-idle", "--model", "stream-sentiment@",
              *reg, check=False)
    assert bad.returncode == 2 and "process.model" in bad.stderr, bad.stderr
    unknown = run("process", "--from", uri, "--group", "u", "--exit-when-idle", "--model",
                  "no-such-model@champion", *reg, "--home", home, check=False)
    assert unknown.returncode == 1 and "no-such-model" in unknown.stderr, unknown.stderr


REGRESSION_SPEC = """name: favourites
task: regression
seed: 3
label: user_favourites
features:
  - {name: text, kind: text, column: text, min_df: 1, hash_bits: 12}
  - {name: followers, kind: numeric, column: user_followers}
model: {family: linear}
split: {by: files, train: gtrain.csv, validation: gval.csv}
metrics: [rmse, mae]
"""


def test_a_regression_model_scores_the_stream_and_its_reference_watches_the_values(home):
    """A regression model (task regression) scores every tweet with its value, as predict
    does: model_value in the lake and "value" on the enriched topic and the prediction log,
    no class; its artifact's training reference holds the values (and the labels), which
    `monitor drift` compares with the stream's."""
    for name, seed in (("gtrain.csv", 21), ("gval.csv", 22)):
        run("generate", "--count", 1500, "--seed", seed, "--malformed-rate", 0, "--out",
            os.path.join(home, name))
    with open(os.path.join(home, "rspec.yaml"), "w") as f:
        f.write(REGRESSION_SPEC)
    model = os.path.join(home, "rm")
    run("train", "--spec", os.path.join(home, "rspec.yaml"), "--out", model, "--home", home)
    reference = [json.loads(line) for line in open(os.path.join(model, "reference.jsonl"))]
    assert len(reference) == 1500
    assert "model_value" in reference[0] and "label" in reference[0], reference[0]
    assert "model_label" not in reference[0] and "model_confidence" not in reference[0]
    with open(os.path.join(home, "gval.csv"), newline="", encoding="utf-8") as f:
        favourites = sorted(float(row["user_favourites"]) for row in csv.DictReader(f))
    assert sorted(r["label"] for r in reference) == favourites

    source = os.path.join(home, "t.csv")
    run("generate", "--count", 2000, "--seed", 23, "--malformed-rate", 0, "--out", source)
    uri = f"file://{home}/log"
    run("produce", "--from", source, "--to", uri)
    lake = os.path.join(home, "lake")
    counts = json.loads(run("process", "--from", uri, "--group", "reg", "--exit-when-idle",
                            "--json", "--lake", lake, "--model-dir", model,
                            "--home", home).stdout)
    assert counts["enriched"] == 2000 and counts["lake_rows"] == 2000

    out = os.path.join(home, "values.jsonl")
    run("predict", "--model", model, "--input", source, "--out", out)
    with open(source, newline="", encoding="utf-8") as f:
        keys = [(row["text"], int(row["user_followers"])) for row in csv.DictReader(f)]
    want = {k: json.loads(line)["value"] for k, line in zip(keys, open(out))}
    table = ds.dataset(os.path.join(lake, "tweets"), format="parquet", partitioning="hive",
                       exclude_invalid_files=True).to_table(
        columns=["text", "user_followers", "sentiment_label", "model", "model_label",
                 "model_confidence", "model_probabilities", "model_value"]).to_pylist()
    assert len(table) == 2000
    for row in table:
        assert row["model"] == "rm"
        assert row["model_label"] is None and row["model_probabilities"] is None
        assert row["model_confidence"] == 0
        assert row["model_value"] == want[(row["text"], row["user_followers"])], row["text"]
        assert row["sentiment_label"] in ("negative", "neutral", "positive")  # VADER beside it
    assert len({row["model_value"] for row in table}) > 100

    for rec in read_topic(uri, "tweets.enriched")[:200]:
        e = json.loads(rec["value"])
        assert set(e["model"]) == {"id", "value", "oov_rate"}, e["model"]
        assert e["model"]["value"] == want[(e["text"], e["user_followers"])]
    logged = [json.loads(r["value"]) for r in read_topic(uri, "predictions")]
    assert len(logged) == 2000
    assert all("value" in p and p.get("label", "") == "" for p in logged), logged[0]

    # The stream's values against the model's own on its validation rows.
    drift = json.loads(run("monitor", "drift", "--reference", f"model-dir:{model}",
                           "--current", f"lake:{lake}", "--json", check=False).stdout)
    columns = {c["column"]: c for c in drift["columns"]}
    assert columns["model_value"]["reference_rows"] == 1500
    assert columns["model_value"]["current_rows"] == 2000
    assert columns["model_value"]["kind"] == "numeric"
    assert "model_label" not in columns and "label" not in columns
