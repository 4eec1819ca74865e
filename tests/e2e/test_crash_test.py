"""Crash safety: SIGKILL `covidflow process` at random moments while a live stream arrives,
restart it each time, and check that every input appears in the outputs exactly once.

The outputs are counted raw (every record of tweets.enriched and tweets.dlq), never
deduplicated in the check: a duplicate fails the test."""
import collections
import json
import os
import random
import signal
import subprocess
import time

import pytest

from conftest import covidflow_bin, read_topic, run

TWEETS = int(os.environ.get("CF_CRASH_TWEETS", "200000"))
MIN_KILLS = 20


def assert_each_input_once(uri, lake, group, tweets):
    """Every input of tweets.raw has exactly one output (enriched or dead letter, counted raw),
    and the lake holds exactly the enriched tweets, once each. Returns the outputs and lake
    rows by (partition, offset)."""
    seen = collections.Counter()
    for topic in ("tweets.enriched", "tweets.dlq"):
        for rec in read_topic(uri, topic):
            h = rec["headers"]
            assert h["src-group"] == group
            seen[(int(h["src-part"]), int(h["src-offset"]))] += 1
    stats = json.loads(run("topic", "stats", uri, "tweets.raw", "--json").stdout)
    inputs = {(p["partition"], o) for p in stats["partitions"] for o in range(p["start"], p["end"])}
    assert stats["records"] == tweets
    missing = inputs - set(seen)
    dupes = {k: n for k, n in seen.items() if n > 1}
    extra = set(seen) - inputs
    if missing or dupes or extra:
        import shutil
        shutil.copytree(os.path.dirname(lake), "/tmp/cf-crash-failed", dirs_exist_ok=True)
    assert not missing, f"{len(missing)} inputs have no output, e.g. {sorted(missing)[:5]}"
    assert not dupes, f"{len(dupes)} inputs have more than one output, e.g. {list(dupes.items())[:5]}"
    assert not extra
    assert sum(seen.values()) == tweets

    # The lake holds exactly the enriched tweets, once each (read by pyarrow, raw rows).
    import pyarrow.dataset as ds
    table = ds.dataset(f"{lake}/tweets", format="parquet", partitioning="hive",
                       exclude_invalid_files=True).to_table(
                           columns=["source_partition", "source_offset"])
    rows = collections.Counter(zip(table.column("source_partition").to_pylist(),
                                   table.column("source_offset").to_pylist()))
    lake_dupes = {k: n for k, n in rows.items() if n > 1}
    assert not lake_dupes, f"{len(lake_dupes)} lake rows twice, e.g. {list(lake_dupes.items())[:5]}"
    dlq = {(int(r["headers"]["src-part"]), int(r["headers"]["src-offset"]))
           for r in read_topic(uri, "tweets.dlq")}
    assert set(rows) == set(seen) - dlq, "the lake must hold exactly the enriched tweets"
    return seen, rows


def test_kill9_loses_nothing_and_duplicates_nothing(home):
    cf = covidflow_bin()
    uri = f"file://{home}/log"
    csv = f"{home}/tweets.csv"
    run("generate", "--count", TWEETS, "--seed", 11, "--malformed-rate", 0.01, "--out", csv)
    rng = random.Random(20201)
    # A live stream: the producer appends at a bounded rate while the processor is killed.
    rate = max(TWEETS // 15, 1000)
    producer = subprocess.Popen([cf, "produce", "--from", csv, "--to", uri, "--rate", str(rate),
                                 "--partitions", "4"], stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 600
    while run("topic", "stats", uri, "tweets.raw", check=False).returncode != 0:
        assert time.time() < deadline and producer.poll() is None, "the producer did not start"
        time.sleep(0.05)
    kills = 0
    lake = f"{home}/lake"
    cmd = [cf, "process", "--from", uri, "--group", "crash", "--batch", "2000", "--enricher", "none",
           "--lake", lake]
    while kills < MIN_KILLS or producer.poll() is None:
        assert time.time() < deadline, "crash loop did not finish in time"
        trace = open(f"{home}/trace.log", "a")
        p = subprocess.Popen(cmd + ["--trace"], stdout=subprocess.DEVNULL, stderr=trace, text=True)
        time.sleep(rng.uniform(0.05, 0.6))
        if p.poll() is None:
            p.send_signal(signal.SIGKILL)
            kills += 1
        p.wait()
        trace.close()
        assert p.returncode in (-signal.SIGKILL, 0), open(f"{home}/trace.log").read()[-2000:]
    assert producer.wait() == 0, producer.stderr.read()
    final = run("process", "--from", uri, "--group", "crash", "--exit-when-idle", "--json",
                "--enricher", "none", "--lake", lake)
    counts = json.loads(final.stdout)
    assert counts["consumed"] == counts["enriched"] + counts["dead_letters"]

    seen, rows = assert_each_input_once(uri, lake, "crash", TWEETS)
    assert kills >= MIN_KILLS
    print(f"{kills} kills, {TWEETS} inputs, {sum(seen.values())} outputs, {len(rows)} lake rows, "
          "0 missing, 0 duplicated")


# The lake thread (cf-lake, src/process/lake_writer.h) stopped dead with SIGKILL at each of its
# steps, and at the lake commit's own points reached from it (CF_FAILPOINTS,
# src/base/failpoint.h): its third batch, held there for 400 ms first, so that the main thread
# has sent later batches' outputs and would have committed their input offsets if it did not
# wait for the lake. Checked by removing that wait: all four cases failed in each of 3 runs with
# the delay; without it, 1 case of 12. The restarted processor leaves every input once in the
# topics and every enriched tweet once in the lake.
@pytest.mark.parametrize("point", [
    "process.lake.before_append",
    "lake.commit.after_tmp_files",
    "lake.commit.after_commit_record",
    "process.lake.after_commit",
])
def test_kill9_in_the_lake_thread_then_restart(home, point):
    tweets = 20_000
    uri = f"file://{home}/log"
    csv = f"{home}/tweets.csv"
    lake = f"{home}/lake"
    run("generate", "--count", tweets, "--seed", 12, "--malformed-rate", 0.01, "--out", csv)
    run("produce", "--from", csv, "--to", uri, "--partitions", "4")
    cmd = ["process", "--from", uri, "--group", "crash", "--batch", "1000", "--enricher", "none",
           "--lake", lake, "--exit-when-idle", "--json"]
    killed = subprocess.run([covidflow_bin(), *cmd], capture_output=True, text=True, timeout=300,
                            env=dict(os.environ, CF_FAILPOINTS=f"{point}=delay:400+kill@3"))
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-2000:]
    # Killed mid-run: the lake holds less than the enriched tweets.
    final = run(*cmd)
    counts = json.loads(final.stdout)
    assert counts["consumed"] == counts["enriched"] + counts["dead_letters"]
    assert counts["consumed"] > 0, "the restart had nothing left to do: the kill came too late"
    seen, rows = assert_each_input_once(uri, lake, "crash", tweets)
    assert counts["lake_rows"] < len(rows), "the killed run committed no lake row"
