"""covidflow dashboard in headless Chromium (Debian's chromium, driven over the DevTools
protocol from the .venv's websockets): a home with a generated stream that drifts and has
malformed records, produced, processed into the lake; `monitor run` publishing a drift event
per hour of it; a model trained on a TweetEval sample (../shared/data), registered twice,
promoted and rolled back; its answers on the validation rows written to the prediction log by
the server's own writer (monitor_quality_driver) and joined with their labels by `monitor
quality`, whose windows below 0.99 accuracy are events. The page must draw every chart with
data (each card's data-points), follow a second batch produced while it is open (live
throughput), log no console error or exception, and a 1280x800 screenshot is kept in CF_OUT_DIR
(ctest: build/<preset>/tests/e2e/dashboard/)."""
import asyncio
import base64
import csv
import json
import os
import re
import shutil
import subprocess
import tempfile
import time
import urllib.request

import pytest
import websockets

from conftest import covidflow_bin, run, sample_csv

DATA = os.path.join(os.environ.get("CF_SHARED_DATA_DIR", "../../../shared/data"),
                    "tweeteval-sentiment")
OUT_DIR = os.environ.get("CF_OUT_DIR") or tempfile.mkdtemp(prefix="cf-dashboard-")
CARDS = ["throughput", "dead-letters", "sentiment", "sentiment-country", "drift", "quality",
         "models", "timeline"]
HOUR_MS = 3600 * 1000
T0_MS = 1595656800000  # 2020-07-25 06:00 UTC, the generator's first tweet

SPEC = """name: dashboard-sample
task: multiclass
seed: {seed}
label: label_name
features:
  - {{name: text, kind: text, column: text, word_ngrams: [1, 2]}}
model:
  family: linear
  hyperparameters: {{C: {c}}}
split:
  by: files
  train: train.csv
  validation: val.csv
metrics: [macro_recall]
"""


@pytest.fixture
def populated(home):
    run("generate", "--count", "3000", "--drift-after", "1500", "--malformed-rate", "0.02",
        "--out", os.path.join(home, "tweets.csv"))
    run("produce", "--from", os.path.join(home, "tweets.csv"), "--home", home)
    run("process", "--home", home, "--lake", os.path.join(home, "lake"), "--exit-when-idle")
    sample_csv(os.path.join(DATA, "train.csv"), os.path.join(home, "train.csv"), 800)
    sample_csv(os.path.join(DATA, "val.csv"), os.path.join(home, "val.csv"), 200)
    for seed, c in ((1, 1.0), (2, 0.1)):
        spec = os.path.join(home, f"spec{seed}.yaml")
        with open(spec, "w") as f:
            f.write(SPEC.format(seed=seed, c=c))
        run("train", "--spec", spec, "--out", os.path.join(home, f"m{seed}"),
            "--register", "tweet-sentiment", "--home", home)
    run("models", "promote", "tweet-sentiment", "1", "--reason", "first model", "--home", home)
    run("models", "promote", "tweet-sentiment", "2", "--reason", "challenger", "--home", home)
    run("models", "rollback", "tweet-sentiment", "--reason", "worse live", "--home", home)
    # Drift: the generated stream (06:00 to about 07:40, the second half drifted) in 15-minute
    # windows against the whole stream.
    run("monitor", "run", "--home", home, "--reference",
        f"lake:{home}/lake?from=2020-07-25&to=2020-07-25", "--window", "15m", "--lateness", "1m",
        "--exit-when-idle")
    # Live quality: version 1's answers on the validation rows, spread over three hours, labelled
    # a minute later with the truth.
    run("predict", "--model", os.path.join(home, "m1"), "--input", os.path.join(home, "val.csv"),
        "--out", os.path.join(home, "predicted.jsonl"))
    with open(os.path.join(home, "val.csv"), newline="", encoding="utf-8") as f:
        truth = [row["label_name"] for row in csv.DictReader(f)]
    records, labels = [], ["tweet_id,label,time_ms"]
    with open(os.path.join(home, "predicted.jsonl")) as f:
        for i, (line, label) in enumerate(zip(f, truth)):
            p = json.loads(line)
            t = T0_MS + i * 3 * HOUR_MS // len(truth)
            records.append(json.dumps({
                "v": 1, "request_id": f"r{i}", "row": 0, "tweet_id": str(10**18 + i),
                "input_digest": "00000000", "model": "tweet-sentiment", "version": "1",
                "role": "champion", "label": p["class"], "probabilities": p["probabilities"],
                "latency_seconds": 0.001, "time_ms": t}))
            labels.append(f"{10**18 + i},{label},{t + 60000}")
    subprocess.run([quality_driver(), f"file://{home}/log", "predictions"],
                   input="\n".join(records) + "\n", text=True, check=True, capture_output=True)
    with open(os.path.join(home, "labels.csv"), "w") as f:
        f.write("\n".join(labels) + "\n")
    run("monitor", "quality", "--predictions", f"file://{home}/log", "--labels",
        os.path.join(home, "labels.csv"), "--window", "1h", "--lateness", "1m",
        "--min-accuracy", "0.99")
    return home


