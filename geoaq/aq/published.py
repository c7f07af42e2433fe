"""The AQI and primary pollutant a release published, checked against geoaq's own.

Each station-hour that came with a published AQI (a number, or "NA" in the live release) is
scored by the standard in force at its hour (`geoaq.aq.scoring.hourly`) and compared:

* ``match`` — the same AQI (or both NA) and, where the release names one, the same primary
  pollutant(s) (compared as sets: the release lists ties in its own order);
* ``aqi`` — both are numbers and differ;
* ``na_computed`` — geoaq withholds the AQI (HJ 633-2026 §5.3.1: a pollutant missing and the
  AQI of the others ≤ 100) where the release published a number;
* ``na_published`` — the release wrote NA where geoaq has a number;
* ``primary`` — the same AQI, another primary pollutant.

Pure: a frame of readings in (the columns of `geoaq.aq.readings.read_readings`), a frame out.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from geoaq.aq import scoring
from geoaq.aq.basis import IN_FORCE

#: difference kinds, in the order a report lists them (words: aq.published.kind.<code>)
KINDS = ("aqi", "na_computed", "na_published", "primary", "match")
POLLUTANTS = ("pm25", "pm10", "so2", "no2", "o3", "co")
COLUMNS = ["station_code", "time_bjt", "standard", "kind", "published_aqi", "aqi", "aqi_present",
           "published_primary", "primary_pollutant", "missing", *POLLUTANTS, "unmeasured"]


def _names(text: object) -> frozenset[str]:
    """The pollutant names of a primary-pollutant text ("PM2.5,PM10"); empty for none."""
    if not isinstance(text, str) or not text.strip():
        return frozenset()
    return frozenset(part.strip() for part in text.split(",") if part.strip())


def compare(readings: pd.DataFrame, basis: str = IN_FORCE, hour_label: str = "end") -> pd.DataFrame:
    """Every station-hour with a published AQI (or a published NA), computed and published side
    by side with its difference ``kind`` (see the module notes); columns `COLUMNS`."""
    if readings.empty:
        return pd.DataFrame(columns=COLUMNS)
    published_na = readings.get("published_na", pd.Series(False, index=readings.index))
    published_na = published_na.fillna(False).astype(bool)
    has = readings["published_aqi"].notna() | published_na
    rows = readings[has]
    if rows.empty:
        return pd.DataFrame(columns=COLUMNS)
    scored = scoring.hourly(rows, basis, hour_label)
    ours = scored["aqi"].to_numpy(dtype=float)
    theirs = rows["published_aqi"].to_numpy(dtype=float)
    na_theirs = published_na[has].to_numpy() | np.isnan(theirs)
    na_ours = np.isnan(ours)
    theirs_primary = rows.get("published_primary", pd.Series(None, index=rows.index)).to_numpy(dtype=object)
    primary_given = pd.notna(theirs_primary)
    ours_primary = scored["primary_pollutant"].to_numpy(dtype=object)
    same_primary = np.ones(len(rows), dtype=bool)
    for i in np.flatnonzero(primary_given & (theirs_primary != ours_primary)):  # the few that differ as text
        same_primary[i] = _names(theirs_primary[i]) == _names(ours_primary[i])
    with np.errstate(invalid="ignore"):
        kind = np.select(
            [~na_ours & ~na_theirs & (ours != theirs), na_ours & ~na_theirs, ~na_ours & na_theirs,
             ~na_ours & ~na_theirs & primary_given & ~same_primary],
            ["aqi", "na_computed", "na_published", "primary"], default="match")
    out = pd.DataFrame({
        "station_code": rows["station_code"].to_numpy(), "time_bjt": rows["time_bjt"].to_numpy(),
        "standard": scored["standard"].to_numpy(), "kind": kind,
        "published_aqi": theirs, "aqi": ours, "aqi_present": scored["aqi_present"].to_numpy(),
        "published_primary": theirs_primary,
        "primary_pollutant": scored["primary_pollutant"].to_numpy(),
        "missing": scored["missing"].to_numpy(),
        **{p: rows[p].to_numpy(dtype=float) for p in POLLUTANTS},
        "unmeasured": rows.get("unmeasured", pd.Series(None, index=rows.index)).to_numpy(),
    })
    return out.sort_values(["time_bjt", "station_code"], kind="stable").reset_index(drop=True)


def differences(compared: pd.DataFrame) -> pd.DataFrame:
    """The station-hours of `compare` whose kind is not ``match``, in report order."""
    rows = compared[compared["kind"] != "match"]
    order = {k: i for i, k in enumerate(KINDS)}
    return rows.sort_values(["kind", "time_bjt", "station_code"],
                            key=lambda c: c.map(order) if c.name == "kind" else c,
                            kind="stable").reset_index(drop=True)


def summary(compared: pd.DataFrame) -> pd.DataFrame:
    """Station-hours per standard and kind: standard, kind, station_hours (every kind listed)."""
    standards = sorted(set(compared["standard"])) if len(compared) else []
    rows = [{"standard": s, "kind": k,
             "station_hours": int(((compared["standard"] == s) & (compared["kind"] == k)).sum())}
            for s in standards for k in KINDS]
    return pd.DataFrame(rows, columns=["standard", "kind", "station_hours"])
