"""Both storage backends under concurrent use: the same results, no lost or doubled row, no
failed write, readers never held up by a long write (each test runs on the embedded file and
on a DuckLake, see conftest.BOTH_BACKENDS)."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path

import pandas as pd
import pytest
from helpers import DATA, at_once

from geoaq.db import backend
from geoaq.db import connection as db
from geoaq.fires import verification
from geoaq.fires.events import refresh_events
from geoaq.ingest.layer import ingest

FIRMS = DATA / "firms_viirs_snpp_china.csv"
ROOT = Path(__file__).resolve().parents[2]


def _count(con, table: str) -> int:
    return con.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]  # noqa: S608


def test_the_same_file_loaded_by_four_writers_at_once_is_stored_once(address):
    reports = at_once(address, lambda con: ingest("fire_points", FIRMS, con=con))
    with db.connect(address) as con:
        rows = _count(con, "fire_points")
        keys = con.execute("SELECT count(*) FROM (SELECT DISTINCT latitude, longitude, acq_date, "
                           "acq_time, satellite FROM fire_points)").fetchone()[0]
        runs = con.execute("SELECT count(*), count(DISTINCT ingest_id) FROM ingest_runs").fetchone()
    assert rows == keys == 20
    assert sum(r.inserted for r in reports) == 20  # one writer inserted them, the others found them
    assert sorted(r.unchanged for r in reports).count(20) == 3
    assert runs == (4, 4)  # every load recorded, each with a number of its own


def test_two_reviewers_changing_statuses_at_once_lose_nothing(address):
    with db.connect(address) as con:
        ingest("fire_points", FIRMS, con=con)
        refresh_events(con)
        events = [row[0] for row in con.execute("SELECT event_id FROM fire_events ORDER BY 1").fetchall()]

    def review(con) -> list[int]:
        name = threading.current_thread().name
        return [verification.set_status(con, event, "verified", changed_by=name) for event in events]

    changes = at_once(address, review, threads=2)
    with db.connect(address) as con:
        history = con.execute("SELECT change_id, event_id FROM fire_event_status_history").df()
    assert len(history) == 2 * len(events)
    assert history["change_id"].is_unique
    assert sorted(history["change_id"]) == sorted(c for per in changes for c in per)


def test_a_reader_is_not_held_up_by_a_long_write(address):
    """A write transaction left open for seconds: a read on another connection of the same
    process answers at once from its snapshot (the app's sessions while a load runs)."""
    with db.connect(address) as con:
        ingest("fire_points", FIRMS, con=con)
    started, release = threading.Event(), threading.Event()

    def long_write() -> None:
        with db.connect(address) as con, db.transaction(con):
            con.execute("DELETE FROM fire_points")
            started.set()
            release.wait(timeout=30)

    writer = threading.Thread(target=long_write)
    writer.start()
    try:
        assert started.wait(timeout=30)
        began = time.perf_counter()
        with db.connect(address) as con:
            seen = _count(con, "fire_points")
        waited = time.perf_counter() - began
    finally:
        release.set()
        writer.join(timeout=60)
    assert seen == 20  # the snapshot before the write
    assert waited < 1.0


def test_a_failed_write_changes_nothing_and_the_next_one_works(address, monkeypatch):
    with db.connect(address) as con:
        ingest("fire_points", FIRMS, con=con)
        before = _count(con, "fire_points"), _count(con, "ingest_runs")
        from geoaq.db import store

        def broken(*args, **kwargs):
            raise RuntimeError("disk full")

        monkeypatch.setattr(store, "record_run", broken)
        with pytest.raises(RuntimeError, match="disk full"):
            ingest("fire_points", DATA / "firms_modis_c61_china.csv", con=con)
        assert (_count(con, "fire_points"), _count(con, "ingest_runs")) == before
        monkeypatch.undo()
        ingest("fire_points", DATA / "firms_modis_c61_china.csv", con=con)
        assert _count(con, "fire_points") == before[0] + 20


@pytest.mark.parametrize("backend_kind", ["ducklake"], indirect=True)
def test_two_processes_loading_while_a_third_reads_lose_nothing(address, tmp_path):
    """Only a DuckLake takes writes from several processes: two `geoaq ingest` processes at once
    (different files, one of them twice), a third process reading all along."""
    env = {"GEOAQ_DB": address, "PATH": "/usr/bin:/bin",
           "GEOAQ_DATA_PATH": str(backend.database(address).data_path)}
    geoaq = [sys.executable, "-m", "geoaq"]
    reader = subprocess.Popen([sys.executable, "-c", (
        "import sys, time; from geoaq.db import connection as db\n"
        "con = db.connect()\n"
        "counts = []\n"
        "end = time.monotonic() + 20\n"
        "while time.monotonic() < end:\n"
        "    try: n = con.execute('SELECT count(*) FROM fire_points').fetchone()[0]\n"
        "    except Exception: n = 0  # no writer has made the table yet\n"
        "    counts.append(n)\n"
        "    if n == 40: break\n"
        "    time.sleep(0.05)\n"
        "print(min(counts), max(counts), counts == sorted(counts))\n")], env=env, cwd=ROOT,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    writers = [subprocess.Popen([*geoaq, "ingest", "fire_points", str(path)], env=env, cwd=ROOT,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
               for path in (FIRMS, DATA / "firms_modis_c61_china.csv", FIRMS)]
    outputs = [w.communicate(timeout=120) for w in writers]
    assert [w.returncode for w in writers] == [0, 0, 0], outputs
    seen, errors = reader.communicate(timeout=120)
    assert reader.returncode == 0, errors
    low, high, monotone = seen.split()
    assert int(high) == 40 and monotone == "True"  # never a row lost or seen twice on the way
    with db.connect(address) as con:
        frame = con.execute("SELECT latitude, longitude, acq_date, acq_time, satellite FROM fire_points").df()
    assert len(frame) == 40 and not frame.duplicated().any()
    assert isinstance(frame, pd.DataFrame)
