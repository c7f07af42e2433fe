"""Two periods compared on one basis (同口径): 同比 (the same period a year earlier), 改善幅度.

A change between two periods means something only when both are computed by the same standard:
PM2.5 evaluated under GB 3095-2012 in 2025 and under GB 3095-2026 in 2026 differ by the
standard as well as by the air (a day of PM2.5 65 µg/m³ is 良 under one and 轻度污染 under the
other). `compare` evaluates both periods whole, by one version (`geoaq.aq.basis.
comparison_basis`: the one chosen, else the one in force at the end of the later period) and
says which, and why, in every row.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import date

import numpy as np
import pandas as pd

from geoaq.aq import scoring
from geoaq.aq.basis import IN_FORCE, comparison_basis
from geoaq.aq.evaluation import By
from geoaq.aq.standards import load_standard

#: the statistics compared (HJ 663-2013 period statistics; composite_index NaN under a
#: standard without its divisors)
METRICS = ("pm25_mean", "pm10_mean", "so2_mean", "no2_mean", "co_p95", "o3_8h_p90",
           "good_day_ratio", "heavy_days", "composite_index")


def year_before(day: date) -> date:
    """The same day one year earlier (29 February becomes 28 February)."""
    try:
        return day.replace(year=day.year - 1)
    except ValueError:
        return day.replace(year=day.year - 1, day=28)


def previous_year(start: date, end: date) -> tuple[date, date]:
    """The same period one year earlier (同比)."""
    return year_before(start), year_before(end)


def compare(hourly: pd.DataFrame, current: tuple[date, date], previous: tuple[date, date], *,
            basis: str | None = IN_FORCE, by: By = "station",
            groups: Mapping[str, str] | None = None, reference_stations: Collection[str] = (),
            hour_label: str = "end", metrics: tuple[str, ...] = METRICS) -> pd.DataFrame:
    """Each key's statistics over `current` and `previous` (start, end) on one basis, one row
    per key and metric: <key>, metric, current, previous, change (current − previous),
    change_percent (% of previous; NaN when previous is 0 or missing), the periods, standard,
    standard_name, basis_reason (chosen / in_force_at_end), status_current / status_previous
    (valid / insufficient) and notes of the standard. `hourly` holds both periods' hours."""
    later_end = max(current[1], previous[1])
    version, reason = comparison_basis(basis, later_end)
    std = load_standard(version)
    options = {"by": by, "groups": groups, "reference_stations": reference_stations,
               "hour_label": hour_label}
    now = scoring.evaluate_whole(hourly, *current, std, **options)
    before = scoring.evaluate_whole(hourly, *previous, std, **options)
    key = {"station": "station_code"}.get(by, by)
    keys = sorted(set(now.get(key, pd.Series(dtype=object))) | set(before.get(key, pd.Series(dtype=object))))
    rows = []
    for k in keys:
        a = _row(now, key, k)
        b = _row(before, key, k)
        for metric in metrics:
            x, y = _value(a, metric), _value(b, metric)
            with np.errstate(invalid="ignore", divide="ignore"):
                change = x - y
                percent = change / y * 100.0 if y not in (0.0,) and not np.isnan(y) else np.nan
            rows.append({key: k, "metric": metric, "current": x, "previous": y, "change": change,
                         "change_percent": percent,
                         "current_start": current[0], "current_end": current[1],
                         "previous_start": previous[0], "previous_end": previous[1],
                         "standard": std.version, "standard_name": std.name,
                         "basis_reason": reason,
                         "status_current": None if a is None else a["status"],
                         "status_previous": None if b is None else b["status"],
                         "notes": ",".join(std.notes)})
    return pd.DataFrame(rows)


def _row(table: pd.DataFrame, key: str, value: str) -> pd.Series | None:
    if table.empty:
        return None
    found = table[table[key] == value]
    return None if found.empty else found.iloc[0]


def _value(row: pd.Series | None, metric: str) -> float:
    if row is None or metric not in row.index or pd.isna(row[metric]):
        return np.nan
    return float(row[metric])
