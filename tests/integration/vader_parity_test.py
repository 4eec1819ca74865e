"""Parity: the C++ VADER scorer against the reference, vaderSentiment 3.3.2, on every text of
every tweet file in ../shared/data. neg, neu, pos (3 decimals) and compound (4 decimals) must
be identical; so must the text each side read from the CSV.

Both sides see the same string: the file is decoded as UTF-8 with errors="replace" (one
U+FFFD per ill-formed sequence; only corona-nlp needs it), a leading BOM is dropped, and
rows are split by Python's csv module with the default dialect. The C++ side reads the raw
bytes with schema's RFC 4180 splitter (src/schema/csv.h) and repairs each field the same way, so the comparison of the
"text" field also checks that both read the same rows.

Run through ctest (test `enrich_vader_parity`), or:
  CF_SENTIMENT_BIN="build/ci/src/cli/covidflow sentiment" \
    .venv/bin/python -m pytest -q tests/integration/vader_parity_test.py
CF_SENTIMENT_BIN may also be src/enrich/tests/enrich_sentiment_driver.
"""
import csv
import json
import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

BIN_ENV = "CF_SENTIMENT_BIN"
ROOT = Path(__file__).resolve().parents[2]
DATA = Path(os.environ.get("CF_SHARED_DATA_DIR", ROOT.parent / "shared" / "data"))

# (file under ../shared/data, column scored)
FILES = [
    ("tweeteval-sentiment/train.csv", "text"),
    ("tweeteval-sentiment/val.csv", "text"),
    ("corona-nlp/Corona_NLP_train.csv", "OriginalTweet"),
    ("covid19-tweets/covid19_tweets_2020-07-25_early.csv", "text"),
    ("covid19-vaccine-tweets/vaccination_tweets_before_2021-03-03.csv", "text"),
    ("covidsenti/COVIDSenti-A_train.csv", "tweet"),
    ("covidsenti/COVIDSenti-B_train.csv", "tweet"),
    ("covidsenti/COVIDSenti-C_train.csv", "tweet"),
    ("constraint-covid19-fake-news/Constraint_Train.csv", "tweet"),
    ("constraint-covid19-fake-news/Constraint_Val.csv", "tweet"),
]

# Texts whose scores are allowed to differ, each with the reason. None is expected: every
# difference found so far was a bug in the C++ scorer and was fixed.
KNOWN_DIFFERENCES = {}

KEYS = ("neg", "neu", "pos", "compound")
csv.field_size_limit(sys.maxsize)


@pytest.fixture(scope="module")
def command():
    value = os.environ.get(BIN_ENV)
    if not value:
        pytest.fail(f"{BIN_ENV} is not set: point it at enrich_sentiment_driver "
                    "(or 'covidflow sentiment')")
    argv = shlex.split(value)
    if not os.access(argv[0], os.X_OK):
        pytest.fail(f"{BIN_ENV}={value}: {argv[0]} is not an executable file")
    return argv


@pytest.fixture(scope="module")
def analyzer():
    return SentimentIntensityAnalyzer()


def reference_texts(path: Path, column: str):
    with open(path, encoding="utf-8-sig", errors="replace", newline="") as f:
        rows = csv.reader(f)
        header = next(rows)
        index = header.index(column)
        return [row[index] for row in rows if len(row) > index]


def cpp_scores(command, path: Path, column: str):
    done = subprocess.run(command + ["--format", "csv", "--column", column, str(path)],
                          capture_output=True, check=False)
    assert done.returncode == 0, done.stderr.decode("utf-8", "replace")
    # Split on LF only: str.splitlines() would also cut at U+0085 or U+2028 inside a text.
    return [json.loads(line) for line in done.stdout.decode("utf-8").split("\n") if line]


@pytest.mark.parametrize("name,column", FILES, ids=[f for f, _ in FILES])
def test_scores_equal_reference(command, analyzer, name, column):
    path = DATA / name
    if not path.is_file():
        pytest.fail(f"missing shared data file {path} (see /work/shared/data/README.md)")
    texts = reference_texts(path, column)
    got = cpp_scores(command, path, column)
    assert len(got) == len(texts), f"C++ read {len(got)} rows, Python {len(texts)}"
    assert len(texts) > 0

    differences = []
    for i, (text, row) in enumerate(zip(texts, got)):
        assert row["text"] == text, f"row {i}: the two sides read different text"
        want = analyzer.polarity_scores(text)
        if any(row[k] != want[k] for k in KEYS):
            differences.append((i, text, {k: row[k] for k in KEYS}, want))
    unexplained = [d for d in differences if d[1] not in KNOWN_DIFFERENCES]
    print(f"\n{name}: {len(texts)} texts compared, {len(differences)} differ "
          f"({len(differences) - len(unexplained)} explained)")
    assert not unexplained, "first differences:\n" + "\n".join(
        f"row {i}: {t!r}\n  C++ {g}\n  ref {w}" for i, t, g, w in unexplained[:10])


# Random texts built to hit every rule, and the rules' interactions, far more often than
# tweets do: rule words, boosters in capitals, repeated values around "but", emoji next to
# words, non-ASCII letters, odd whitespace and punctuation.
RULE_WORDS = [
    "no", "not", "never", "so", "this", "without", "doubt", "but", "BUT", "kind", "of", "sort",
    "least", "at", "very", "VERY", "or", "nor", "the", "shit", "bomb", "bad", "ass", "bus",
    "stop", "yeah", "right", "kiss", "death", "to", "die", "for", "beating", "heart", "just",
    "enough", "kinda", "sorta", "isn't", "don't", "DON'T", "aint", "extremely", "barely",
    "good", "GOOD", "great", "love", "hate", "HATE", "sad", "happy", "ok", "okay", "lol", "sux",
    ":)", ":(", ":D", "<3", ":-Þ", "fun", "funny", "badass", "wtf", "😁", "😢", "🆙", "💘", "©",
    "\u212aind", "ÉCOLE", "café", "İstanbul", "ΓΕΙΑ", "good!", "bad?", "(great)", "'love'",
    "\u00a0", "\u2003", "\u200b", "\u200d", "\t", "!!", "???", "....", "-", "n't",
]


def random_texts(count, seed=20140601):
    import random
    rng = random.Random(seed)
    for _ in range(count):
        words = [rng.choice(RULE_WORDS) for _ in range(rng.randint(0, 14))]
        seps = [rng.choice([" ", " ", " ", "", "  ", "\u00a0"]) for _ in words]
        yield "".join(w + s for w, s in zip(words, seps))


def test_random_rule_texts_equal_reference(command, analyzer, tmp_path):
    texts = list(random_texts(30000))
    path = tmp_path / "texts.txt"
    path.write_text("".join(t + "\n" for t in texts), encoding="utf-8")
    done = subprocess.run(command + ["--format", "lines", str(path)], capture_output=True,
                          check=False)
    assert done.returncode == 0, done.stderr.decode("utf-8", "replace")
    got = [json.loads(line) for line in done.stdout.decode("utf-8").split("\n") if line]
    assert len(got) == len(texts)
    differences = []
    for text, row in zip(texts, got):
        assert row["text"] == text
        want = analyzer.polarity_scores(text)
        if any(row[k] != want[k] for k in KEYS):
            differences.append((text, {k: row[k] for k in KEYS}, want))
    print(f"\nrandom rule texts: {len(texts)} compared, {len(differences)} differ")
    assert not differences, "first differences:\n" + "\n".join(
        f"{t!r}\n  C++ {g}\n  ref {w}" for t, g, w in differences[:10])
