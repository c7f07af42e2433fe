"""What the 空气质量 (air quality) page shows, as plain tables: pure, no Streamlit.

The numbers come from `geoaq.aq.aqi` (HJ 633: hourly and daily AQI) and `geoaq.aq.evaluation`
(HJ 663-2013 methods: daily values, period and monthly statistics), each hour, day and part of
the period by the standard `geoaq.aq.scoring` gives it (`basis`: the one in force, or one
chosen for the whole period); this module picks, labels and formats them, and every table
names the standard of each row. Every concentration column names its unit (from the standard's file: µg/m³, CO mg/m³),
every AQI band is given as text (level, category, colour name) and not by colour alone, and
a statistic that misses the validity rules is shown as 数据不足, never as a number. Every
heading and word comes from the locales (keys aq.*) through `geoaq.i18n.t`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

import numpy as np
import pandas as pd

from geoaq.aq import aqi, scoring
from geoaq.aq.basis import (
    IN_FORCE,
    basis_message,
    hour_days,
    limits_message,
    note_messages,
    part_message,
    parts,
    standards,
)
from geoaq.aq.standards import load_standard
from geoaq.i18n import DEFAULT_LANGUAGE, LANGUAGES, join, pick, say, t, with_unit

POLLUTANTS = ("pm25", "pm10", "so2", "no2", "o3", "co")
NAMES = {"pm25": "PM2.5", "pm10": "PM10", "so2": "SO2", "no2": "NO2", "o3": "O3", "co": "CO"}
#: The colours of HJ 633-2012 Table 2 by the colour codes of the standards' files (their
#: names: aq.colour.<name>).
COLOUR_NAMES = {
    "#00e400": "green", "#ffff00": "yellow", "#ff7e00": "orange",
    "#ff0000": "red", "#99004c": "purple", "#7e0023": "maroon",
}
MISSING_COLOUR = "#dddddd"


def insufficient(lang: str = DEFAULT_LANGUAGE) -> str:
    """What a statistic that misses the validity rules shows: 数据不足 / insufficient data."""
    return t("aq.insufficient", lang)


def column(name: str, lang: str = DEFAULT_LANGUAGE) -> str:
    """A column heading of the page's tables (aq.column.<name>)."""
    return t(f"aq.column.{name}", lang)


def category(row, lang: str = DEFAULT_LANGUAGE):
    """The AQI category of a row or frame (columns category / category_en, from the standard)."""
    return pick({"zh": row["category"], "en": row["category_en"]}, lang)


def _version(basis: str) -> str:
    """A version whose AQI bands and units label a table of `basis` ("in_force": the newest;
    the bands and units of HJ 633-2012 and -2026 are the same)."""
    return standards()[-1].version if basis in (IN_FORCE, None) else basis


def level_text(level: str | None, standard: str = IN_FORCE, lang: str = DEFAULT_LANGUAGE) -> str:
    """An AQI level of the standard (its file names it 一级 …) in `lang`: 一级 / Level I
    (aq.level.<n>, n its place in HJ 633 Table 2); a level the standard lacks as it is."""
    if not isinstance(level, str) or not level:
        return ""
    numbers = {band.level: n for n, band in enumerate(load_standard(_version(standard)).levels, start=1)}
    return t(f"aq.level.{numbers[level]}", lang) if level in numbers else level


def unit(pollutant: str, standard: str = IN_FORCE) -> str:
    """The unit of a pollutant's concentrations in the standard (µg/m³; CO mg/m³)."""
    return load_standard(_version(standard)).units[pollutant.removesuffix("_max").split("_")[0]]


def basis_text(basis: str, lang: str = DEFAULT_LANGUAGE) -> str:
    """按施行标准… / 按原标准（GB 3095-2012 …）/ 按新标准回溯（GB 3095-2026 …）."""
    return say(basis_message(basis), lang)


def standard_text(row, lang: str = DEFAULT_LANGUAGE) -> str:
    """A row's standard: "GB 3095-2026 / HJ 633-2026（过渡期限值）" (columns standard, limits_period)."""
    if not isinstance(row.get("standard"), str) or not row.get("standard"):
        return ""
    std = load_standard(row["standard"])
    period = row.get("limits_period")
    if isinstance(period, str) and period and period != std.limits_period:
        std = next(std.on(p.start) for p in std.limit_periods if p.name == period)
    return std.name + say(limits_message(std), lang)


