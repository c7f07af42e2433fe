"""A feed killed with SIGKILL leaves the data as before; the next run completes it.

`geoaq feeds run --once` runs in a subprocess against the replay and is killed twice over: in
the middle of a slow download, and in the middle of writing a large answer into the database
(after its log says "writing", inside the load's transaction). Every table a load touches —
fire_points, ingest_runs, rejects, feed_runs — is then exactly as before the run, and the next
run loads everything once.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time

import pytest
from feeds_replay import AREA_PATH, VALID_KEY, Reply, firms_replay, many_detections, write_site
from helpers import DATA

from geoaq.db import connection as db

TABLES = ("fire_points", "ingest_runs", "rejects", "feed_runs")
NATURAL_KEY = "latitude, longitude, acq_date, acq_time, satellite"


def snapshot(path) -> dict[str, object]:
    """Row counts of every table a load touches, and fire_points' content."""
    with db.connect(path) as con:
        counts = {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}  # noqa: S608
        content = con.execute(f"SELECT {NATURAL_KEY}, frp, ingest_id FROM fire_points ORDER BY ALL").fetchall()  # noqa: S608
    return {**counts, "content": content}


@pytest.fixture
def site(tmp_path, replay, migrated_db, monkeypatch):
    """A database holding the MODIS test file, a site whose only feed is FIRMS VIIRS S-NPP on
    the replay, and the environment of the subprocess."""
    from geoaq.ingest.layer import ingest

    with db.connect(migrated_db) as con:
        ingest("fire_points", DATA / "firms_modis_c61_china.csv", con=con)
    firms_replay(replay)
    write_site(tmp_path / "site", firms={
        "enabled": True, "base_url": replay.url, "bbox": [97.0, 21.0, 106.0, 29.0], "margin_km": 0,
        "sources": ["VIIRS_SNPP_NRT"], "backfill_days": 1, "check_key_status": False})
    env = {**os.environ, "GEOAQ_SITE_DIR": str(tmp_path / "site"), "GEOAQ_FIRMS_MAP_KEY": VALID_KEY,
           "GEOAQ_LANG": "en", "GEOAQ_DB": str(migrated_db)}
    env.pop("GEOAQ_DEBUG", None)
    return env


@pytest.fixture
def feed_run():
    """Start `geoaq feeds run --once` with an environment; whatever is left running is killed."""
    started: list[subprocess.Popen] = []

    def start(env) -> subprocess.Popen:
        process = subprocess.Popen([sys.executable, "-m", "geoaq", "feeds", "run", "--once"], env=env,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        started.append(process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=30)


def watch(process: subprocess.Popen, marker: str) -> tuple[threading.Event, list[str]]:
    """An event set when the process's stderr shows `marker`, and the lines read."""
    seen, lines = threading.Event(), []

    def read() -> None:
        for line in process.stderr:
            lines.append(line)
            if marker in line:
                seen.set()

    threading.Thread(target=read, daemon=True).start()
    return seen, lines


def kill(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL


def complete(env, migrated_db, before, new_rows: int) -> None:
    """The next run loads every row once and records its success."""
    finished = subprocess.run([sys.executable, "-m", "geoaq", "feeds", "run", "--once"], env=env,
                              capture_output=True, text=True, timeout=240)
    assert finished.returncode == 0, finished.stderr + finished.stdout
    after = snapshot(migrated_db)
    assert after["fire_points"] == before["fire_points"] + new_rows
    assert (after["ingest_runs"], after["feed_runs"]) == (before["ingest_runs"] + 1, before["feed_runs"] + 1)
    with db.connect(migrated_db) as con:
        distinct = con.execute(f"SELECT count(*) FROM (SELECT DISTINCT {NATURAL_KEY} FROM fire_points)").fetchone()[0]  # noqa: S608
        status = con.execute("SELECT status, new_rows FROM feed_runs").fetchall()
    assert distinct == after["fire_points"] and status == [("ok", new_rows)]


def test_killed_mid_download_nothing_changes_and_the_next_run_completes(replay, site, migrated_db, feed_run):
    body = many_detections(2_000)
    replay.route(AREA_PATH.pattern, Reply(body=body, trickle=0.1, chunk=4096))  # about 4 s
    before = snapshot(migrated_db)
    process = feed_run(site)
    deadline = time.monotonic() + 120
    while not replay.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert replay.started, "the feed never asked"
    time.sleep(1.0)  # part of the answer has arrived
    assert process.poll() is None
    kill(process)
    assert snapshot(migrated_db) == before
    replay.route(AREA_PATH.pattern, Reply(body=body))
    complete(site, migrated_db, before, 2_000)


def test_killed_while_writing_nothing_changes_and_the_next_run_completes(replay, site, migrated_db, feed_run):
    rows = 200_000
    replay.route(AREA_PATH.pattern, Reply(body=many_detections(rows)))
    before = snapshot(migrated_db)
    process = feed_run(site)
    writing, lines = watch(process, ": writing ")
    assert writing.wait(timeout=240), "".join(lines)
    time.sleep(0.2)  # inside the load's transaction (writing 200,000 rows takes over a second)
    assert process.poll() is None, "".join(lines)
    kill(process)
    assert not any(" new, " in line for line in lines), "the load finished before the kill"
    assert snapshot(migrated_db) == before
    complete(site, migrated_db, before, rows)
