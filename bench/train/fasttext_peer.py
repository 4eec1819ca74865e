"""fastText (the Debian `fasttext` 0.9.2 command line, `apt-get install fasttext`; not a project
dependency) on the tweet-sentiment split: train on train.csv, macro-recall and accuracy on
val.csv, one thread, seed 42. The measurement behind docs/decisions/0013-no-fasttext-family.md.

Usage: .venv/bin/python bench/train/fasttext_peer.py [--data ../shared/data/tweeteval-sentiment]
"""
import argparse
import csv
import os
import re
import subprocess
import sys
import tempfile
import time

ap = argparse.ArgumentParser()
ap.add_argument("--data", default=os.path.join(os.path.dirname(__file__), "../../../shared/data",
                                               "tweeteval-sentiment"))
args = ap.parse_args()
for name in ("train.csv", "val.csv"):
    if not os.path.exists(os.path.join(args.data, name)):
        sys.exit(f"{args.data}/{name} is missing (see ../shared/data/README.md)")


def prep(text):
    # Lower case, punctuation as tokens of its own: fastText splits on white space only.
    return re.sub(r"\s+", " ", re.sub(r'([!?.,;:()"])', r" \1 ", text.lower())).strip()


def write(src, dst):
    rows = list(csv.DictReader(open(src, newline="", encoding="utf-8")))
    with open(dst, "w", encoding="utf-8") as f:
        for r in rows:
            f.write(f"__label__{r['label_name']} {prep(r['text'])}\n")
    return rows


with tempfile.TemporaryDirectory() as tmp:
    write(os.path.join(args.data, "train.csv"), f"{tmp}/train.txt")
    val = write(os.path.join(args.data, "val.csv"), f"{tmp}/val.txt")
    with open(f"{tmp}/val_text.txt", "w", encoding="utf-8") as f:
        f.writelines(prep(r["text"]) + "\n" for r in val)
    truth = [r["label_name"] for r in val]
    classes = sorted(set(truth))
    for extra in (["-wordNgrams", "2"], ["-wordNgrams", "2", "-minn", "2", "-maxn", "5"]):
        t = time.time()
        subprocess.run(["fasttext", "supervised", "-input", f"{tmp}/train.txt", "-output",
                        f"{tmp}/m", "-thread", "1", "-seed", "42", "-epoch", "10", "-lr", "0.5",
                        *extra], check=True, capture_output=True)
        wall = time.time() - t
        pred = subprocess.run(["fasttext", "predict", f"{tmp}/m.bin", f"{tmp}/val_text.txt"],
                              check=True, capture_output=True, text=True).stdout.split()
        pred = [p.removeprefix("__label__") for p in pred]
        recall = [sum(p == c == y for p, y in zip(pred, truth)) / truth.count(c) for c in classes]
        accuracy = sum(p == y for p, y in zip(pred, truth)) / len(truth)
        print(f"fasttext {' '.join(extra)}: macro_recall {sum(recall) / len(classes):.4f} "
              f"accuracy {accuracy:.4f} train {wall:.1f} s wall")
