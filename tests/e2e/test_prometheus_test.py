"""A real Prometheus (Debian's `prometheus`, bound to 127.0.0.1, started and stopped here)
scrapes a running `covidflow process --metrics-port N` every second; the series of every stage
are read back through Prometheus' HTTP API (/api/v1/query) and must equal the run's own --json
counts: records consumed and enriched, dead letters by reason, consumer lag (summed and per
partition), batches, lake rows and files,
and the batch and per-phase latency histograms (phase "sync" is the fsync of the outputs).
`promtool check metrics` must accept the exposition."""
import json
import os
import shutil
import signal
import subprocess
import time
import urllib.parse
import urllib.request

import pytest

from conftest import covidflow_bin, run
from test_metrics_test import free_port, promtool_check, scrape


def prometheus_bin():
    path = shutil.which("prometheus")
    if path is None:
        pytest.fail("prometheus not found: Debian package 'prometheus' (scripts/setup.sh)")
    return path


def get_json(url):
    with urllib.request.urlopen(url, timeout=5) as r:
        return json.loads(r.read().decode())


def query(port, expr):
    """{frozenset(labels): value} of an instant query."""
    url = f"http://127.0.0.1:{port}/api/v1/query?" + urllib.parse.urlencode({"query": expr})
    body = get_json(url)
    assert body["status"] == "success", body
    out = {}
    for s in body["data"]["result"]:
        labels = {k: v for k, v in s["metric"].items() if k not in ("job", "instance")}
        out[frozenset(labels.items())] = float(s["value"][1])
    return out


def wait_until(what, predicate, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if predicate():
                return
        except OSError:  # not listening yet
            pass
        time.sleep(0.2)
    pytest.fail(f"timed out after {timeout} s waiting for {what}")


def test_prometheus_reads_every_stage_series(home):
    uri = f"file://{home}/log"
    tweets = f"{home}/t.csv"
    run("generate", "--count", 20000, "--seed", 11, "--malformed-rate", 0.01, "--out", tweets)
    produced = json.loads(run("produce", "--from", tweets, "--to", uri, "--json").stdout)
    cf_port, prom_port = free_port(), free_port()
    config = f"{home}/prometheus.yml"
    with open(config, "w") as f:
        f.write("global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n"
                "scrape_configs:\n  - job_name: covidflow\n    static_configs:\n"
                f"      - targets: ['127.0.0.1:{cf_port}']\n")
    proc = subprocess.Popen([covidflow_bin(), "process", "--from", uri, "--group", "prom-e2e",
                             "--lake", f"{home}/lake", "--metrics-port", str(cf_port), "--json"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    prom = subprocess.Popen([prometheus_bin(), f"--config.file={config}",
                             f"--storage.tsdb.path={home}/tsdb",
                             f"--web.listen-address=127.0.0.1:{prom_port}"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        wait_until("Prometheus to be ready", lambda: urllib.request.urlopen(
            f"http://127.0.0.1:{prom_port}/-/ready", timeout=2).status == 200, 30)
        consumed = "covidflow_process_records_consumed_total"
        lag = 'covidflow_consumer_lag_records{group="prom-e2e",topic="tweets.raw"}'
        # Until Prometheus has scraped the finished run: everything consumed, no lag left.
        wait_until("Prometheus to scrape the whole run", lambda: (
            list(query(prom_port, consumed).values()) == [produced["records"]]
            and list(query(prom_port, lag).values()) == [0.0]), 60)
        assert proc.poll() is None, "the processor must still be serving"
        text = scrape(cf_port)
        promtool_check(text)
        series = {
            "enriched": query(prom_port, "covidflow_process_records_enriched_total"),
            "dead": query(prom_port, "covidflow_process_dead_letters_total"),
            "batches": query(prom_port, "covidflow_process_batches_total"),
            "lake_rows": query(prom_port, "covidflow_process_lake_rows_total"),
            "lake_files": query(prom_port, "covidflow_process_lake_files_total"),
            "partition_lag": query(prom_port, "covidflow_consumer_partition_lag_records"),
            "batch_count": query(prom_port, "covidflow_process_batch_seconds_count"),
            "sync_count": query(prom_port, 'covidflow_process_phase_seconds_count{phase="sync"}'),
            "buckets": query(prom_port, "covidflow_process_batch_seconds_bucket"),
            "up": query(prom_port, 'up{job="covidflow"}'),
        }
    finally:
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
        prom.terminate()
        prom.communicate(timeout=30)
    assert proc.returncode == 0, err
    counts = json.loads(out)
    assert list(series["up"].values()) == [1.0]
    assert list(series["enriched"].values()) == [counts["enriched"]]
    by_reason = {dict(k)["reason"]: v for k, v in series["dead"].items()}
    assert by_reason == {k: float(v) for k, v in counts["dead_letters_by_reason"].items()}
    assert sum(by_reason.values()) == counts["dead_letters"] > 0
    assert list(series["batches"].values()) == [counts["batches"]]
    assert list(series["lake_rows"].values()) == [counts["lake_rows"]] == [counts["enriched"]]
    assert list(series["lake_files"].values()) == [counts["lake_files"]]
    assert counts["lake_files"] > 0
    lake_files = sum(len(fs) for _, _, fs in os.walk(f"{home}/lake/tweets"))
    assert counts["lake_files"] == lake_files  # no compaction ran: every file is still there
    # One lag series per partition of the input topic, every one at 0 once all is committed.
    partitions = {dict(k)["partition"]: v for k, v in series["partition_lag"].items()}
    assert sorted(partitions) == [str(p) for p in range(4)], partitions
    assert set(partitions.values()) == {0.0}
    assert list(series["sync_count"].values())[0] > 0
    assert list(series["batch_count"].values())[0] > 0
    # Cumulative buckets: +Inf holds every observation.
    inf = [v for k, v in series["buckets"].items() if dict(k)["le"] == "+Inf"]
    assert inf == list(series["batch_count"].values())
