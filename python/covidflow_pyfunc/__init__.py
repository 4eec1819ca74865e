"""MLflow's python_function flavor for covidflow models.

Every model version covidflow registers carries an MLmodel file whose python_function flavor
names this module (loader_module) and ships it in the version's code/ folder, so that

    mlflow.pyfunc.load_model("models:/NAME@champion").predict(tweets_dataframe)
    mlflow.pyfunc.spark_udf(spark, "models:/NAME@champion")

score with the C++ predictor itself: this module writes the rows as JSON Lines, runs
`covidflow predict --model <the version's directory> --input <file> --format jsonl --out <file>`
and reads its JSON lines back, one per row, in order. No model logic lives here, so the
predictions are the ones `covidflow predict` gives (docs/decisions/0007-pyfunc-calls-the-binary.md).

The binary is $COVIDFLOW_BIN, else `covidflow` on PATH.
"""
import json
import os
import shutil
import subprocess
import tempfile

import pandas as pd

__all__ = ["CovidflowModel", "_load_pyfunc"]


def _binary():
    path = os.environ.get("COVIDFLOW_BIN") or shutil.which("covidflow")
    if not path:
        raise RuntimeError("covidflow_pyfunc: set COVIDFLOW_BIN to the covidflow binary "
                           "or put covidflow on PATH")
    return path


class CovidflowModel:
    """A loaded covidflow model version: predict() scores a DataFrame of tweets."""

    def __init__(self, model_dir):
        self.model_dir = model_dir
        self._columns = None

    def input_columns(self):
        """The columns the model reads, in the order its features.json names them."""
        if self._columns is None:
            with open(os.path.join(self.model_dir, "features.json"), encoding="utf-8") as f:
                features = json.load(f)["features"]
            self._columns = list(dict.fromkeys(x["column"] for x in features if "column" in x))
        return self._columns

    def _named(self, frame):
        """spark_udf called with bare columns names them "0", "1", ...: those are the model's
        input columns in order (udf(struct(...)) keeps the real names instead)."""
        positional = [str(i) for i in range(len(frame.columns))]
        if [str(c) for c in frame.columns] != positional:
            return frame
        wanted = self.input_columns()
        if len(wanted) < len(positional):
            raise RuntimeError(f"covidflow_pyfunc: {len(positional)} unnamed columns for a model "
                               f"that reads {len(wanted)}: {wanted}")
        return frame.set_axis(wanted[:len(positional)], axis=1)

    def predict(self, model_input, params=None):  # noqa: ARG002  MLflow's signature
        frame = model_input if isinstance(model_input, pd.DataFrame) else pd.DataFrame(
            model_input)
        frame = self._named(frame)
        with tempfile.TemporaryDirectory(prefix="covidflow-pyfunc-") as tmp:
            src = os.path.join(tmp, "input.jsonl")
            out = os.path.join(tmp, "predictions.jsonl")
            frame.to_json(src, orient="records", lines=True, force_ascii=False)
            proc = subprocess.run(
                [_binary(), "predict", "--model", self.model_dir, "--input", src,
                 "--format", "jsonl", "--out", out],
                capture_output=True, text=True, check=False)
            if proc.returncode != 0:
                raise RuntimeError(f"covidflow predict exited {proc.returncode}: "
                                   f"{proc.stderr.strip()}")
            with open(out, encoding="utf-8") as f:
                rows = [json.loads(line) for line in f if line.strip()]
        if len(rows) != len(frame):
            raise RuntimeError(f"covidflow predict gave {len(rows)} rows for {len(frame)}")
        return pd.DataFrame([_flatten(r) for r in rows], index=frame.index)


def _flatten(row):
    """{"class": c, "probabilities": {k: p}} → {"class": c, "p_k": p}: one column each."""
    flat = {}
    for key, value in row.items():
        if isinstance(value, dict):
            for k, v in value.items():
                flat[f"{key}.{k}"] = v
        else:
            flat[key] = value
    return flat


def _load_pyfunc(data_path):
    """MLflow's loader_module entry point: data_path is the version's directory."""
    return CovidflowModel(os.path.abspath(data_path))
