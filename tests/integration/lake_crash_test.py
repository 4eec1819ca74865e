"""Crash safety of the lake commit protocol with real SIGKILLs (issue 5, item 7).

lake_crash_driver (src/lake/tests/lake_crash_driver.cc) writes 200,000 rows (4 source
partitions x 50,000) into a lake, committing every few thousand rows and resuming from
CommittedPositions() when restarted. We SIGKILL it at random moments at least 20 times, then
let it finish. Afterwards the lake (read with pyarrow, every .parquet file) holds each
(partition, offset) exactly once, nothing else, and no .tmp file or commit record is left.
A second test stops the driver dead (CF_FAILPOINTS, src/base/failpoint.h) at each named point
of the commit in turn, checks that point's leftovers are on disk, and recovers them the same way.

  CF_LAKE_CRASH_DRIVER=build/lake/src/lake/tests/lake_crash_driver \
    .venv/bin/python -m pytest tests/integration/lake_crash_test.py
"""
import os
import random
import signal
import subprocess
import time
from collections import Counter
from pathlib import Path

import pyarrow.parquet as pq
import pytest

PER_PARTITION = 50_000
PARTITIONS = 4
BATCH = 1_000
KILLS = 20


def driver_path():
    driver = os.environ.get("CF_LAKE_CRASH_DRIVER")
    if not driver:
        pytest.fail("CF_LAKE_CRASH_DRIVER is not set: point it at the lake_crash_driver binary")
    if not os.access(driver, os.X_OK):
        pytest.fail(f"CF_LAKE_CRASH_DRIVER={driver} is not an executable file")
    return driver


def assert_each_row_once(lake, per_partition, partitions):
    files = sorted(Path(lake).glob("tweets/date=*/*.parquet"))
    assert files, "no committed files"
    seen = Counter()
    for f in files:
        t = pq.read_table(f, columns=["source_partition", "source_offset"])
        seen.update(zip(t.column("source_partition").to_pylist(),
                        t.column("source_offset").to_pylist()))
    duplicates = [k for k, n in seen.items() if n > 1]
    assert not duplicates, f"{len(duplicates)} rows written twice, e.g. {duplicates[:5]}"
    expected = {(p, o) for p in range(partitions) for o in range(per_partition)}
    missing = expected - set(seen)
    assert not missing, f"{len(missing)} rows lost, e.g. {sorted(missing)[:5]}"
    assert set(seen) == expected
    assert sum(seen.values()) == per_partition * partitions
    assert not list(Path(lake).rglob("*.tmp")), "temporary files left behind"
    assert not list((Path(lake) / "_commits").glob("*.json")), "commit records left behind"
    return files, seen


# Each named point of LakeSink::Commit (src/base/failpoint.h), armed through CF_FAILPOINTS to
# SIGKILL the driver at its third commit: the leftovers that point leaves are on disk, and the
# restarted driver recovers them into a lake holding every row once.
@pytest.mark.parametrize("point,leftover", [
    ("after_tmp_files", "*/date=*/*.tmp"),
    ("after_commit_record", "_commits/*.json"),
    ("after_first_rename", "_commits/*.json"),
    ("after_all_renames", "_commits/*.json"),
])
def test_sigkill_at_each_named_commit_point_then_recovery(tmp_path, point, leftover):
    driver = driver_path()
    lake = tmp_path / "lake"
    cmd = [driver, str(lake), "3000", "2", "500"]
    env = dict(os.environ, CF_FAILPOINTS=f"lake.commit.{point}=kill@3")
    killed = subprocess.run(cmd, capture_output=True, timeout=300, env=env)
    assert killed.returncode == -signal.SIGKILL, killed.stderr.decode()
    assert list(lake.glob(leftover)), f"killed at {point} but no {leftover} was left"
    final = subprocess.run(cmd, capture_output=True, timeout=300)
    assert final.returncode == 0, final.stderr.decode()
    assert final.stdout.decode().strip() == "done"
    assert_each_row_once(lake, 3000, 2)


def test_sigkill_loop_leaves_every_row_exactly_once(tmp_path):
    driver = driver_path()
    lake = tmp_path / "lake"
    cmd = [driver, str(lake), str(PER_PARTITION), str(PARTITIONS), str(BATCH)]
    rnd = random.Random(20261128)
    kills = 0
    mid_commit = 0
    finished_early = 0
    while kills < KILLS:
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        time.sleep(rnd.uniform(0.05, 0.3))
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            kills += 1
            # Evidence that kills land inside a commit: leftovers the next start must clean.
            if list(lake.rglob("*.tmp")) or list(lake.glob("_commits/*.json")):
                mid_commit += 1
        else:
            out, err = proc.communicate()
            assert proc.returncode == 0, err.decode()
            finished_early += 1
            if finished_early > 3:
                pytest.fail(f"the driver finished before {KILLS} kills; make the run longer")
            # Start over in a fresh lake so the kills land mid-run.
            lake = tmp_path / f"lake{finished_early}"
            cmd[1] = str(lake)
    final = subprocess.run(cmd, capture_output=True, timeout=600)
    assert final.returncode == 0, final.stderr.decode()
    assert final.stdout.decode().strip() == "done"

    files, seen = assert_each_row_once(lake, PER_PARTITION, PARTITIONS)
    assert mid_commit >= 1, "no kill interrupted a commit: the test did not exercise recovery"
    print(f"{kills} SIGKILLs ({mid_commit} inside a commit), {len(files)} files, "
          f"{sum(seen.values())} rows, each once")
