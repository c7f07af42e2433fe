"""What the 空气质量 (air quality) page shows, as plain tables: pure, no Streamlit.

The numbers come from `geoaq.aq.aqi` (HJ 633: hourly and daily AQI) and `geoaq.aq.evaluation`
(HJ 663: daily values, period and monthly statistics); this module picks, labels and formats
them. Every concentration column names its unit (from the standard's file: µg/m³, CO mg/m³),
every AQI band is given as text (level, category, colour name) and not by colour alone, and
a statistic that misses the validity rules is shown as 数据不足, never as a number.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

import numpy as np
import pandas as pd

from geoaq.aq import aqi, evaluation
from geoaq.aq.standards import load_standard

POLLUTANTS = ("pm25", "pm10", "so2", "no2", "o3", "co")
NAMES = {"pm25": "PM2.5", "pm10": "PM10", "so2": "SO2", "no2": "NO2", "o3": "O3", "co": "CO"}
#: The colour names of HJ 633-2012 Table 2, by the colour codes of the standards' files.
COLOUR_NAMES = {
    "#00e400": ("绿色", "green"), "#ffff00": ("黄色", "yellow"), "#ff7e00": ("橙色", "orange"),
    "#ff0000": ("红色", "red"), "#99004c": ("紫色", "purple"), "#7e0023": ("褐红色", "maroon"),
}
INSUFFICIENT = {"zh": "数据不足", "en": "insufficient data"}
NO_DATA = {"zh": "无数据", "en": "no data"}
MISSING_COLOUR = "#dddddd"


def _zh(lang: str) -> bool:
    return lang == "zh"


def unit(pollutant: str, standard: str = "2012") -> str:
    """The unit of a pollutant's concentrations in the standard (µg/m³; CO mg/m³)."""
    return load_standard(standard).units[pollutant.removesuffix("_max").split("_")[0]]


def indicator_label(indicator: str, standard: str = "2012", lang: str = "zh") -> str:
    """"AQI" or e.g. "PM2.5（µg/m³）" / "PM2.5 (µg/m³)"."""
    if indicator == "aqi":
        return "AQI"
    u = unit(indicator, standard)
    return f"{NAMES[indicator]}（{u}）" if _zh(lang) else f"{NAMES[indicator]} ({u})"


def colour_name(colour: str | None, lang: str = "zh") -> str:
    """The colour's name in HJ 633 Table 2 (绿色 …), else its code; "" for none."""
    if not isinstance(colour, str) or not colour:
        return ""
    names = COLOUR_NAMES.get(colour.lower())
    return names[0 if _zh(lang) else 1] if names else colour


def station_names(stations: pd.DataFrame) -> dict[str, str]:
    """station code → name from the stations layer (codes without a name map to themselves)."""
    if stations.empty:
        return {}
    return {str(c): (str(n) if isinstance(n, str) and n else str(c))
            for c, n in zip(stations["code"], stations["name"], strict=True)}


def station_label(code: str, names: Mapping[str, str]) -> str:
    name = names.get(code)
    return f"{name}（{code}）" if name and name != code else code


# --------------------------------------------------------------------------------------------
# hourly
# --------------------------------------------------------------------------------------------

def hourly_frame(readings: pd.DataFrame, standard: str = "2012") -> pd.DataFrame:
    """The readings (station_code, time_bjt, concentrations) with their hourly AQI beside them:
    aqi, primary_pollutant, level, category, category_en, colour (HJ 633 real-time rule)."""
    base = readings.reindex(columns=["station_code", "time_bjt", *POLLUTANTS]).reset_index(drop=True)
    if base.empty:
        extra = ["aqi", "primary_pollutant", "level", "category", "category_en", "colour"]
        return base.reindex(columns=[*base.columns, *extra])
    scored = aqi.hourly_aqi(base[list(POLLUTANTS)].astype(float), standard)
    keep = ["aqi", "primary_pollutant", "level", "category", "category_en", "colour"]
    return pd.concat([base, scored[keep].reset_index(drop=True)], axis=1)


def latest_hours(hourly: pd.DataFrame, stations: list[str]) -> pd.DataFrame:
    """Each chosen station's latest hour with an AQI (one row per station, in `stations` order;
    a station with none has a row with time NaT and AQI NaN)."""
    valid = hourly[hourly["station_code"].isin(stations) & hourly["aqi"].notna()]
    last = valid.sort_values("time_bjt").groupby("station_code", sort=False).tail(1)
    return last.set_index("station_code").reindex(stations).rename_axis("station_code").reset_index()


