"""`covidflow train` against a real MLflow server, read back with MLflow's own client, and the
registered model scored by MLflow users: mlflow.pyfunc.load_model (from the server and from
the embedded registry's version directory) and mlflow.pyfunc.spark_udf on a local Spark
session give the same classes and probabilities as `covidflow predict` on the same rows.

The server is the one of ctest's mlflow_server fixture (CF_MLFLOW_DIR) or CF_MLFLOW_URI; the
binary is CF_BIN; the rows are a sample of the CONSTRAINT fake-news posts in ../shared/data.
"""
import csv
import json
import os
import pathlib
import subprocess
import sys
import time

import mlflow
import mlflow.pyfunc
import pandas as pd
import pytest
from mlflow import MlflowClient

DATA = pathlib.Path(os.environ.get("CF_SHARED_DATA_DIR", "../../../shared/data"),
                    "constraint-covid19-fake-news")

SPEC = """name: fake-news-mlflow
task: binary
seed: 7
label: label
features:
  - {name: text, kind: text, column: tweet, word_ngrams: [1, 2], char_ngrams: [2, 4],
     hash_bits: 16}
  - {name: counts, kind: text_counts, column: tweet}
model:
  family: linear
  hyperparameters: {C: 1.0}
split:
  by: files
  train: train.csv
  validation: val.csv
metrics: [weighted_f1]
"""


def server_url():
    if os.environ.get("CF_MLFLOW_URI"):
        return os.environ["CF_MLFLOW_URI"]
    d = os.environ.get("CF_MLFLOW_DIR")
    assert d, "CF_MLFLOW_DIR or CF_MLFLOW_URI must name a running MLflow server"
    return pathlib.Path(d, "url").read_text().strip()


def binary():
    path = os.environ.get("CF_BIN", "")
    assert path and os.access(path, os.X_OK), f"CF_BIN must name the covidflow binary: {path!r}"
    return path


def cf(*args, cwd=None):
    return subprocess.run([binary(), *map(str, args)], check=True, capture_output=True,
                          text=True, cwd=cwd)


def sample(src, dst, rows):
    if not src.exists():
        pytest.fail(f"{src} is missing: these tests read ../shared/data (see its README)")
    with open(src, newline="", encoding="utf-8") as f, open(dst, "w", newline="",
                                                              encoding="utf-8") as g:
        r, w = csv.reader(f), csv.writer(g)
        w.writerow(next(r))
        for i, row in enumerate(r):
            if i >= rows:
                break
            w.writerow(row)


@pytest.fixture(scope="module")
def work(tmp_path_factory):
    d = tmp_path_factory.mktemp("train-mlflow")
    sample(DATA / "Constraint_Train.csv", d / "train.csv", 1200)
    sample(DATA / "Constraint_Val.csv", d / "val.csv", 400)
    (d / "spec.yaml").write_text(SPEC)
    # The pyfunc loader runs this binary (docs/decisions/0007-pyfunc-calls-the-binary.md);
    # Spark's Python workers inherit the variable.
    os.environ["COVIDFLOW_BIN"] = binary()
    return d


@pytest.fixture(scope="module")
def trained(work):
    """Trains once on the server: the report, the model name and predict's own answers."""
    url = server_url()
    model = "fake-news-" + str(time.time_ns())
    report = json.loads(cf("train", "--spec", work / "spec.yaml", "--out", work / "model",
                           "--home", work, "--registry", url, "--register", model, "--alias",
                           "champion", "--actor", "ci", "--reason", "interop", "--json").stdout)
    cf("predict", "--model", work / "model", "--input", work / "val.csv", "--out",
       work / "predict.jsonl")
    expected = [json.loads(line) for line in open(work / "predict.jsonl", encoding="utf-8")]
    return {"url": url, "model": model, "report": report, "expected": expected}


def assert_same_predictions(frame, expected):
    assert len(frame) == len(expected)
    assert list(frame["class"]) == [e["class"] for e in expected]
    for cls in expected[0]["probabilities"]:
        # JSON numbers written shortest-exact by predict and read back: equal, not close.
        assert list(frame[f"probabilities.{cls}"]) == [e["probabilities"][cls] for e in expected]


