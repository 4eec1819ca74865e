"""Writes the request bodies of bench_serve.sh: MLflow dataframe_split JSON with a `text`
column, one file with the first validation tweet and one with the first 100.

Usage: python make_bodies.py VAL.csv OUT_DIR (not requests.py: that name would shadow the
requests package for the scripts next to it)
"""

import json
import sys

import pandas as pd


def main() -> int:
    val = pd.read_csv(sys.argv[1], keep_default_na=False)
    for name, rows in (("one.json", 1), ("hundred.json", 100)):
        body = {"dataframe_split": {"columns": ["text"], "data": [[t] for t in val["text"][:rows]]}}
        with open(f"{sys.argv[2]}/{name}", "w", encoding="utf-8") as out:
            json.dump(body, out, ensure_ascii=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
