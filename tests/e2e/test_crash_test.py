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

from conftest import covidflow_bin, read_topic, run

TWEETS = int(os.environ.get("CF_CRASH_TWEETS", "200000"))
MIN_KILLS = 20


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

    seen = collections.Counter()
    for topic in ("tweets.enriched", "tweets.dlq"):
        for rec in read_topic(uri, topic):
            h = rec["headers"]
            assert h["src-group"] == "crash"
            seen[(int(h["src-part"]), int(h["src-offset"]))] += 1
    stats = json.loads(run("topic", "stats", uri, "tweets.raw", "--json").stdout)
    inputs = {(p["partition"], o) for p in stats["partitions"] for o in range(p["start"], p["end"])}
    assert stats["records"] == TWEETS
    missing = inputs - set(seen)
    dupes = {k: n for k, n in seen.items() if n > 1}
    extra = set(seen) - inputs
    assert kills >= MIN_KILLS
    if missing or dupes or extra:
        import shutil
        shutil.copytree(home, "/tmp/cf-crash-failed", dirs_exist_ok=True)
    assert not missing, f"{len(missing)} inputs have no output, e.g. {sorted(missing)[:5]}"
    assert not dupes, f"{len(dupes)} inputs have more than one output, e.g. {list(dupes.items())[:5]}"
    assert not extra
    assert sum(seen.values()) == TWEETS

    # The lake holds exactly the enriched tweets, once each (read by pyarrow, raw rows).
    import pyarrow.dataset as ds
    table = ds.dataset(f"{lake}/tweets", format="parquet", partitioning="hive",
                       exclude_invalid_files=True).to_table(
                           columns=["source_partition", "source_offset"])
    rows = collections.Counter(zip(table.column("source_partition").to_pylist(),
                                   table.column("source_offset").to_pylist()))
    enriched = {k for k, n in seen.items()}
    lake_dupes = {k: n for k, n in rows.items() if n > 1}
    assert not lake_dupes, f"{len(lake_dupes)} lake rows twice, e.g. {list(lake_dupes.items())[:5]}"
    dlq = {(int(r["headers"]["src-part"]), int(r["headers"]["src-offset"]))
           for r in read_topic(uri, "tweets.dlq")}
    assert set(rows) == enriched - dlq, "the lake must hold exactly the enriched tweets"
    print(f"{kills} kills, {TWEETS} inputs, {sum(seen.values())} outputs, {len(rows)} lake rows, "
          "0 missing, 0 duplicated")
