"""covidflow serve from the command line: a model trained on a sample of TweetEval
(../shared/data), registered and promoted with `covidflow models`, served on a free port;
every endpoint called over HTTP, the 4xx cases, a promotion followed without a restart, and
SIGTERM exits 0."""
import json
import os
import signal
import subprocess
import time
import urllib.error
import urllib.request

import pytest

from conftest import covidflow_bin, read_topic, run, sample_csv

DATA = os.path.join(os.environ.get("CF_SHARED_DATA_DIR", "../../../shared/data"),
                    "tweeteval-sentiment")

SPEC = """name: serve-sample
task: multiclass
seed: {seed}
label: label_name
features:
  - {{name: text, kind: text, column: text, word_ngrams: [1, 2], char_ngrams: [2, 4]}}
  - {{name: counts, kind: text_counts, column: text}}
model:
  family: linear
  hyperparameters: {{C: 1.0}}
split:
  by: files
  train: train.csv
  validation: val.csv
metrics: [macro_recall]
"""




def call(url, body=None, content_type="application/json", headers=None):
    data = None if body is None else (body if isinstance(body, bytes) else body.encode())
    req = urllib.request.Request(url, data=data, method="GET" if data is None else "POST")
    if data is not None:
        req.add_header("Content-Type", content_type)
    for k, v in (headers or {}).items():
        req.add_header(k, v)
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, r.read().decode(), dict(r.headers)
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode(), dict(e.headers)


@pytest.fixture
def registered(home):
    sample_csv(os.path.join(DATA, "train.csv"), os.path.join(home, "train.csv"), 1500)
    sample_csv(os.path.join(DATA, "val.csv"), os.path.join(home, "val.csv"), 300)
    for seed in (1, 2):
        with open(os.path.join(home, f"spec{seed}.yaml"), "w") as f:
            f.write(SPEC.format(seed=seed))
        run("train", "--spec", os.path.join(home, f"spec{seed}.yaml"), "--out",
            os.path.join(home, f"m{seed}"), "--home", home)
        run("models", "register", "sentiment", "--artifact", os.path.join(home, f"m{seed}"),
            "--home", home)
    run("models", "promote", "sentiment", "1", "--alias", "champion", "--reason", "first",
        "--home", home)
    return home


