"""`covidflow monitor run`: drift per event-time window of the enriched stream. Three days of
generated tweets (the second drifted) go through `process` into the lake; each window the
monitor publishes on monitor.events must equal what `monitor drift` says of the same day read
back from the lake, and no window is published twice or skipped across a SIGKILL right after
publishing (before the commit) and a kill -9 from outside while a window is open."""
import csv
import datetime
import json
import os
import signal
import subprocess
import time
import urllib.request

import pytest

from conftest import covidflow_bin, read_topic, run
from test_metrics_test import free_port

DAYS = ["2020-07-25", "2020-07-26", "2020-07-27"]


def shifted(src, dst, days):
    """`src` with every tweet's date moved by `days` days."""
    with open(src, newline="", encoding="utf-8") as f, open(dst, "w", newline="",
                                                              encoding="utf-8") as g:
        r, w = csv.DictReader(f), None
        for row in r:
            if w is None:
                w = csv.DictWriter(g, fieldnames=r.fieldnames)
                w.writeheader()
            d = datetime.datetime.strptime(row["date"], "%Y-%m-%d %H:%M:%S")
            row["date"] = (d + datetime.timedelta(days=days)).strftime("%Y-%m-%d %H:%M:%S")
            w.writerow(row)


def three_days(home):
    """g1.csv (day 1), d2.csv (day 2, drifted) and d3.csv (day 3, day 1's tweets) in `home`."""
    run("generate", "--count", 3000, "--seed", 5, "--out", f"{home}/g1.csv")
    run("generate", "--count", 3000, "--seed", 6, "--drift-after", 0, "--out", f"{home}/g2.csv")
    shifted(f"{home}/g2.csv", f"{home}/d2.csv", 1)
    shifted(f"{home}/g1.csv", f"{home}/d3.csv", 2)


def ingest(home, path):
    run("produce", "--home", home, "--from", path)
    run("process", "--home", home, "--lake", f"{home}/lake", "--exit-when-idle")


def monitor_args(home, reference):
    return [covidflow_bin(), "monitor", "run", "--home", home, "--reference", reference,
            "--window", "1d", "--lateness", "2h"]


def drift_events(home):
    return [json.loads(r["value"]) for r in read_topic(f"file://{home}/log", "monitor.events")]


def expected(home, reference, day):
    out = run("monitor", "drift", "--reference", reference, "--current",
              f"lake:{home}/lake?from={day}&to={day}", "--json", check=False)
    assert out.returncode in (0, 3), out.stderr
    return json.loads(out.stdout)


