"""`covidflow up` on a real Kafka broker and a real `mlflow server`, checked from outside.

One `up` process configured by a config file (log.uri kafka://..., registry.uri http://...)
is fed a generated stream whose sentiment mix drifts. The test asserts, through the broker, MLflow's
REST API, the scoring server and `covidflow audit --json`, that the loop happened: the first
model trained, registered in MLflow with the alias on it, served (an answer names the version),
a retraining triggered and the alias moved, the staging gate went through the server, the audit
trail has the trigger and promotion entries, and SIGTERM stops `up` with exit 0; started again
it resumes (the champion served at once, every tweet in the lake once).

Needs the broker of tests/integration/kafka_env.sh (CF_KAFKA_BOOTSTRAP) and the MLflow server
of ctest's mlflow_server fixture (CF_MLFLOW_DIR, or CF_MLFLOW_URI); label kafka. Every
readiness is polled with a generous deadline; nothing asserts a duration."""
import json
import os
import pathlib
import re
import signal
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid

import pytest

from conftest import covidflow_bin, run

ROOT = pathlib.Path(__file__).resolve().parents[2]


def mlflow_url():
    url = os.environ.get("CF_MLFLOW_URI", "")
    if url:
        return url.rstrip("/")
    d = os.environ.get("CF_MLFLOW_DIR", "")
    if not d or not pathlib.Path(d, "url").exists():
        pytest.fail("CF_MLFLOW_DIR (ctest's mlflow_server fixture) or CF_MLFLOW_URI must name a "
                    "running MLflow server")
    return pathlib.Path(d, "url").read_text().strip()


def kafka_bootstrap():
    b = os.environ.get("CF_KAFKA_BOOTSTRAP", "")
    if not b:
        pytest.fail("CF_KAFKA_BOOTSTRAP (a running broker of tests/integration/kafka_env.sh) "
                    "is not set")
    return b