def parts_text(start: date, end: date, basis: str = IN_FORCE, lang: str = DEFAULT_LANGUAGE) -> str:
    """Which standard scores which days of the period: "2026-02-01 至 2026-02-28 按 GB 3095-2012
    …；2026-03-01 至 2026-03-31 按 GB 3095-2026 / HJ 633-2026（过渡期限值）"."""
    return t("format.clause_separator", lang).join(
        say(part_message(p.start, p.end, p.standard), lang) for p in parts(start, end, basis))


def notes_text(versions, lang: str = DEFAULT_LANGUAGE) -> str:
    """What the standards of `versions` require every output to state (评价方法 HJ 663-2013 …), or ""."""
    notes = [say(m, lang) for m in note_messages(versions)]
    return t("aq.method_notes", lang, notes=t("format.clause_separator", lang).join(notes)) if notes else ""


def indicator_label(indicator: str, standard: str = IN_FORCE, lang: str = "zh") -> str:
    """"AQI" or e.g. "PM2.5（µg/m³）" / "PM2.5 (µg/m³)"."""
    if indicator == "aqi":
        return "AQI"
    return with_unit(NAMES[indicator], unit(indicator, standard), lang)


def colour_name(colour: str | None, lang: str = "zh") -> str:
    """The colour's name in HJ 633 Table 2 (绿色 …), else its code; "" for none."""
    if not isinstance(colour, str) or not colour:
        return ""
    name = COLOUR_NAMES.get(colour.lower())
    return t(f"aq.colour.{name}", lang) if name else colour


def station_names(stations: pd.DataFrame) -> dict[str, str]:
    """station code → name from the stations layer (codes without a name map to themselves)."""
    if stations.empty:
        return {}
    return {str(c): (str(n) if isinstance(n, str) and n else str(c))
            for c, n in zip(stations["code"], stations["name"], strict=True)}


def station_label(code: str, names: Mapping[str, str], lang: str = DEFAULT_LANGUAGE) -> str:
    """"name（code）" for a station with a name, else the code."""
    name = names.get(code)
    return t("aq.station_label", lang, name=name, code=code) if name and name != code else code


# --------------------------------------------------------------------------------------------
# hourly
# --------------------------------------------------------------------------------------------

#: what `hourly_frame` adds to the readings
HOURLY_ADDED = ["aqi", "primary_pollutant", "level", "category", "category_en", "colour", "aqi_na",
                "standard", "standard_name"]


def hourly_frame(readings: pd.DataFrame, basis: str = IN_FORCE) -> pd.DataFrame:
    """The readings (station_code, time_bjt labelled by the hour's end, concentrations, optional
    unmeasured / published_aqi) with their hourly AQI beside them: aqi, primary_pollutant,
    level, category, category_en, colour, aqi_na, standard, standard_name (HJ 633 real-time
    rule, each hour by the standard `basis` gives it)."""
    optional = [c for c in ("unmeasured", "published_aqi") if c in readings.columns]
    base = readings.reindex(columns=["station_code", "time_bjt", *POLLUTANTS, *optional]).reset_index(drop=True)
    if base.empty:
        return base.reindex(columns=[*base.columns, *HOURLY_ADDED])
    frame = base.astype({p: float for p in POLLUTANTS})
    scored = scoring.hourly(frame, basis)
    return pd.concat([base, scored[HOURLY_ADDED].reset_index(drop=True)], axis=1)


def latest_hours(hourly: pd.DataFrame, stations: list[str]) -> pd.DataFrame:
    """Each chosen station's latest hour with an AQI (one row per station, in `stations` order;
    a station with none has a row with time NaT and AQI NaN)."""
    valid = hourly[hourly["station_code"].isin(stations) & hourly["aqi"].notna()]
    last = valid.sort_values("time_bjt").groupby("station_code", sort=False).tail(1)
    return last.set_index("station_code").reindex(stations).rename_axis("station_code").reset_index()


