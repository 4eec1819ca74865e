"""The embedded registry shared by processes and killed with SIGKILL (issue 13, item 2).

registry_driver (src/registry/tests/registry_driver.cc) registers versions of one model, each
followed by moving `champion` to it, and checks a registry: every version numbered densely
from 1, every version's artifact files whole, `champion` on a whole version.

  CF_REGISTRY_DRIVER=build/ci/src/registry/tests/registry_driver \
    .venv/bin/python -m pytest tests/integration/registry_process_test.py
"""
import json
import os
import random
import signal
import subprocess
import time

import pytest

MODEL = "tweets"


def driver():
    path = os.environ.get("CF_REGISTRY_DRIVER")
    if not path:
        pytest.fail("CF_REGISTRY_DRIVER is not set: point it at the registry_driver binary")
    if not os.access(path, os.X_OK):
        pytest.fail(f"CF_REGISTRY_DRIVER={path} is not an executable file")
    return path


def check(reg):
    out = subprocess.run([driver(), "check", str(reg), MODEL], capture_output=True, timeout=60)
    assert out.returncode == 0, out.stderr.decode()
    state = json.loads(out.stdout)
    assert state["problems"] == [], state
    return state


def leftovers(reg):
    """Temporary copies left in the model's artifact folder (a killed writer's)."""
    folder = reg / "artifacts" / "models" / MODEL
    return sorted(p.name for p in folder.iterdir() if p.name.startswith(".tmp-"))


def register(reg, count, env=None):
    return subprocess.run([driver(), "register", str(reg), MODEL, str(count)],
                          capture_output=True, timeout=120, env=env)


def test_concurrent_processes_get_distinct_numbers_and_lose_nothing(tmp_path):
    reg = tmp_path / "reg"
    procs, each = 4, 8
    started = [subprocess.Popen([driver(), "register", str(reg), MODEL, str(each)],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
               for _ in range(procs)]
    numbers = []
    for p in started:
        out, err = p.communicate(timeout=120)
        assert p.returncode == 0, err.decode()
        numbers += [int(line) for line in out.decode().split()]
    assert len(numbers) == procs * each
    assert sorted(numbers) == list(range(1, procs * each + 1)), "a number given twice or skipped"
    state = check(reg)
    assert state["versions"] == procs * each
    assert state["champion"] in numbers


# Each named point of a registration (docs/formats/registry.md), armed through CF_FAILPOINTS to
# SIGKILL the driver on its second registration: the first version is whole, the second is
# absent (or, after the commit, whole), champion is on a whole version, and the next
# registration takes the next number with no gap.
@pytest.mark.parametrize("point,versions_after_kill", [
    ("registry.register.after_copy", 1),
    ("registry.register.after_rename", 1),
    ("registry.register.before_commit", 1),
    ("registry.alias.before_commit", 2),
])
def test_sigkill_at_each_named_point_leaves_a_whole_version_or_none(tmp_path, point,
                                                                    versions_after_kill):
    reg = tmp_path / "reg"
    env = dict(os.environ, CF_FAILPOINTS=f"{point}=kill@2")
    killed = register(reg, 3, env)
    assert killed.returncode == -signal.SIGKILL, killed.stderr.decode()
    state = check(reg)
    assert state["versions"] == versions_after_kill
    assert state["champion"] == 1
    if point == "registry.register.after_rename":
        # The renamed directory of the lost version is on disk without a row.
        assert (reg / "artifacts" / "models" / MODEL / "2").is_dir()
    again = register(reg, 1)
    assert again.returncode == 0, again.stderr.decode()
    assert int(again.stdout) == versions_after_kill + 1
    assert check(reg)["versions"] == versions_after_kill + 1
    # The killed writer's temporary copy is removed by the next writer.
    assert leftovers(reg) == []


def test_sigkill_at_random_moments(tmp_path):
    reg = tmp_path / "reg"
    rng = random.Random(13)
    kills = 0
    for _ in range(12):
        p = subprocess.Popen([driver(), "register", str(reg), MODEL, "1000"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        time.sleep(rng.uniform(0.05, 0.4))
        if p.poll() is None:
            p.send_signal(signal.SIGKILL)
            kills += 1
        p.wait(timeout=60)
        check(reg)
    assert kills >= 10, "the driver finished before it could be killed"
    final = register(reg, 2)
    assert final.returncode == 0, final.stderr.decode()
    state = check(reg)
    assert state["champion"] == state["versions"]
    assert leftovers(reg) == []
