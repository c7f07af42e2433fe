"""A load killed with SIGKILL while it writes leaves the data as they were before it began, and
the next run completes it — on the embedded file and on a DuckLake (conftest.BOTH_BACKENDS)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from geoaq.db import backend
from geoaq.db import connection as db

ROOT = Path(__file__).resolve().parents[2]
ROWS = 150_000


def _firms(path: Path, rows: int, seed: int = 7) -> Path:
    """A VIIRS FIRMS file of `rows` distinct detections over Henan."""
    rng = np.random.default_rng(seed)
    day = pd.Timestamp("2025-06-01") + pd.to_timedelta(rng.integers(0, 30, rows), unit="D")
    pd.DataFrame({
        "latitude": np.round(rng.uniform(32.0, 36.0, rows), 5), "longitude": np.round(rng.uniform(110.5, 116.5, rows), 5),
        "bright_ti4": np.round(rng.uniform(300, 360, rows), 2), "scan": 0.4, "track": 0.5,
        "acq_date": day.strftime("%Y-%m-%d"), "acq_time": [f"{h:02d}{m:02d}" for h, m in
                                                            zip(rng.integers(0, 24, rows), rng.integers(0, 60, rows), strict=True)],
        "satellite": "N", "confidence": "nominal", "version": "2.0NRT", "bright_ti5": 290.0,
        "frp": np.round(rng.uniform(0.5, 20, rows), 2), "daynight": "D",
    }).drop_duplicates(["latitude", "longitude", "acq_date", "acq_time"]).to_csv(path, index=False)
    return path


def _writing_started(address: str, before: int) -> bool:
    """Whether the load has begun writing: the file grew, or the lake has a new data file."""
    target = backend.database(address)
    if target.embedded:
        sizes = [p.stat().st_size for p in (target.path, target.path.with_name(target.path.name + ".wal")) if p.exists()]
        return sum(sizes) > before + 2_000_000
    return _lake_files(target) > before


def _lake_files(target: backend.Database) -> int:
    return sum(1 for _ in Path(target.data_path).rglob("*.parquet"))


def _state(address: str) -> tuple[int, int, int]:
    with db.connect(address) as con:
        tables = {row[0] for row in con.execute("SELECT table_name FROM information_schema.tables "
                                                "WHERE table_catalog = current_database()").fetchall()}
        points = con.execute("SELECT count(*) FROM fire_points").fetchone()[0] if "fire_points" in tables else 0
        return (points, con.execute("SELECT count(*) FROM ingest_runs").fetchone()[0],
                con.execute("SELECT count(*) FROM rejects").fetchone()[0])


def test_a_load_killed_while_it_writes_changes_nothing_and_the_next_run_completes_it(address, tmp_path):
    source = _firms(tmp_path / "season.csv", ROWS)
    expected = sum(1 for _ in source.open()) - 1
    before = _state(address)
    target = backend.database(address)
    db_size = (sum(p.stat().st_size for p in (target.path, target.path.with_name(target.path.name + ".wal"))
                   if p.exists()) if target.embedded else _lake_files(target))
    backend.forget_lakes()  # this process lets go of the lake (embedded: no connection is open)
    env = {**os.environ, "GEOAQ_DB": address, "PYTHONPATH": str(ROOT)}
    load = subprocess.Popen([sys.executable, "-m", "geoaq", "ingest", "fire_points", str(source)], env=env,
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 240
    while not _writing_started(address, db_size):
        assert load.poll() is None, f"the load ended before it was seen writing: {load.communicate()}"
        assert time.monotonic() < deadline, "the load never began writing"
        time.sleep(0.005)
    os.kill(load.pid, signal.SIGKILL)
    load.wait(timeout=60)
    assert load.returncode == -signal.SIGKILL
    assert _state(address) == before  # nothing of the killed load
    again = subprocess.run([sys.executable, "-m", "geoaq", "ingest", "fire_points", str(source)], env=env, cwd=ROOT,
                           capture_output=True, text=True, timeout=600)
    assert again.returncode == 0, again.stderr
    points, runs, _ = _state(address)
    assert points == before[0] + expected and runs == before[1] + 1
