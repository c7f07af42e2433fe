"""Air Quality Index (AQI) after HJ 633-2012, with the breakpoints read from a versioned standard.

Three entry points, all pure and vectorised:

* :func:`iaqi` — the individual index (IAQI) of one pollutant for one table of HJ 633 Table 1;
* :func:`hourly_aqi` — the real-time (hourly) AQI as the national release (CNEMC) publishes it;
* :func:`daily_aqi` — the daily AQI from the daily columns of HJ 633 Table 1.

No breakpoint, IAQI level or colour is written here: every number comes from
``data/standards/<version>.toml`` through :func:`geoaq.aq.standards.load_standard`, and every result
carries the ``standard`` version it was computed with.

Rounding. HJ 633-2012 has the IAQI rounded *up* to an integer (进位取整): a result with any
fractional part goes to the next integer, and the AQI is the maximum of those integers. The
national hourly release does exactly that on its published concentrations (integers in µg/m³, CO
to 0.1 mg/m³): ``tests/test_aqi.py`` reproduces all 27,135 complete station-hours of 2019-01-01
(and the 4,883 published incomplete ones) with no exception, while rounding half up would miss
5,893 of them and PM 24-hour moving means instead of the hourly PM values 25,883. Floating point
must not push an exact integer over it (CO 2.2 mg/m³ on ``co_24h`` is 55 exactly, naive float
arithmetic gives 56; CO 65.4 on ``co_1h`` 218, not 219), so the formula is evaluated as
ΔIAQI × (C − BP_Lo) / ΔBP and rounded to 1e-9 before the ceiling: an exact integer stays itself,
anything more than 1e-9 of an index point above it goes up. The tests check this against exact
rational arithmetic for every 0.1 step of every table.

Rules of HJ 633-2012 Table 1 implemented by :func:`iaqi`:

* negative concentrations are invalid → NaN; NaN → NaN;
* above the top breakpoint of a complete table (IAQI 500) the IAQI is 500: the index scale ends
  there (HJ 633 gives no segment beyond it, and AQI > 300 is already the top band 严重污染);
* SO2 1-hour above the table's last breakpoint (800 µg/m³): the note to Table 1 says the 1-hour
  IAQI is not computed and SO2 is reported with the 24-hour IAQI. :func:`iaqi` scores the value
  with the ``so2_24h`` table; :func:`hourly_aqi` uses the ``so2_24h`` column (the station's 24-hour
  mean) for that when the frame has one, otherwise the hour's own value;
* O3 8-hour above 800 µg/m³: the 8-hour IAQI is not computed, O3 is reported with the 1-hour
  table. :func:`iaqi` scores the value with ``o3_1h``; :func:`daily_aqi` lets both the daily maximum
  1-hour and 8-hour values enter the AQI, so the 1-hour maximum (never below the 8-hour maximum)
  carries the day either way.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from geoaq._errors import AqiInputError
from geoaq.aq.standards import Standard, load_standard

#: Tables whose last breakpoint is not the top of the index, and the table HJ 633 Table 1's notes
#: send a higher concentration to (table names only; the numbers stay in the standard's file).
OVERFLOW_TABLE = {"so2_1h": "so2_24h", "o3_8h": "o3_1h"}

#: Pollutant columns of the hourly frame → (IAQI table, published name), in the fixed order in
#: which tied primary pollutants are listed.
HOURLY_POLLUTANTS: dict[str, tuple[str, str]] = {
    "pm25": ("pm25_24h", "PM2.5"),
    "pm10": ("pm10_24h", "PM10"),
    "so2": ("so2_1h", "SO2"),
    "no2": ("no2_1h", "NO2"),
    "o3": ("o3_1h", "O3"),
    "co": ("co_1h", "CO"),
}

#: Columns of the daily frame → (IAQI table, name in ``primary_pollutant``), tie order as above.
DAILY_POLLUTANTS: dict[str, tuple[str, str]] = {
    "pm25": ("pm25_24h", "PM2.5"),
    "pm10": ("pm10_24h", "PM10"),
    "so2": ("so2_24h", "SO2"),
    "no2": ("no2_24h", "NO2"),
    "o3_1h_max": ("o3_1h", "O3_1h"),
    "o3_8h_max": ("o3_8h", "O3_8h"),
    "co": ("co_24h", "CO"),
}

#: Digits the raw IAQI is rounded to before the ceiling (absorbs float noise, see module doc).
_NOISE_DECIMALS = 9


def _standard(standard: str | Standard) -> Standard:
    return standard if isinstance(standard, Standard) else load_standard(str(standard))


def _as_float_array(values) -> np.ndarray:
    """Floats with NaN for missing values (also pandas NA in nullable columns)."""
    if isinstance(values, pd.Series | pd.Index | pd.api.extensions.ExtensionArray):
        return pd.to_numeric(pd.Series(values), errors="raise").to_numpy(
            dtype=float, na_value=np.nan)
    return np.asarray(values, dtype=float)


def _segment_iaqi(c: np.ndarray, bp: np.ndarray, levels: np.ndarray) -> np.ndarray:
    """Linear interpolation within the table, rounded up; c must lie in [bp[0], bp[-1]]."""
    hi = np.clip(np.searchsorted(bp, c, side="left"), 1, len(bp) - 1)
    lo = hi - 1
    raw = (levels[hi] - levels[lo]) * (c - bp[lo]) / (bp[hi] - bp[lo]) + levels[lo]
    return np.ceil(np.round(raw, _NOISE_DECIMALS))


def iaqi(concentration, table: str, standard: str | Standard = "2012") -> np.ndarray:
    """IAQI of `concentration` (array-like, table units) on `table` of HJ 633 Table 1.

    IAQI_P = (IAQI_Hi − IAQI_Lo) / (BP_Hi − BP_Lo) × (C_P − BP_Lo) + IAQI_Lo, rounded up to an
    integer. Returns floats (NaN for NaN or negative input); above a complete table → its top
    IAQI (500); SO2 1-hour above 800 → the so2_24h table; O3 8-hour above 800 → the o3_1h table.
    """
    std = _standard(standard)
    if table not in std.breakpoints:
        raise AqiInputError(f"unknown AQI table {table!r}; known: {', '.join(std.breakpoints)}")
    c = _as_float_array(concentration)
    bp = np.asarray(std.breakpoints[table], dtype=float)
    levels = np.asarray(std.iaqi[: len(bp)], dtype=float)
    out = np.full(c.shape, np.nan)
    with np.errstate(invalid="ignore"):
        inside = (c >= bp[0]) & (c <= bp[-1])
        above = c > bp[-1]
    out[inside] = _segment_iaqi(c[inside], bp, levels)
    if above.any():
        if table in OVERFLOW_TABLE:
            out[above] = iaqi(c[above], OVERFLOW_TABLE[table], std)
        else:
            out[above] = float(std.iaqi[-1])
    return out


def _levels(aqi: np.ndarray, std: Standard) -> pd.DataFrame:
    """Level, category (zh/en) and colour of each AQI (as `Standard.level_for`); None for NaN."""
    bands = std.levels
    position = np.searchsorted([band.max for band in bands], np.nan_to_num(aqi), side="left")
    position = np.minimum(position, len(bands) - 1)
    valid = ~np.isnan(aqi)
    return pd.DataFrame({
        name: np.where(valid, np.array([getattr(b, name) for b in bands], dtype=object)[position],
                       None)
        for name in ("level", "category", "category_en", "colour")
    }, dtype=object)


def _primary(iaqis: np.ndarray, aqi: np.ndarray, names: Sequence[str],
             threshold: float) -> np.ndarray:
    """Names of the pollutants whose IAQI equals the AQI, joined with "," in the order of
    `names`; None when the AQI is NaN or not above `threshold` (the top of the first band, 50)."""
    with np.errstate(invalid="ignore"):
        is_max = (iaqis == aqi[:, None]) & (aqi[:, None] > threshold)
    joined = np.full(len(aqi), "", dtype=object)
    for j, name in enumerate(names):
        joined = joined + np.where(is_max[:, j], "," + name, "")
    return np.array([text[1:] or None for text in joined], dtype=object)


def _score(frame: pd.DataFrame, pollutants: dict[str, tuple[str, str]], std: Standard,
           overrides: dict[str, np.ndarray] | None = None) -> pd.DataFrame:
    missing = [col for col in pollutants if col not in frame.columns]
    if missing:
        raise AqiInputError(
            f"missing pollutant column(s) {', '.join(missing)}; expected {', '.join(pollutants)} "
            f"(add a column of NaN for a pollutant that is not measured); found "
            f"{', '.join(map(str, frame.columns))}")
    overrides = overrides or {}
    result = pd.DataFrame(index=frame.index)
    scores = []
    for col, (table, _name) in pollutants.items():
        values = overrides.get(col)
        if values is None:
            values = iaqi(frame[col], table, std)
        column = "iaqi_" + col.removesuffix("_max")
        result[column] = values
        scores.append(values)
    stacked = np.column_stack(scores) if scores else np.empty((len(frame), 0))
    any_valid = ~np.isnan(stacked).all(axis=1)
    aqi = np.full(len(frame), np.nan)
    aqi[any_valid] = np.nanmax(stacked[any_valid], axis=1)
    result["aqi"] = aqi
    result["primary_pollutant"] = pd.Series(
        _primary(stacked, aqi, [name for _t, name in pollutants.values()], std.levels[0].max),
        index=frame.index, dtype=object)
    levels = _levels(aqi, std)
    levels.index = frame.index
    result = pd.concat([result, levels], axis=1)
    result["standard"] = std.version
    return result


def hourly_aqi(frame: pd.DataFrame, standard: str | Standard = "2012") -> pd.DataFrame:
    """Real-time (hourly) AQI as the national release computes it, one row per input row.

    Input columns pm25, pm10, so2, no2, o3, co: that hour's concentrations (µg/m³, CO mg/m³),
    NaN where not measured. SO2, NO2, O3 and CO are scored on their 1-hour tables, PM2.5 and PM10
    on their 24-hour tables applied to the hourly value; O3-8h does not enter. An optional
    ``so2_24h`` column (24-hour mean) is what SO2 is scored with in hours above the 1-hour table.
    Output (same index): iaqi_so2, iaqi_no2, iaqi_pm10, iaqi_pm25, iaqi_co, iaqi_o3, aqi (NaN
    when no pollutant has a value), primary_pollutant, level, category, category_en, colour,
    standard.
    """
    std = _standard(standard)
    overrides = {}
    if "so2_24h" in frame.columns and "so2" in frame.columns:
        so2 = _as_float_array(frame["so2"])
        so2_iaqi = iaqi(so2, "so2_1h", std)
        with np.errstate(invalid="ignore"):
            over = so2 > std.breakpoints["so2_1h"][-1]
        daily = iaqi(_as_float_array(frame["so2_24h"])[over], "so2_24h", std)
        so2_iaqi[over] = np.where(np.isnan(daily), so2_iaqi[over], daily)
        overrides["so2"] = so2_iaqi
    result = _score(frame, HOURLY_POLLUTANTS, std, overrides)
    order = ["iaqi_so2", "iaqi_no2", "iaqi_pm10", "iaqi_pm25", "iaqi_co", "iaqi_o3"]
    return result[order + [c for c in result.columns if c not in order]]


def daily_aqi(frame: pd.DataFrame, standard: str | Standard = "2012") -> pd.DataFrame:
    """Daily AQI after the daily columns of HJ 633 Table 1, one row per input row.

    Input columns so2, no2, pm10, pm25, co (24-hour means; CO mg/m³), o3_1h_max (daily maximum
    1-hour value) and o3_8h_max (daily maximum 8-hour moving mean). The 24-hour tables score the
    first five, ``o3_1h`` the 1-hour maximum and ``o3_8h`` the 8-hour maximum (above 800 µg/m³ the
    ``o3_1h`` table); both ozone indices enter the AQI. Output: iaqi_so2, iaqi_no2, iaqi_pm10,
    iaqi_pm25, iaqi_co, iaqi_o3_1h, iaqi_o3_8h, aqi, primary_pollutant (names PM2.5, PM10, SO2,
    NO2, O3_1h, O3_8h, CO — ozone by its averaging time, as daily reports distinguish 臭氧1小时
    and 臭氧8小时), level, category, category_en, colour, standard.
    """
    result = _score(frame, DAILY_POLLUTANTS, _standard(standard))
    order = ["iaqi_so2", "iaqi_no2", "iaqi_pm10", "iaqi_pm25", "iaqi_co", "iaqi_o3_1h",
             "iaqi_o3_8h"]
    return result[order + [c for c in result.columns if c not in order]]


def aqi_level_table(standard: str | Standard = "2012") -> pd.DataFrame:
    """The AQI bands of HJ 633 Table 2 for a legend: aqi_min, aqi_max (nullable integers, NA
    for the open top band), band ("0–50" … ">300"), level, category, category_en, colour."""
    std = _standard(standard)
    rows = []
    low = 0
    for i, band in enumerate(std.levels):
        top = i == len(std.levels) - 1
        rows.append({
            "aqi_min": low,
            "aqi_max": None if top else band.max,
            "band": f">{low - 1}" if top else f"{low}–{band.max}",
            "level": band.level,
            "category": band.category,
            "category_en": band.category_en,
            "colour": band.colour,
        })
        low = band.max + 1
    return pd.DataFrame(rows).astype({"aqi_min": "Int64", "aqi_max": "Int64"})
