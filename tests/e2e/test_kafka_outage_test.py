"""A Kafka broker restart under a running processor (issue "newcomer", defect 8): the broker
is killed (-9) mid-run for longer than the consumer session timeout, then started again; the
same `process --exit-when-idle` run must ride it out (rejoin, resume from the committed
offsets) and finish with exit 0 and every input written exactly once.

Needs the broker that tests/integration/kafka_env.sh starts (CF_KAFKA_BOOTSTRAP and
CF_KAFKA_BROKER_DIR); label kafka."""
import collections
import json
import os
import signal
import subprocess
import threading
import time

import pytest

from conftest import covidflow_bin, run

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
TWEETS = 300000
SESSION_MS = 3000


def broker():
    bootstrap = os.environ.get("CF_KAFKA_BOOTSTRAP", "")
    broker_dir = os.environ.get("CF_KAFKA_BROKER_DIR", "")
    if not bootstrap or not os.path.isfile(os.path.join(broker_dir, "pid")):
        pytest.fail("CF_KAFKA_BOOTSTRAP and CF_KAFKA_BROKER_DIR (a running broker of "
                    "scripts/kafka/start.sh) must be set: run tests/integration/kafka_env.sh")
    return bootstrap, broker_dir


def output_positions(bootstrap, topic):
    """(source partition, source offset) of every record of an output topic, from its headers."""
    out = subprocess.run(["kcat", "-C", "-b", bootstrap, "-t", topic, "-e", "-q", "-f", "%h\n"],
                         check=True, capture_output=True, text=True).stdout
    positions = []
    for line in out.splitlines():
        h = dict(kv.split("=", 1) for kv in line.split(",") if "=" in kv)
        positions.append((int(h["src-part"]), int(h["src-offset"])))
    return positions


def test_processor_rides_out_a_broker_restart(home):
    bootstrap, broker_dir = broker()
    uri = f"kafka://{bootstrap}"
    name = f"outage{os.getpid()}"
    csv = f"{home}/t.csv"
    gen = json.loads(run("generate", "--count", TWEETS, "--seed", 4, "--malformed-rate", 0.01,
                         "--out", csv, "--json").stdout)
    run("produce", "--from", csv, "--to", uri, "--topic", f"{name}.raw", "--partitions", 4)

    p = subprocess.Popen(
        [str(a) for a in [covidflow_bin(), "process", "--from", uri, "--topic", f"{name}.raw", "--group", name,
         "--enriched-topic", f"{name}.enriched", "--dlq-topic", f"{name}.dlq",
         "--exit-when-idle", "--json", "--trace", "--batch", 1024, "--threads", 1,
         "--outage-timeout-ms", 60000, "--set", f"kafka.session_timeout_ms={SESSION_MS}"]],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    commits = threading.Semaphore(0)
    trace = []

    def read_trace():
        for line in p.stderr:
            trace.append(line)
            if "commit p" in line and "-> OK" in line:
                commits.release()

    reader = threading.Thread(target=read_trace, daemon=True)
    reader.start()
    for _ in range(8):  # a few batches committed: the run is under way
        assert commits.acquire(timeout=60), "".join(trace[-20:])
    with open(os.path.join(broker_dir, "pid")) as f:
        os.kill(int(f.read()), signal.SIGKILL)
    assert p.poll() is None, "the run ended before the broker was killed: make it longer"
    time.sleep(2 * SESSION_MS / 1000)  # the outage itself: longer than the session timeout
    assert p.poll() is None, "".join(trace[-20:])
    subprocess.run([os.path.join(ROOT, "scripts/kafka/start.sh"), broker_dir], check=True,
                   capture_output=True)

    out, _ = p.communicate(timeout=120)
    reader.join(timeout=10)
    assert p.returncode == 0, "".join(trace[-20:])
    counts = json.loads(out)
    assert counts["consumed"] == counts["enriched"] + counts["dead_letters"]

    seen = collections.Counter(output_positions(bootstrap, f"{name}.enriched") +
                               output_positions(bootstrap, f"{name}.dlq"))
    dupes = {k: n for k, n in seen.items() if n > 1}
    assert not dupes, f"{len(dupes)} inputs written twice, e.g. {list(dupes.items())[:5]}"
    assert len(seen) == TWEETS, f"{TWEETS - len(seen)} inputs have no output"
    assert len(output_positions(bootstrap, f"{name}.dlq")) == gen["malformed"]
