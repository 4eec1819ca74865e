"""The scikit-learn peer of specs/tweet-sentiment.yaml for bench_serve.sh.

Trains word (1-2) + char_wb (2-5) n-gram TF-IDF (min_df 2) into a balanced logistic regression
(C=1) on the spec's train file, reports macro recall on its validation file, and saves the
pipeline with mlflow.sklearn.save_model so that `mlflow models serve` can serve it. The input
is a DataFrame with a `text` column, as in MLflow's dataframe_split requests. VADER and the
text counts of the spec have no scikit-learn equivalent and are left out: the peer is the
"TF-IDF + logistic regression" of issue 14.

Usage: python sklearn_peer.py --train TRAIN.csv --validation VAL.csv --out DIR
"""

import argparse
import json
import sys
import time

import mlflow.sklearn
import pandas as pd
from mlflow.models import infer_signature
from sklearn.compose import ColumnTransformer
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import recall_score
from sklearn.pipeline import Pipeline


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--train", required=True)
    parser.add_argument("--validation", required=True)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()

    train = pd.read_csv(args.train, keep_default_na=False)
    val = pd.read_csv(args.validation, keep_default_na=False)
    features = ColumnTransformer(
        [
            ("word", TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True), "text"),
            (
                "char",
                TfidfVectorizer(
                    analyzer="char_wb", ngram_range=(2, 5), min_df=2, sublinear_tf=True
                ),
                "text",
            ),
        ]
    )
    model = Pipeline(
        [
            ("features", features),
            (
                "classifier",
                LogisticRegression(C=1.0, class_weight="balanced", max_iter=1000),
            ),
        ]
    )
    started = time.monotonic()
    model.fit(train[["text"]], train["label_name"])
    fit_seconds = time.monotonic() - started
    predicted = model.predict(val[["text"]])
    macro_recall = recall_score(val["label_name"], predicted, average="macro")
    example = val[["text"]].head(2)
    mlflow.sklearn.save_model(
        model, args.out, signature=infer_signature(example, model.predict(example))
    )
    json.dump(
        {
            "train_rows": len(train),
            "fit_seconds": round(fit_seconds, 1),
            "validation_macro_recall": round(float(macro_recall), 4),
        },
        sys.stdout,
    )
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