def latest_hour_table(latest: pd.DataFrame, names: Mapping[str, str], standard: str = IN_FORCE,
                      lang: str = "zh") -> pd.DataFrame:
    """The latest-hour table: station, hour, AQI, level, category, colour (as text), primary
    pollutant, the six concentrations with their units in the headers, the standard of the
    hour and, where the release published one, its AQI."""
    has = latest["aqi"].notna()
    no_data = t("aq.no_data", lang)
    table = pd.DataFrame({
        column("station", lang): latest["station_code"].map(lambda c: names.get(c, c)),
        column("code", lang): latest["station_code"],
        column("hour", lang): [
            h.strftime("%Y-%m-%d %H:%M") if pd.notna(h) else no_data for h in latest["time_bjt"]],
        "AQI": latest["aqi"].astype("Int64"),
        column("level", lang): latest["level"].map(lambda v: level_text(v, standard, lang)).where(has, ""),
        column("category", lang): category(latest, lang).where(has, no_data),
        column("colour", lang): latest["colour"].map(lambda c: colour_name(c, lang)),
        column("primary", lang): [
            (p if isinstance(p, str) else "—") if ok else "" for p, ok in zip(latest["primary_pollutant"], has, strict=True)],
    })
    for pollutant in POLLUTANTS:
        digits = 1 if pollutant == "co" else 0
        table[indicator_label(pollutant, standard, lang)] = latest[pollutant].round(digits)
    if "standard_name" in latest.columns:
        table[column("standard", lang)] = latest["standard_name"].where(has, "")
    if "published_aqi" in latest.columns and latest["published_aqi"].notna().any():
        table[column("published_aqi", lang)] = latest["published_aqi"].astype("Float64").astype("Int64")
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


def series_table(frame: pd.DataFrame, indicator: str, standard: str = IN_FORCE,
                 lang: str = "zh") -> pd.DataFrame:
    """The chart's data as a wide table for download: one row per hour, one column per station."""
    label = indicator_label(indicator, standard, lang)
    wide = frame.pivot_table(index="time_bjt", columns="station", values="value", aggfunc="first")
    wide.columns = [f"{c} {label}" for c in wide.columns]
    wide.index = wide.index.strftime("%Y-%m-%d %H:%M")
    return wide.rename_axis(column("hour", lang)).reset_index()


def band_table(standard: str = IN_FORCE, lang: str = "zh") -> pd.DataFrame:
    """The AQI bands with a text label each ("0–50 一级 优 绿色"), for chart legends."""
    bands = aqi.aqi_level_table(_version(standard))
    bands["name"] = category(bands, lang)
    bands["label"] = [
        t("aq.band_label", lang, band=b.band, level=level_text(b.level, standard, lang), category=b.name,
          colour=colour_name(b.colour, lang)) for b in bands.itertuples()]
    return bands


# --------------------------------------------------------------------------------------------
# daily
# --------------------------------------------------------------------------------------------

DAILY_VALUES = (("pm25", "pm25"), ("pm10", "pm10"), ("so2", "so2"), ("no2", "no2"),
                ("co", "co"), ("o3_8h_max", "o3"), ("o3_1h_max", "o3"))


def daily_aqi(readings: pd.DataFrame, basis: str = IN_FORCE, *, by: str = "station",
              groups: Mapping[str, str] | None = None, start: date | None = None,
              end: date | None = None) -> pd.DataFrame:
    """Daily values (HJ 663-2013 validity rules) with the daily AQI (HJ 633) of each day's
    standard, per station or per city (`groups`: station → city, background stations already
    left out), for the Beijing days start … end (default: the days the readings cover; hours
    labelled by their end)."""
    if readings.empty:
        return pd.DataFrame()
    if start is None or end is None:
        days = hour_days(readings["time_bjt"])
        start = start or pd.Timestamp(days.min()).date()
        end = end or pd.Timestamp(days.max()).date()
    return scoring.daily(readings, start, end, basis=basis, by=by, groups=groups)


