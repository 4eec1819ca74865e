"""CLI scenarios: every command's --help, clear errors, and the spine end to end
(generate → produce → process) on generated and on real files."""
import json
import os
import subprocess

import pytest

from conftest import covidflow_bin, read_topic, run

COMMANDS = ["demo", "generate", "produce", "process", "topic", "lake", "sentiment", "config",
            "runs", "models"]
DATA = os.environ.get("CF_SHARED_DATA_DIR", "")


def data_file(rel):
    path = os.path.join(DATA, rel)
    if not os.path.exists(path):
        pytest.fail(f"shared data file missing: {path} (tests read ../shared/data)")
    return path


@pytest.mark.parametrize("command", COMMANDS)
def test_help_on_every_command(command):
    r = run(command, "--help")
    assert r.returncode == 0
    assert r.stdout.startswith(f"covidflow {command}: ")
    assert "Options:" in r.stdout and "--config" in r.stdout


@pytest.mark.parametrize("args,needle", [
    (["process", "--frobnicate"], "unknown flag --frobnicate"),
    (["generate", "--count", "12x"], "'12x' is not an integer"),
    (["process", "--batch", "0"], "out of range"),
    (["generate", "--format", "xml"], "csv|jsonl"),
    (["process", "--config", "/nonexistent/covidflow.yaml"], "cannot read config file"),
    (["nosuchcommand"], "unknown command"),
    (["process", "--compression", "brotli"], "none|gzip|snappy|lz4|zstd"),
])
def test_bad_command_lines_give_one_clear_line(args, needle):
    r = run(*args, check=False)
    assert r.returncode == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and needle in lines[0], r.stderr


def test_config_show_reports_origins(tmp_path):
    cfg = tmp_path / "c.yaml"
    cfg.write_text("process:\n  batch: 77\n")
    env = dict(os.environ, COVIDFLOW_PROCESS_GROUP="from-env")
    r = subprocess.run([covidflow_bin(), "config", "show", "--json", "--config", str(cfg)],
                       capture_output=True, text=True, env=env, check=True)
    j = json.loads(r.stdout)
    assert j["process.batch"] == {"value": "77", "origin": "file"}
    assert j["process.group"] == {"value": "from-env", "origin": "env"}
    assert j["log.partitions"]["origin"] == "default"


def pipeline(home, source, *process_args, produce_args=()):
    uri = f"file://{home}/log"
    prod = json.loads(run("produce", "--from", source, "--to", uri, "--json", *produce_args).stdout)
    counts = json.loads(run("process", "--from", uri, "--group", "t", "--exit-when-idle", "--json",
                            *process_args).stdout)
    assert counts["consumed"] == prod["records"]
    assert counts["consumed"] == counts["enriched"] + counts["dead_letters"]
    assert counts["log_metrics"] == {}, "the embedded log keeps no client metrics"
    return uri, prod, counts


def test_bad_kafka_properties_fail_before_connecting(home):
    r = run("process", "--from", "kafka://127.0.0.1:1", "--set", "kafka.properties=acks",
            check=False)
    assert r.returncode != 0
    assert "kafka.properties: 'acks' is not key=value" in r.stderr, r.stderr


def test_generated_stream_reconciles_exactly(home):
    csv = f"{home}/t.csv"
    gen = json.loads(run("generate", "--count", 20000, "--seed", 3, "--malformed-rate", 0.02,
                         "--out", csv, "--json").stdout)
    assert gen["records"] == 20000 and gen["malformed"] > 0
    uri, prod, counts = pipeline(home, csv)
    assert prod["records"] == 20000
    assert counts["dead_letters"] == gen["malformed"]
    enriched = read_topic(uri, "tweets.enriched")
    dlq = read_topic(uri, "tweets.dlq")
    assert len(enriched) == counts["enriched"] and len(dlq) == counts["dead_letters"]
    for rec in dlq[:50]:
        d = json.loads(rec["value"])
        assert d["reason"] and d["message"] and d["source"]["topic"] == "tweets.raw"
    stats = json.loads(run("topic", "stats", uri, "tweets.raw", "--group", "t", "--json").stdout)
    assert stats["records"] == 20000 and stats["lag"] == 0
    # Running again finds nothing new: offsets were committed.
    again = json.loads(run("process", "--from", uri, "--group", "t", "--exit-when-idle",
                           "--json").stdout)
    assert again["consumed"] == 0


