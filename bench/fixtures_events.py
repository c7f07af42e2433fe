"""A database with ~100,000 fire events: the Luoyang demo plus a generated burning season.

Shared by `bench/app.py` and `tests/browser/test_fires_scale.py`. It goes through the normal
paths only: `geoaq.demo.build.build_demo` for the demo layers (counties, townships, zones,
enterprises, mines, stations, the real 2025-04-22 MODIS fires), then a VIIRS-format FIRMS CSV
written here and loaded with `geoaq.ingest.layer.ingest("fire_points", ...)`, exactly as a bureau
loads a download. Nothing is written to the database behind ingest's back.

The generated season (演示数据 — synthetic, like every generated part of the demo):

* days: 2025-05-01 .. 2025-09-27 (150 days), more fires in the wheat harvest (early June) and
  before the autumn sowing (late September) than in summer;
* places: inside the Luoyang prefecture outline, on a 2 km grid whose cells are drawn with a
  weight favouring the eastern plains (Mengjin, Yanshi, Yichuan) over the south-western
  mountains; at most one fire per cell and day, jittered by up to ±350 m, so fires of one
  day never lie within each other's linking distance (VIIRS footprints here are < 800 m)
  and every fire is exactly one event — the count is known in advance;
* detections: each fire is seen by Suomi NPP (satellite ``N``) on the early-afternoon pass
  (05:00–05:59 UTC = 13:00–13:59 Beijing); one in five is seen again ~50 minutes later by
  NOAA-20 (``N20``) within 250 m, which joins the same event. ~120,000 detections in all.

Deterministic for a given seed. Building takes ~1 minute on two cores (mostly the first
`check_fires`, which groups the detections into events), so callers cache the file.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import shapely

ROOT = Path(__file__).resolve().parents[1]
PREFECTURE = ROOT / "data" / "demo" / "luoyang_prefecture_wgs84.geojson"
SEASON_START = date(2025, 5, 1)
SEASON_DAYS = 150
GRID_KM = 2.0
JITTER_M = 350.0
REPEAT_SHARE = 0.2
VIIRS_HEADER = ["latitude", "longitude", "bright_ti4", "scan", "track", "acq_date", "acq_time",
                "satellite", "instrument", "confidence", "version", "bright_ti5", "frp", "daynight"]


@dataclass(frozen=True)
class EventsFixture:
    """What `build_events_db` made: the database, its period and the generated counts."""

    db: Path
    start: date  # first Beijing day with a fire (the demo's 2025-04-23)
    end: date  # last Beijing day of the season
    generated_events: int
    generated_detections: int


def season_end() -> date:
    return SEASON_START + timedelta(days=SEASON_DAYS - 1)


def _grid_cells(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Centres (lon, lat) of the 2 km grid cells inside the prefecture, and each cell's weight."""
    outline = shapely.from_geojson(json.dumps(json.loads(PREFECTURE.read_text("utf-8"))["features"][0]["geometry"]))
    minx, miny, maxx, maxy = outline.bounds
    dlat = GRID_KM / 111.0
    dlon = GRID_KM / (111.0 * np.cos(np.radians((miny + maxy) / 2)))
    lons, lats = np.meshgrid(np.arange(minx + dlon / 2, maxx, dlon), np.arange(miny + dlat / 2, maxy, dlat))
    lons, lats = lons.ravel(), lats.ravel()
    inside = shapely.contains_xy(shapely.buffer(outline, -0.01), lons, lats)
    lons, lats = lons[inside], lats[inside]
    # plains in the east and north-east burn most; the south-western mountains little
    plains = np.exp(-np.hypot(lons - 112.65, (lats - 34.72) * 1.3) / 0.45)
    weight = 0.08 + plains + 0.05 * rng.random(len(lons))
    return lons, lats, weight / weight.sum()


def _fires_per_day(total: int, days: int, cells: int) -> np.ndarray:
    """How many fires each day gets: two harvest peaks over a low summer base, summing to total."""
    t = np.arange(days)
    wheat = np.exp(-0.5 * ((t - 36) / 9.0) ** 2)  # ~June 6
    autumn = 0.8 * np.exp(-0.5 * ((t - 140) / 8.0) ** 2)  # ~Sept 18
    shape = 0.25 + wheat + autumn
    counts = np.floor(shape / shape.sum() * total).astype(int)
    counts = np.minimum(counts, int(cells * 0.6))
    order = np.argsort(-shape)
    i = 0
    while counts.sum() < total:  # hand out the remainder, busiest days first, within capacity
        day = order[i % days]
        if counts[day] < int(cells * 0.6):
            counts[day] += 1
        i += 1
    return counts


