"""geoaq.db.versions: a write moves the versions of the tables it wrote, and only those, once it
commits; on either backend, and for writes made by another process."""

from __future__ import annotations

import subprocess
import sys

import pytest
from helpers import ROOT

from geoaq.db import connection as db
from geoaq.db.versions import written_tables


@pytest.mark.parametrize(("sql", "tables"), [
    ("INSERT INTO readings SELECT 1", {"readings"}),
    ('-- INSERT INTO commented\nUPDATE "counter_ingest" SET value = value + ?', {"counter_ingest"}),
    ("CREATE TABLE IF NOT EXISTS a (x INT);\nDROP TABLE IF EXISTS b;\nALTER TABLE c ADD COLUMN y INT",
     {"a", "b", "c"}),
    ("delete from fire_events where local_date = ?", {"fire_events"}),
    ("INSERT OR REPLACE INTO t SELECT 1", {"t"}),
    ("SELECT * FROM readings WHERE note = 'UPDATE x'", set()),
    ("WITH s AS (SELECT 1) SELECT * FROM s", set()),
])
def test_the_tables_a_statement_writes(sql, tables):
    assert written_tables(sql) == tables


def _reserve(con, counter: str = "ingest") -> int:
    with db.transaction(con):
        return db.next_ids(con, counter)


def test_a_write_moves_only_its_tables_once_committed(con, address):
    counter = db.counter_table("ingest")
    _reserve(con)  # the counter's table exists from here on
    before = db.data_versions(address)
    with pytest.raises(RuntimeError), db.transaction(con):
        db.next_ids(con, "ingest")
        assert db.data_versions(address).of([counter]) == before.of([counter])  # not yet committed
        raise RuntimeError("rolled back")
    assert db.data_versions(address).of([counter]) == before.of([counter])
    _reserve(con)
    after = db.data_versions(address)
    assert after.of([counter]) != before.of([counter])
    assert after.of(["readings", "fire_points"]) == before.of(["readings", "fire_points"])


def test_a_write_by_another_process_is_seen(con, address, backend_kind):
    counter = db.counter_table("ingest")
    _reserve(con)
    before = db.data_versions(address)
    if backend_kind == "duckdb":
        con.close()  # the file is free for the other process
    code = ("import sys; from geoaq.db import connection as db\n"
            "con = db.connect(sys.argv[1])\n"
            "con.begin(); db.next_ids(con, 'ingest'); con.commit()\n")
    subprocess.run([sys.executable, "-c", code, address], cwd=ROOT, check=True, timeout=120)
    after = db.data_versions(address)
    assert after.of([counter]) != before.of([counter])
    if backend_kind == "ducklake":  # the catalog says which table changed
        assert after.of(["readings"]) == before.of(["readings"])