def test_jsonl_and_csv_give_the_same_counts(home):
    for fmt in ("csv", "jsonl"):
        run("generate", "--count", 5000, "--seed", 5, "--malformed-rate", 0.05, "--format", fmt,
            "--out", f"{home}/t.{fmt}")
    _, _, c_csv = pipeline(f"{home}/a", f"{home}/t.csv")
    _, _, c_json = pipeline(f"{home}/b", f"{home}/t.jsonl")
    assert c_csv["enriched"] == c_json["enriched"]
    assert c_csv["dead_letters"] == c_json["dead_letters"]


def test_enrichment_can_be_switched_off(home):
    """--enricher none --locations=false: the spine alone, every tweet still enriched-shaped."""
    run("generate", "--count", 3000, "--seed", 9, "--out", f"{home}/t.csv")
    on_uri, _, _ = pipeline(f"{home}/on", f"{home}/t.csv")
    off_uri, _, _ = pipeline(f"{home}/off", f"{home}/t.csv", "--enricher", "none",
                             "--locations=false")
    on = [json.loads(r["value"]) for r in read_topic(on_uri, "tweets.enriched")]
    off = [json.loads(r["value"]) for r in read_topic(off_uri, "tweets.enriched")]
    assert len(on) == len(off) == 3000
    assert sum(1 for t in on if t["location"]["country"]) > 300
    assert all(t["location"] == {"country": "", "region": "", "confidence": 0} for t in off)
    assert all(t["enricher"] == "none" for t in off)
    assert sum(1 for t in on if t["sentiment"]["label"] != "neutral") > 300


def test_real_covid19_tweets_file_all_rows_accounted(home):
    src = data_file("covid19-tweets/covid19_tweets_2020-07-25_early.csv")
    _, prod, counts = pipeline(home, src)
    assert prod["records"] == 7218
    assert counts["consumed"] == 7218


def test_real_corona_nlp_with_mapping(home):
    src = data_file("corona-nlp/Corona_NLP_train.csv")
    _, prod, counts = pipeline(home, src, "--mapping", "corona-nlp",
                               produce_args=("--mapping", "corona-nlp"))
    assert prod["records"] == 41157
    assert counts["enriched"] > 40000


def test_topic_tail_shows_last_records(home):
    csv = f"{home}/t.csv"
    run("generate", "--count", 100, "--out", csv)
    uri, _, _ = pipeline(home, csv)
    r = run("topic", "tail", uri, "tweets.enriched", "-n", 3, "--partition", 0)
    lines = r.stdout.splitlines()
    assert len(lines) == 3 and all(l.startswith("0@") for l in lines)


def test_produce_to_unusable_log_directory_fails_clearly(tmp_path):
    # A log directory below a regular file cannot be created, even by root.
    blocker = tmp_path / "blocker"
    blocker.write_text("not a directory")
    csv = tmp_path / "t.csv"
    run("generate", "--count", 10, "--out", csv)
    r = run("produce", "--from", csv, "--to", f"file://{blocker}/log", check=False)
    assert r.returncode == 1
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "error" in lines[0], r.stderr


def test_produce_missing_input_file_fails_clearly(home):
    r = run("produce", "--from", f"{home}/nope.csv", "--to", f"file://{home}/log", check=False)
    assert r.returncode == 1 and "cannot read" in r.stderr


def test_demo_runs_and_reconciles():
    r = run("demo", "--count", 20000, "--json")
    j = json.loads(r.stdout)
    assert j["reconciled"] is True
    assert j["process"]["consumed"] == 20000
    assert sum(j["sentiment"]["overall"].values()) == j["process"]["enriched"]