@pytest.fixture
def server(registered):
    env = dict(os.environ, COVIDFLOW_SERVE_TOKEN="t0ken")
    p = subprocess.Popen([covidflow_bin(), "serve", "--model", "sentiment@champion", "--port", "0",
                          "--poll-interval", "0.05", "--home", registered, "--json"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    line = p.stdout.readline()
    if not line:
        p.kill()
        pytest.fail("serve did not start: " + p.stderr.read())
    info = json.loads(line)
    yield p, "http://127.0.0.1:%d" % info["port"], info, registered
    if p.poll() is None:
        p.kill()
        p.wait()


def test_every_endpoint_and_the_error_cases(server):
    p, url, info, home = server
    assert info["model"] == "sentiment" and info["version"] == 1
    assert call(url + "/ping")[0] == 200
    assert call(url + "/health")[0] == 200
    assert json.loads(call(url + "/version")[1])["model_version"] == 1

    tweets = ["I love this, what a great day :)", "This is awful, I hate it"]
    bodies = [
        {"instances": tweets},
        {"inputs": {"text": tweets}},
        {"dataframe_records": [{"text": t} for t in tweets]},
        {"dataframe_split": {"columns": ["text"], "data": [[t] for t in tweets]}},
    ]
    answers = []
    for body in bodies:
        status, text, headers = call(url + "/invocations", json.dumps(body))
        assert status == 200, text
        preds = json.loads(text)["predictions"]
        assert len(preds) == 2
        for pr in preds:
            assert pr["model"] == "sentiment" and pr["version"] == 1
            assert set(pr["probabilities"]) == {"negative", "neutral", "positive"}
            assert abs(sum(pr["probabilities"].values()) - 1) < 1e-9
            assert pr["label"] == max(pr["probabilities"], key=pr["probabilities"].get)
        assert headers.get("X-Covidflow-Model") == "sentiment/1"
        answers.append(preds)
    assert all(a == answers[0] for a in answers)  # one pipeline whatever the input format
    labels = [pr["label"] for pr in answers[0]]
    assert labels[0] == "positive"
    csv_body = "text\n" + "\n".join('"%s"' % t for t in tweets) + "\n"
    status, text, _ = call(url + "/invocations", csv_body, "text/csv")
    assert status == 200 and json.loads(text)["predictions"] == answers[0]

    # v2
    assert json.loads(call(url + "/v2/health/live")[1]) == {"live": True}
    assert json.loads(call(url + "/v2/health/ready")[1]) == {"ready": True}
    assert json.loads(call(url + "/v2")[1])["name"] == "covidflow"
    meta = json.loads(call(url + "/v2/models/sentiment")[1])
    assert meta["versions"] == ["1"] and meta["inputs"][0]["name"] == "text"
    assert call(url + "/v2/models/sentiment/versions/1/ready")[0] == 200
    infer = {"id": "abc-1", "inputs": [{"name": "text", "shape": [2], "datatype": "BYTES",
                                        "data": tweets}]}
    status, text, _ = call(url + "/v2/models/sentiment/versions/1/infer", json.dumps(infer))
    assert status == 200, text
    out = json.loads(text)
    assert out["id"] == "abc-1" and out["model_version"] == "1"
    assert out["outputs"][0]["data"] == labels

    # 4xx, each in its protocol's error shape
    status, text, _ = call(url + "/invocations", "{not json")
    assert status == 400 and json.loads(text)["error_code"] == "BAD_REQUEST"
    status, text, _ = call(url + "/invocations", json.dumps({"instances": ["a"], "inputs": ["b"]}))
    assert status == 400 and "exactly one" in json.loads(text)["message"]
    assert call(url + "/invocations", "hello", "text/plain")[0] == 415
    status, text, _ = call(url + "/v2/models/nope/infer", json.dumps(infer))
    assert status == 404 and "nope" in json.loads(text)["error"]
    assert call(url + "/v2/models/sentiment/versions/7")[0] == 404
    assert call(url + "/v2/models/sentiment/infer", json.dumps({"inputs": [{"name": "text"}]}))[0] == 400
    assert call(url + "/invocations", json.dumps({"instances": ["x"] * 10001}))[0] == 400
    assert call(url + "/invocations", b"x" * (11 << 20))[0] == 413
    assert call(url + "/admin/reload", "")[0] == 401

    metrics = call(url + "/metrics")[1]
    assert 'covidflow_serve_requests_total{code="200",endpoint="/invocations",model="sentiment",version="1"} 5' in metrics

    # Request ids: given ones echoed, others made.
    one = json.dumps({"dataframe_records": [{"tweet_id": "1250000000000000001", "text": tweets[0]}]})
    status, _, headers = call(url + "/invocations", one, headers={"X-Request-Id": "order-42"})
    assert status == 200 and headers.get("X-Request-Id") == "order-42"
    assert call(url + "/invocations", one, headers={"X-Request-Id": "a b"})[0] == 400
    made = call(url + "/invocations", one)[2].get("X-Request-Id")
    assert made and made != "order-42"

    p.send_signal(signal.SIGTERM)
    assert p.wait(timeout=30) == 0

    # Every scored row is on the prediction log (flushed at SIGTERM); refused requests are not.
    logged = [json.loads(r["value"]) for r in read_topic("file://%s/log" % home, "predictions")]
    assert len(logged) == 4 * 2 + 2 + 2 + 2
    assert all(x["model"] == "sentiment" and x["version"] == "1" and x["role"] == "champion"
               for x in logged)
    v2rows = sorted((x for x in logged if x["request_id"] == "abc-1"), key=lambda x: x["row"])
    assert [(x["row"], x["label"]) for x in v2rows] == [(0, labels[0]), (1, labels[1])]
    ordered = [x for x in logged if x["request_id"] == "order-42"]
    assert len(ordered) == 1 and ordered[0]["tweet_id"] == "1250000000000000001"
    assert ordered[0]["input_digest"] == v2rows[0]["input_digest"]  # the same tweet text
    assert [x["tweet_id"] for x in logged if x["request_id"] == made] == ["1250000000000000001"]


def test_a_promotion_is_followed_without_a_restart(server):
    p, url, _, home = server
    run("models", "promote", "sentiment", "2", "--alias", "champion", "--reason", "better",
        "--home", home)
    deadline = time.time() + 30
    version = 1
    while time.time() < deadline and version != 2:
        status, text, _ = call(url + "/invocations", json.dumps({"instances": ["ok"]}))
        assert status == 200, text
        version = json.loads(text)["predictions"][0]["version"]
    assert version == 2
    assert json.loads(call(url + "/v2/models/sentiment")[1])["versions"] == ["2"]
    p.send_signal(signal.SIGTERM)
    assert p.wait(timeout=30) == 0


def test_bad_flags_exit_2_and_a_missing_model_exits_1(home):
    assert run("serve", "--home", home, check=False).returncode == 2
    r = run("serve", "--model", "x@", "--home", home, check=False)
    assert r.returncode == 2 and "serve.model" in r.stderr
    r = run("serve", "--model", "ghost@champion", "--home", home, "--port", "0", check=False)
    assert r.returncode == 1 and "ghost" in r.stderr
    assert run("serve", "--model-dir", os.path.join(home, "none"), "--port", "0",
               check=False).returncode == 1


def test_canary_and_shadow_are_logged_with_their_roles(registered):
    """serve --challenger: a canary share answered by the challenger (chosen by request id, a
    retry lands on the same version), then shadow set through /admin/traffic; the prediction
    log read back with `covidflow topic tail` has every request's rows with the right roles;
    the challenger follows its alias; bad /admin/traffic bodies are 4xx."""
    home = registered
    run("models", "promote", "sentiment", "2", "--alias", "challenger", "--reason", "try",
        "--home", home)
    env = dict(os.environ, COVIDFLOW_SERVE_TOKEN="t0ken")
    p = subprocess.Popen([covidflow_bin(), "serve", "--model", "sentiment@champion",
                          "--challenger", "sentiment@challenger", "--canary-share", "0.5",
                          "--port", "0", "--poll-interval", "0.05", "--home", home, "--json"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        line = p.stdout.readline()
        assert line, "serve did not start: " + p.stderr.read()
        info = json.loads(line)
        assert info["challenger"] == "sentiment/2"
        url = "http://127.0.0.1:%d" % info["port"]
        traffic = json.loads(call(url + "/admin/traffic")[1])
        assert traffic["mode"] == "canary" and traffic["canary_share"] == 0.5
        assert traffic["champion"]["version"] == 1 and traffic["challenger"]["version"] == 2

        def score(request_id):
            body = json.dumps({"dataframe_records": [
                {"tweet_id": request_id + "-a", "text": "I love this, what a great day :)"},
                {"tweet_id": request_id + "-b", "text": "This is awful, I hate it"}]})
            status, text, headers = call(url + "/invocations", body,
                                         headers={"X-Request-Id": request_id})
            assert status == 200, text
            assert headers.get("X-Request-Id") == request_id
            versions = {pr["version"] for pr in json.loads(text)["predictions"]}
            assert len(versions) == 1
            return versions.pop()

        answered = {"c%d" % i: score("c%d" % i) for i in range(60)}
        assert set(answered.values()) == {1, 2}
        assert 10 <= sum(v == 2 for v in answered.values()) <= 50
        assert all(score(rid) == v for rid, v in list(answered.items())[:20])  # retries

        auth = {"Authorization": "Bearer t0ken"}
        assert call(url + "/admin/traffic", json.dumps({"mode": "shadow"}))[0] == 401
        for bad in ["{", "[]", json.dumps({"mode": "canary"}),
                    json.dumps({"mode": "canary", "canary_share": 7}),
                    json.dumps({"mode": "sideways"})]:
            status, text, _ = call(url + "/admin/traffic", bad, headers=auth)
            assert status == 400, (bad, status, text)
            assert json.loads(text)["error"]["code"] == "InvalidArgument"
        status, text, _ = call(url + "/admin/traffic", json.dumps({"mode": "shadow"}),
                               headers=auth)
        assert status == 200 and json.loads(text)["mode"] == "shadow", text
        shadowed = ["s%d" % i for i in range(30)]
        assert all(score(rid) == 1 for rid in shadowed)

        # The challenger follows its alias.
        run("models", "promote", "sentiment", "1", "--alias", "challenger", "--reason", "back",
            "--home", home)
        deadline = time.time() + 30
        while (time.time() < deadline and
               json.loads(call(url + "/admin/traffic")[1])["challenger"]["version"] != 1):
            time.sleep(0.05)
        assert json.loads(call(url + "/admin/traffic")[1])["challenger"]["version"] == 1
        metrics = call(url + "/metrics")[1]
        assert 'covidflow_serve_rows_total{model="sentiment",role="canary",version="2"}' in metrics
        assert 'covidflow_serve_challenger_version{model="sentiment"} 1' in metrics
        # A challenger that follows an alias is not named by version: its watcher would move it.
        status, text, _ = call(url + "/admin/challenger", json.dumps({"version": 2}), headers=auth)
        assert status == 409 and "follows an alias" in text, text
    finally:
        p.send_signal(signal.SIGTERM)
        assert p.wait(timeout=30) == 0

    logged = [json.loads(r["value"]) for r in read_topic("file://%s/log" % home, "predictions")]
    rows = {}
    for x in logged:
        rows.setdefault(x["request_id"], []).append((x["role"], x["version"], x["row"],
                                                     x["tweet_id"]))
    for rid, version in answered.items():
        role = "canary" if version == 2 else "champion"
        # The first 20 were sent twice (the retries): the same version both times.
        times = 2 if int(rid[1:]) < 20 else 1
        assert sorted(rows[rid]) == sorted(
            [(role, str(version), r, rid + s) for r, s in ((0, "-a"), (1, "-b"))] * times), rid
    for rid in shadowed:
        assert sorted(rows[rid]) == sorted(
            [(role, "1" if role == "champion" else "2", r, rid + s)
             for role in ("champion", "shadow") for r, s in ((0, "-a"), (1, "-b"))]), rid
    assert len(logged) == sum(len(v) for v in rows.values())


def test_admin_challenger_names_a_version_on_a_separate_serve(registered):
    """serve --challenger NAME/VERSION, then POST /admin/challenger as `up`'s staging gate does
    it: a version of the served model loaded from the registry into the challenger slot with the
    shadow on; an unknown version is 404 and a missing token 401, the slot unchanged by both."""
    home = registered
    env = dict(os.environ, COVIDFLOW_SERVE_TOKEN="t0ken")
    p = subprocess.Popen([covidflow_bin(), "serve", "--model", "sentiment@champion",
                          "--challenger", "sentiment/1", "--port", "0", "--home", home, "--json"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        line = p.stdout.readline()
        assert line, "serve did not start: " + p.stderr.read()
        url = "http://127.0.0.1:%d" % json.loads(line)["port"]
        auth = {"Authorization": "Bearer t0ken"}
        name = json.dumps({"version": 2, "mode": "shadow"})
        assert call(url + "/admin/challenger", name)[0] == 401
        status, text, _ = call(url + "/admin/challenger", json.dumps({"version": 9}), headers=auth)
        assert status == 404 and json.loads(text)["error"]["code"] == "NotFound", text
        traffic = json.loads(call(url + "/admin/traffic")[1])
        assert traffic["challenger"]["version"] == 1 and traffic["mode"] == "off", traffic
        status, text, _ = call(url + "/admin/challenger", name, headers=auth)
        assert status == 200, text
        assert json.loads(text)["challenger"] == {"model": "sentiment", "version": 2}
        assert json.loads(text)["mode"] == "shadow"
        body = json.dumps({"instances": ["I love this, what a great day :)"]})
        status, text, _ = call(url + "/invocations", body, headers={"X-Request-Id": "g-1"})
        assert status == 200 and json.loads(text)["predictions"][0]["version"] == 1, text
    finally:
        p.send_signal(signal.SIGTERM)
        assert p.wait(timeout=30) == 0
    logged = [json.loads(r["value"]) for r in read_topic("file://%s/log" % home, "predictions")]
    assert sorted((x["role"], x["version"]) for x in logged if x["request_id"] == "g-1") == [
        ("champion", "1"), ("shadow", "2")]


REGRESSION_SPEC = """name: sentiment-score
task: regression
seed: 3
label: label
features:
  - {name: text, kind: text, column: text, word_ngrams: [1, 2], char_ngrams: [2, 4]}
model: {family: linear, hyperparameters: {C: 1.0}}
split: {by: files, train: rtrain.csv, validation: rval.csv}
metrics: [rmse]
"""


def test_a_regression_model_is_served_with_the_values_predict_gives(home):
    # TweetEval's labels 0 (negative), 1, 2 (positive) as a number to regress.
    sample_csv(os.path.join(DATA, "train.csv"), os.path.join(home, "rtrain.csv"), 1500)
    sample_csv(os.path.join(DATA, "val.csv"), os.path.join(home, "rval.csv"), 300)
    with open(os.path.join(home, "rspec.yaml"), "w") as f:
        f.write(REGRESSION_SPEC)
    model = os.path.join(home, "score")
    run("train", "--spec", os.path.join(home, "rspec.yaml"), "--out", model, "--home", home)
    tweets = ["I love this, what a great day :)", "This is awful, I hate it", "ok"]
    lines = os.path.join(home, "tweets.txt")
    with open(lines, "w") as f:
        f.write("\n".join(tweets) + "\n")
    out = os.path.join(home, "values.jsonl")
    run("predict", "--model", model, "--input", lines, "--format", "lines", "--out", out)
    want = [json.loads(line)["value"] for line in open(out)]

    p = subprocess.Popen([covidflow_bin(), "serve", "--model-dir", model, "--port", "0",
                          "--home", home, "--json"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = p.stdout.readline()
        assert line, "serve did not start: " + p.stderr.read()
        url = "http://127.0.0.1:%d" % json.loads(line)["port"]
        status, text, _ = call(url + "/invocations", json.dumps({"instances": tweets}))
        assert status == 200, text
        got = json.loads(text)["predictions"]
        assert got == pytest.approx(want, abs=1e-12) and got[0] > got[1], (got, want)
        status, text, _ = call(url + "/v2/models/score/infer", json.dumps(
            {"inputs": [{"name": "text", "shape": [3], "datatype": "BYTES", "data": tweets}]}))
        assert status == 200, text
        (output,) = json.loads(text)["outputs"]
        assert output["name"] == "value" and output["datatype"] == "FP64"
        assert output["shape"] == [3] and output["data"] == got
        meta = json.loads(call(url + "/v2/models/score")[1])
        assert meta["outputs"] == [{"name": "value", "datatype": "FP64", "shape": [-1]}]
        p.send_signal(signal.SIGTERM)
        assert p.wait(timeout=30) == 0
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
    # Its predictions are on the log with their values.
    logged = [json.loads(r["value"]) for r in read_topic("file://%s/log" % home, "predictions")]
    assert all(x["label"] == "" and x["probabilities"] == {} for x in logged), logged
    assert sorted(x["value"] for x in logged) == sorted(got + got)
