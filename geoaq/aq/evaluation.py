"""Ambient air-quality evaluation with the methods of HJ 663-2013, against a versioned standard
(GB 3095-2012, or GB 3095-2026 with its limits of the period: HJ 663-2026 was not obtained, so its
exceptional events and three-year moving evaluation are not implemented, and every result of a
standard that says so carries its ``notes``). Which standard evaluates which part of a period is
`geoaq.aq.scoring`'s concern; this module evaluates a period by the one it is given.

Pure, vectorised functions on DataFrames. Hourly readings (``geoaq.ingest.readings``: station_code,
time_bjt, pm25, pm10, so2, no2, o3 in µg/m³, co in mg/m³) become daily values, the daily values
become period statistics:

* :func:`daily_values` — 24-hour means, O3 daily maximum 1-hour value and daily maximum 8-hour
  moving mean, each with the validity rules of the standard, per station or per city/district;
* :func:`daily_aqi_table` — the daily values joined with :func:`geoaq.aq.aqi.daily_aqi`;
* :func:`evaluate` — period statistics per station, city or district: means, CO 95th and O3-8h
  90th percentiles, valid days, 优良天数比率, heavy-pollution days, 综合指数, 超标倍数,
  attainment, and 数据不足 (NaN + status + reason) wherever the data do not meet the rules;
* :func:`monthly` — the same statistics per calendar month (the app's monthly tables);
* :func:`period_summary` — the same statistics from a daily table already computed;
* :func:`hj663_percentile` — the percentile method of HJ 663-2013 附录A.

Every limit, validity count and composite-index divisor is read from the standard
(``data/standards/<version>.toml`` via :func:`geoaq.aq.standards.load_standard`); every result has
``standard``, ``standard_name``, ``limits_period``, ``evaluation_method`` and ``notes`` columns.
Under a standard without ``composite_index`` divisors (GB 3095-2026: not known here) 综合指数 is NaN.
Stored readings are labelled by the end of their hour: pass ``hour_label="end"`` (the default
"start" is kept for frames built that way). What is written here are the *definitions*: an
8-hour mean spans 8 hours,
a day has 24, and the daily maximum 8-hour mean looks at the windows ending 08:00 … 24:00.

Rules implemented (HJ 663-2013 = 环境空气质量评价技术规范(试行); its §3 terms, §5 评价方法,
§6 数据统计要求, 附录A 数据统计方法; GB 3095-2012 §6 数据统计的有效性规定, Table 4):

1. **Which hours make a day.** A 24-hour mean is the mean of the 24 hourly values of one
   natural day (GB 3095-2012 §3; HJ 633-2012: the daily period is "当日零点前24小时", the 24
   hours ending at midnight). Hourly values are labelled by ``hour_label``: ``"end"`` (the
   label is the hour's last instant, as the national platform publishes them and readings are
   stored: "8时" = 07:00–08:00; a day holds labels 01:00 … 24:00, i.e. 00:00 of the next date
   belongs to the previous day) or ``"start"`` (the default of these functions: the label is the
   hour's first instant, a day holds labels 00:00 … 23:00). Internally a day has 24 slots,
   slot *i* = the hour i:00–(i+1):00.
2. **24-hour mean** (SO2, NO2, PM10, PM2.5, CO): valid with ≥ ``daily_min_hours`` (20) hourly
   values (GB 3095-2012 Table 4; HJ 663-2013 §6), else NaN; the mean of the values present.
3. **8-hour moving mean** (O3): the mean of 8 consecutive hourly values, valid with ≥
   ``o3_8h_min_hours`` (6) of them (GB 3095-2012 Table 4; HJ 663-2013 §3, §6).
4. **O3 daily maximum 8-hour mean** (日最大8小时平均): the largest of the 8-hour moving means
   *ending at 08:00, 09:00 … 24:00 of the day* (HJ 663-2013 §3). The window ending at 08:00
   covers 00:00–08:00 (slots 0–7), the one ending at 24:00 covers 16:00–24:00 (slots 16–23):
   17 windows, all inside the day — no window reaches into the previous or next day. Valid
   with ≥ ``o3_8h_min_windows`` (14) valid windows; with fewer it is still valid when the
   maximum of the valid windows exceeds the daily limit ``daily_limits["o3_8h"]`` (HJ 663-2013
   §6: "当不满足14个有效数据时，若日最大8小时平均浓度超过浓度限值标准时，统计结果仍有效").
5. **O3 daily maximum 1-hour value** (for the daily AQI, HJ 633-2012): the day's largest hourly
   O3; the standards give it no count of its own, so the 24-hour rule (≥ 20 hours) applies.
6. **Period validity** (GB 3095-2012 Table 4, annual row: "每年至少有324个日平均浓度值；每月至少
   有27个日平均浓度值（二月至少有25个日平均浓度值）"; HJ 663-2013 §6). Applied to every period
   statistic, each on its own series of valid days:
   * every calendar month wholly inside the period needs ≥ ``monthly_min_days`` (27) valid
     days, February ≥ ``monthly_min_days_february`` (25);
   * a month cut by the period's start or end needs the same share of its days in the period,
     rounded up: ⌈min × days-in-period ÷ days-in-month⌉ (a choice: the standards define months
     and years only);
   * every calendar year wholly inside the period needs ≥ ``annual_min_days`` (324) valid days.
   A calendar month thus gets exactly the monthly rule, a calendar year the annual row of
   Table 4, a quarter its three months. CO-p95 and O3-8h-p90 use the same day counts as the
   means (Table 4 names the annual mean; HJ 663 evaluates the percentiles as annual statistics
   from the same daily values).
7. **Period statistics** (HJ 663-2013 §5, Table 1 of §4): SO2, NO2, PM10, PM2.5: the mean of
   the valid daily means (``<p>_mean``); CO: the 95th percentile of the valid daily means
   (``co_p95``); O3: the 90th percentile of the valid daily maximum 8-hour means
   (``o3_8h_p90``). The percentiles are those named in ``annual_percentile_limits``
   (key ``<series>_p<percent>``), so a new standard changes them in its file, not here.
8. **Percentile** (HJ 663-2013 附录A): sort the n values ascending X(1) … X(n); position
   k = 1 + (n − 1)·p/100; s = integer part of k; X_p = X(s) + (X(s+1) − X(s))·(k − s);
   X_p = X(n) when s = n. Computed exactly (integer arithmetic) for whole-number p.
9. **优良天数比率** (HJ 633-2012 levels; HJ 663-2013 §5): days with daily AQI within the first
   two bands of the standard's AQI table (优, 良: AQI ≤ 100) ÷ valid AQI days × 100 (%).
   **Heavy-pollution days** (重污染天数): daily AQI above the 中度污染 band (> 200), and their
   share in %. A *valid AQI day* is a day on which all six evaluated pollutants have a valid
   daily value — the five 24-hour means and the O3 daily maximum 8-hour mean (rules 2–4); the
   O3 1-hour maximum enters the AQI when valid. (A choice where the standards are silent: a day
   missing a pollutant cannot be classed; it is neither counted nor assumed good.) The count of
   valid AQI days must meet rule 6, else these four figures are 数据不足.
10. **综合指数** (城市环境空气质量排名技术规定, 2018): Σ C_i / S_i over the six pollutants
    with S_i from the standard's ``composite_index`` table, C_i the period means and, for CO
    and O3, the percentiles of rule 7; ``<stat>_index`` holds each term (单项指数). NaN when any
    term is 数据不足.
11. **超标倍数** (HJ 663-2013 §5): (C − S) / S for a statistic above its limit
    (``annual_limits`` for means, ``annual_percentile_limits`` for percentiles), 0 when within;
    ``attainment`` is 达标 when all six statistics are within their limits, 未达标 when any
    valid statistic exceeds (even if another is 数据不足), else 数据不足 (HJ 663-2013 §5: a
    site or city attains only when every evaluated pollutant attains).
12. **City / district** (HJ 663-2013 §5, 城市环境空气质量评价): the area's hourly concentration
    is the arithmetic mean of its evaluation stations' hourly values; daily values and period
    statistics follow from that series by rules 1–11. Background/reference stations (对照点,
    ``reference_station`` in the stations layer) are not evaluation stations and are left out
    (:func:`station_groups` builds the mapping without them; ``reference_stations`` drops
    more). HJ 663-2013 sets, to our reading, no minimum number of stations per city-hour: by
    default one station with a value makes a city hour; ``min_station_share`` requires a share
    of the area's stations (e.g. 0.75), rounded up.

No rounding is applied to concentrations (HJ 663 rounds reported values after GB/T 8170, a
presentation step); ``decimals`` rounds the daily values before the AQI when a report must
reproduce published AQI computed from rounded concentrations.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Literal

import numpy as np
import pandas as pd

from geoaq._errors import EvaluationError
from geoaq.aq import aqi as aqi_module
from geoaq.aq.rounding import gbt8170
from geoaq.aq.standards import Standard, load_standard

#: Hourly pollutant columns of the readings table.
HOURLY_POLLUTANTS = ("so2", "no2", "pm10", "pm25", "co", "o3")
#: Pollutants whose daily value is a 24-hour mean.
MEAN_POLLUTANTS = ("so2", "no2", "pm10", "pm25", "co")
#: Columns of a daily table, in the order of :func:`geoaq.aq.aqi.daily_aqi`'s input.
DAILY_COLUMNS = ("so2", "no2", "pm10", "pm25", "co", "o3_1h_max", "o3_8h_max")
#: The six daily values that make a valid AQI day (rule 9 of the module doc).
AQI_REQUIRED = ("so2", "no2", "pm10", "pm25", "co", "o3_8h_max")

HOURS_PER_DAY = 24
#: An 8-hour moving mean spans 8 consecutive hours (HJ 663-2013 §3).
WINDOW_HOURS = 8
#: The first window of the daily maximum ends at 08:00 (HJ 663-2013 §3: 8时至24时), so the
#: windows start at slots 0 … 24 − 8: 17 windows inside the day.
N_WINDOWS = HOURS_PER_DAY - WINDOW_HOURS + 1

#: data status codes (有效 / 数据不足; words: aq.data_status.<code>)
VALID, INSUFFICIENT = "valid", "insufficient"
#: attainment codes (达标 / 未达标 / 数据不足; words: aq.attainment.<code>)
ATTAINED, NOT_ATTAINED = "attained", "not_attained"

By = Literal["station", "city", "district"]
HourLabel = Literal["start", "end"]

_NS_PER_HOUR = 3_600_000_000_000
_NS_PER_DAY = _NS_PER_HOUR * HOURS_PER_DAY
_EPOCH = np.datetime64("1970-01-01", "D")
_PERCENTILE_KEY = re.compile(r"^(?P<series>.+)_p(?P<p>\d+(?:\.\d+)?)$")


# --------------------------------------------------------------------------------------------
# percentile (HJ 663-2013 附录A)
# --------------------------------------------------------------------------------------------

def _position(n_minus_1: np.ndarray, p: float) -> tuple[np.ndarray, np.ndarray]:
    """Integer part (0-based index of X(s)) and fraction of (n − 1)·p/100, exact for whole p."""
    n_minus_1 = np.asarray(n_minus_1, dtype=np.int64)
    if float(p).is_integer():
        whole, rest = np.divmod(n_minus_1 * int(p), 100)
        return whole, rest / 100.0
    pos = n_minus_1 * (float(p) / 100.0)
    whole = np.floor(pos)
    return whole.astype(np.int64), pos - whole


def _percentile_sorted_rows(sorted_rows: np.ndarray, n: np.ndarray, p: float) -> np.ndarray:
    """HJ 663 percentile of each row of `sorted_rows` ([K, D], ascending, NaN after the n[k]
    valid values); NaN where n is 0."""
    out = np.full(len(n), np.nan)
    has = n > 0
    if not has.any():
        return out
    rows = sorted_rows[has]
    whole, frac = _position(n[has] - 1, p)
    upper = np.minimum(whole + 1, n[has] - 1)
    lo = np.take_along_axis(rows, whole[:, None], axis=1)[:, 0]
    hi = np.take_along_axis(rows, upper[:, None], axis=1)[:, 0]
    out[has] = lo + (hi - lo) * frac
    return out


def hj663_percentile(values: Iterable[float] | np.ndarray | pd.Series, p: float) -> float:
    """The p-th percentile of `values` by the method of HJ 663-2013 附录A (NaN values ignored).

    Sort ascending X(1) … X(n); k = 1 + (n − 1)·p/100; s = integer part of k;
    X_p = X(s) + (X(s+1) − X(s))·(k − s), and X(n) when s = n. NaN for no values. This is the
    "linear" method of numpy on 1-based positions, written out because the standard prescribes
    it and a report must not depend on a library default.
    """
    if not 0 <= float(p) <= 100:
        raise EvaluationError(f"p must lie in 0..100, got {p!r}")
    if not isinstance(values, np.ndarray | pd.Series):
        values = list(values)
    arr = pd.to_numeric(pd.Series(np.ravel(values)), errors="raise").to_numpy(
        dtype=float, na_value=np.nan)
    arr = np.sort(arr[~np.isnan(arr)])
    return float(_percentile_sorted_rows(arr[None, :], np.array([arr.size]), p)[0])


# --------------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------------

def _standard(standard: str | Standard) -> Standard:
    return standard if isinstance(standard, Standard) else load_standard(str(standard))


def _as_day(value: date | str | pd.Timestamp, name: str) -> np.datetime64:
    try:
        ts = pd.Timestamp(value)
    except (TypeError, ValueError) as exc:
        raise EvaluationError(f"{name} must be a date, got {value!r}") from exc
    if ts is pd.NaT:
        raise EvaluationError(f"{name} must be a date, got {value!r}")
    if ts.tzinfo is not None:
        ts = ts.tz_convert("Asia/Shanghai").tz_localize(None)
    return np.datetime64(ts.date(), "D")


def _percentile_stats(std: Standard) -> list[tuple[str, str, float]]:
    """(statistic name, daily column, p) for each key of ``annual_percentile_limits``."""
    out = []
    for key in std.annual_percentile_limits:
        match = _PERCENTILE_KEY.match(key)
        if not match:
            raise EvaluationError(f"{std.source}: annual_percentile limit {key!r} is not "
                                  "named <series>_p<percent>")
        series = match["series"]
        column = series if series in DAILY_COLUMNS else f"{series}_max"
        if column not in DAILY_COLUMNS:
            raise EvaluationError(f"{std.source}: no daily series for percentile limit {key!r}")
        out.append((key, column, float(match["p"])))
    return out


def _mean_stats(std: Standard) -> list[tuple[str, str]]:
    """(statistic name, daily column) for each key of ``annual_limits``: the period means."""
    return [(f"{p}_mean", p) for p in std.annual_limits]


def _stat_for_series(std: Standard, series: str) -> str:
    """The period statistic of a pollutant as the composite index names it (co → co_p95)."""
    if series in std.annual_limits:
        return f"{series}_mean"
    for name, column, _p in _percentile_stats(std):
        if column in (series, f"{series}_max"):
            return name
    raise EvaluationError(f"{std.source}: composite_index term {series!r} has no statistic")


def _stat_limit(std: Standard, stat: str) -> float:
    if stat in std.annual_percentile_limits:
        return std.annual_percentile_limits[stat]
    return std.annual_limits[stat.removesuffix("_mean")]


# --------------------------------------------------------------------------------------------
# daily values on a [key, day, hour] grid
# --------------------------------------------------------------------------------------------

@dataclass
class _DailyGrid:
    """Daily values of K keys (stations or areas) × D consecutive days."""

    key_name: str
    keys: np.ndarray                     # [K] labels
    first_day: np.datetime64             # day 0
    values: dict[str, np.ndarray]        # DAILY_COLUMNS → [K, D] float, NaN = not valid
    hours: dict[str, np.ndarray]         # hourly pollutant → [K, D] count of hourly values
    windows: np.ndarray                  # [K, D] valid 8-hour O3 windows
    n_stations: np.ndarray | None = None  # [K] stations per area

    @property
    def n_days(self) -> int:
        return self.windows.shape[1]


def _mean_of_day(grid: np.ndarray, min_hours: int) -> tuple[np.ndarray, np.ndarray]:
    """24-hour mean of a [K, D, 24] grid and its count of hourly values (rule 2)."""
    present = ~np.isnan(grid)
    count = present.sum(axis=2)
    total = np.where(present, grid, 0.0).sum(axis=2)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(count >= min_hours, total / count, np.nan)
    return mean, count


def _o3_of_day(grid: np.ndarray, std: Standard) -> tuple[np.ndarray, np.ndarray, np.ndarray,
                                                          np.ndarray]:
    """O3 daily maximum 8-hour mean, daily maximum 1-hour value, hour count, valid windows
    (rules 3–5) of a [K, D, 24] grid."""
    v = std.validity
    present = ~np.isnan(grid)
    count = present.sum(axis=2)
    zero = np.zeros(grid.shape[:2] + (1,))
    sums = np.concatenate([zero, np.cumsum(np.where(present, grid, 0.0), axis=2)], axis=2)
    counts = np.concatenate([zero, np.cumsum(present, axis=2)], axis=2)
    # window j covers slots j … j+7, i.e. it ends at (j + 8):00; j = 0 … 16 → 08:00 … 24:00
    win_sum = sums[:, :, WINDOW_HOURS:] - sums[:, :, :N_WINDOWS]
    win_n = counts[:, :, WINDOW_HOURS:] - counts[:, :, :N_WINDOWS]
    win_ok = win_n >= v["o3_8h_min_hours"]
    with np.errstate(invalid="ignore", divide="ignore"):
        win_mean = np.where(win_ok, win_sum / np.where(win_n > 0, win_n, 1), -np.inf)
    n_windows = win_ok.sum(axis=2)
    best = win_mean.max(axis=2)
    valid = (n_windows >= v["o3_8h_min_windows"]) | (
        (n_windows > 0) & (best > std.daily_limits["o3_8h"]))
    o3_8h = np.where(valid, best, np.nan)
    o3_1h = np.where(count >= v["daily_min_hours"],
                     np.where(present, grid, -np.inf).max(axis=2), np.nan)
    return o3_8h, o3_1h, count, n_windows


def _hour_numbers(hourly: pd.DataFrame, hour_label: HourLabel) -> np.ndarray:
    """Hours since 1970-01-01 00:00 Beijing time of each row's hour *start* (int64)."""
    times = hourly["time_bjt"]
    if isinstance(times.dtype, pd.DatetimeTZDtype):
        times = times.dt.tz_convert("Asia/Shanghai").dt.tz_localize(None)
    try:
        ns = pd.to_datetime(times).to_numpy(dtype="datetime64[ns]").view(np.int64)
    except (TypeError, ValueError) as exc:
        raise EvaluationError(f"time_bjt must hold timestamps: {exc}") from exc
    if (ns == np.iinfo(np.int64).min).any():
        raise EvaluationError("time_bjt has missing timestamps (NaT)")
    hours, rest = np.divmod(ns, _NS_PER_HOUR)
    if rest.any():
        bad = pd.Timestamp(ns[np.flatnonzero(rest)[0]])
        raise EvaluationError(f"time_bjt must label whole hours; got {bad}")
    if hour_label == "end":
        hours = hours - 1
    elif hour_label != "start":
        raise EvaluationError(f"hour_label must be 'start' or 'end', got {hour_label!r}")
    return hours


