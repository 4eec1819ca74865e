"""`covidflow process --metrics-port N`: /metrics is served while the processor runs, its
series (the log's offsets and the group's lag read at scrape time, and the processor probe's
counters and histograms) agree with the run's --json counts, and Prometheus' own checker
accepts the text."""
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import time
import urllib.request

import pytest

from conftest import covidflow_bin, run

SERIES = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$')
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def parse_exposition(text):
    """{(name, ((label, value), ...)): float} of every sample line."""
    samples = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = SERIES.match(line)
        assert m, f"not a sample line: {line!r}"
        labels = tuple(sorted(LABEL.findall(m.group(3) or "")))
        samples[(m.group(1), labels)] = float(m.group(4))
    return samples


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def scrape(port):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as r:
        assert r.status == 200
        assert r.headers["Content-Type"].startswith("text/plain; version=0.0.4")
        return r.read().decode()


def promtool_check(text):
    promtool = shutil.which("promtool")
    if promtool is None:
        pytest.fail("promtool not found: it comes with the Debian package 'prometheus', "
                    "which scripts/setup.sh installs")
    r = subprocess.run([promtool, "check", "metrics"], input=text, capture_output=True,
                       text=True)
    assert r.returncode == 0, f"promtool check metrics:\n{r.stdout}{r.stderr}\non:\n{text}"


