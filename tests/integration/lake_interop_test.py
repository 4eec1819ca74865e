"""Interop: every file our Parquet writer produces is read by real readers (pyarrow and
DuckDB) and every value matches what the writer was given.

The C++ driver (src/lake/tests/lake_interop_driver.cc) writes NAME.parquet next to
NAME.expected.jsonl (one JSON object per row, timestamps as integers in the column's
unit, null for an unresolved location). Run through ctest (test `lake_interop`), or:
  CF_LAKE_INTEROP_DRIVER=build/lake/src/lake/tests/lake_interop_driver \
    .venv/bin/python -m pytest tests/integration/lake_interop_test.py
"""
import json
import os
import subprocess
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

DRIVER_ENV = "CF_LAKE_INTEROP_DRIVER"
MICROS = {"user_created", "event_time"}
MILLIS = {"ingest_time"}


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    driver = os.environ.get(DRIVER_ENV)
    if not driver:
        pytest.fail(f"{DRIVER_ENV} is not set: point it at the lake_interop_driver binary")
    if not os.access(driver, os.X_OK):
        pytest.fail(f"{DRIVER_ENV}={driver} is not an executable file")
    out = tmp_path_factory.mktemp("lake_interop")
    subprocess.run([driver, str(out)], check=True)
    files = sorted(out.glob("*.parquet"))
    assert len(files) >= 7, f"driver wrote only {files}"
    return files


def expected_rows(parquet_file: Path):
    lines = parquet_file.with_suffix("").with_suffix(".expected.jsonl").read_text("utf-8")
    return [json.loads(line) for line in lines.splitlines()]


def assert_rows_equal(got, want, reader, name):
    assert len(got) == len(want), f"{reader} {name}: {len(got)} rows, expected {len(want)}"
    for i, (g, w) in enumerate(zip(got, want)):
        assert set(g) == set(w), f"{reader} {name}: columns {sorted(g)} != {sorted(w)}"
        for col, value in w.items():
            assert g[col] == value, f"{reader} {name} row {i} column {col}: {g[col]!r} != {value!r}"


def test_pyarrow_reads_every_value(written):
    for f in written:
        table = pq.read_table(f)
        cols = {}
        for name in table.column_names:
            col = table.column(name)
            if pa.types.is_timestamp(col.type):
                col = col.cast(pa.int64())
            cols[name] = col.to_pylist()
        got = [dict(zip(cols, values)) for values in zip(*cols.values())] if cols else []
        want = expected_rows(f)
        assert table.num_rows == len(want)
        assert_rows_equal(got, want, "pyarrow", f.name)


def test_pyarrow_sees_types_and_metadata(written):
    f = next(p for p in written if p.name == "edge_zstd.parquet")
    schema = pq.read_schema(f)
    assert schema.field("event_time").type == pa.timestamp("us", tz="UTC")
    assert schema.field("ingest_time").type == pa.timestamp("ms", tz="UTC")
    assert schema.field("hashtags").type.value_type == pa.string()
    assert schema.field("country").nullable
    meta = {k.decode(): v.decode() for k, v in schema.metadata.items()}
    assert meta["covidflow.schema_version"] == "3"
    assert schema.field("model_value").type == pa.float64()
    assert set(meta["covidflow.enrichers"].split(",")) == {"vader", "model@3"}
    ranges = json.loads(meta["covidflow.source_offsets"])
    assert sum(r["count"] for r in ranges) == 6
    stats = pq.ParquetFile(f).metadata.row_group(0).column(4).statistics  # user_followers
    assert stats.min == -1 and stats.max == 2**63 - 1 and stats.null_count == 0


def test_a_regression_models_rows_hold_a_value_and_no_label(written):
    # Every sixth row of the mixed files was scored by a regression model (test_rows.h).
    f = next(p for p in written if p.name == "mixed_zstd.parquet")
    con = duckdb.connect()
    rows = con.execute(
        f"SELECT model, model_label, model_confidence, model_probabilities, model_value "
        f"FROM read_parquet('{f}') WHERE model IS NOT NULL AND model_label IS NULL").fetchall()
    assert len(rows) == 5000 // 6
    assert {r[0] for r in rows} == {"retweets/2"}
    assert all(r[2] == 0.0 and r[3] is None for r in rows)
    assert len({r[4] for r in rows}) > 100
    table = pq.read_table(f, columns=["model_label", "model_value"]).to_pylist()
    assert [r["model_value"] for r in table if r["model_label"] is None and r["model_value"]] \
        == [r[4] for r in rows if r[4]]


def test_duckdb_reads_every_value(written):
    con = duckdb.connect()
    for f in written:
        want = expected_rows(f)
        if not want:
            assert con.execute(f"SELECT count(*) FROM read_parquet('{f}')").fetchall() == [(0,)]
            continue
        names = list(want[0].keys())
        select = []
        for n in names:
            if n in MICROS:
                select.append(f"epoch_us({n}) AS {n}")
            elif n in MILLIS:
                select.append(f"epoch_ms({n}) AS {n}")
            else:
                select.append(n)
        rows = con.execute(f"SELECT {', '.join(select)} FROM read_parquet('{f}')").fetchall()
        got = [dict(zip(names, r)) for r in rows]
        assert_rows_equal(got, want, "duckdb", f.name)
