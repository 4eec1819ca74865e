"""The registry from the command line (issue 13, item 6): register, promote, roll back, diff
and audit a model on the embedded registry; unknown names exit 1 naming them, refused names and
missing flags exit 2."""
import json
import os

import pytest

from conftest import run


def registry_args(home):
    return ["--registry", os.path.join(home, "reg"), "--actor", "e2e"]


def make_artifact(home, name, body):
    d = os.path.join(home, name)
    os.makedirs(os.path.join(d, "sub"))
    with open(os.path.join(d, "manifest.json"), "w") as f:
        f.write(body)
    with open(os.path.join(d, "sub", "weights"), "w") as f:
        f.write(body * 3)
    return d


def models(home, *args, check=True):
    return run("models", *args, *registry_args(home), check=check)


def models_json(home, *args):
    return json.loads(models(home, *args, "--json").stdout)


def test_register_promote_rollback_audit(home):
    for i in (1, 2, 3):
        v = models_json(home, "register", "tweets", "--artifact",
                        make_artifact(home, f"a{i}", f"model {i}"))
        assert v["version"] == i
        assert v["status"] == "READY"
        with open(os.path.join(v["source"], "sub", "weights")) as f:
            assert f.read() == f"model {i}" * 3

    p = models_json(home, "promote", "tweets", "1", "--reason", "first")
    assert p == {"model": "tweets", "alias": "champion", "from": "", "to": 1}
    models(home, "promote", "tweets", "3", "--reason", "better recall")
    models(home, "promote", "tweets", "2", "--alias", "challenger", "--reason", "shadow")

    listed = models_json(home, "list")
    assert [m["name"] for m in listed] == ["tweets"]
    assert listed[0]["versions"] == 3
    assert listed[0]["aliases"] == {"champion": 3, "challenger": 2}
    shown = models_json(home, "show", "tweets")
    assert shown["latest_version"] == 3
    assert [v["version"] for v in shown["version_list"]] == [1, 2, 3]
    assert shown["version_list"][2]["aliases"] == ["champion"]
    text = models(home, "show", "tweets").stdout
    assert "@champion" in text and "version 3" in text

    back = models_json(home, "rollback", "tweets", "--reason", "regression on monday")
    assert back == {"model": "tweets", "alias": "champion", "from": 3, "to": 1}
    assert models_json(home, "show", "tweets")["aliases"]["champion"] == 1

    audit = models_json(home, "audit", "tweets")
    assert [e["action"] for e in audit] == [
        "create_model", "register_version", "register_version", "register_version",
        "set_alias", "set_alias", "set_alias", "rollback_alias"]
    last = audit[-1]
    assert (last["actor"], last["target"], last["from"], last["to"], last["reason"]) == (
        "e2e", "alias champion", "3", "1", "regression on monday")
    assert "because: regression on monday" in models(home, "audit", "tweets").stdout


def test_audit_tells_every_models_story_in_time_order_and_filters_by_since(home):
    models(home, "register", "a", "--artifact", make_artifact(home, "x", "x"))
    models(home, "register", "b", "--artifact", make_artifact(home, "y", "y"))
    models(home, "promote", "a", "1", "--reason", "first of a")
    story = json.loads(run("audit", "--registry", os.path.join(home, "reg"), "--json").stdout)
    assert [(e["model"], e["action"]) for e in story] == [
        ("a", "create_model"), ("a", "register_version"), ("b", "create_model"),
        ("b", "register_version"), ("a", "set_alias")]
    assert [e["time_ms"] for e in story] == sorted(e["time_ms"] for e in story)
    text = run("audit", "--registry", os.path.join(home, "reg")).stdout
    assert "because: first of a" in text and text.count("\n") == 5
    only_b = json.loads(run("audit", "b", "--registry", os.path.join(home, "reg"), "--json").stdout)
    assert {e["model"] for e in only_b} == {"b"}
    assert json.loads(run("audit", "--registry", os.path.join(home, "reg"), "--since", "2099-01-01 00:00:00",
                          "--json").stdout) == []
    assert len(json.loads(run("audit", "--registry", os.path.join(home, "reg"), "--since", "1h", "--json").stdout)) == 5
    bad = run("audit", "--registry", os.path.join(home, "reg"), "--since", "yesterday", check=False)
    assert bad.returncode == 2 and "audit.since" in bad.stderr


def test_diff_shows_params_metrics_and_lineage_of_the_runs(home):
    # Runs are recorded by train; here a version without a run diffs its tags only.
    models(home, "register", "m", "--artifact", make_artifact(home, "a", "x"))
    models(home, "register", "m", "--artifact", make_artifact(home, "b", "y"))
    d = models_json(home, "diff", "m", "1", "2")
    assert d["a"]["version"] == 1 and d["b"]["version"] == 2
    assert d["params"] == [] and d["metrics"] == [] and d["lineage"] == []


@pytest.mark.parametrize("args,code,needle", [
    (["show", "nosuch"], 1, "model 'nosuch' not found"),
    (["promote", "tweets", "9", "--reason", "r"], 1, "version 9 not found"),
    (["rollback", "tweets", "--alias", "canary", "--reason", "r"], 1, "alias 'canary' not found"),
    (["diff", "tweets", "1", "9"], 1, "version 9 not found"),
    (["audit", "nosuch"], 1, "model 'nosuch' not found"),
    (["show", "../etc"], 2, "path separator"),
    (["show", "a..b"], 2, "'..'"),
    (["promote", "tweets", "1"], 2, "--reason"),
    (["promote", "tweets", "x1", "--reason", "r"], 2, "not a positive integer"),
    (["promote", "tweets", "1", "--alias", "latest", "--reason", "r"], 2, "reserved"),
    (["register", "tweets"], 2, "--artifact"),
    (["frobnicate"], 2, "expected: models list"),
])
def test_bad_names_and_unknown_things(home, args, code, needle):
    models(home, "register", "tweets", "--artifact", make_artifact(home, "a", "x"))
    r = models(home, *args, check=False)
    assert r.returncode == code, r.stderr
    assert needle in r.stderr
    assert r.stderr.count("\n") == 1


def test_runs_list_and_show_on_an_empty_registry(home):
    r = run("runs", "list", "--json", *registry_args(home)[:2])
    assert json.loads(r.stdout) == []
    missing = run("runs", "show", "0123456789abcdef0123456789abcdef", *registry_args(home)[:2],
                  check=False)
    assert missing.returncode == 1
    assert "run '0123456789abcdef0123456789abcdef' not found" in missing.stderr


def test_the_registry_setting_refuses_unknown_schemes(home):
    r = run("models", "list", "--registry", "s3://bucket/x", check=False)
    assert r.returncode == 2
    assert "registry.uri" in r.stderr
