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

    def predict(self, model_input, params=None):  # noqa: ARG002  MLflow's signature
        frame = model_input if isinstance(model_input, pd.DataFrame) else pd.DataFrame(
            model_input)
        # spark_udf without a signature names its columns 0, 1, ...: one column is the text.
        if "text" not in frame.columns and len(frame.columns) == 1:
            frame = frame.rename(columns={frame.columns[0]: "text"})
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