def test_process_serves_metrics_that_match_its_counts(home):
    uri = f"file://{home}/log"
    tweets = f"{home}/t.csv"
    run("generate", "--count", 20000, "--seed", 5, "--malformed-rate", 0.01, "--out", tweets)
    produced = json.loads(run("produce", "--from", tweets, "--to", uri, "--json").stdout)
    port = free_port()
    p = subprocess.Popen([covidflow_bin(), "process", "--from", uri, "--group", "metrics-e2e",
                          "--metrics-port", str(port), "--json"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        raw = ("covidflow_log_end_offset", (("topic", "tweets.raw"),))
        group = (("group", "metrics-e2e"), ("topic", "tweets.raw"))
        committed = ("covidflow_consumer_committed_offset", group)
        lag = ("covidflow_consumer_lag_records", group)
        deadline = time.monotonic() + 120
        text, samples, scrapes = "", {}, 0
        while time.monotonic() < deadline:
            assert p.poll() is None, p.stderr.read()
            try:
                text = scrape(port)
            except OSError:  # not listening yet
                time.sleep(0.1)
                continue
            scrapes += 1
            samples = parse_exposition(text)
            if samples.get(committed) == produced["records"] and samples.get(lag) == 0:
                break
            time.sleep(0.2)
        assert samples.get(committed) == produced["records"], text
        assert p.poll() is None, "the scrapes above were taken while the processor ran"
        promtool_check(text)
    finally:
        p.send_signal(signal.SIGINT)
        out, err = p.communicate(timeout=60)
    assert p.returncode == 0, err
    assert f"metrics at http://127.0.0.1:{port}/metrics" in err
    counts = json.loads(out)
    assert counts["consumed"] == produced["records"] == samples[raw]
    assert counts["dead_letters"] > 0
    assert samples[committed] == counts["consumed"]
    assert samples[lag] == 0
    assert samples[("covidflow_log_end_offset", (("topic", "tweets.enriched"),))] == \
        counts["enriched"]
    assert samples[("covidflow_log_end_offset", (("topic", "tweets.dlq"),))] == \
        counts["dead_letters"]
    # The processor's own probe (process/probe.h), counting as the run goes.
    def probe(name, labels=()):
        return samples[(f"covidflow_process_{name}", labels)]
    assert probe("records_consumed_total") == counts["consumed"]
    assert probe("records_enriched_total") == counts["enriched"]
    assert probe("records_recovered_total") == counts["recovered"] == 0
    assert probe("batches_total") == counts["batches"] > 0
    by_reason = {dict(labels)["reason"]: v for (name, labels), v in samples.items()
                 if name == "covidflow_process_dead_letters_total"}
    assert by_reason == {k: float(v) for k, v in counts["dead_letters_by_reason"].items()}
    for phase in counts["phase_seconds"]:
        assert probe("phase_seconds_count", (("phase", phase),)) > 0, phase


def test_metrics_port_in_use_is_a_clear_error(home):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        os.makedirs(f"{home}/log")  # an empty log: a missing one is refused first
        r = run("process", "--from", f"file://{home}/log", "--exit-when-idle",
                "--metrics-port", port, check=False)
    assert r.returncode != 0
    assert "metrics endpoint" in r.stderr and f":{port}" in r.stderr, r.stderr


def test_metrics_port_is_off_by_default(home):
    uri = f"file://{home}/log"
    run("generate", "--count", 100, "--out", f"{home}/t.csv")
    run("produce", "--from", f"{home}/t.csv", "--to", uri)
    r = run("process", "--from", uri, "--exit-when-idle", "--json")
    assert json.loads(r.stdout)["consumed"] == 100
    assert "metrics at" not in r.stderr


def wait_for_sample(port, key, want, proc, timeout=60):
    """Scrapes until sample `key` equals `want`; returns the last samples and text."""
    deadline = time.monotonic() + timeout
    samples, text = {}, ""
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.stderr.read()
        try:
            text = scrape(port)
        except OSError:  # not listening yet
            time.sleep(0.1)
            continue
        samples = parse_exposition(text)
        if samples.get(key) == want:
            return samples, text
        time.sleep(0.1)
    raise AssertionError(f"{key} never reached {want}:\n{text}")


def test_produce_serves_its_probe_while_reading_a_pipe(home):
    """produce --metrics-port on a live pipe: the file source's probe counts records as they
    are sent, and the --json end-of-run counts are the probe's last values."""
    uri = f"file://{home}/log"
    run("generate", "--count", 3000, "--seed", 9, "--format", "jsonl", "--out", f"{home}/t.jsonl")
    lines = open(f"{home}/t.jsonl", encoding="utf-8").read().splitlines(keepends=True)
    port = free_port()
    p = subprocess.Popen([covidflow_bin(), "produce", "--to", uri, "--input-format", "jsonl",
                          "--metrics-port", str(port), "--json"],
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True)
    labels = (("topic", "tweets.raw"),)
    sent = ("covidflow_produce_records_sent_total", labels)
    try:
        # The first half and two blank lines, then wait while the pipe stays open.
        p.stdin.write("".join(lines[:1000]) + "\n  \n" + "".join(lines[1000:1500]))
        p.stdin.flush()
        samples, text = wait_for_sample(port, sent, 1500, p)
        assert samples[("covidflow_produce_records_read_total", labels)] == 1502
        assert samples[("covidflow_produce_records_skipped_total",
                        (("reason", "blank"), ("topic", "tweets.raw")))] == 2
        assert p.poll() is None, "scraped while produce was still reading"
        promtool_check(text)
        out, err = p.communicate(input="".join(lines[1500:]), timeout=60)
    finally:
        if p.poll() is None:
            p.kill()
            p.communicate()
    assert p.returncode == 0, err
    assert f"metrics at http://127.0.0.1:{port}/metrics" in err
    counts = json.loads(out)
    assert counts["records"] == 3000
    assert counts["read"] == 3002
    assert counts["skipped_by_reason"] == {"blank": 2}
    assert counts["bytes"] == sum(len(l.rstrip("\n").encode()) for l in lines)
    assert counts["input_bytes"] == os.path.getsize(f"{home}/t.jsonl") + 4
    assert set(counts["phase_seconds"]) >= {"read", "send", "flush"}
    consumed = json.loads(run("process", "--from", uri, "--exit-when-idle", "--json").stdout)
    assert consumed["consumed"] == 3000

