"""Air quality from the readings table: hourly AQI, evaluations, comparisons and the published
values checked, for a period and stations.

The numbers come from `geoaq.aq.aqi` (HJ 633) and `geoaq.aq.evaluation` (HJ 663-2013 methods),
each hour and day by the standard `geoaq.aq.basis` gives it (the one in force by default, or one
chosen for the whole period); this module only reads the `readings` table and shapes the
results the CLI and the app show. Stored hours are labelled by their end (Beijing time): the
Beijing day D holds the labels D 01:00 … D+1 00:00.
"""

from __future__ import annotations

from datetime import date

import geopandas as gpd
import pandas as pd

from geoaq.aq import compare, published, scoring
from geoaq.aq.basis import IN_FORCE
from geoaq.db import store
from geoaq.db.connection import Connection
from geoaq.db.named import run
from geoaq.layers import get_layer

#: how stored readings label their hours (see geoaq.ingest.readings.times)
HOUR_LABEL = "end"
READING_COLUMNS = ["station_code", "time_bjt", "pm25", "pm10", "so2", "no2", "o3", "co",
                   "published_aqi", "published_primary", "published_na", "unmeasured", "synthetic"]
HOURLY_COLUMNS = ["station_code", "time_bjt", "aqi", "primary_pollutant", "level", "category",
                  "iaqi_pm25", "iaqi_pm10", "iaqi_so2", "iaqi_no2", "iaqi_o3", "iaqi_co",
                  "pm25", "pm10", "so2", "no2", "o3", "co", "category_en", "colour", "aqi_present",
                  "aqi_na", "missing", "published_aqi", "published_primary", "published_na",
                  "standard", "standard_name"]


def read_readings(con: Connection, start: date, end: date,
                  stations: list[str] | None = None) -> pd.DataFrame:
    """Readings measured on Beijing days start..end (inclusive; hours labelled by their end,
    so D 01:00 … D+1 00:00) for the given stations (all when None)."""
    if not store.table_exists(con, "readings"):
        return pd.DataFrame(columns=READING_COLUMNS)
    chosen = list(stations) if stations else None
    frame = run(con, "readings_range", [start, end, chosen, chosen]).df()
    for column in READING_COLUMNS:  # a database opened read-only before migration 0005
        if column not in frame.columns:
            frame[column] = None
    return frame[READING_COLUMNS]


def readings_period(con: Connection) -> tuple[pd.Timestamp, pd.Timestamp, int] | None:
    """(first hour, last hour, stations) of the stored readings, or None when there are none."""
    if not store.table_exists(con, "readings"):
        return None
    first, last, stations = run(con, "readings_period").fetchone()
    return None if first is None else (pd.Timestamp(first), pd.Timestamp(last), int(stations))


def hourly_table(con: Connection, start: date, end: date, stations: list[str] | None = None,
                 basis: str = IN_FORCE) -> pd.DataFrame:
    """Hourly AQI (real-time rule) per station and hour, each hour by the standard `basis`
    gives it, with what the release published beside it."""
    readings = read_readings(con, start, end, stations)
    if readings.empty:
        return pd.DataFrame(columns=HOURLY_COLUMNS)
    scored = scoring.hourly(readings, basis, HOUR_LABEL)
    table = pd.concat([readings.drop(columns=["synthetic", "unmeasured"]),
                       scored.drop(columns=[c for c in scored.columns if c in readings.columns])],
                      axis=1)
    return table[HOURLY_COLUMNS]


def _groups(con: Connection, by: str) -> tuple[dict[str, str], list[str]]:
    """station → city (or county name, from the county polygon holding it), and the background
    stations (对照点), from the stations layer."""
    stations = store.read_layer(con, get_layer("stations"))
    background = stations.loc[stations["reference_station"].fillna(False).astype(bool), "code"].tolist()
    if by == "city":
        groups = dict(zip(stations["code"], stations["city"], strict=True))
    else:
        units = store.read_layer(con, get_layer("admin_units"))
        counties = units[units["level"] == "县"]
        joined = gpd.sjoin(stations[["code", "geometry"]], counties[["name", "geometry"]], predicate="intersects")
        groups = dict(zip(joined["code"], joined["name"], strict=False))
    return {k: v for k, v in groups.items() if isinstance(v, str) and v}, background


def evaluate_period(con: Connection, start: date, end: date, *, by: str = "station",
                    basis: str = IN_FORCE, per_month: bool = False) -> pd.DataFrame:
    """HJ 663-2013 evaluation of start..end per station, or per city/district of the stations
    layer (background stations excluded; districts from the county polygon holding each
    station): one row per key and part of the period (split where the standard or its limits
    change), each naming its standard."""
    hourly = read_readings(con, start, end)
    if hourly.empty:
        return pd.DataFrame()
    if by == "station":
        return scoring.evaluate(hourly, start, end, basis=basis, hour_label=HOUR_LABEL,
                                per_month=per_month)
    groups, background = _groups(con, by)
    return scoring.evaluate(hourly, start, end, basis=basis, by=by, groups=groups,
                            reference_stations=background, hour_label=HOUR_LABEL,
                            per_month=per_month)


def compare_periods(con: Connection, current: tuple[date, date], previous: tuple[date, date], *,
                    by: str = "station", basis: str = IN_FORCE) -> pd.DataFrame:
    """`geoaq.aq.compare.compare` of two periods of the stored readings, on one basis."""
    first, last = min(current[0], previous[0]), max(current[1], previous[1])
    hourly = read_readings(con, first, last)
    if hourly.empty:
        return pd.DataFrame()
    options = {}
    if by != "station":
        groups, background = _groups(con, by)
        options = {"groups": groups, "reference_stations": background}
    return compare.compare(hourly, current, previous, basis=basis, by=by, hour_label=HOUR_LABEL,
                           **options)


def check_published(con: Connection, start: date, end: date,
                    stations: list[str] | None = None) -> pd.DataFrame:
    """Every stored station-hour of start..end with a published AQI, computed by the standard in
    force at its hour beside what was published (`geoaq.aq.published.compare`)."""
    return published.compare(read_readings(con, start, end, stations), IN_FORCE, HOUR_LABEL)


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
