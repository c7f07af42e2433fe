"""`geoaq feeds run` as a service of its own: it runs the feeds on their schedule, logs each
request on stderr (the key masked), and stops on SIGTERM once the request under way is done."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from feeds_replay import VALID_KEY, firms_replay, write_site

from geoaq.db import connection as db


def test_the_service_runs_on_its_schedule_and_stops_on_sigterm(tmp_path, replay, migrated_db):
    firms_replay(replay)
    write_site(tmp_path / "site", firms={
        "enabled": True, "base_url": replay.url, "bbox": [97.0, 21.0, 106.0, 29.0], "margin_km": 0,
        "sources": ["VIIRS_NOAA20_NRT"], "backfill_days": 1, "check_key_status": False,
        "every_minutes": 0.02, "run_at_start": True})
    env = {**os.environ, "GEOAQ_SITE_DIR": str(tmp_path / "site"), "GEOAQ_FIRMS_MAP_KEY": VALID_KEY,
           "GEOAQ_LANG": "en"}
    log = tmp_path / "service.log"
    with log.open("w") as stderr:  # a file, not a pipe nobody reads while the service runs
        process = subprocess.Popen([sys.executable, "-m", "geoaq", "feeds", "run", "--db", str(migrated_db)],
                                   env=env, stdout=subprocess.PIPE, stderr=stderr, text=True)
    try:
        deadline = time.monotonic() + 120
        while replay.count(r"/VIIRS_NOAA20_NRT/") < 3 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert replay.count(r"/VIIRS_NOAA20_NRT/") >= 3
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            out, _ = process.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=30)
            raise
    err = log.read_text()
    assert process.returncode == 0, err
    assert "feeds running: firms" in err and "firms VIIRS_NOAA20_NRT" in err and "no detections" in err
    assert VALID_KEY not in err + out
    with db.connect(migrated_db) as con:
        runs = con.execute("SELECT count(DISTINCT run_id), count(*), min(status), max(status) FROM feed_runs").fetchone()
    assert runs[0] >= 3 and runs[1] == runs[0] and runs[2:] == ("empty", "empty")