def test_configuration_docs_are_generated_from_the_table():
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    with open(os.path.join(root, "docs", "configuration.md")) as f:
        assert f.read() == run("config", "docs").stdout, \
            "docs/configuration.md is stale: covidflow config docs > docs/configuration.md"


def test_process_writes_the_lake_that_duckdb_reads(home):
    csv = f"{home}/t.csv"
    run("generate", "--count", 3000, "--seed", 9, "--malformed-rate", 0.01, "--out", csv)
    lake = f"{home}/lake"
    _, _, counts = pipeline(home, csv, "--lake", lake)
    stats = json.loads(run("lake", "stats", lake, "--json").stdout)
    assert stats["rows"] == counts["enriched"]
    assert sum(d["positive"] + d["neutral"] + d["negative"] for d in stats["by_day"]) == stats["rows"]
    import duckdb
    n = duckdb.connect().execute(f"SELECT count(*) FROM read_parquet('{lake}/tweets/*/*.parquet')").fetchone()[0]
    assert n == counts["enriched"]
    # Compacting a day keeps every row exactly once.
    day = stats["by_day"][0]["date"]
    run("lake", "compact", lake, "--date", day)
    after = json.loads(run("lake", "stats", lake, "--json").stdout)
    assert after["rows"] == stats["rows"]
    assert [d for d in after["by_day"] if d["date"] == day][0]["files"] == 1


# What a new user hit (issue "newcomer"): each scenario failed before its fix.

def test_bad_enricher_is_a_bad_setting_and_touches_nothing(home):
    for args in (["process", "--from", f"file://{home}/log", "--exit-when-idle"],
                 ["sentiment"]):
        r = run(*args, "--enricher", "nope", check=False, input="fine\n")
        assert r.returncode == 2, (args, r.stderr)
        lines = r.stderr.strip().splitlines()
        assert len(lines) == 1 and "no enricher named 'nope'" in lines[0], r.stderr
        assert "known ones are: none, vader" in lines[0]
    assert os.listdir(home) == []


def test_sentiment_list_names_the_enrichers_process_help_points_to():
    assert "covidflow sentiment --list" in run("process", "--help").stdout
    names = [line.split()[0] for line in run("sentiment", "--list").stdout.splitlines()]
    assert "vader" in names and "none" in names


def test_sentiment_on_a_directory_fails(home):
    r = run("sentiment", home, check=False)
    assert r.returncode == 1 and r.stdout == ""
    assert "is a directory" in r.stderr, r.stderr


def test_sentiment_column_reads_the_file_as_csv(tmp_path):
    csv = tmp_path / "t.csv"
    csv.write_text('id,text\n1,"I love it,\nreally"\n2,awful\n')
    rows = [json.loads(l) for l in run("sentiment", "--column", "text", csv).stdout.splitlines()]
    assert [r["text"] for r in rows] == ["I love it,\nreally", "awful"]
    r = run("sentiment", "--format", "lines", "--column", "text", csv, check=False)
    assert r.returncode == 2 and "needs CSV input" in r.stderr, r.stderr


def test_sentiment_skips_and_reports_a_line_over_the_field_limit(tmp_path):
    path = tmp_path / "t.txt"
    path.write_text("good\n" + "x" * 5000 + "\nbad\n")
    r = run("sentiment", "--max-field-bytes", 1000, path)
    assert [json.loads(l)["text"] for l in r.stdout.splitlines()] == ["good", "bad"]
    assert "skipped 1 lines longer than 1000 bytes" in r.stderr, r.stderr


def test_missing_paths_fail_and_leave_nothing_behind(home):
    r = run("produce", "--from", f"{home}/nope.csv", "--to", f"file://{home}/log", check=False)
    assert r.returncode == 1 and "cannot read" in r.stderr
    r = run("topic", "stats", f"file://{home}/nolog", "tweets.raw", check=False)
    assert r.returncode == 1 and "no log at" in r.stderr, r.stderr
    r = run("process", "--from", f"file://{home}/nolog", "--exit-when-idle", check=False)
    assert r.returncode == 1 and "no log at" in r.stderr, r.stderr
    r = run("lake", "stats", f"{home}/nolake", check=False)
    assert r.returncode == 1 and "no lake at" in r.stderr, r.stderr
    assert os.listdir(home) == []