def generate_season_csv(path: Path, events: int = 100_000, seed: int = 6) -> int:
    """Write a VIIRS-format FIRMS CSV of `events` fires over the season; returns its row count."""
    rng = np.random.default_rng(seed)
    lons, lats, weight = _grid_cells(rng)
    per_day = _fires_per_day(events, SEASON_DAYS, len(lons))
    frames = []
    for day, count in enumerate(per_day):
        if not count:
            continue
        cells = rng.choice(len(lons), size=count, replace=False, p=weight)
        lat = lats[cells] + rng.uniform(-1, 1, count) * JITTER_M / 111_000
        lon = lons[cells] + rng.uniform(-1, 1, count) * JITTER_M / (111_000 * np.cos(np.radians(lat)))
        acq_date = (SEASON_START + timedelta(days=day)).isoformat()
        minute = 5 * 60 + rng.integers(0, 60, count)  # 05:00-05:59 UTC
        frames.append(_detections(rng, lon, lat, acq_date, minute, "N"))
        again = rng.random(count) < REPEAT_SHARE
        n = int(again.sum())
        shift = rng.uniform(-1, 1, (2, n)) * 250.0 / 111_000 / np.sqrt(2)
        frames.append(_detections(rng, lon[again] + shift[0] / np.cos(np.radians(lat[again])),
                                  lat[again] + shift[1], acq_date, minute[again] + 50, "N20"))
    frame = pd.concat(frames, ignore_index=True)
    frame.to_csv(path, index=False)
    return len(frame)


def _detections(rng: np.random.Generator, lon: np.ndarray, lat: np.ndarray, acq_date: str,
                minutes: np.ndarray, satellite: str) -> pd.DataFrame:
    """FIRMS VIIRS rows seen `minutes` after 00:00 UTC of `acq_date`."""
    hhmm = [f"{m // 60:02d}{m % 60:02d}" for m in minutes]
    n = len(lon)
    return pd.DataFrame({
        "latitude": np.round(lat, 5),
        "longitude": np.round(lon, 5),
        "bright_ti4": np.round(rng.uniform(300, 367, n), 2),
        "scan": np.round(rng.uniform(0.32, 0.56, n), 2),
        "track": np.round(rng.uniform(0.36, 0.50, n), 2),
        "acq_date": acq_date,
        "acq_time": hhmm,
        "satellite": satellite,
        "instrument": "VIIRS",
        "confidence": rng.choice(["l", "n", "h"], n, p=[0.15, 0.7, 0.15]),
        "version": "2.0NRT",
        "bright_ti5": np.round(rng.uniform(280, 305, n), 2),
        "frp": np.round(rng.gamma(1.5, 3.0, n), 2),
        "daynight": "D",
    })[VIIRS_HEADER]


def build_events_db(db_path: Path, events: int = 100_000, *, seed: int = 6,
                    precompute: bool = True) -> EventsFixture:
    """Build the demo plus the generated season at `db_path` (replaced if present).

    With `precompute`, runs `check_fires` over the whole period once so the events are
    grouped and stored (what the first visit of the 火点核查 page would otherwise do).
    """
    from geoaq.db import connection as db
    from geoaq.demo.build import build_demo
    from geoaq.fires.check import check_fires
    from geoaq.ingest.layer import ingest

    db_path = Path(db_path)
    db_path.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="geoaq-events-"))
    try:
        building = work / db_path.name
        build_demo(building)
        csv_path = work / "FIRMS_VIIRS_luoyang_season_synthetic.csv"
        rows = generate_season_csv(csv_path, events, seed)
        report = ingest("fire_points", csv_path, db=building)
        if report.rejected_rows:
            raise RuntimeError(f"generated detections rejected: {report.summary()}")
        fixture = EventsFixture(db=db_path, start=date(2025, 4, 23), end=season_end(),
                                generated_events=events, generated_detections=rows)
        if precompute:
            con = db.connect(building)
            try:
                check_fires(con, fixture.start, fixture.end)
                con.execute("CHECKPOINT")
            finally:
                con.close()
        for suffix in ("", ".wal"):
            db_path.with_name(db_path.name + suffix).unlink(missing_ok=True)
        shutil.move(building, db_path)
        return fixture
    finally:
        shutil.rmtree(work, ignore_errors=True)


def events_db(cache_dir: Path, events: int = 100_000, seed: int = 6) -> EventsFixture:
    """`build_events_db` into `cache_dir`, reused when a previous build with the same inputs is there."""
    cache_dir = Path(cache_dir)
    path = cache_dir / f"fires_{events}_{seed}.duckdb"
    done = path.with_name(path.name + ".done")
    if path.exists() and done.exists():
        return EventsFixture(db=path, start=date(2025, 4, 23), end=season_end(),
                             generated_events=events, generated_detections=int(done.read_text()))
    fixture = build_events_db(path, events, seed=seed)
    done.write_text(str(fixture.generated_detections))
    return fixture


if __name__ == "__main__":
    import argparse
    import time

    parser = argparse.ArgumentParser(description="Build the 100k-event database.")
    parser.add_argument("db", type=Path)
    parser.add_argument("--events", type=int, default=100_000)
    args = parser.parse_args()
    t0 = time.perf_counter()
    built = build_events_db(args.db, args.events)
    print(f"{built} in {time.perf_counter() - t0:.1f} s")