def test_mlflow_shows_the_run_and_version_train_recorded(trained):
    client = MlflowClient(trained["url"])
    rec = trained["report"]["registry"]
    assert rec["backend"].startswith("mlflow")
    run = client.get_run(rec["run_id"])
    assert run.info.status == "FINISHED"
    assert client.get_experiment(run.info.experiment_id).name == "fake-news-mlflow"
    val = trained["report"]["splits"]["validation"]
    assert run.data.metrics["validation_weighted_f1"] == pytest.approx(
        val["metrics"]["weighted_f1"], abs=1e-12)
    assert run.data.metrics["validation_rows"] == val["rows"]
    assert run.data.params["model.family"] == "linear"
    assert run.data.params["feature.text.hash_bits"] == "16"
    assert run.data.tags["covidflow.spec_name"] == "fake-news-mlflow"
    assert run.data.tags["covidflow.lineage.split.train"] == f"{trained['report']['splits']['train']['rows']} rows"
    assert "crc32c" in run.data.tags["covidflow.lineage.input.0"]
    assert {f.path for f in client.list_artifacts(rec["run_id"], "model")} >= {
        "model/manifest.json", "model/features.json"}

    version = client.get_model_version_by_alias(trained["model"], "champion")
    assert version.version == "1" and version.run_id == rec["run_id"]
    assert version.status == "READY"


def test_pyfunc_from_the_server_predicts_as_covidflow_predict(trained, work):
    mlflow.set_tracking_uri(trained["url"])
    loaded = mlflow.pyfunc.load_model(f"models:/{trained['model']}@champion")
    rows = pd.read_csv(work / "val.csv", dtype=str, keep_default_na=False)
    assert_same_predictions(loaded.predict(rows), trained["expected"])


def test_pyfunc_from_the_embedded_registry_predicts_as_covidflow_predict(trained, work):
    home = work / "embedded-home"
    out = json.loads(cf("train", "--spec", work / "spec.yaml", "--home", home, "--register",
                        "fake-news", "--json").stdout)
    assert out["registry"]["version"] == 1
    version_dir = home / "registry" / "artifacts" / "models" / "fake-news" / "1"
    loaded = mlflow.pyfunc.load_model(str(version_dir))
    rows = pd.read_csv(work / "val.csv", dtype=str, keep_default_na=False)
    # The same spec, data and seed give the same model, so predict's answers hold here too.
    assert_same_predictions(loaded.predict(rows), trained["expected"])


# ctest runs this one apart (train_mlflow_spark, label slow): a Spark session takes ~20 s.
def test_spark_udf_predicts_as_covidflow_predict(trained, work):
    from pyspark.sql import SparkSession
    from pyspark.sql.functions import col
    from pyspark.sql.types import ArrayType, DoubleType

    mlflow.set_tracking_uri(trained["url"])
    # Spark's Python workers must be this interpreter (the venv with pandas and mlflow).
    os.environ["PYSPARK_PYTHON"] = sys.executable
    spark = (SparkSession.builder.master("local[2]").appName("covidflow-pyfunc")
             .config("spark.driver.host", "127.0.0.1")
             .config("spark.driver.bindAddress", "127.0.0.1")
             .config("spark.ui.enabled", "false")
             .config("spark.sql.shuffle.partitions", "2").getOrCreate())
    try:
        rows = pd.read_csv(work / "val.csv", dtype=str, keep_default_na=False)
        rows["n"] = range(len(rows))
        frame = spark.createDataFrame(rows).repartition(2)
        # One udf (each loads the model from the server): the probabilities, in class order,
        # from a bare column, which spark_udf names "0" and the loader maps onto "tweet".
        proba = mlflow.pyfunc.spark_udf(spark, f"models:/{trained['model']}@champion",
                                        result_type=ArrayType(DoubleType()), env_manager="local")
        scored = frame.select(col("n"), proba(col("tweet")).alias("p")).toPandas().sort_values("n")
    finally:
        spark.stop()
    expected = trained["expected"]
    classes = list(expected[0]["probabilities"])
    assert [list(p) for p in scored["p"]] == [
        [e["probabilities"][c] for c in classes] for e in expected]
    # The most probable class is the one predict named.
    assert [classes[max(range(len(p)), key=p.__getitem__)] for p in scored["p"]] == [
        e["class"] for e in expected]
