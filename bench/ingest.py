"""Bench: load N generated FIRMS rows through `geoaq ingest` and through plain geopandas.

Both sides read the same CSV in the same run, each in its own fresh process:
  * geoaq:  `geoaq ingest fire_points FILE --db …` (read, validate every value, FIRMS
            normalisation, natural-key de-duplication, one DuckDB transaction);
  * peer A: geopandas `read_file` (pyogrio) + `to_file` GeoPackage — a plain GIS load;
  * peer B: pandas `read_csv` + `points_from_xy` + `to_parquet` — the fastest plain path.
Row counts and a sample of coordinates are compared, then times and ratios printed.

    .venv/bin/python bench/ingest.py [--rows 1000000] [--keep DIR]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
MODIS_HEADER = ["latitude", "longitude", "brightness", "scan", "track", "acq_date", "acq_time",
                "satellite", "confidence", "version", "bright_t31", "frp", "daynight"]

PEER_GPKG = """
import sys, geopandas as gpd
g = gpd.read_file(sys.argv[1], engine="pyogrio", X_POSSIBLE_NAMES="longitude",
                  Y_POSSIBLE_NAMES="latitude", KEEP_GEOM_COLUMNS="NO")
g = g.set_crs(4326)
g.to_file(sys.argv[2], engine="pyogrio")
print(len(g))
"""
PEER_PARQUET = """
import sys, pandas as pd, geopandas as gpd
df = pd.read_csv(sys.argv[1], dtype={"acq_time": str})
g = gpd.GeoDataFrame(df, geometry=gpd.points_from_xy(df.longitude, df.latitude), crs=4326)
g.to_parquet(sys.argv[2])
print(len(g))
"""


def generate_firms(path: Path, rows: int, seed: int = 1) -> None:
    """A MODIS-format FIRMS CSV of `rows` distinct detections over eastern China."""
    rng = np.random.default_rng(seed)
    days = pd.Timestamp("2025-03-01") + pd.to_timedelta(rng.integers(0, 120, rows), unit="D")
    frame = pd.DataFrame({
        "latitude": rng.uniform(22.0, 45.0, rows).round(5),
        "longitude": rng.uniform(100.0, 125.0, rows).round(5),
        "brightness": rng.uniform(300, 420, rows).round(2),
        "scan": rng.uniform(1.0, 4.0, rows).round(2),
        "track": rng.uniform(1.0, 2.0, rows).round(2),
        "acq_date": days.strftime("%Y-%m-%d"),
        "acq_time": [f"{h:02d}{m:02d}" for h, m in zip(rng.integers(0, 24, rows), rng.integers(0, 60, rows), strict=True)],
        "satellite": rng.choice(["T", "A"], rows),
        "confidence": rng.integers(0, 101, rows),
        "version": "6.1NRT",
        "bright_t31": rng.uniform(270, 310, rows).round(2),
        "frp": rng.uniform(1, 200, rows).round(2),
        "daynight": rng.choice(["D", "N"], rows),
    })[MODIS_HEADER]
    frame.to_csv(path, index=False)


def timed(command: list[str]) -> tuple[float, str]:
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
    elapsed = time.perf_counter() - start
    if done.returncode:
        sys.exit(f"failed: {' '.join(command)}\n{done.stdout}\n{done.stderr}")
    return elapsed, done.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--keep", type=Path, default=None, help="keep the generated files here")
    args = parser.parse_args()
    work = Path(args.keep or tempfile.mkdtemp(prefix="geoaq-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    csv_path = work / "firms_modis.csv"
    print(f"generating {args.rows:,} FIRMS rows → {csv_path}")
    generate_firms(csv_path, args.rows)
    print(f"file size {csv_path.stat().st_size / 1e6:.1f} MB")

    db_path = work / "bench.duckdb"
    db_path.unlink(missing_ok=True)
    t_geoaq, out = timed([str(BIN / "geoaq"), "ingest", "fire_points", str(csv_path), "--db", str(db_path)])
    print(out.strip())
    t_gpkg, n_gpkg = timed([sys.executable, "-c", PEER_GPKG, str(csv_path), str(work / "peer.gpkg")])
    t_parquet, n_parquet = timed([sys.executable, "-c", PEER_PARQUET, str(csv_path), str(work / "peer.parquet")])

    import duckdb
    import geopandas as gpd

    from geoaq.db import connection as db

    con = db.connect(db_path, read_only=True)
    ours = con.execute(
        "SELECT latitude, longitude, ST_X(geom) AS x, ST_Y(geom) AS y FROM fire_points "
        "ORDER BY latitude, longitude, acq_date, acq_time"
    ).df()
    con.close()
    peer = gpd.read_parquet(work / "peer.parquet").sort_values(["latitude", "longitude", "acq_date", "acq_time"])
    assert len(ours) == int(n_gpkg) == int(n_parquet) == args.rows, (len(ours), n_gpkg, n_parquet)
    assert np.allclose(ours["x"].to_numpy(), peer.geometry.x.to_numpy())
    assert np.allclose(ours["y"].to_numpy(), peer.geometry.y.to_numpy())
    print(f"results equal: {len(ours):,} rows, same coordinates (duckdb {duckdb.__version__})")
    print()
    print(f"{'path':<46}{'seconds':>9}{'geoaq / peer':>14}")
    print(f"{'geoaq ingest (validated, deduplicated, 1 txn)':<46}{t_geoaq:>9.2f}{'':>14}")
    print(f"{'geopandas read_file + to_file(GPKG)':<46}{t_gpkg:>9.2f}{t_geoaq / t_gpkg:>14.2f}")
    print(f"{'pandas read_csv + points_from_xy + to_parquet':<46}{t_parquet:>9.2f}{t_geoaq / t_parquet:>14.2f}")
    print("(each path runs in a fresh process; times include interpreter start-up)")


if __name__ == "__main__":
    main()
