"""Shared fixtures of the CLI scenario tests: the covidflow binary and a scratch home."""
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
