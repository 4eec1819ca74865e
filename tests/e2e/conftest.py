"""Shared fixtures of the CLI scenario tests: the covidflow binary and a scratch home."""
import csv
import os
import shutil
import subprocess
import tempfile

import pytest


def covidflow_bin() -> str:
    path = os.environ.get("CF_BIN", "")
    if not path or not os.access(path, os.X_OK):
        pytest.fail(f"CF_BIN must name the covidflow binary (got {path!r}); ctest sets it")
    return path


@pytest.fixture
def cf():
    return covidflow_bin()


@pytest.fixture
def home():
    d = tempfile.mkdtemp(prefix="cf-e2e-")
    yield d
    shutil.rmtree(d, ignore_errors=True)


def run(*args, check=True, **kw):
    return subprocess.run([covidflow_bin(), *map(str, args)], check=check, capture_output=True,
                          text=True, **kw)


def read_topic(uri, topic):
    """Every record of a topic as parsed `topic tail --json` lines (raw, not deduplicated)."""
    import json
    out = run("topic", "tail", uri, topic, "--offset", "0", "-n", "100000000", "--json").stdout
    return [json.loads(line) for line in out.splitlines() if line]


def sample_csv(src, dst, rows):
    """Copies the header and the first `rows` records of the shared data file `src` to `dst`;
    fails the test, naming the file, when the data is missing."""
    if not os.path.exists(src):
        pytest.fail(f"{src} is missing: this test reads ../shared/data (see its README)")
    with open(src, newline="", encoding="utf-8") as f, open(dst, "w", newline="",
                                                              encoding="utf-8") as g:
        r, w = csv.reader(f), csv.writer(g)
        w.writerow(next(r))
        for i, row in enumerate(r):
            if i >= rows:
                break
            w.writerow(row)