def daily_table(daily: pd.DataFrame, key: str, names: Mapping[str, str], standard: str = IN_FORCE,
                lang: str = "zh") -> pd.DataFrame:
    """One row per object and day: date, AQI (数据不足 unless all six pollutants are valid that
    day), level, category, colour name, primary pollutant and the daily values with units."""
    ok = daily["aqi_valid_day"].astype(bool)
    short = insufficient(lang)
    table = pd.DataFrame({
        column("date", lang): pd.to_datetime(daily["date"]).dt.strftime("%Y-%m-%d"),
        column("station" if key == "station_code" else "city", lang): daily[key].map(lambda c: names.get(c, c)),
        "AQI": [str(int(a)) if good and pd.notna(a) else short for a, good in zip(daily["aqi"], ok, strict=True)],
        column("level", lang): daily["level"].map(lambda v: level_text(v, standard, lang)).where(ok, ""),
        column("category", lang): category(daily, lang).where(ok, short),
        column("colour", lang): [colour_name(c, lang) if good else "" for c, good in zip(daily["colour"], ok, strict=True)],
        column("primary", lang): [
            (p if isinstance(p, str) else "—") if good else "" for p, good in zip(daily["primary_pollutant"], ok, strict=True)],
    })
    for name, pollutant in DAILY_VALUES:
        heading = (t(f"aq.daily_value.{name}", lang) if name.startswith("o3_")
                   else t("aq.daily_value.mean_24h", lang, pollutant=NAMES[pollutant]))
        digits = 2 if pollutant == "co" else 1
        table[with_unit(heading, unit(pollutant, standard), lang)] = _fmt(daily[name], digits, short)
    if "standard" in daily.columns:
        table[column("standard", lang)] = [standard_text(row, lang) for _, row in daily.iterrows()]
    return table


def calendar_frame(daily: pd.DataFrame, key: str, value: str, lang: str = "zh") -> pd.DataFrame:
    """One object's days for the calendar: date, month ("2025-04"), day, aqi (NaN unless a
    valid AQI day), category (text, 数据不足 for the others), colour, text (AQI or "—")."""
    rows = daily[daily[key] == value]
    ok = rows["aqi_valid_day"].astype(bool).to_numpy()
    dates = pd.to_datetime(rows["date"])
    aqi_values = rows["aqi"].where(ok)
    return pd.DataFrame({
        "date": dates.to_numpy(),
        "month": dates.dt.strftime("%Y-%m").to_numpy(),
        "day": dates.dt.day.to_numpy(),
        "aqi": aqi_values.to_numpy(dtype=float),
        "category": np.where(ok, category(rows, lang).to_numpy(dtype=object), insufficient(lang)),
        "colour": np.where(ok, rows["colour"].to_numpy(dtype=object), MISSING_COLOUR),
        "text": [str(int(a)) if pd.notna(a) else "—" for a in aqi_values],
    })


# --------------------------------------------------------------------------------------------
# HJ 663 evaluation
# --------------------------------------------------------------------------------------------

#: statistic, pollutant (the headings: aq.statistic.<statistic>)
_STATISTICS = (("pm25_mean", "pm25"), ("pm10_mean", "pm10"), ("so2_mean", "so2"), ("no2_mean", "no2"),
               ("co_p95", "co"), ("o3_8h_p90", "o3"))


def _fmt(values: pd.Series, digits: int, missing: str) -> list[str]:
    return [missing if pd.isna(v) else f"{float(v):.{digits}f}" for v in values]


def evaluation_table(table: pd.DataFrame, key: str, names: Mapping[str, str],
                     standard: str = IN_FORCE, lang: str = "zh") -> pd.DataFrame:
    """`evaluation.evaluate` (or `monthly`) as the page shows it: one row per station or city
    (and month), each statistic with its unit in the header, 数据不足 where a statistic misses
    the validity rules, exceedances as text, attainment, status and the reason."""
    short = insufficient(lang)
    if table.empty:
        return pd.DataFrame()
    out = pd.DataFrame(index=table.index)
    if "month" in table.columns:
        out[column("month", lang)] = table["month"].astype(str)
    if key == "station_code":
        out[column("station", lang)] = table[key].map(lambda c: names.get(c, c))
        out[column("code", lang)] = table[key]
    else:
        out[column("city", lang)] = table[key]
        if "n_stations" in table.columns:
            out[column("stations_count", lang)] = table["n_stations"]
    out[column("period", lang)] = [
        f"{pd.Timestamp(s):%Y-%m-%d} – {pd.Timestamp(e):%Y-%m-%d}" for s, e in zip(table["start"], table["end"], strict=True)]
    out[column("standard", lang)] = [standard_text(row, lang) for _, row in table.iterrows()]
    for stat, pollutant in _STATISTICS:
        header = with_unit(t(f"aq.statistic.{stat}", lang), unit(pollutant, standard), lang)
        out[header] = _fmt(table[stat], 2 if pollutant == "co" else 1, short)
    out[column("valid_days", lang)] = table["aqi_days"]
    out[column("good_days", lang)] = _fmt(table["good_days"], 0, short)
    out[column("good_ratio", lang)] = _fmt(table["good_day_ratio"], 1, short)
    out[column("heavy_days", lang)] = _fmt(table["heavy_days"], 0, short)
    out[column("composite", lang)] = _fmt(table["composite_index"], 2, short)
    out[column("exceeded", lang)] = [_exceedances(row, lang) for _, row in table.iterrows()]
    out[column("attainment", lang)] = table["attainment"].map(lambda a: t(f"aq.attainment.{a}", lang))
    out[column("data_status", lang)] = table["status"].map(lambda s: t(f"aq.data_status.{s}", lang))
    out[column("reason", lang)] = table["reason"].fillna("")
    return out.reset_index(drop=True)