def test_unknown_csv_header_is_refused_and_an_all_rejected_run_fails(home):
    csv = f"{home}/nlp.csv"
    with open(csv, "w") as f:
        f.write("UserName,ScreenName,Location,TweetAt,OriginalTweet,Sentiment\n"
                "1,2,London,16-03-2020,all good,Positive\n3,4,Paris,17-03-2020,bad,Negative\n")
    uri = f"file://{home}/log"
    r = run("produce", "--from", csv, "--to", uri, check=False)
    assert r.returncode == 1, r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "lacks column(s) 'user_name', 'user_location'" in lines[0]
    assert "known mappings: reference, corona-nlp" in lines[0]
    assert "fits --mapping corona-nlp" in lines[0]
    # Records that reach the processor with a header it cannot read (produced with the
    # mapping, processed without it): the reason names the header, and the run fails.
    run("produce", "--from", csv, "--to", uri, "--mapping", "corona-nlp")
    r = run("process", "--from", uri, "--group", "g", "--exit-when-idle", "--json", check=False)
    assert r.returncode == 1, r.stderr
    assert json.loads(r.stdout)["dead_letters_by_reason"] == {"unknown_header": 2}
    assert "every one of the 2 records consumed was rejected (unknown_header 2)" in r.stderr
    assert "csv-header" in r.stderr  # the warning when the header is first seen
    r = run("process", "--from", uri, "--group", "g2", "--exit-when-idle", "--allow-all-rejected")
    assert r.returncode == 0


def test_process_progress_line_only_on_a_terminal(home):
    """Not a TTY (a pipe): nothing on stderr. A terminal (a pseudo-terminal as stderr): the
    progress line, redrawn with \\r, ending with a newline; under --json nothing there either."""
    import pty
    csv = f"{home}/t.csv"
    run("generate", "--count", 20000, "--seed", 5, "--malformed-rate", 0.01, "--out", csv)
    uri = f"file://{home}/log"
    run("produce", "--from", csv, "--to", uri)
    piped = run("process", "--from", uri, "--group", "pipe", "--exit-when-idle",
                "--enricher", "none")
    assert piped.stderr == "", piped.stderr
    assert "consumed" in piped.stdout

    def on_terminal(group, *extra):
        leader, follower = pty.openpty()
        try:
            p = subprocess.run([covidflow_bin(), "process", "--from", uri, "--group", group,
                                "--exit-when-idle", "--enricher", "none", *extra],
                               stdout=subprocess.PIPE, stderr=follower, timeout=300)
            os.close(follower)
            follower = -1
            assert p.returncode == 0
            out = b""
            while True:
                try:
                    chunk = os.read(leader, 65536)
                except OSError:  # EIO: the terminal's other side is closed and drained
                    break
                if not chunk:
                    break
                out += chunk
            return out.decode("utf-8"), p.stdout.decode()
        finally:
            if follower >= 0:
                os.close(follower)
            os.close(leader)

    shown, stdout = on_terminal("tty")
    assert shown.startswith("\r"), repr(shown[:200])
    assert shown.rstrip().endswith("dead letters"), repr(shown[-200:])
    last = shown.strip().split("\r")[-1]
    # The last line: every record consumed, nothing left behind, the dead letters counted.
    assert last.startswith("process: 20,000 records · "), repr(last)
    assert " · lag 0 · " in last, repr(last)
    counts = json.loads(run("process", "--from", uri, "--group", "json", "--exit-when-idle",
                            "--enricher", "none", "--json").stdout)
    assert last.endswith(f" · {counts['dead_letters']:,} dead letters"), repr(last)
    assert "consumed" in stdout and "process:" not in stdout
    quiet, _ = on_terminal("tty-json", "--json")
    assert quiet == "", repr(quiet)