def _check_hourly(hourly: pd.DataFrame) -> None:
    missing = [c for c in ("station_code", "time_bjt", *HOURLY_POLLUTANTS)
               if c not in hourly.columns]
    if missing:
        raise EvaluationError(
            f"hourly frame lacks column(s) {', '.join(missing)}; expected station_code, "
            f"time_bjt, {', '.join(HOURLY_POLLUTANTS)} (a column of NaN for a pollutant not "
            f"measured); found {', '.join(map(str, hourly.columns))}")


def _groups_plan(station_keys: np.ndarray, by: By, groups: Mapping[str, str] | None,
                 reference_stations: Collection[str]) -> tuple[np.ndarray, np.ndarray,
                                                                np.ndarray]:
    """For area evaluation: (area labels [G], area index per station [S] (−1 = not used),
    member count per area [G] from the mapping, reference stations excluded)."""
    if groups is None:
        raise EvaluationError(f"by={by!r} needs groups: a mapping station_code → {by}")
    excluded = {str(s) for s in reference_stations}
    members = {str(s): str(g) for s, g in groups.items()
               if str(s) not in excluded and g is not None and not pd.isna(g)}
    labels = np.array(sorted(set(members.values())), dtype=object)
    position = {g: i for i, g in enumerate(labels)}
    per_station = np.array([position.get(members.get(str(s), ""), -1) for s in station_keys],
                           dtype=np.int64)
    sizes = np.zeros(len(labels), dtype=np.int64)
    for g in members.values():
        sizes[position[g]] += 1
    return labels, per_station, sizes