def _exceedances(row: pd.Series, lang: str) -> str:
    parts = []
    for stat, pollutant in _STATISTICS:
        value = row.get(f"{stat}_exceedance")
        if pd.notna(value) and value > 0:
            name = NAMES[pollutant] + ("-P95" if stat == "co_p95" else "-8h-P90" if stat == "o3_8h_p90" else "")
            parts.append(t("aq.exceedance", lang, name=name, times=value))
    return join(parts, lang)


#: Columns that name what a row is about (aq.column.<name>); stacked tables put them first.
KEY_COLUMNS = ("month", "date", "city", "stations_count", "station", "code")


def as_text(*tables: pd.DataFrame | None) -> pd.DataFrame:
    """Tables of different objects (city rows, station rows) stacked into one table of text:
    the columns naming the row first, a column one of them lacks empty there, whole numbers
    without ".0"."""
    present = [t for t in tables if t is not None and len(t)]
    if not present:
        return pd.DataFrame()
    stacked = pd.concat(present, ignore_index=True)
    keys = [column(name, lang) for lang in LANGUAGES for name in KEY_COLUMNS]
    front = [c for c in dict.fromkeys(keys) if c in stacked.columns]
    stacked = stacked[front + [c for c in stacked.columns if c not in front]]

    def text(value) -> str:
        if value is None or (not isinstance(value, str) and pd.isna(value)):
            return ""
        if isinstance(value, float):
            return f"{value:g}" if value.is_integer() else str(value)
        return str(value)

    return pd.DataFrame({c: [text(v) for v in stacked[c]] for c in stacked.columns})


def period_text(start: date, end: date, basis: str = IN_FORCE, lang: str = "zh") -> str:
    """"2025-04-01 至 2025-04-30（北京时间）· 按施行标准（…）" — the period and its basis; which
    standard scores which days is `parts_text`."""
    return t("aq.period_text", lang, start=start, end=end, basis=basis_text(basis, lang))


#: statistics a comparison shows, with their pollutant (units) — the others are % or days
_COMPARED_UNITS = {"pm25_mean": "pm25", "pm10_mean": "pm10", "so2_mean": "so2", "no2_mean": "no2",
                   "co_p95": "co", "o3_8h_p90": "o3"}


def comparison_table(compared: pd.DataFrame, key: str, names: Mapping[str, str],
                     lang: str = "zh") -> pd.DataFrame:
    """`geoaq.aq.compare.compare` as the page shows it: one row per object and statistic, this
    period, a year earlier, the change and the change in %, 数据不足 where either is missing."""
    if compared.empty:
        return pd.DataFrame()
    short = insufficient(lang)

    def metric_label(metric: str) -> str:
        if metric in _COMPARED_UNITS:
            return with_unit(t(f"aq.statistic.{metric}", lang), unit(_COMPARED_UNITS[metric]), lang)
        return t({"good_day_ratio": "aq.column.good_ratio", "heavy_days": "aq.column.heavy_days",
                  "composite_index": "aq.column.composite"}[metric], lang)

    label = column("station" if key == "station_code" else "city", lang)
    return pd.DataFrame({
        label: compared[key].map(lambda c: names.get(c, c)),
        column("metric", lang): compared["metric"].map(metric_label),
        column("current", lang): _fmt(compared["current"], 2, short),
        column("previous", lang): _fmt(compared["previous"], 2, short),
        column("change", lang): _fmt(compared["change"], 2, short),
        column("change_percent", lang): _fmt(compared["change_percent"], 1, short),
        column("standard", lang): compared["standard_name"],
    })