def http_json(method, url, body=None, headers=None, timeout=10):
    """(status, parsed JSON body or text, response headers); never raises on an HTTP status."""
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method,
                                 headers={"Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            raw, status, hdrs = r.read().decode(), r.status, dict(r.headers)
    except urllib.error.HTTPError as e:
        raw, status, hdrs = e.read().decode(), e.code, dict(e.headers)
    try:
        return status, json.loads(raw), hdrs
    except ValueError:
        return status, raw, hdrs


class Up:
    """The `covidflow up` process: its stdout lines, read from a file as it writes them."""

    def __init__(self, cmd, out_path, err_path):
        self.out_path, self.err_path = out_path, err_path
        self.out = open(out_path, "w")
        self.err = open(err_path, "w")
        self.proc = subprocess.Popen([str(c) for c in cmd], stdout=self.out, stderr=self.err,
                                     stdin=subprocess.DEVNULL)

    def said(self):
        return pathlib.Path(self.out_path).read_text()

    def story(self):
        return ("--- up's stdout:\n" + self.said() + "\n--- up's stderr (last 60 lines):\n" +
                "\n".join(pathlib.Path(self.err_path).read_text().splitlines()[-60:]))

    def wait_for(self, what, check, deadline_s=60):
        """Polls `check()` (a value or None) until it gives a value; fails naming `what`."""
        end = time.monotonic() + deadline_s
        while True:
            got = check()
            if got:
                return got
            if self.proc.poll() is not None:
                pytest.fail(f"covidflow up exited ({self.proc.returncode}) before: {what}\n"
                            + self.story())
            if time.monotonic() > end:
                pytest.fail(f"no {what} within {deadline_s} s\n" + self.story())
            time.sleep(0.2)

    def line(self, pattern):
        m = re.search(pattern, self.said())
        return m

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.out.close()
        self.err.close()
        return self.proc.returncode


@pytest.fixture
def up_env(home):
    bootstrap, mlflow = kafka_bootstrap(), mlflow_url()
    tag = uuid.uuid4().hex[:8]
    model = f"up-e2e-{tag}"
    # Topics and groups of this run alone: the broker is shared with the other Kafka tests.
    config = pathlib.Path(home, "covidflow.yaml")
    config.write_text("\n".join([
        f"log.uri: kafka://{bootstrap}",
        f"registry.uri: {mlflow}",
        f"home: {home}",
        f"loop.model: {model}",
        f"produce.topic: up-{tag}.raw",
        f"process.topic: up-{tag}.raw",
        f"process.enriched_topic: up-{tag}.enriched",
        f"process.dlq_topic: up-{tag}.dlq",
        f"process.group: up-{tag}-processor",
        f"monitor.group: up-{tag}-monitor",
        f"monitor.events_topic: up-{tag}.events",
        f"loop.events_topic: up-{tag}.events",
        f"serve.predictions_topic: up-{tag}.predictions",
        "serve.token: e2e-s3cret",
        "",
    ]))
    return {"config": str(config), "model": model, "mlflow": mlflow, "home": home}


def alias_version(mlflow, model, alias):
    status, body, _ = http_json(
        "GET", f"{mlflow}/api/2.0/mlflow/registered-models/alias?"
        + urllib.parse.urlencode({"name": model, "alias": alias}))
    if status != 200:
        return None
    return int(body["model_version"]["version"])


def model_versions(mlflow, model):
    status, body, _ = http_json(
        "GET", f"{mlflow}/api/2.0/mlflow/model-versions/search?"
        + urllib.parse.urlencode({"filter": f"name='{model}'"}))
    assert status == 200, body
    return {int(v["version"]): v for v in body.get("model_versions", [])}


def test_up_closes_the_loop_on_kafka_and_mlflow(up_env, home):
    cf, cfg, model, mlflow = covidflow_bin(), up_env["config"], up_env["model"], up_env["mlflow"]
    stream = pathlib.Path(home, "stream.jsonl")
    run("generate", "--count", 6000, "--seed", 11, "--drift-after", 4000, "--format", "jsonl",
        "--out", stream)
    lines = stream.read_text().splitlines(keepends=True)
    before, after = pathlib.Path(home, "before.jsonl"), pathlib.Path(home, "after.jsonl")
    before.write_text("".join(lines[:4000]))
    after.write_text("".join(lines[4000:]))
    run("produce", "--config", cfg, "--from", before)

    up = Up([cf, "up", "--config", cfg, "--spec", ROOT / "specs" / "lake-sentiment.yaml",
             "--port", 0, "--dashboard-port", 0, "--tick-ms", 200, "--min-rows", 3000,
             "--cooldown", 1, "--watch", 2, "--poll-interval", 0.2, "--window", "15m",
             "--lateness", "1m", "--new-rows", 1500],
            str(pathlib.Path(home, "up.out")), str(pathlib.Path(home, "up.err")))
    try:
        # The first model: trained on the lake the processor filled from Kafka, registered in
        # MLflow (a READY version 1), the alias on it.
        up.wait_for("champion alias on v1 in MLflow",
                    lambda: alias_version(mlflow, model, "champion") == 1, 90)
        versions = model_versions(mlflow, model)
        assert versions[1]["status"] == "READY", versions[1]
        assert versions[1].get("run_id"), versions[1]

        # Served: an answer names the version.
        url = up.wait_for("the scoring server",
                          lambda: (m := up.line(r"serving: (http://[0-9.]+:\d+)/invocations"))
                          and m.group(1))
        status, body, headers = http_json(
            "POST", f"{url}/invocations", {"instances": ["I love the new vaccine centre"]})
        assert status == 200, body
        assert body["predictions"][0]["version"] == 1, body
        assert headers.get("X-Covidflow-Model") == f"{model}/1", headers

        # More tweets, drifted: a retraining is triggered (new rows or drift), the candidate is
        # registered, passes the staging gate through the server, and the alias moves.
        run("produce", "--config", cfg, "--from", after)
        v2 = up.wait_for("the alias moved past v1 in MLflow",
                         lambda: (v := alias_version(mlflow, model, "champion")) and v > 1 and v,
                         120)
        assert model_versions(mlflow, model)[v2]["status"] == "READY"
        gate = up.line(r"run \d+: passed the staging gate \((\d+) shadow requests through the "
                       r"server: (\d+) scored by the candidate")
        assert gate, "the staging gate did not go through the server\n" + up.story()
        assert int(gate.group(2)) > 0, gate.group(0)

        def served_v2():
            s, b, _ = http_json("POST", f"{url}/invocations", {"instances": ["what a day"]})
            return s == 200 and b["predictions"][0]["version"] == v2
        up.wait_for(f"v{v2} served", served_v2, 60)
        # Nothing named the challenger outside the gate: the shadow is off again.
        status, traffic, _ = http_json("GET", f"{url}/admin/traffic")
        assert status == 200 and traffic["mode"] == "off", traffic
    finally:
        code = up.stop()
    assert code == 0, f"covidflow up exited {code} on SIGTERM\n" + up.story()

    # The audit trail, as a person reads it: the triggers, the gates and the promotions.
    audit = json.loads(run("audit", model, "--config", cfg, "--json").stdout)
    actions = [e["action"] for e in audit]
    triggers = {e["target"]: e["reason"] for e in audit if e["action"] == "trigger"}
    assert "bootstrap" in triggers.get("run 1", ""), triggers
    assert re.search(r"^(data|drift):", triggers.get("run 2", "")), triggers
    assert any(e["action"] == "staging_gate" and "shadow requests through the server"
               in e["reason"] for e in audit), actions
    promotions = [e for e in audit if e["action"] == "set_alias" and e["target"] == "alias champion"]
    assert [e["to"] for e in promotions][:2] == ["1", str(v2)], promotions

    # Started again on the same broker and MLflow server, it resumes: v2 served at once (no
    # first model trained again), the processor's committed offsets on Kafka kept (the lake
    # ends with each of the 6000 tweets once), and SIGTERM again exits 0.
    lake = pathlib.Path(home, "lake")
    again = Up([cf, "up", "--config", cfg, "--spec", ROOT / "specs" / "lake-sentiment.yaml",
                "--port", 0, "--dashboard-port", 0, "--tick-ms", 200, "--min-rows", 3000,
                "--cooldown", 1, "--watch", 2, "--poll-interval", 0.2, "--window", "15m",
                "--lateness", "1m"],
               str(pathlib.Path(home, "up2.out")), str(pathlib.Path(home, "up2.err")))
    try:
        served = again.wait_for("the server after the restart",
                                lambda: again.line(r"serving: http://[0-9.]+:\d+/invocations \(([^)]+)\)"))
        assert served.group(1).startswith(f"{model}/{v2},"), served.group(0)

        def lake_rows():
            out = run("lake", "stats", lake, "--json", check=False)
            return json.loads(out.stdout)["rows"] if out.returncode == 0 else None
        again.wait_for("6000 lake rows", lambda: lake_rows() == 6000, 60)
    finally:
        code = again.stop()
    assert code == 0, f"covidflow up exited {code} on SIGTERM after a restart\n" + again.story()
    assert lake_rows() == 6000
    assert "run 1: triggered by bootstrap" not in again.said(), again.story()
    assert alias_version(mlflow, model, "champion") >= v2
