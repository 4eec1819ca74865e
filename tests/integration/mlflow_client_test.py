"""What covidflow writes to a real MLflow server is what MLflow's own Python client shows.

registry_mlflow_driver (CF_MLFLOW_DRIVER) writes a run, two model versions and two aliases
through covidflow's MLflow backend; this test reads them back with mlflow.MlflowClient. The
server is the one of ctest's mlflow_server fixture (CF_MLFLOW_DIR) or CF_MLFLOW_URI.
"""
import json
import os
import pathlib
import subprocess
import time

import mlflow
import mlflow.artifacts
import mlflow.pyfunc
from mlflow import MlflowClient


def server_url():
    if os.environ.get("CF_MLFLOW_URI"):
        return os.environ["CF_MLFLOW_URI"]
    d = os.environ.get("CF_MLFLOW_DIR")
    assert d, "CF_MLFLOW_DIR or CF_MLFLOW_URI must name a running MLflow server"
    return pathlib.Path(d, "url").read_text().strip()


def test_mlflow_client_sees_what_covidflow_wrote(tmp_path):
    url = server_url()
    suffix = str(time.time_ns())
    experiment, model = "interop-" + suffix, "tweets-" + suffix
    out = subprocess.run(
        [os.environ["CF_MLFLOW_DRIVER"], url, experiment, model, str(tmp_path)],
        check=True, capture_output=True, text=True)
    ids = json.loads(out.stdout)

    mlflow.set_tracking_uri(url)
    client = MlflowClient(url)

    exp = client.get_experiment_by_name(experiment)
    assert exp is not None and exp.experiment_id == ids["experiment_id"]

    run = client.get_run(ids["run_id"])
    assert run.info.status == "FINISHED"
    assert run.info.run_name == "train-sample"
    assert run.info.end_time >= run.info.start_time > 0
    assert run.data.params == {"learning_rate": "0.1", "max_depth": "6"}
    assert run.data.tags["team"] == "nlp"
    assert run.data.tags["family"] == "xgboost"
    assert run.data.tags["covidflow.lineage.data.lake"] == "/lake/tweets"
    assert run.data.metrics == {"loss": 0.5, "f1": 0.8125}
    history = client.get_metric_history(ids["run_id"], "loss")
    assert [(m.step, m.value, m.timestamp) for m in sorted(history, key=lambda m: m.step)] == [
        (s, 1.0 - 0.125 * s, 1_700_000_000_000 + s) for s in range(5)]

    eval_files = [f.path for f in client.list_artifacts(ids["run_id"], "eval")]
    assert eval_files == ["eval/summary.txt"]
    local = client.download_artifacts(ids["run_id"], "eval/summary.txt", str(tmp_path))
    assert pathlib.Path(local).read_text() == "f1=0.8125\n"

    registered = client.get_registered_model(model)
    assert registered.aliases == {"champion": "2", "challenger": "1"}
    champion = client.get_model_version_by_alias(model, "champion")
    assert champion.version == "2"
    assert champion.run_id == ids["run_id"]
    assert champion.status == "READY"
    assert champion.description == "version 2"
    assert champion.tags == {"n": "2"}
    assert client.get_model_version_by_alias(model, "challenger").version == "1"
    versions = client.search_model_versions(f"name='{model}'")
    assert sorted(int(v.version) for v in versions) == [1, 2]

    # The champion's files, fetched by MLflow the way its users fetch them.
    dest = mlflow.artifacts.download_artifacts(f"models:/{model}@champion",
                                               dst_path=str(tmp_path / "champion"))
    assert pathlib.Path(dest, "weights.bin").read_text() == "weights-v2"

    # Every version carries MLflow's model format: pyfunc loads it with covidflow's loader
    # (scoring needs a real model and covidflow predict).
    loaded = mlflow.pyfunc.load_model(f"models:/{model}@champion")
    assert loaded.metadata.flavors["python_function"]["loader_module"] == "covidflow_pyfunc"
    assert type(loaded._model_impl).__name__ == "CovidflowModel"

    # The audit log is on the registered model, one JSON tag per change.
    audit = [json.loads(v) for k, v in sorted(registered.tags.items())
             if k.startswith("covidflow.audit.")]
    assert [e["action"] for e in audit] == [
        "create_model", "register_version", "register_version", "set_alias", "set_alias"]
    assert audit[-1]["target"] == "alias champion" and audit[-1]["to"] == "2"
    assert all(e["actor"] == "driver" and e["reason"] == "interop check" for e in audit)
