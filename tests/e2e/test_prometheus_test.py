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
import urllib.error
import urllib.parse
import urllib.request

import pytest

from conftest import covidflow_bin, read_topic, run, sample_csv
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


SPEC = """name: prom-sample
task: multiclass
seed: 1
label: label_name
features:
  - {name: text, kind: text, column: text, word_ngrams: [1, 2]}
model:
  family: linear
split:
  by: files
  train: train.csv
  validation: val.csv
metrics: [macro_recall]
"""


def post(url, body, content_type="application/json"):
    req = urllib.request.Request(url, data=body.encode(), method="POST")
    req.add_header("Content-Type", content_type)
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code


def test_prometheus_reads_the_server_and_the_stream_monitor(home):
    """`serve` (requests by endpoint, code, model and version; rows; latency histogram) and `monitor run` (records, windows, drift gauges per column) scraped by one
    Prometheus; every series read back through /api/v1/query equals what the test did or
    what the monitor published."""
    from test_monitor_run_test import DAYS, ingest, shifted
    data = os.path.join(os.environ.get("CF_SHARED_DATA_DIR", "../../../shared/data"),
                        "tweeteval-sentiment")
    sample_csv(os.path.join(data, "train.csv"), f"{home}/train.csv", 600)
    sample_csv(os.path.join(data, "val.csv"), f"{home}/val.csv", 100)
    with open(f"{home}/spec.yaml", "w") as f:
        f.write(SPEC)
    run("train", "--spec", f"{home}/spec.yaml", "--out", f"{home}/model", "--home", home)
    run("generate", "--count", 2000, "--seed", 5, "--out", f"{home}/g1.csv")
    run("generate", "--count", 2000, "--seed", 6, "--drift-after", 0, "--out", f"{home}/g2.csv")
    shifted(f"{home}/g2.csv", f"{home}/d2.csv", 1)
    ingest(home, f"{home}/g1.csv")
    ingest(home, f"{home}/d2.csv")

    mon_port, prom_port = free_port(), free_port()
    serve = subprocess.Popen([covidflow_bin(), "serve", "--model-dir", f"{home}/model", "--port",
                              "0", "--home", home, "--json"], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    monitor = subprocess.Popen([covidflow_bin(), "monitor", "run", "--home", home, "--reference",
                                f"lake:{home}/lake?from={DAYS[0]}&to={DAYS[0]}", "--window", "1d",
                                "--lateness", "2h", "--metrics-port", str(mon_port)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    prom = None
    try:
        info = json.loads(serve.stdout.readline())
        srv_port = info["port"]
        config = f"{home}/prometheus.yml"
        with open(config, "w") as f:
            f.write("global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n"
                    "scrape_configs:\n"
                    "  - job_name: serve\n    static_configs:\n"
                    f"      - targets: ['127.0.0.1:{srv_port}']\n"
                    "  - job_name: monitor\n    static_configs:\n"
                    f"      - targets: ['127.0.0.1:{mon_port}']\n")
        prom = subprocess.Popen([prometheus_bin(), f"--config.file={config}",
                                 f"--storage.tsdb.path={home}/tsdb",
                                 f"--web.listen-address=127.0.0.1:{prom_port}"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        url = f"http://127.0.0.1:{srv_port}"
        body = json.dumps({"instances": ["I love this!", "worst day ever", "it is tuesday"]})
        codes = [post(url + "/invocations", body) for _ in range(7)]
        codes += [post(url + "/invocations", "text,x", content_type="text/plain")
                  for _ in range(2)]
        assert codes == [200] * 7 + [415] * 2
        wait_until("Prometheus to be ready", lambda: urllib.request.urlopen(
            f"http://127.0.0.1:{prom_port}/-/ready", timeout=2).status == 200, 30)
        ok = (f'covidflow_serve_requests_total{{endpoint="/invocations",code="200",'
              f'model="{info["model"]}",version="{info["version"]}"}}')
        wait_until("Prometheus to scrape both", lambda: (
            list(query(prom_port, ok).values()) == [7.0]
            and list(query(prom_port, "covidflow_monitor_windows_total").values()) == [1.0]), 60)
        assert serve.poll() is None and monitor.poll() is None
        promtool_check(scrape(srv_port))
        promtool_check(scrape(mon_port))
        refused = query(prom_port, 'covidflow_serve_requests_total{code="415"}')
        latency = query(prom_port, 'covidflow_serve_request_duration_seconds_count'
                                   '{endpoint="/invocations"}')
        rows = query(prom_port, "covidflow_serve_rows_total")
        records = query(prom_port, "covidflow_monitor_records_total")
        detected = query(prom_port, "covidflow_drift_detected")
        scores = query(prom_port, "covidflow_drift_score")
        dataset = query(prom_port, "covidflow_drift_dataset_detected")
        start = query(prom_port, "covidflow_drift_window_start_seconds")
        up = query(prom_port, "sum(up)")  # both jobs
    finally:
        for p in (serve, monitor, prom):
            if p is not None:
                p.send_signal(signal.SIGTERM)
        for p in (serve, monitor, prom):
            if p is not None:
                p.communicate(timeout=60)
    assert serve.returncode == 0 and monitor.returncode == 0, monitor.stderr
    assert list(up.values()) == [2.0]
    assert sum(refused.values()) == 2.0
    assert list(latency.values()) == [9.0]
    assert {dict(k)["version"]: v for k, v in rows.items()} == {str(info["version"]): 21.0}
    by_outcome = {dict(k)["outcome"]: v for k, v in records.items()}
    assert by_outcome["windowed"] == 4000.0 and by_outcome["late"] == 0.0
    # The gauges hold the published window's figures: the day-1 window against itself.
    event = json.loads(read_topic(f"file://{home}/log", "monitor.events")[0]["value"])
    assert list(start.values()) == [event["window_start_ms"] / 1000]
    want = {c["column"]: c for c in event["columns"]}
    assert {dict(k)["column"]: v for k, v in detected.items()} == {
        c: float(x["drifted"]) for c, x in want.items()}
    for k, v in scores.items():
        assert v == pytest.approx(want[dict(k)["column"]]["score"], rel=1e-12)
    assert list(dataset.values()) == [float(event["dataset_drift"])]
