"""Air quality from the readings table: hourly AQI for a period and stations.

The numbers come from `geoaq.aqi` (HJ 633) and `geoaq.evaluation` (HJ 663); this module only
reads the `readings` table (Beijing time) and shapes the results the CLI and the app show.
"""

from __future__ import annotations

from datetime import date

import pandas as pd

from geoaq import aqi, store
from geoaq.db import Connection
from geoaq.sql import query

HOURLY_COLUMNS = ["station_code", "time_bjt", "aqi", "primary_pollutant", "level", "category",
                  "iaqi_pm25", "iaqi_pm10", "iaqi_so2", "iaqi_no2", "iaqi_o3", "iaqi_co", "standard"]


def read_readings(con: Connection, start: date, end: date,
                  stations: list[str] | None = None) -> pd.DataFrame:
    """Readings of Beijing days start..end (inclusive) for the given stations (all when None)."""
    if not store.table_exists(con, "readings"):
        return pd.DataFrame(columns=["station_code", "time_bjt", "pm25", "pm10", "so2", "no2", "o3",
                                     "co", "published_aqi", "synthetic"])
    chosen = list(stations) if stations else None
    return con.execute(query("readings_range"), [start, end, chosen, chosen]).df()


def readings_period(con: Connection) -> tuple[pd.Timestamp, pd.Timestamp, int] | None:
    """(first hour, last hour, stations) of the stored readings, or None when there are none."""
    if not store.table_exists(con, "readings"):
        return None
    first, last, stations = con.execute(query("readings_period")).fetchone()
    return None if first is None else (pd.Timestamp(first), pd.Timestamp(last), int(stations))


def hourly_table(con: Connection, start: date, end: date, stations: list[str] | None = None,
                 standard: str = "2012") -> pd.DataFrame:
    """Hourly AQI (real-time rule of the national release) per station and hour."""
    readings = read_readings(con, start, end, stations)
    if readings.empty:
        return pd.DataFrame(columns=HOURLY_COLUMNS)
    scored = aqi.hourly_aqi(readings, standard)
    table = pd.concat([readings[["station_code", "time_bjt"]], scored], axis=1)
    return table[HOURLY_COLUMNS]