def quality_driver():
    path = os.environ.get("CF_QUALITY_DRIVER", "")
    if not path or not os.access(path, os.X_OK):
        pytest.fail(f"CF_QUALITY_DRIVER must name monitor_quality_driver (got {path!r})")
    return path


@pytest.fixture
def dashboard(populated):
    p = subprocess.Popen([covidflow_bin(), "dashboard", "--home", populated, "--port", "0",
                          "--interval", "0.5", "--json"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = p.stdout.readline()
    if not line:
        p.kill()
        pytest.fail("dashboard did not start: " + p.stderr.read())
    yield json.loads(line)["url"], populated
    p.terminate()
    assert p.wait(timeout=10) == 0


@pytest.fixture
def chromium():
    """A headless Chromium with the DevTools protocol on a free port; yields its /json URL."""
    exe = shutil.which("chromium")
    if exe is None:
        pytest.fail("chromium is missing: scripts/setup.sh installs Debian's chromium")
    profile = tempfile.mkdtemp(prefix="cf-chromium-")
    # --no-sandbox: CI runs as root, where Chromium refuses its sandbox.
    p = subprocess.Popen([exe, "--headless", "--no-sandbox", "--disable-gpu",
                          "--remote-debugging-port=0", "--user-data-dir=" + profile,
                          "--window-size=1280,800", "--hide-scrollbars", "about:blank"],
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.time() + 60
        port = None
        while time.time() < deadline and port is None:
            line = p.stderr.readline()
            m = re.search(r"DevTools listening on ws://127\.0\.0\.1:(\d+)/", line)
            if m:
                port = int(m.group(1))
            elif not line and p.poll() is not None:
                break
        if port is None:
            pytest.fail("chromium did not start its DevTools endpoint")
        yield f"http://127.0.0.1:{port}"
    finally:
        p.kill()
        p.wait()
        shutil.rmtree(profile, ignore_errors=True)


class Page:
    """One page target over the DevTools protocol: commands by id, events collected."""

    def __init__(self, ws):
        self.ws, self.next_id, self.events = ws, 0, []

    async def call(self, method, **params):
        self.next_id += 1
        my_id = self.next_id
        await self.ws.send(json.dumps({"id": my_id, "method": method, "params": params}))
        while True:
            msg = json.loads(await asyncio.wait_for(self.ws.recv(), timeout=60))
            if msg.get("id") == my_id:
                if "error" in msg:
                    raise AssertionError(f"{method}: {msg['error']}")
                return msg.get("result", {})
            if "method" in msg:
                self.events.append(msg)

    async def evaluate(self, expression):
        r = await self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        return r["result"].get("value")

    def errors(self):
        """Console errors, uncaught exceptions and browser log errors (a failed load)."""
        out = []
        for e in self.events:
            m, p = e["method"], e.get("params", {})
            if m == "Runtime.exceptionThrown":
                out.append(p["exceptionDetails"].get("text", "exception"))
            elif m == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert"):
                out.append(json.dumps(p.get("args")))
            elif m == "Log.entryAdded" and p["entry"].get("level") == "error":
                out.append(p["entry"].get("text", "") + " " + p["entry"].get("url", ""))
        return out


async def drive(devtools, url, home):
    with urllib.request.urlopen(devtools + "/json/list", timeout=30) as r:
        target = next(t for t in json.load(r) if t["type"] == "page")
    async with websockets.connect(target["webSocketDebuggerUrl"], max_size=64 << 20) as ws:
        page = Page(ws)
        for domain in ("Runtime", "Log", "Page"):
            await page.call(domain + ".enable")
        await page.call("Emulation.setDeviceMetricsOverride", width=1280, height=800,
                        deviceScaleFactor=1, mobile=False)
        await page.call("Page.navigate", url=url)
        points = {}
        deadline = time.time() + 60
        # Polls until every card shows data (the page polls the API every 1.5 s).
        while time.time() < deadline:
            points = await page.evaluate(
                "Object.fromEntries([...document.querySelectorAll('.card')]"
                ".map(c => [c.id, Number(c.dataset.points)]))") or {}
            if all(points.get(c, 0) > 0 for c in CARDS):
                break
            await asyncio.sleep(0.25)
        # Live: a second batch produced and processed while the page is open must show as a
        # rate on the throughput chart and in the totals.
        run("generate", "--count", "1000", "--seed", "9",
            "--out", os.path.join(home, "more.csv"))
        run("produce", "--from", os.path.join(home, "more.csv"), "--home", home)
        run("process", "--home", home, "--lake", os.path.join(home, "lake"), "--exit-when-idle")
        live = None
        while time.time() < deadline + 30:
            live = await page.evaluate(
                "({totals: document.getElementById('totals').textContent,"
                " peak: Math.max(...charts['throughput'].data[1].map(v => v || 0))})")
            if "ingested 4,000" in live["totals"] and live["peak"] > 0:
                break
            await asyncio.sleep(0.25)
        # One more poll with the charts drawn: updates must not raise either.
        await asyncio.sleep(1.6)
        page_errors = await page.evaluate("Number(document.body.dataset.errors)")
        totals = await page.evaluate("document.getElementById('totals').textContent")
        timeline = await page.evaluate(
            "[...document.querySelectorAll('#timeline td:nth-child(3)')].map(t => t.textContent)")
        shot = await page.call("Page.captureScreenshot", format="png")
        await page.call("Runtime.evaluate", expression="1")  # collect the last events
        return (points, live, page_errors, page.errors(), totals, timeline,
                base64.b64decode(shot["data"]))


def test_every_chart_has_data_and_no_console_error(dashboard, chromium):
    url, home = dashboard
    points, live, page_errors, errors, totals, timeline, png = asyncio.run(
        drive(chromium, url, home))
    os.makedirs(OUT_DIR, exist_ok=True)
    path = os.path.join(OUT_DIR, "dashboard.png")
    with open(path, "wb") as f:
        f.write(png)
    for card in CARDS:
        assert points.get(card, 0) > 0, f"card {card} has no data: {points}"
    assert errors == [], errors
    assert page_errors == 0
    # The figures of this home: 3000 + 1000 produced, 2% of the first 3000 malformed, all
    # processed; the second batch seen live as a rate.
    assert "ingested 4,000" in totals and "dead letters 60" in totals and "lag 0" in totals, totals
    assert live["peak"] > 0, live
    for action in ("register_version", "set_alias", "rollback_alias"):
        assert action in timeline, timeline
    # A PNG of the requested size (width and height are in the IHDR chunk).
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert int.from_bytes(png[16:20], "big") == 1280 and int.from_bytes(png[20:24], "big") == 800


def test_bad_flags_and_a_missing_home_exit_2(home):
    assert run("dashboard", "--home", os.path.join(home, "none"), "--port", "0",
               check=False).returncode == 2
    assert run("dashboard", "--port", "70000", "--home", home, check=False).returncode == 2
