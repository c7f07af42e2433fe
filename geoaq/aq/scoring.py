"""Hourly AQI, daily AQI and period evaluations over time, each hour, day and part of a period
scored by its standard (`geoaq.aq.basis`).

The numbers are `geoaq.aq.aqi` (HJ 633) and `geoaq.aq.evaluation` (HJ 663-2013 methods); this
module only decides which standard applies where and labels every row with it: ``standard``
(version), ``standard_name``, ``limits_period`` (GB 3095-2026: transition / final),
``evaluation_method`` and ``notes`` (codes of what the outputs must state, e.g. that HJ 663-2026
is not implemented). Stored readings are labelled by the end of their hour (``hour_label``
"end", the national release's convention), which decides their natural day.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import date

import numpy as np
import pandas as pd

from geoaq.aq import aqi, evaluation
from geoaq.aq.basis import IN_FORCE, Part, check_basis, hour_days, hourly_versions, parts
from geoaq.aq.standards import Standard, load_standard


def labels(std: Standard) -> dict[str, object]:
    """What every row scored by `std` carries about it: standard (version), standard_name,
    limits_period, evaluation_method, notes (codes)."""
    return {"standard": std.version, "standard_name": std.name, "limits_period": std.limits_period,
            "evaluation_method": std.evaluation_method, "notes": ",".join(std.notes)}


def hourly(frame: pd.DataFrame, basis: str = IN_FORCE, hour_label: str = "end") -> pd.DataFrame:
    """`geoaq.aq.aqi.hourly_aqi` of every row of `frame` (time_bjt and the six pollutants),
    each hour by the standard `basis` gives its time; same index, plus ``standard_name``."""
    basis = check_basis(basis)
    if frame.empty:
        empty = aqi.hourly_aqi(frame.reindex(columns=list(aqi.HOURLY_NAMES)).astype(float), "2012")
        return empty.assign(standard_name=pd.Series(dtype=object))
    versions = hourly_versions(frame["time_bjt"], basis, hour_label)
    rows = frame.reset_index(drop=True)
    pieces = []
    for version in dict.fromkeys(versions):
        std = load_standard(version)
        pieces.append(aqi.hourly_aqi(rows[versions == version], std).assign(standard_name=std.name))
    scored = pd.concat(pieces).sort_index()
    scored.index = frame.index
    return scored


def _part_hours(hourly_rows: pd.DataFrame, part: Part, hour_label: str) -> pd.DataFrame:
    """The hourly rows measured on the part's days (a day's hours by `hour_label`)."""
    if hourly_rows.empty:
        return hourly_rows
    days = hour_days(hourly_rows["time_bjt"], hour_label)
    keep = (days >= np.datetime64(part.start, "D")) & (days <= np.datetime64(part.end, "D"))
    return hourly_rows[keep]


def _no_hours(hourly_rows: pd.DataFrame, part: Part, hour_label: str) -> pd.DataFrame:
    """One empty hour of the part for every station of `hourly_rows`, so that the evaluation
    lists each of them (with no valid day) instead of leaving the part out."""
    hour = pd.Timestamp(part.start) + pd.Timedelta(hours=1 if hour_label == "end" else 0)
    codes = pd.unique(hourly_rows["station_code"])
    frame = pd.DataFrame({"station_code": codes, "time_bjt": hour})
    for pollutant in evaluation.HOURLY_POLLUTANTS:
        frame[pollutant] = np.nan
    return frame


def daily(hourly_rows: pd.DataFrame, start: date, end: date, *, basis: str = IN_FORCE,
          by: evaluation.By = "station", groups: Mapping[str, str] | None = None,
          reference_stations: Collection[str] = (), hour_label: str = "end") -> pd.DataFrame:
    """Daily values (HJ 663-2013 validity) with the daily AQI of each day's standard, one row
    per key and day of start … end; label columns per row. Empty when there are no hours."""
    frames = []
    for part in parts(start, end, basis):
        rows = _part_hours(hourly_rows, part, hour_label)
        if by != "station":
            rows = rows[rows["station_code"].isin(list(groups or {}))]
        if rows.empty:
            continue
        values = evaluation.daily_values(rows, part.standard, by=by, groups=groups,
                                         reference_stations=reference_stations,
                                         hour_label=hour_label, start=part.start, end=part.end)
        table = evaluation.daily_aqi_table(values, part.standard)
        frames.append(table.assign(**labels(part.standard), basis=part.basis))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def evaluate(hourly_rows: pd.DataFrame, start: date, end: date, *, basis: str = IN_FORCE,
             by: evaluation.By = "station", groups: Mapping[str, str] | None = None,
             reference_stations: Collection[str] = (), min_station_share: float | None = None,
             hour_label: str = "end", per_month: bool = False) -> pd.DataFrame:
    """`geoaq.aq.evaluation.evaluate` (or `monthly` with `per_month`) of each part of
    start … end, one row per key (and month) and part, each labelled with its standard, its
    limits, the evaluation method and the notes; ``part`` numbers the parts (1, 2 …) and
    ``parts`` says how many there are. Empty when there are no hours."""
    chosen = parts(start, end, basis)
    frames = []
    for number, part in enumerate(chosen, start=1):
        rows = _part_hours(hourly_rows, part, hour_label)
        if by != "station":
            rows = rows[rows["station_code"].isin(list(groups or {}))]
        if rows.empty and (hourly_rows.empty or len(chosen) == 1):
            continue
        if rows.empty:  # a part without hours: its rows say 数据不足, like any short period
            rows = _no_hours(hourly_rows, part, hour_label)
        run = evaluation.monthly if per_month else evaluation.evaluate
        table = run(rows, part.start, part.end, by=by, groups=groups,
                    reference_stations=reference_stations, min_station_share=min_station_share,
                    standard=part.standard, hour_label=hour_label)
        frames.append(table.assign(part=number, parts=len(chosen), basis=part.basis))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def evaluate_whole(hourly_rows: pd.DataFrame, start: date, end: date, std: Standard, *,
                   by: evaluation.By = "station", groups: Mapping[str, str] | None = None,
                   reference_stations: Collection[str] = (), hour_label: str = "end",
                   ) -> pd.DataFrame:
    """One evaluation of the whole period by one standard (for comparisons on one basis):
    no split, the standard's limits of the period's last day. Empty when there are no hours."""
    part = Part(start, end, std.on(end), std.version)
    rows = _part_hours(hourly_rows, part, hour_label)
    if by != "station":
        rows = rows[rows["station_code"].isin(list(groups or {}))]
    if rows.empty:
        return pd.DataFrame()
    return evaluation.evaluate(rows, start, end, by=by, groups=groups,
                               reference_stations=reference_stations, standard=part.standard,
                               hour_label=hour_label).assign(part=1, parts=1, basis=std.version)