def latest_hour_table(latest: pd.DataFrame, names: Mapping[str, str], standard: str = "2012",
                      lang: str = "zh") -> pd.DataFrame:
    """The latest-hour table: station, hour, AQI, level, category, colour (as text), primary
    pollutant and the six concentrations with their units in the headers."""
    zh = _zh(lang)
    has = latest["aqi"].notna()
    table = pd.DataFrame({
        "站点" if zh else "Station": latest["station_code"].map(lambda c: names.get(c, c)),
        "站点编码" if zh else "Code": latest["station_code"],
        "时间（北京时间）" if zh else "Hour (Beijing time)": [
            t.strftime("%Y-%m-%d %H:%M") if pd.notna(t) else NO_DATA[lang] for t in latest["time_bjt"]],
        "AQI": latest["aqi"].astype("Int64"),
        "级别" if zh else "Level": latest["level"].where(has, ""),
        "类别" if zh else "Category": (latest["category"] if zh else latest["category_en"]).where(has, NO_DATA[lang]),
        "颜色" if zh else "Colour": latest["colour"].map(lambda c: colour_name(c, lang)),
        "首要污染物" if zh else "Primary pollutant": [
            (p if isinstance(p, str) else "—") if ok else "" for p, ok in zip(latest["primary_pollutant"], has, strict=True)],
    })
    for pollutant in POLLUTANTS:
        digits = 1 if pollutant == "co" else 0
        table[indicator_label(pollutant, standard, lang)] = latest[pollutant].round(digits)
    return table


def series(hourly: pd.DataFrame, stations: list[str], indicator: str, names: Mapping[str, str],
           *, start: pd.Timestamp | None = None) -> pd.DataFrame:
    """Long table for a line chart: time_bjt, station (name), code, value of `indicator`
    ("aqi" or a pollutant), from `start` on when given."""
    rows = hourly[hourly["station_code"].isin(stations)]
    if start is not None:
        rows = rows[rows["time_bjt"] >= start]
    out = pd.DataFrame({
        "time_bjt": pd.to_datetime(rows["time_bjt"]),
        "station": rows["station_code"].map(lambda c: names.get(c, c)),
        "code": rows["station_code"],
        "value": pd.to_numeric(rows[indicator], errors="coerce").astype(float),
    })
    return out.sort_values(["code", "time_bjt"]).reset_index(drop=True)


def last_hour(hourly: pd.DataFrame, stations: list[str]) -> pd.Timestamp | None:
    """The latest hour with an AQI among the chosen stations."""
    rows = hourly[hourly["station_code"].isin(stations) & hourly["aqi"].notna()]
    return None if rows.empty else pd.Timestamp(rows["time_bjt"].max())


def series_table(frame: pd.DataFrame, indicator: str, standard: str = "2012",
                 lang: str = "zh") -> pd.DataFrame:
    """The chart's data as a wide table for download: one row per hour, one column per station."""
    label = indicator_label(indicator, standard, lang)
    wide = frame.pivot_table(index="time_bjt", columns="station", values="value", aggfunc="first")
    wide.columns = [f"{c} {label}" for c in wide.columns]
    wide.index = wide.index.strftime("%Y-%m-%d %H:%M")
    return wide.rename_axis("时间（北京时间）" if _zh(lang) else "Hour (Beijing time)").reset_index()


def band_table(standard: str = "2012", lang: str = "zh") -> pd.DataFrame:
    """The AQI bands with a text label each ("0–50 一级 优 绿色"), for chart legends."""
    bands = aqi.aqi_level_table(standard)
    zh = _zh(lang)
    bands["label"] = [
        f"{b.band} {b.level} {b.category} {colour_name(b.colour, lang)}" if zh
        else f"{b.band} {b.category_en} ({colour_name(b.colour, lang)})" for b in bands.itertuples()]
    bands["name"] = bands["category"] if zh else bands["category_en"]
    return bands


# --------------------------------------------------------------------------------------------
# daily
# --------------------------------------------------------------------------------------------

DAILY_VALUES = (("pm25", "pm25"), ("pm10", "pm10"), ("so2", "so2"), ("no2", "no2"),
                ("co", "co"), ("o3_8h_max", "o3"), ("o3_1h_max", "o3"))


def daily_aqi(readings: pd.DataFrame, standard: str = "2012", *, by: str = "station",
              groups: Mapping[str, str] | None = None) -> pd.DataFrame:
    """Daily values (HJ 663 validity rules) with the daily AQI (HJ 633), per station or per
    city (`groups`: station → city, background stations already left out)."""
    if readings.empty:
        return pd.DataFrame()
    if by != "station":
        readings = readings[readings["station_code"].isin(list(groups or {}))]
        if readings.empty:
            return pd.DataFrame()
    daily = evaluation.daily_values(readings, standard, by=by, groups=groups)
    return evaluation.daily_aqi_table(daily, standard)