def metric(port, name):
    """The value of the first series `name`, or None (not served yet, or no such series)."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as r:
            text = r.read().decode()
    except OSError:
        return None
    for line in text.splitlines():
        if line.startswith(name + " ") or line.startswith(name + "{"):
            return float(line.rsplit(" ", 1)[1])
    return None


def test_windows_equal_monitor_drift_across_kills(home):
    three_days(home)
    ingest(home, f"{home}/g1.csv")
    ingest(home, f"{home}/d2.csv")
    reference = f"lake:{home}/lake?from={DAYS[0]}&to={DAYS[0]}"
    args = monitor_args(home, reference)

    # 1. Killed dead right after publishing day 1, before committing.
    first = subprocess.run(args + ["--exit-when-idle"], capture_output=True, text=True,
                           env={**os.environ, "CF_FAILPOINTS": "monitor.run.after_events=kill"})
    assert first.returncode == -signal.SIGKILL, first.stderr
    assert [e["window_start_ms"] for e in drift_events(home)] == [1595635200000]

    # 2. A restart reads day 1 again but does not publish it twice; day 2 stays open.
    again = json.loads(subprocess.run(args + ["--exit-when-idle", "--json"], capture_output=True,
                                      text=True, check=True).stdout)
    assert again["windows_published"] == 0 and again["open_windows"] == 1, again
    assert len(drift_events(home)) == 1

    # 3. kill -9 from outside while day 2 is open and its rows are read.
    port = free_port()
    proc = subprocess.Popen(args + ["--metrics-port", str(port)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while (metric(port, "covidflow_monitor_open_windows") or 0) < 1:
            assert proc.poll() is None, "the monitor stopped"
            assert time.monotonic() < deadline, "the monitor never opened day 2"
            time.sleep(0.05)
    finally:
        proc.kill()
        proc.wait(timeout=30)

    # 4. Day 3 closes day 2: published once, with every one of its rows.
    ingest(home, f"{home}/d3.csv")
    last = json.loads(subprocess.run(args + ["--exit-when-idle", "--json"], capture_output=True,
                                     text=True, check=True).stdout)
    assert last["windows_published"] == 1 and last["late"] == 0, last
    events = drift_events(home)
    assert [e["window_start_ms"] for e in events] == [1595635200000, 1595721600000]
    check_days(home, reference, events)


def check_days(home, reference, events):
    """Each published window equals `monitor drift` on its day read back from the lake."""
    verdicts = []
    for event, day in zip(events, DAYS):
        want = expected(home, reference, day)
        assert event["kind"] == "drift" and event["reference"] == reference
        assert event["window_end_ms"] - event["window_start_ms"] == 86400000
        assert event["rows"] == want["current_rows"] == 3000
        assert event["columns"] == want["columns"]
        assert event["skipped_text_columns"] == want["skipped_text_columns"]
        for key in ("drifted_columns", "drift_share", "dataset_drift"):
            assert event[key] == want[key], key
        verdicts.append({c["column"]: c["drifted"] for c in event["columns"]})
    # The day against itself: nothing drifts; the drifted day: its sentiment does.
    assert not any(verdicts[0].values())
    assert verdicts[1]["sentiment_label"] and verdicts[1]["sentiment_compound"]


def test_process_with_a_reference_publishes_the_windows_of_monitor_run(home):
    # Day 1 is processed first (the reference, read from the lake); days 2 (drifted) and 3 then
    # go through `process --reference`, whose monitor reads the enriched topic from its start.
    three_days(home)
    ingest(home, f"{home}/g1.csv")
    reference = f"lake:{home}/lake?from={DAYS[0]}&to={DAYS[0]}"
    run("produce", "--home", home, "--from", f"{home}/d2.csv")
    run("produce", "--home", home, "--from", f"{home}/d3.csv")
    out = json.loads(run("process", "--home", home, "--lake", f"{home}/lake", "--exit-when-idle",
                         "--reference", reference, "--window", "1d", "--lateness", "2h",
                         "--json").stdout)
    assert out["enriched"] == 6000, out
    assert out["monitor"]["records"] == 9000, out
    assert out["monitor"]["windows_published"] == 2 and out["monitor"]["open_windows"] == 1, out
    events = drift_events(home)
    assert [e["window_start_ms"] for e in events] == [1595635200000, 1595721600000]
    check_days(home, reference, events)

    # A reference that cannot be read: exit 2 naming it (after the run: the records are kept).
    r = run("process", "--home", home, "--exit-when-idle", "--reference", f"{home}/nope.csv",
            check=False)
    assert r.returncode == 2 and "nope.csv" in r.stderr, r.stderr


def events_so_far(home):
    """The drift events, or none while the events topic does not exist yet."""
    try:
        return drift_events(home)
    except subprocess.CalledProcessError:
        return []


def test_a_long_running_process_monitors_beside_the_processor(home):
    # Started before anything is produced: the processor waits for its input topic, the
    # monitor's thread for the enriched topic the processor creates; a SIGTERM ends both. Two
    # partitions: one that no record has reached yet holds the watermark back beside a live
    # writer (docs/monitoring.md), so no window closes before every partition brings its rows.
    run("generate", "--count", 3000, "--seed", 5, "--out", f"{home}/g1.csv")
    shifted(f"{home}/g1.csv", f"{home}/d2.csv", 1)
    shifted(f"{home}/g1.csv", f"{home}/d3.csv", 2)
    with open(f"{home}/ref.csv", "w") as f:
        f.write("sentiment_compound\n0.1\n0.2\n0.3\n")
    proc = subprocess.Popen([covidflow_bin(), "process", "--home", home, "--reference",
                             f"{home}/ref.csv", "--columns", "sentiment_compound", "--window",
                             "1d", "--lateness", "2h"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        time.sleep(0.5)
        assert proc.poll() is None, proc.communicate()
        for path in ("g1.csv", "d2.csv", "d3.csv"):
            run("produce", "--home", home, "--partitions", 2, "--from", f"{home}/{path}")
        deadline = time.monotonic() + 60
        while len(events_so_far(home)) < 2:
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "no two windows published"
            time.sleep(0.1)
    finally:
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert "waiting for topic tweets.raw" in err
    events = drift_events(home)
    assert [e["window_start_ms"] for e in events] == [1595635200000, 1595721600000]
    assert all(e["rows"] == 3000 and e["reference"] == f"{home}/ref.csv" for e in events), [
        (e["rows"], e["reference"]) for e in events]


@pytest.mark.parametrize("flags,message", [
    (["--window", "1w"], "--window"),
    (["--reference", "nope.csv"], "--reference"),
    (["--columns", "no_such"], "--columns"),
    (["--enriched", "file:///nonexistent-cf-log"], "--enriched"),
])
def test_bad_flags_exit_2(home, tmp_path, flags, message):
    ref = tmp_path / "ref.csv"
    ref.write_text("sentiment_compound\n0.1\n0.2\n")
    base = ["monitor", "run", "--home", home, "--reference", str(ref)]
    out = run(*base, *flags, check=False)
    assert out.returncode == 2, out.stderr
    assert message in out.stderr