def _daily_grid(hourly: pd.DataFrame, std: Standard, *, by: By = "station",
                groups: Mapping[str, str] | None = None,
                reference_stations: Collection[str] = (),
                min_station_share: float | None = None, hour_label: HourLabel = "start",
                first: np.datetime64 | None = None,
                last: np.datetime64 | None = None) -> _DailyGrid:
    """Daily values of every station (or area) for the days first … last (default: the days
    the data span). Hourly data are scattered on a [key, day, 24] grid, one pollutant at a time."""
    _check_hourly(hourly)
    if by not in ("station", "city", "district"):
        raise EvaluationError(f"by must be 'station', 'city' or 'district', got {by!r}")
    if by == "station" and groups is not None:
        raise EvaluationError("groups is for by='city' or by='district'")
    if min_station_share is not None and not 0 < min_station_share <= 1:
        raise EvaluationError(f"min_station_share must lie in (0, 1], got {min_station_share!r}")
    hours = _hour_numbers(hourly, hour_label)
    day = np.floor_divide(hours, HOURS_PER_DAY)
    codes, station_keys = pd.factorize(hourly["station_code"], sort=True)
    station_keys = np.asarray(station_keys, dtype=object)
    if (codes < 0).any():
        raise EvaluationError("station_code has missing values")
    if (first is None or last is None) and len(day) == 0:
        raise EvaluationError("no hourly rows and no period given")
    first_i = int(day.min()) if first is None else int((first - _EPOCH).astype(np.int64))
    last_i = int(day.max()) if last is None else int((last - _EPOCH).astype(np.int64))
    if last_i < first_i:
        raise EvaluationError("the period ends before it starts")
    n_days = last_i - first_i + 1

    n_stations = None
    if by == "station":
        keys, row_of_station = station_keys, np.arange(len(station_keys))
    else:
        keys, area_of_station, n_stations = _groups_plan(station_keys, by, groups,
                                                        reference_stations)
        # stations in area order, each area's stations contiguous (for reduceat)
        used = np.flatnonzero(area_of_station >= 0)
        used = used[np.argsort(area_of_station[used], kind="stable")]
        row_of_station = np.full(len(station_keys), -1, dtype=np.int64)
        row_of_station[used] = np.arange(len(used))
        area_rows = area_of_station[used]
    n_rows = int((row_of_station >= 0).sum())

    row = row_of_station[codes]
    keep = (row >= 0) & (day >= first_i) & (day <= last_i)
    flat = (row[keep] * n_days + (day[keep] - first_i)) * HOURS_PER_DAY + np.mod(
        hours[keep], HOURS_PER_DAY)
    size = n_rows * n_days * HOURS_PER_DAY
    if flat.size:
        seen = np.bincount(flat, minlength=size)
        if (seen > 1).any():
            cell = int(np.flatnonzero(seen > 1)[0])
            station = np.flatnonzero(row_of_station == cell // (n_days * HOURS_PER_DAY))[0]
            hour = (first_i * HOURS_PER_DAY + cell % (n_days * HOURS_PER_DAY))
            raise EvaluationError(
                f"duplicate readings: station {station_keys[station]} has several rows for the "
                f"hour starting {pd.Timestamp(hour * _NS_PER_HOUR)} (hour_label={hour_label!r})")
        del seen

    if by != "station":
        starts = np.flatnonzero(np.r_[True, area_rows[1:] != area_rows[:-1]]) if n_rows else \
            np.array([], dtype=np.int64)
        area_ids = area_rows[starts] if n_rows else np.array([], dtype=np.int64)
        need = np.ones(len(keys), dtype=np.int64)
        if min_station_share is not None:
            need = np.maximum(1, np.ceil(min_station_share * n_stations - 1e-9).astype(np.int64))

    values: dict[str, np.ndarray] = {}
    hour_counts: dict[str, np.ndarray] = {}
    windows = np.zeros((len(keys), n_days), dtype=np.int64)
    for pollutant in HOURLY_POLLUTANTS:
        column = pd.to_numeric(hourly[pollutant], errors="coerce").to_numpy(
            dtype=float, na_value=np.nan)[keep]
        grid = np.full(size, np.nan)
        grid[flat] = column
        grid = grid.reshape(n_rows, n_days, HOURS_PER_DAY)
        if by != "station":
            grid = _area_mean(grid, starts, area_ids, len(keys), need)
        if pollutant == "o3":
            values["o3_8h_max"], values["o3_1h_max"], count, windows = _o3_of_day(grid, std)
        else:
            values[pollutant], count = _mean_of_day(grid, std.validity["daily_min_hours"])
        hour_counts[pollutant] = count
        del grid
    return _DailyGrid(key_name="station_code" if by == "station" else by, keys=keys,
                      first_day=_EPOCH + np.timedelta64(first_i, "D"), values=values,
                      hours=hour_counts, windows=windows, n_stations=n_stations)


def _area_mean(grid: np.ndarray, starts: np.ndarray, area_ids: np.ndarray, n_areas: int,
               need: np.ndarray) -> np.ndarray:
    """Hourly mean over each area's stations (rows of `grid` contiguous per area), NaN where
    fewer than need[area] stations have a value (rule 12)."""
    out = np.full((n_areas,) + grid.shape[1:], np.nan)
    if len(starts) == 0:
        return out
    present = ~np.isnan(grid)
    total = np.add.reduceat(np.where(present, grid, 0.0), starts, axis=0)
    count = np.add.reduceat(present.astype(np.int32), starts, axis=0)
    enough = count >= need[area_ids][:, None, None]
    with np.errstate(invalid="ignore", divide="ignore"):
        out[area_ids] = np.where(enough, total / np.where(count > 0, count, 1), np.nan)
    return out


def _grid_to_frame(grid: _DailyGrid, std: Standard) -> pd.DataFrame:
    k, d = len(grid.keys), grid.n_days
    days = grid.first_day + np.arange(d).astype("timedelta64[D]")
    frame = {grid.key_name: np.repeat(grid.keys, d),
             "date": np.tile(days.astype("datetime64[ns]"), k)}
    for column in DAILY_COLUMNS:
        frame[column] = grid.values[column].ravel()
    for pollutant in HOURLY_POLLUTANTS:
        frame[f"hours_{pollutant}"] = grid.hours[pollutant].ravel()
    frame["o3_8h_windows"] = grid.windows.ravel()
    out = pd.DataFrame(frame)
    out["standard"] = std.version
    return out


def _frame_to_grid(daily: pd.DataFrame, first: np.datetime64,
                   last: np.datetime64) -> _DailyGrid:
    """A daily table (as :func:`daily_values` returns) back on a [key, day] grid."""
    key_name = next((c for c in ("station_code", "city", "district", "group")
                     if c in daily.columns), None)
    missing = [c for c in ("date", *DAILY_COLUMNS) if c not in daily.columns]
    if key_name is None or missing:
        raise EvaluationError(
            f"daily frame lacks column(s) {', '.join(missing or ['station_code'])}; expected "
            f"a key column (station_code, city or district), date, {', '.join(DAILY_COLUMNS)}")
    codes, keys = pd.factorize(daily[key_name], sort=True)
    day = (pd.to_datetime(daily["date"]).to_numpy(dtype="datetime64[D]") - first).astype(np.int64)
    n_days = int((last - first).astype(np.int64)) + 1
    keep = (day >= 0) & (day < n_days) & (codes >= 0)
    flat = codes[keep] * n_days + day[keep]
    if np.bincount(flat, minlength=len(keys) * n_days).max(initial=0) > 1:
        raise EvaluationError(f"daily frame has several rows for one {key_name} and date")
    values = {}
    for column in DAILY_COLUMNS:
        grid = np.full(len(keys) * n_days, np.nan)
        grid[flat] = pd.to_numeric(daily[column], errors="coerce").to_numpy(
            dtype=float, na_value=np.nan)[keep]
        values[column] = grid.reshape(len(keys), n_days)
    empty = np.zeros((len(keys), n_days), dtype=np.int64)
    return _DailyGrid(key_name=key_name, keys=np.asarray(keys, dtype=object), first_day=first,
                      values=values, hours=dict.fromkeys(HOURLY_POLLUTANTS, empty),
                      windows=empty)


# --------------------------------------------------------------------------------------------
# period statistics
# --------------------------------------------------------------------------------------------

def _coverage_rules(first: np.datetime64, last: np.datetime64,
                    std: Standard) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[str]]:
    """The day-count rules of a period (rule 6): start offsets, stop offsets (exclusive),
    required valid days and a label for each month and each whole calendar year."""
    v = std.validity
    starts, stops, required, labels = [], [], [], []
    first_d, last_d = pd.Timestamp(first), pd.Timestamp(last)
    for month in pd.period_range(first_d, last_d, freq="M"):
        lo = max(month.start_time.normalize(), first_d)
        hi = min(month.end_time.normalize(), last_d)
        covered = (hi - lo).days + 1
        minimum = v["monthly_min_days_february"] if month.month == 2 else v["monthly_min_days"]
        need = minimum if covered == month.days_in_month else \
            -(-minimum * covered // month.days_in_month)
        starts.append((lo - first_d).days)
        stops.append((hi - first_d).days + 1)
        required.append(need)
        labels.append(str(month))
    for year in range(first_d.year, last_d.year + 1):
        lo, hi = pd.Timestamp(year, 1, 1), pd.Timestamp(year, 12, 31)
        if lo >= first_d and hi <= last_d:
            starts.append((lo - first_d).days)
            stops.append((hi - first_d).days + 1)
            required.append(v["annual_min_days"])
            labels.append(str(year))
    return (np.array(starts, dtype=np.int64), np.array(stops, dtype=np.int64),
            np.array(required, dtype=np.int64), labels)


def _coverage(valid: np.ndarray, rules) -> tuple[np.ndarray, np.ndarray]:
    """(ok [K], counts [K, rules]) of the valid-day mask [K, D] against the period's rules."""
    starts, stops, required, _labels = rules
    cum = np.concatenate([np.zeros((valid.shape[0], 1), dtype=np.int64),
                          np.cumsum(valid, axis=1)], axis=1)
    counts = cum[:, stops] - cum[:, starts]
    return (counts >= required).all(axis=1) & (valid.sum(axis=1) > 0), counts


def _shortfall(counts: np.ndarray, rules) -> str:
    """The first unmet rule of one key, e.g. "2024-02 has 24 valid days, 25 required"."""
    _starts, _stops, required, labels = rules
    failing = np.flatnonzero(counts < required)
    if failing.size == 0:
        return "no valid days"
    i = failing[0]
    more = f" (and {failing.size - 1} more)" if failing.size > 1 else ""
    return f"{labels[i]} has {counts[i]} valid days, {required[i]} required{more}"


def _aqi_grid(grid: _DailyGrid, std: Standard,
              decimals: Mapping[str, int] | None) -> np.ndarray:
    """Daily AQI [K, D] on valid AQI days (rule 9), NaN elsewhere, via geoaq.aq.aqi.daily_aqi."""
    ok = np.ones(grid.windows.shape, dtype=bool)
    for column in AQI_REQUIRED:
        ok &= ~np.isnan(grid.values[column])
    out = np.full(ok.shape, np.nan)
    if ok.any():
        frame = pd.DataFrame({c: grid.values[c][ok] for c in DAILY_COLUMNS})
        out[ok] = aqi_module.daily_aqi(_rounded(frame, decimals), std)["aqi"].to_numpy(float)
    return out


def _rounded(frame: pd.DataFrame, decimals: Mapping[str, int] | None) -> pd.DataFrame:
    """Daily values rounded per GB/T 8170 (`geoaq.aq.rounding`) per pollutant, e.g.
    {"co": 1, "pm25": 0}; a key names a pollutant (o3 covers both ozone columns). A standard
    that rounds concentrations itself (HJ 633-2026) needs no `decimals`."""
    if not decimals:
        return frame
    out = frame.copy()
    for column in DAILY_COLUMNS:
        places = decimals.get(column, decimals.get(column.split("_")[0]))
        if places is not None:
            out[column] = gbt8170(out[column].to_numpy(dtype=float), int(places))
    return out


def _period_rows(grid: _DailyGrid, aqi: np.ndarray, std: Standard, lo: int, hi: int,
                 ) -> dict[str, np.ndarray | list]:
    """Statistics of days lo … hi−1 of the grid, one entry per key (rules 6–11)."""
    first = grid.first_day + np.timedelta64(lo, "D")
    last = grid.first_day + np.timedelta64(hi - 1, "D")
    rules = _coverage_rules(first, last, std)
    k = len(grid.keys)
    out: dict[str, np.ndarray | list] = {}
    problems: list[dict[str, list[str]]] = [{} for _ in range(k)]

    def note(stat: str, ok: np.ndarray, counts: np.ndarray) -> None:
        for i in np.flatnonzero(~ok):
            problems[i].setdefault(_shortfall(counts[i], rules), []).append(stat)

    days_cols: dict[str, np.ndarray] = {}
    for stat, column in _mean_stats(std):
        series = grid.values[column][:, lo:hi]
        valid = ~np.isnan(series)
        ok, counts = _coverage(valid, rules)
        n = valid.sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = np.where(valid, series, 0.0).sum(axis=1) / n
        out[stat] = np.where(ok, mean, np.nan)
        days_cols[f"{column}_days"] = n
        note(stat, ok, counts)
    for stat, column, p in _percentile_stats(std):
        series = grid.values[column][:, lo:hi]
        valid = ~np.isnan(series)
        ok, counts = _coverage(valid, rules)
        n = valid.sum(axis=1)
        value = _percentile_sorted_rows(np.sort(series, axis=1), n, p)
        out[stat] = np.where(ok, value, np.nan)
        days_cols[f"{column.removesuffix('_max')}_days"] = n
        note(stat, ok, counts)
    out.update(days_cols)

    daily_aqi = aqi[:, lo:hi]
    valid = ~np.isnan(daily_aqi)
    ok, counts = _coverage(valid, rules)
    n = valid.sum(axis=1)
    good_max = std.levels[1].max      # 优 and 良: the first two bands of HJ 633 Table 2
    heavy_above = std.levels[3].max   # 重度污染 and above: beyond the 中度污染 band
    with np.errstate(invalid="ignore"):
        good = (daily_aqi <= good_max).sum(axis=1)
        heavy = (daily_aqi > heavy_above).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        out["aqi_days"] = n
        out["good_days"] = np.where(ok, good, np.nan)
        out["good_day_ratio"] = np.where(ok, 100.0 * good / n, np.nan)
        out["heavy_days"] = np.where(ok, heavy, np.nan)
        out["heavy_day_ratio"] = np.where(ok, 100.0 * heavy / n, np.nan)
    note("good_day_ratio/heavy_days", ok, counts)

    composite = np.zeros(k) if std.composite_index else np.full(k, np.nan)
    for series, divisor in std.composite_index.items():
        stat = _stat_for_series(std, series)
        out[f"{stat}_index"] = out[stat] / divisor
        composite = composite + out[f"{stat}_index"]
    out["composite_index"] = composite  # NaN under a standard without divisors (its notes say why)

    stats = [s for s, _c in _mean_stats(std)] + [s for s, _c, _p in _percentile_stats(std)]
    exceeds = np.zeros(k, dtype=bool)
    unknown = np.zeros(k, dtype=bool)
    for stat in stats:
        limit = _stat_limit(std, stat)
        value = out[stat]
        with np.errstate(invalid="ignore"):
            over = value > limit
        out[f"{stat}_exceedance"] = np.where(np.isnan(value), np.nan,
                                             np.where(over, (value - limit) / limit, 0.0))
        exceeds |= over
        unknown |= np.isnan(value)
    out["attainment"] = np.where(exceeds, NOT_ATTAINED, np.where(unknown, INSUFFICIENT, ATTAINED))

    insufficient = np.array([bool(p) for p in problems])
    out["status"] = np.where(insufficient, INSUFFICIENT, VALID)
    out["reason"] = ["; ".join(f"{', '.join(stats_)}: {why}" for why, stats_ in p.items())
                     for p in problems]
    out["start"] = np.repeat(pd.Timestamp(first), k)
    out["end"] = np.repeat(pd.Timestamp(last), k)
    return out


_ORDER_HEAD = ("start", "end", "standard", "standard_name", "limits_period", "evaluation_method",
               "notes")


def _period_frame(grid: _DailyGrid, aqi: np.ndarray, std: Standard, lo: int, hi: int,
                  extra: Mapping[str, object] | None = None) -> pd.DataFrame:
    rows = _period_rows(grid, aqi, std, lo, hi)
    frame = {grid.key_name: grid.keys}
    if grid.n_stations is not None:
        frame["n_stations"] = grid.n_stations
    frame.update(extra or {})
    frame["start"], frame["end"] = rows.pop("start"), rows.pop("end")
    frame["standard"] = std.version
    frame["standard_name"] = std.name
    frame["limits_period"] = std.limits_period
    frame["evaluation_method"] = std.evaluation_method
    frame["notes"] = ",".join(std.notes)
    frame.update(rows)
    return pd.DataFrame(frame)


def _months(grid: _DailyGrid, aqi: np.ndarray, std: Standard) -> pd.DataFrame:
    first = pd.Timestamp(grid.first_day)
    last = first + pd.Timedelta(days=grid.n_days - 1)
    frames = []
    for month in pd.period_range(first, last, freq="M"):
        lo = max((month.start_time.normalize() - first).days, 0)
        hi = min((month.end_time.normalize() - first).days + 1, grid.n_days)
        frames.append(_period_frame(grid, aqi, std, lo, hi, {"month": str(month)}))
    return pd.concat(frames, ignore_index=True)


# --------------------------------------------------------------------------------------------
# public API
# --------------------------------------------------------------------------------------------

def station_groups(stations: pd.DataFrame, by: Literal["city", "district"] = "city",
                   ) -> dict[str, str]:
    """station code → city (or district) for the evaluation stations of a stations table
    (columns code or station_code, `by`, optional reference_station): 对照点 are left out, as
    background stations do not take part in a city's evaluation (HJ 663-2013 §5)."""
    code = "code" if "code" in stations.columns else "station_code"
    if code not in stations.columns or by not in stations.columns:
        raise EvaluationError(f"stations table needs columns code and {by}; found "
                              f"{', '.join(map(str, stations.columns))}")
    rows = stations
    if "reference_station" in stations.columns:
        rows = stations[~stations["reference_station"].fillna(False).astype(bool)]
    rows = rows[rows[by].notna()]
    return dict(zip(rows[code].astype(str), rows[by].astype(str), strict=True))


def daily_values(hourly: pd.DataFrame, standard: str | Standard = "2012", *, by: By = "station",
                 groups: Mapping[str, str] | None = None,
                 reference_stations: Collection[str] = (),
                 min_station_share: float | None = None,
                 hour_label: HourLabel = "start",
                 start: date | str | pd.Timestamp | None = None,
                 end: date | str | pd.Timestamp | None = None) -> pd.DataFrame:
    """Daily values with the validity rules of the standard, one row per key and day.

    `hourly`: station_code, time_bjt (Beijing time, whole hours), so2, no2, pm10, pm25, o3
    (µg/m³), co (mg/m³); NaN = no value; one row per station and hour. by="station" evaluates
    each station; by="city"/"district" each area of `groups` (station_code → area) from the
    mean of its stations' hourly values (rule 12). Days run from `start` to `end` (dates,
    inclusive; default: the first and the last day of the data), every key on every day.

    Returns: <key> (station_code / city / district), date, so2, no2, pm10, pm25, co (24-hour
    means), o3_1h_max, o3_8h_max — NaN where not valid (rules 1–5) — hours_<pollutant> (hourly
    values in the day), o3_8h_windows (valid 8-hour windows ending 08:00 … 24:00), standard.
    """
    std = _standard(standard)
    first = None if start is None else _as_day(start, "start")
    last = None if end is None else _as_day(end, "end")
    grid = _daily_grid(hourly, std, by=by, groups=groups, reference_stations=reference_stations,
                       min_station_share=min_station_share, hour_label=hour_label,
                       first=first, last=last)
    return _grid_to_frame(grid, std)


def daily_aqi_table(daily: pd.DataFrame, standard: str | Standard = "2012", *,
                    decimals: Mapping[str, int] | None = None) -> pd.DataFrame:
    """`daily` (as :func:`daily_values` returns) with the daily AQI of :func:`geoaq.aq.aqi.daily_aqi`
    beside it: iaqi_*, aqi, primary_pollutant, level, category, category_en, colour, standard.

    The AQI is computed from whatever daily values are valid; ``aqi_valid_day`` says whether
    all six evaluated pollutants were valid (rule 9: only those days count in 优良天数比率).
    `decimals` rounds the concentrations first (GB/T 8170, e.g. {"co": 1, "so2": 0, …})."""
    std = _standard(standard)
    missing = [c for c in DAILY_COLUMNS if c not in daily.columns]
    if missing:
        raise EvaluationError(f"daily frame lacks column(s) {', '.join(missing)}")
    scored = aqi_module.daily_aqi(_rounded(daily[list(DAILY_COLUMNS)], decimals), std)
    out = pd.concat([daily.drop(columns=["standard"], errors="ignore"), scored], axis=1)
    out["aqi_valid_day"] = daily[list(AQI_REQUIRED)].notna().all(axis=1).to_numpy()
    return out


def evaluate(hourly: pd.DataFrame, start: date | str | pd.Timestamp,
             end: date | str | pd.Timestamp, *, by: By = "station",
             groups: Mapping[str, str] | None = None, reference_stations: Collection[str] = (),
             min_station_share: float | None = None, standard: str | Standard = "2012",
             hour_label: HourLabel = "start",
             decimals: Mapping[str, int] | None = None) -> pd.DataFrame:
    """Period evaluation (HJ 663-2013) per station, city or district over start … end
    (dates, both inclusive; Beijing days).

    One row per key (every station in `hourly`, or every area of `groups`): <key>,
    [n_stations], start, end, standard, standard_name, so2_mean, no2_mean, pm10_mean,
    pm25_mean, co_p95, o3_8h_p90 (rules 6–8), <series>_days (valid days), aqi_days, good_days,
    good_day_ratio (%), heavy_days, heavy_day_ratio (%) (rule 9), <stat>_index and
    composite_index (rule 10), <stat>_exceedance and attainment (rule 11: attained,
    not_attained or insufficient), status (valid / insufficient: 有效 / 数据不足) and reason
    (which statistic missed which day-count rule). A statistic that misses its rule is NaN, never a number.
    """
    std = _standard(standard)
    first, last = _as_day(start, "start"), _as_day(end, "end")
    grid = _daily_grid(hourly, std, by=by, groups=groups, reference_stations=reference_stations,
                       min_station_share=min_station_share, hour_label=hour_label,
                       first=first, last=last)
    return _period_frame(grid, _aqi_grid(grid, std, decimals), std, 0, grid.n_days)


def monthly(hourly: pd.DataFrame, start: date | str | pd.Timestamp,
            end: date | str | pd.Timestamp, *, by: By = "station",
            groups: Mapping[str, str] | None = None, reference_stations: Collection[str] = (),
            min_station_share: float | None = None, standard: str | Standard = "2012",
            hour_label: HourLabel = "start",
            decimals: Mapping[str, int] | None = None) -> pd.DataFrame:
    """:func:`evaluate` for each calendar month of start … end: one row per key and month,
    with a ``month`` column ("2024-01"). A whole month needs ≥ 27 valid days (February ≥ 25);
    a month cut by start or end the same share of its days (rule 6)."""
    std = _standard(standard)
    first, last = _as_day(start, "start"), _as_day(end, "end")
    grid = _daily_grid(hourly, std, by=by, groups=groups, reference_stations=reference_stations,
                       min_station_share=min_station_share, hour_label=hour_label,
                       first=first, last=last)
    return _months(grid, _aqi_grid(grid, std, decimals), std)


def period_summary(daily: pd.DataFrame, start: date | str | pd.Timestamp,
                   end: date | str | pd.Timestamp, *, standard: str | Standard = "2012",
                   per_month: bool = False,
                   decimals: Mapping[str, int] | None = None) -> pd.DataFrame:
    """The statistics of :func:`evaluate` (or of :func:`monthly` with ``per_month``) from a
    daily table already computed by :func:`daily_values` — so a page can evaluate several
    periods without going back to the hourly data. NaN daily values count as not valid."""
    std = _standard(standard)
    grid = _frame_to_grid(daily, _as_day(start, "start"), _as_day(end, "end"))
    aqi = _aqi_grid(grid, std, decimals)
    if per_month:
        return _months(grid, aqi, std)
    return _period_frame(grid, aqi, std, 0, grid.n_days)
