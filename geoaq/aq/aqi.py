"""Air Quality Index (AQI) after HJ 633 (2012 and 2026), with every breakpoint and rule read from
a versioned standard.

Three entry points, all pure and vectorised:

* :func:`iaqi` — the individual index (IAQI) of one pollutant for one table of HJ 633;
* :func:`hourly_aqi` — the real-time (hourly) AQI as the national release (CNEMC) publishes it;
* :func:`daily_aqi` — the daily AQI from the daily indicators of the standard.

No breakpoint, IAQI level, colour or rule is written here: every number comes from
``data/standards/<version>.toml`` through :func:`geoaq.aq.standards.load_standard`, and every result
carries the ``standard`` version it was computed with. Which standard scores which hour is
`geoaq.aq.basis`'s concern.

Rounding. HJ 633 has the IAQI rounded *up* to an integer (进位取整; HJ 633-2026: 全部向上进位取
整数): a result with any fractional part goes to the next integer, and the AQI is the maximum of
those integers. The national hourly release does exactly that on its published concentrations
(integers in µg/m³, CO to 0.1 mg/m³): ``tests/aq/test_aqi.py`` reproduces all 27,135 complete
station-hours of 2019-01-01 (and the 4,883 published incomplete ones) with no exception, while
rounding half up would miss 5,893 of them and PM 24-hour moving means instead of the hourly PM
values 25,883. Floating point must not push an exact integer over it (CO 2.2 mg/m³ on ``co_24h``
is 55 exactly, naive float arithmetic gives 56; CO 65.4 on ``co_1h`` 218, not 219), so the
formula is evaluated as ΔIAQI × (C − BP_Lo) / ΔBP and rounded to 1e-9 before the ceiling: an
exact integer stays itself, anything more than 1e-9 of an index point above it goes up. The
tests check this against exact rational arithmetic for every 0.1 step of every table. A
standard whose ``concentration_rounding`` is "GB/T 8170" (HJ 633-2026) has each concentration
rounded first, by `geoaq.aq.rounding.gbt8170`, to its ``decimals`` (µg/m³ to integers, CO to
0.1 mg/m³): PM2.5 60.5 → 60 → IAQI 100, CO 5.05 → 5.0 → IAQI 50.

Rules implemented by :func:`iaqi` (HJ 633-2012 Table 1 and HJ 633-2026 Table 3):

* negative concentrations are invalid → NaN; NaN → NaN;
* above the top breakpoint of a complete table (IAQI 500) the IAQI is 500: the index scale ends
  there (HJ 633 gives no segment beyond it, and AQI > 300 is already the top band 严重污染);
* above the last breakpoint of an incomplete table, the standard's ``overflow`` rule:
  HJ 633-2012 scores SO2 1-hour above 800 µg/m³ with the 24-hour table (:func:`hourly_aqi` uses
  the ``so2_24h`` column, the station's 24-hour mean, when the frame has one) and O3 8-hour
  above 800 µg/m³ with the 1-hour table; HJ 633-2026 gives them IAQI 200 and 300.

Missing pollutants. HJ 633-2012 (rule "omit"): the AQI is the maximum over the pollutants
present. HJ 633-2026 §5.3.1 (rule "na_unless_above"): the same maximum is published only when
it is above ``publish_above`` (100); otherwise AQI, primary pollutant and category are NA
(``aqi`` NaN, ``aqi_na`` true) and only the IAQIs stand. A pollutant the station does not
measure (the release writes ``/``; column ``unmeasured``) is not a missing one: the release
publishes the AQI of the others.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from geoaq._errors import AqiInputError
from geoaq.aq.rounding import gbt8170
from geoaq.aq.standards import Standard, load_standard

#: Pollutant columns of the hourly frame → published name, in the fixed order in which tied
#: primary pollutants are listed (the tables come from the standard's ``realtime`` rule).
HOURLY_NAMES: dict[str, str] = {"pm25": "PM2.5", "pm10": "PM10", "so2": "SO2", "no2": "NO2",
                                "o3": "O3", "co": "CO"}
#: Columns of the daily frame → name in ``primary_pollutant``, tie order as above (the tables,
#: and which of them the standard has, come from its ``daily`` rule).
DAILY_NAMES: dict[str, str] = {"pm25": "PM2.5", "pm10": "PM10", "so2": "SO2", "no2": "NO2",
                               "o3_1h_max": "O3_1h", "o3_8h_max": "O3_8h", "co": "CO"}
HOURLY_ORDER = ["iaqi_so2", "iaqi_no2", "iaqi_pm10", "iaqi_pm25", "iaqi_co", "iaqi_o3"]
DAILY_ORDER = ["iaqi_so2", "iaqi_no2", "iaqi_pm10", "iaqi_pm25", "iaqi_co", "iaqi_o3_1h",
               "iaqi_o3_8h"]

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


def table_pollutant(table: str) -> str:
    """The pollutant an AQI table scores: so2_1h → so2, pm25_24h → pm25, o3_8h → o3."""
    return table.split("_")[0]


def rounded(concentration, pollutant: str, standard: str | Standard) -> np.ndarray:
    """Concentrations as the standard scores them: rounded per GB/T 8170 to its decimals for
    the pollutant (HJ 633-2026), or as they are (HJ 633-2012)."""
    std = _standard(standard)
    c = _as_float_array(concentration)
    if std.rounding == "GB/T 8170" and pollutant in std.decimals:
        return gbt8170(c, std.decimals[pollutant])
    return c


def iaqi(concentration, table: str, standard: str | Standard = "2012") -> np.ndarray:
    """IAQI of `concentration` (array-like, table units) on `table` of the standard.

    The concentration is first rounded as the standard says (`rounded`); then IAQI_P =
    (IAQI_Hi − IAQI_Lo) / (BP_Hi − BP_Lo) × (C_P − BP_Lo) + IAQI_Lo, rounded up to an integer.
    Returns floats (NaN for NaN or negative input); above a complete table → its top IAQI
    (500); above an incomplete one → the standard's overflow rule (another table, or a fixed
    IAQI).
    """
    std = _standard(standard)
    if table not in std.breakpoints:
        raise AqiInputError(f"unknown AQI table {table!r}; known: {', '.join(std.breakpoints)}")
    c = rounded(concentration, table_pollutant(table), std)
    bp = np.asarray(std.breakpoints[table], dtype=float)
    levels = np.asarray(std.iaqi[: len(bp)], dtype=float)
    out = np.full(c.shape, np.nan)
    with np.errstate(invalid="ignore"):
        inside = (c >= bp[0]) & (c <= bp[-1])
        above = c > bp[-1]
    out[inside] = _segment_iaqi(c[inside], bp, levels)
    if above.any():
        rule = std.overflow.get(table) if len(bp) < len(std.iaqi) else None
        if rule is not None and rule.table is not None:
            out[above] = iaqi(c[above], rule.table, std)
        elif rule is not None and rule.iaqi is not None:
            out[above] = rule.iaqi
        else:
            out[above] = float(std.iaqi[len(bp) - 1])
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


def _unmeasured_mask(frame: pd.DataFrame, columns: Sequence[str]) -> np.ndarray:
    """[rows, columns] true where the row's ``unmeasured`` column (text "so2,co", a list, or
    missing) names the pollutant: not measured at that station, so not *missing*."""
    mask = np.zeros((len(frame), len(columns)), dtype=bool)
    if "unmeasured" not in frame.columns:
        return mask
    values = frame["unmeasured"].to_numpy(dtype=object)
    given = np.flatnonzero(pd.notna(values) if values.dtype == object else np.zeros(0, bool))
    for i in given:  # only the few rows that name any (the live release's "/")
        value = values[i]
        if isinstance(value, str):
            names = {v.strip() for v in value.split(",")}
        elif isinstance(value, list | tuple | set | np.ndarray):
            names = {str(v) for v in value}
        else:
            continue
        for j, column in enumerate(columns):
            if column.removesuffix("_max").split("_")[0] in names:
                mask[i, j] = True
    return mask


def _joined_names(flags: np.ndarray, names: Sequence[str], rows: np.ndarray) -> np.ndarray:
    """Per row, the names whose flag is set joined with "," (None for none, or where `rows` is
    false), vectorised like `_primary`."""
    joined = np.full(len(flags), "", dtype=object)
    for j, name in enumerate(names):
        joined = joined + np.where(flags[:, j], "," + name, "")
    return np.array([text[1:] or None if ok else None for text, ok in zip(joined, rows, strict=True)],
                    dtype=object)


def _score(frame: pd.DataFrame, indicators: dict[str, str], names: dict[str, str],
           std: Standard, overrides: dict[str, np.ndarray] | None = None) -> pd.DataFrame:
    """IAQI per indicator (column → table), the AQI, the missing-data rule, primary
    pollutant and level of each row. Columns of `names` the standard does not use are NaN."""
    used = [column for column in names if column in indicators]
    missing = [col for col in used if col not in frame.columns]
    if missing:
        raise AqiInputError(
            f"missing pollutant column(s) {', '.join(missing)}; expected {', '.join(used)} "
            f"(add a column of NaN for a pollutant that is not measured); found "
            f"{', '.join(map(str, frame.columns))}")
    overrides = overrides or {}
    result = pd.DataFrame(index=frame.index)
    scores = []
    for col in names:
        if col not in indicators:
            result["iaqi_" + col.removesuffix("_max")] = np.nan
            continue
        values = overrides.get(col)
        if values is None:
            values = iaqi(frame[col], indicators[col], std)
        result["iaqi_" + col.removesuffix("_max")] = values
        scores.append(values)
    stacked = np.column_stack(scores) if scores else np.empty((len(frame), 0))
    present = ~np.isnan(stacked)
    any_valid = present.any(axis=1)
    aqi = np.full(len(frame), np.nan)
    aqi[any_valid] = np.nanmax(stacked[any_valid], axis=1)
    gaps = ~present & ~_unmeasured_mask(frame, used)
    withheld = np.zeros(len(frame), dtype=bool)
    if std.missing_rule == "na_unless_above":
        with np.errstate(invalid="ignore"):
            withheld = any_valid & gaps.any(axis=1) & ~(aqi > std.publish_above)
    present_aqi = aqi.copy()
    aqi[withheld] = np.nan
    result["aqi"] = aqi
    result["aqi_present"] = present_aqi
    result["aqi_na"] = withheld
    result["missing"] = pd.Series(_joined_names(gaps, [names[c] for c in used], any_valid),
                                  index=frame.index, dtype=object)
    result["primary_pollutant"] = pd.Series(
        _primary(stacked, aqi, [names[c] for c in used], std.levels[0].max),
        index=frame.index, dtype=object)
    levels = _levels(aqi, std)
    levels.index = frame.index
    result = pd.concat([result, levels], axis=1)
    result["standard"] = std.version
    return result


def hourly_aqi(frame: pd.DataFrame, standard: str | Standard = "2012") -> pd.DataFrame:
    """Real-time (hourly) AQI as the national release computes it, one row per input row.

    Input columns pm25, pm10, so2, no2, o3, co: that hour's concentrations (µg/m³, CO mg/m³),
    NaN where not measured; optional ``unmeasured`` (pollutants the station does not measure,
    "so2,co"). Each is scored on the table of the standard's ``realtime`` rule (2012 and 2026:
    the 1-hour tables for SO2, NO2, O3 and CO, the 24-hour tables applied to the hourly PM2.5
    and PM10; O3-8h does not enter). Under HJ 633-2012 an optional ``so2_24h`` column (24-hour
    mean) is what SO2 is scored with in hours above the 1-hour table.
    Output (same index): iaqi_so2, iaqi_no2, iaqi_pm10, iaqi_pm25, iaqi_co, iaqi_o3, aqi (NaN
    when no pollutant has a value, or withheld by the missing-data rule), aqi_present (the AQI
    of the pollutants present), aqi_na (withheld), missing (names of the missing pollutants),
    primary_pollutant, level, category, category_en, colour, standard.
    """
    std = _standard(standard)
    overrides = {}
    rule = std.overflow.get("so2_1h")
    so2_table = std.realtime.get("so2")
    if (rule is not None and rule.table is not None and so2_table == "so2_1h"
            and "so2_24h" in frame.columns and "so2" in frame.columns):
        so2 = rounded(frame["so2"], "so2", std)
        so2_iaqi = iaqi(so2, "so2_1h", std)
        with np.errstate(invalid="ignore"):
            over = so2 > std.breakpoints["so2_1h"][-1]
        daily = iaqi(_as_float_array(frame["so2_24h"])[over], rule.table, std)
        so2_iaqi[over] = np.where(np.isnan(daily), so2_iaqi[over], daily)
        overrides["so2"] = so2_iaqi
    result = _score(frame, std.realtime, HOURLY_NAMES, std, overrides)
    return result[HOURLY_ORDER + [c for c in result.columns if c not in HOURLY_ORDER]]


def daily_aqi(frame: pd.DataFrame, standard: str | Standard = "2012") -> pd.DataFrame:
    """Daily AQI from the standard's daily indicators, one row per input row.

    Input columns so2, no2, pm10, pm25, co (24-hour means; CO mg/m³), o3_8h_max (daily maximum
    8-hour moving mean) and, where the standard has it (HJ 633-2012), o3_1h_max (daily maximum
    1-hour value). HJ 633-2012 scores the first five on the 24-hour tables, the 1-hour maximum on
    ``o3_1h`` and the 8-hour maximum on ``o3_8h`` (above 800 µg/m³ the ``o3_1h`` table), both
    ozone indices entering the AQI; HJ 633-2026 has the six indicators without the 1-hour
    maximum (its ``iaqi_o3_1h`` is NaN) and O3-8h above 800 µg/m³ is IAQI 300. Output:
    iaqi_so2, iaqi_no2, iaqi_pm10, iaqi_pm25, iaqi_co, iaqi_o3_1h, iaqi_o3_8h, aqi,
    aqi_present, aqi_na, missing, primary_pollutant (names PM2.5, PM10, SO2, NO2, O3_1h, O3_8h, CO —
    ozone by its averaging time, as daily reports distinguish 臭氧1小时 and 臭氧8小时), level,
    category, category_en, colour, standard.
    """
    std = _standard(standard)
    result = _score(frame, std.daily_indicators, DAILY_NAMES, std)
    return result[DAILY_ORDER + [c for c in result.columns if c not in DAILY_ORDER]]


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
