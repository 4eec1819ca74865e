"""tweet-sentiment: covidflow against the equivalent scikit-learn pipeline, in the same run, on
the same split and the same rows, everything on ONE core.

1. Training: `covidflow train --spec specs/tweet-sentiment.yaml` against scikit-learn's
   FeatureUnion(TfidfVectorizer word 1-2 + TfidfVectorizer char_wb 2-5, min_df 2, sublinear tf)
   + LogisticRegression(C=1, class_weight='balanced') on tweeteval-sentiment train; both
   scored on its validation split (macro-recall, the task's official metric). The spec also
   has VADER and text-count columns, which the scikit-learn pipeline has not: the quality
   figures compare a product with its plain peer, the time figures the work each does.
2. Predict throughput: ROWS tweets (the training texts repeated, default 100,000), one text
   a line. covidflow: `covidflow predict --format lines`, its `seconds.predict_cpu` (features
   + model, model already loaded, rows already read). scikit-learn: `pipeline.predict(texts)`,
   texts already in memory, its CPU time (time.process_time). CPU time, not wall time: on a
   shared machine wall time includes waiting for the core. Best of ROUNDS alternating rounds
   each; wall times are printed too.

Usage: .venv/bin/python bench/train/train_vs_sklearn.py [--bin build/release/src/cli/covidflow]
       [--rows 100000] [--rounds 3] [--core 0]
Build first: scripts/build.sh release (or ci, and pass --bin build/ci/src/cli/covidflow).
Bounded: each covidflow command has a 15-minute timeout; the whole run takes a few minutes
on a quiet machine.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

# One core, one thread, on both sides: set before numpy is imported.
for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[var] = "1"

parser = argparse.ArgumentParser()
parser.add_argument("--bin", default="build/release/src/cli/covidflow")
parser.add_argument("--spec", default="specs/tweet-sentiment.yaml")
parser.add_argument("--data", default="../shared/data/tweeteval-sentiment")
parser.add_argument("--rows", type=int, default=100_000)
parser.add_argument("--rounds", type=int, default=3)
parser.add_argument("--core", type=int, default=0)
args = parser.parse_args()

if not os.path.exists(args.bin):
    sys.exit(f"no {args.bin}: build first (scripts/build.sh release), or pass --bin")
train_csv = os.path.join(args.data, "train.csv")
val_csv = os.path.join(args.data, "val.csv")
for path in (train_csv, val_csv):
    if not os.path.exists(path):
        sys.exit(f"no {path}: the shared data sets are needed (../shared/data, see its README)")

os.sched_setaffinity(0, {args.core})  # children (covidflow) inherit it

import pandas as pd  # noqa: E402
from sklearn.feature_extraction.text import TfidfVectorizer  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.metrics import recall_score  # noqa: E402
from sklearn.pipeline import FeatureUnion, make_pipeline  # noqa: E402

TIMEOUT = 900


def run(cmd):
    return subprocess.run(cmd, check=True, capture_output=True, text=True, timeout=TIMEOUT)


work = tempfile.mkdtemp(prefix="bench-train-")
home = os.path.join(work, "home")

# --- training -----------------------------------------------------------------------------
t = time.perf_counter()
out = run([args.bin, "train", "--spec", args.spec, "--out", os.path.join(work, "model"),
           "--home", home, "--json"])
cf_train_wall = time.perf_counter() - t
report = json.loads(out.stdout)
cf_recall = report["splits"]["validation"]["metrics"]["macro_recall"]
cf_fit = report["seconds"]

train = pd.read_csv(train_csv, keep_default_na=False)
val = pd.read_csv(val_csv, keep_default_na=False)
pipe = make_pipeline(
    FeatureUnion([
        ("word", TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True)),
        ("char", TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), min_df=2,
                                 sublinear_tf=True)),
    ]),
    LogisticRegression(C=1.0, class_weight="balanced", max_iter=1000),
)
t = time.perf_counter()
pipe.fit(train["text"].tolist(), train["label_name"].tolist())
sk_train_wall = time.perf_counter() - t
sk_recall = recall_score(val["label_name"], pipe.predict(val["text"].tolist()), average="macro")

# --- predict throughput -------------------------------------------------------------------
texts = [" ".join(s.split()) for s in train["text"].tolist()]  # one line each
texts = (texts * (args.rows // len(texts) + 1))[: args.rows]
lines = os.path.join(work, "tweets.txt")
with open(lines, "w", encoding="utf-8") as f:
    f.write("\n".join(texts) + "\n")
cf_times, sk_times, cf_walls, sk_walls = [], [], [], []
for _ in range(args.rounds):
    out = run([args.bin, "predict", "--model", os.path.join(work, "model"), "--input", lines,
               "--format", "lines", "--out", os.path.join(work, "pred.jsonl"), "--home", home,
               "--json"])
    cf = json.loads(out.stdout)
    assert cf["rows"] == args.rows, cf
    cf_times.append(cf["seconds"]["predict_cpu"])
    cf_walls.append(cf["seconds"]["predict"])
    t, c = time.perf_counter(), time.process_time()
    predicted = pipe.predict(texts)
    sk_times.append(time.process_time() - c)
    sk_walls.append(time.perf_counter() - t)
    assert len(predicted) == args.rows
cf_best, sk_best = min(cf_times), min(sk_times)

load = os.getloadavg()[0]
print(f"tweet-sentiment, one core (core {args.core}), load average {load:.1f}")
print(f"{'':28}{'covidflow':>14}{'scikit-learn':>14}{'ratio':>9}")
print(f"{'train wall time (s)':28}{cf_train_wall:14.1f}{sk_train_wall:14.1f}"
      f"{sk_train_wall / cf_train_wall:8.2f}x")
print(f"{'validation macro-recall':28}{cf_recall:14.4f}{sk_recall:14.4f}"
      f"{cf_recall - sk_recall:+9.4f}")
print(f"{'predict tweets/s, CPU (best)':28}{args.rows / cf_best:14,.0f}"
      f"{args.rows / sk_best:14,.0f}{sk_best / cf_best:8.1f}x")
print(f"{'predict tweets/s, wall':28}{args.rows / min(cf_walls):14,.0f}"
      f"{args.rows / min(sk_walls):14,.0f}{min(sk_walls) / min(cf_walls):8.1f}x")
print(f"covidflow train phases (s): " + ", ".join(f"{k} {v:.2f}" for k, v in cf_fit.items()))
print(f"predict CPU seconds per round: covidflow {['%.3f' % s for s in cf_times]}, "
      f"scikit-learn {['%.3f' % s for s in sk_times]} ({args.rows:,} tweets)")
print(f"targets: >= 100,000 tweets/s: {'met' if args.rows / cf_best >= 100_000 else 'NOT met'}; "
      f">= 10x scikit-learn: {'met' if sk_best / cf_best >= 10 else 'NOT met'}")
subprocess.run(["rm", "-rf", work], check=False)