def daily_table(daily: pd.DataFrame, key: str, names: Mapping[str, str], standard: str = "2012",
                lang: str = "zh") -> pd.DataFrame:
    """One row per object and day: date, AQI (数据不足 unless all six pollutants are valid that
    day), level, category, colour name, primary pollutant and the daily values with units."""
    zh = _zh(lang)
    ok = daily["aqi_valid_day"].astype(bool)
    short = INSUFFICIENT[lang]
    table = pd.DataFrame({
        "日期" if zh else "Date": pd.to_datetime(daily["date"]).dt.strftime("%Y-%m-%d"),
        ("站点" if key == "station_code" else "城市") if zh else ("Station" if key == "station_code" else "City"):
            daily[key].map(lambda c: names.get(c, c)),
        "AQI": [str(int(a)) if good and pd.notna(a) else short for a, good in zip(daily["aqi"], ok, strict=True)],
        "级别" if zh else "Level": daily["level"].where(ok, ""),
        "类别" if zh else "Category": (daily["category"] if zh else daily["category_en"]).where(ok, short),
        "颜色" if zh else "Colour": [colour_name(c, lang) if good else "" for c, good in zip(daily["colour"], ok, strict=True)],
        "首要污染物" if zh else "Primary pollutant": [
            (p if isinstance(p, str) else "—") if good else "" for p, good in zip(daily["primary_pollutant"], ok, strict=True)],
    })
    for column, pollutant in DAILY_VALUES:
        u = unit(pollutant, standard)
        name = {"o3_8h_max": "O3 日最大8小时" if zh else "O3 max 8-h",
                "o3_1h_max": "O3 日最大1小时" if zh else "O3 max 1-h"}.get(
            column, f"{NAMES[pollutant]} 24小时平均" if zh else f"{NAMES[pollutant]} 24-h mean")
        digits = 2 if pollutant == "co" else 1
        table[f"{name}（{u}）" if zh else f"{name} ({u})"] = _fmt(daily[column], digits, short)
    return table


def calendar_frame(daily: pd.DataFrame, key: str, value: str, lang: str = "zh") -> pd.DataFrame:
    """One object's days for the calendar: date, month ("2025-04"), day, aqi (NaN unless a
    valid AQI day), category (text, 数据不足 for the others), colour, text (AQI or "—")."""
    zh = _zh(lang)
    rows = daily[daily[key] == value]
    ok = rows["aqi_valid_day"].astype(bool).to_numpy()
    dates = pd.to_datetime(rows["date"])
    aqi_values = rows["aqi"].where(ok)
    return pd.DataFrame({
        "date": dates.to_numpy(),
        "month": dates.dt.strftime("%Y-%m").to_numpy(),
        "day": dates.dt.day.to_numpy(),
        "aqi": aqi_values.to_numpy(dtype=float),
        "category": np.where(ok, (rows["category"] if zh else rows["category_en"]).to_numpy(dtype=object),
                             INSUFFICIENT[lang]),
        "colour": np.where(ok, rows["colour"].to_numpy(dtype=object), MISSING_COLOUR),
        "text": [str(int(a)) if pd.notna(a) else "—" for a in aqi_values],
    })


# --------------------------------------------------------------------------------------------
# HJ 663 evaluation
# --------------------------------------------------------------------------------------------

_STATISTICS = (
    ("pm25_mean", "pm25", ("PM2.5 平均浓度", "PM2.5 mean")),
    ("pm10_mean", "pm10", ("PM10 平均浓度", "PM10 mean")),
    ("so2_mean", "so2", ("SO2 平均浓度", "SO2 mean")),
    ("no2_mean", "no2", ("NO2 平均浓度", "NO2 mean")),
    ("co_p95", "co", ("CO 日均值第95百分位", "CO 95th percentile of daily means")),
    ("o3_8h_p90", "o3", ("O3 日最大8小时平均第90百分位", "O3 90th percentile of daily max 8-h means")),
)


def _fmt(values: pd.Series, digits: int, missing: str) -> list[str]:
    return [missing if pd.isna(v) else f"{float(v):.{digits}f}" for v in values]


