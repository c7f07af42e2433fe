"""Air quality from the readings table: hourly AQI for a period and stations.

The numbers come from `geoaq.aq.aqi` (HJ 633) and `geoaq.aq.evaluation` (HJ 663); this module only
reads the `readings` table (Beijing time) and shapes the results the CLI and the app show.
"""

from __future__ import annotations

from datetime import date

import geopandas as gpd
import pandas as pd

from geoaq.aq import aqi
from geoaq.db import store
from geoaq.db.connection import Connection
from geoaq.db.named import run
from geoaq.layers import get_layer

HOURLY_COLUMNS = ["station_code", "time_bjt", "aqi", "primary_pollutant", "level", "category",
                  "iaqi_pm25", "iaqi_pm10", "iaqi_so2", "iaqi_no2", "iaqi_o3", "iaqi_co",
                  "pm25", "pm10", "so2", "no2", "o3", "co", "category_en", "colour", "standard"]


def read_readings(con: Connection, start: date, end: date,
                  stations: list[str] | None = None) -> pd.DataFrame:
    """Readings of Beijing days start..end (inclusive) for the given stations (all when None)."""
    if not store.table_exists(con, "readings"):
        return pd.DataFrame(columns=["station_code", "time_bjt", "pm25", "pm10", "so2", "no2", "o3",
                                     "co", "published_aqi", "synthetic"])
    chosen = list(stations) if stations else None
    return run(con, "readings_range", [start, end, chosen, chosen]).df()


def readings_period(con: Connection) -> tuple[pd.Timestamp, pd.Timestamp, int] | None:
    """(first hour, last hour, stations) of the stored readings, or None when there are none."""
    if not store.table_exists(con, "readings"):
        return None
    first, last, stations = run(con, "readings_period").fetchone()
    return None if first is None else (pd.Timestamp(first), pd.Timestamp(last), int(stations))


def hourly_table(con: Connection, start: date, end: date, stations: list[str] | None = None,
                 standard: str = "2012") -> pd.DataFrame:
    """Hourly AQI (real-time rule of the national release) per station and hour."""
    readings = read_readings(con, start, end, stations)
    if readings.empty:
        return pd.DataFrame(columns=HOURLY_COLUMNS)
    scored = aqi.hourly_aqi(readings, standard)
    table = pd.concat([readings[["station_code", "time_bjt", "pm25", "pm10", "so2", "no2", "o3", "co"]], scored],
                      axis=1)
    return table[HOURLY_COLUMNS]


def evaluate_period(con: Connection, start: date, end: date, *, by: str = "station",
                    standard: str = "2012") -> pd.DataFrame:
    """HJ 663 evaluation of start..end per station, or per city/district of the stations layer
    (background stations excluded; districts from the county polygon holding each station)."""
    from geoaq.aq import evaluation

    hourly = read_readings(con, start, end)
    if hourly.empty:
        return pd.DataFrame()
    if by == "station":
        return evaluation.evaluate(hourly, start, end, by="station", standard=standard)
    stations = store.read_layer(con, get_layer("stations"))
    background = stations.loc[stations["reference_station"].fillna(False).astype(bool), "code"].tolist()
    if by == "city":
        groups = dict(zip(stations["code"], stations["city"], strict=True))
    else:
        units = store.read_layer(con, get_layer("admin_units"))
        counties = units[units["level"] == "县"]
        joined = gpd.sjoin(stations[["code", "geometry"]], counties[["name", "geometry"]], predicate="intersects")
        groups = dict(zip(joined["code"], joined["name"], strict=False))
    groups = {k: v for k, v in groups.items() if isinstance(v, str) and v}
    hourly = hourly[hourly["station_code"].isin(groups)]
    if hourly.empty:
        return pd.DataFrame()
    return evaluation.evaluate(hourly, start, end, by=by, groups=groups, reference_stations=background,
                               standard=standard)


def reading_stations(con: Connection) -> list[str]:
    """The station codes that have readings."""
    if not store.table_exists(con, "readings"):
        return []
    return [row[0] for row in run(con, "readings_stations").fetchall()]


def readings_counts(con: Connection) -> tuple[int, int]:
    """(station-hours stored, synthetic station-hours)."""
    if not store.table_exists(con, "readings"):
        return 0, 0
    rows, synthetic = run(con, "readings_counts").fetchone()
    return int(rows), int(synthetic)