def evaluation_table(table: pd.DataFrame, key: str, names: Mapping[str, str],
                     standard: str = "2012", lang: str = "zh") -> pd.DataFrame:
    """`evaluation.evaluate` (or `monthly`) as the page shows it: one row per station or city
    (and month), each statistic with its unit in the header, 数据不足 where a statistic misses
    the validity rules, exceedances as text, attainment, status and the reason."""
    zh = _zh(lang)
    short = INSUFFICIENT[lang]
    if table.empty:
        return pd.DataFrame()
    out = pd.DataFrame(index=table.index)
    if "month" in table.columns:
        out["月份" if zh else "Month"] = table["month"].astype(str)
    if key == "station_code":
        out["站点" if zh else "Station"] = table[key].map(lambda c: names.get(c, c))
        out["站点编码" if zh else "Code"] = table[key]
    else:
        out["城市" if zh else "City"] = table[key]
        if "n_stations" in table.columns:
            out["评价站点数（个）" if zh else "Stations"] = table["n_stations"]
    out["评价时段（北京时间）" if zh else "Period (Beijing time)"] = [
        f"{pd.Timestamp(s):%Y-%m-%d} – {pd.Timestamp(e):%Y-%m-%d}" for s, e in zip(table["start"], table["end"], strict=True)]
    for stat, pollutant, (label_zh, label_en) in _STATISTICS:
        u = unit(pollutant, standard)
        header = f"{label_zh}（{u}）" if zh else f"{label_en} ({u})"
        out[header] = _fmt(table[stat], 2 if pollutant == "co" else 1, short)
    out["有效天数（天）" if zh else "Valid AQI days"] = table["aqi_days"]
    out["优良天数（天）" if zh else "Good days"] = _fmt(table["good_days"], 0, short)
    out["优良天数比率（%）" if zh else "Good-day ratio (%)"] = _fmt(table["good_day_ratio"], 1, short)
    out["重污染天数（天）" if zh else "Heavy-pollution days"] = _fmt(table["heavy_days"], 0, short)
    out["综合指数" if zh else "Composite index"] = _fmt(table["composite_index"], 2, short)
    out["超标项目（超标倍数）" if zh else "Exceeded (times over the limit)"] = [
        _exceedances(row, lang) for _, row in table.iterrows()]
    out["达标情况" if zh else "Attainment"] = table["attainment"].map(
        lambda a: a if zh else {"达标": "attained", "未达标": "not attained", "数据不足": short}.get(a, a))
    out["数据状态" if zh else "Data"] = table["status"] if zh else table["status_en"]
    out["说明" if zh else "Reason"] = table["reason"].fillna("")
    return out.reset_index(drop=True)


def _exceedances(row: pd.Series, lang: str) -> str:
    parts = []
    for stat, pollutant, _labels in _STATISTICS:
        value = row.get(f"{stat}_exceedance")
        if pd.notna(value) and value > 0:
            name = NAMES[pollutant] + ("-P95" if stat == "co_p95" else "-8h-P90" if stat == "o3_8h_p90" else "")
            parts.append(f"{name} {value:.2f}" + (" 倍" if _zh(lang) else "×"))
    return "、".join(parts) if _zh(lang) else ", ".join(parts)


#: Columns that name what a row is about; stacked tables put them first.
KEY_COLUMNS = ("月份", "Month", "日期", "Date", "城市", "City", "评价站点数（个）", "Stations", "站点", "Station",
               "站点编码", "Code")


def as_text(*tables: pd.DataFrame | None) -> pd.DataFrame:
    """Tables of different objects (city rows, station rows) stacked into one table of text:
    the columns naming the row first, a column one of them lacks empty there, whole numbers
    without ".0"."""
    present = [t for t in tables if t is not None and len(t)]
    if not present:
        return pd.DataFrame()
    stacked = pd.concat(present, ignore_index=True)
    front = [c for c in KEY_COLUMNS if c in stacked.columns]
    stacked = stacked[front + [c for c in stacked.columns if c not in front]]

    def text(value) -> str:
        if value is None or (not isinstance(value, str) and pd.isna(value)):
            return ""
        if isinstance(value, float):
            return f"{value:g}" if value.is_integer() else str(value)
        return str(value)

    return pd.DataFrame({c: [text(v) for v in stacked[c]] for c in stacked.columns})


def period_text(start: date, end: date, standard: str = "2012", lang: str = "zh") -> str:
    """"2025-04-01 至 2025-04-30（北京时间）· 标准 GB 3095-2012 / …（2012）"."""
    std = load_standard(standard)
    if _zh(lang):
        return f"{start} 至 {end}（北京时间）· 标准 {std.name}（{std.version}）"
    return f"{start} to {end} (Beijing time) · standard {std.name} ({std.version})"
