"""The emergency results as tables for people, headed and worded in a language: what the command
line prints, the page shows and the exports hold (the codes become words here, through
`geoaq.i18n`; names, measures and other values from the files stay as written)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from geoaq.emergency.rules import POLLUTANTS
from geoaq.i18n import DEFAULT_LANGUAGE, join, say, t


def column(name: str, lang: str = DEFAULT_LANGUAGE) -> str:
    return t(f"emergency.column.{name}", lang)


def level_text(code: str, lang: str = DEFAULT_LANGUAGE) -> str:
    return t(f"emergency.level.{code}", lang)


def pollutant_text(code: str, lang: str = DEFAULT_LANGUAGE) -> str:
    return t(f"emergency.pollutant.{code}", lang)


def _yes_no(value: bool, lang: str) -> str:
    return t("emergency.yes" if value else "emergency.no", lang)


def _round(values: pd.Series, digits: int) -> pd.Series:
    return pd.to_numeric(values, errors="coerce").round(digits)


def shares_table(shares: pd.DataFrame, lang: str = DEFAULT_LANGUAGE) -> pd.DataFrame:
    """The share check: one line per level and pollutant, t/a and %, by grade class."""
    return pd.DataFrame({
        column("level", lang): [level_text(c, lang) for c in shares["level"]],
        column("pollutant", lang): [pollutant_text(p, lang) for p in shares["pollutant"]],
        column("basis", lang): [t(f"emergency.basis.{b}", lang) for b in shares["basis"]],
        column("total_t", lang): _round(shares["total_t"], 3),
        column("required_pct", lang): shares["required_pct"],
        column("required_t", lang): _round(shares["required_t"], 3),
        column("cut_t", lang): _round(shares["cut_t"], 3),
        column("cut_pct", lang): _round(shares["cut_pct"], 1),
        column("shortfall_t", lang): _round(shares["shortfall_t"], 3),
        column("meets", lang): [_yes_no(v, lang) for v in shares["meets"]],
        column("cut_exempt_t", lang): _round(shares["cut_exempt_t"], 3),
        column("cut_reduced_t", lang): _round(shares["cut_reduced_t"], 3),
        column("cut_full_t", lang): _round(shares["cut_full_t"] + shares["cut_ungraded_t"], 3),
        column("emission_exempt_t", lang): _round(shares["emission_exempt_t"], 3),
        column("rows_exempt", lang): shares["rows_exempt"],
        column("rows_reduced", lang): shares["rows_reduced"],
        column("rows_full", lang): shares["rows_full"] + shares["rows_ungraded"],
    })


def _dash(values: pd.Series) -> pd.Series:
    """A text column with its empty cells (a problem of the whole list: no enterprise) as —."""
    return values.astype(object).where(values.notna() & (values.astype(str).str.strip() != ""), "—")


def problems_table(problems: pd.DataFrame, lang: str = DEFAULT_LANGUAGE) -> pd.DataFrame:
    """Every problem with the rule it breaks, in words."""
    return pd.DataFrame({
        column("severity", lang): [t(f"emergency.severity.{s}", lang) for s in problems["severity"]],
        column("rule", lang): [t(f"emergency.rule.{r}", lang) for r in problems["rule"]],
        column("levels", lang): [join([level_text(c, lang) for c in levels], lang) for levels in problems["levels"]],
        column("enterprise", lang): _dash(problems["enterprise_name"]),
        column("enterprise_key", lang): _dash(problems["enterprise_key"]),
        column("line", lang): _dash(problems["line"]),
        column("county", lang): _dash(problems["county"]),
        column("problem", lang): [say(m, lang) for m in problems["message"]],
    })


def versions_table(versions: pd.DataFrame, lang: str = DEFAULT_LANGUAGE) -> pd.DataFrame:
    return pd.DataFrame({
        column("list_year", lang): versions["list_year"],
        column("effective_from", lang): versions["effective_from"].astype(str),
        column("rows", lang): versions["rows"],
        column("source_file", lang): versions["source_file"],
        column("synthetic", lang): [_yes_no(bool(v), lang) for v in versions["synthetic"]],
        column("loaded_at", lang): pd.to_datetime(versions["loaded_at"]).dt.strftime("%Y-%m-%d %H:%M"),
    })


def _time(values: pd.Series) -> pd.Series:
    return pd.to_datetime(values).dt.strftime("%Y-%m-%d %H:%M")


def warnings_table(warnings: pd.DataFrame, lang: str = DEFAULT_LANGUAGE) -> pd.DataFrame:
    """Warnings (their latest revisions), one a line."""
    return pd.DataFrame({
        column("warning_id", lang): warnings["warning_id"],
        column("area", lang): warnings["area"],
        column("level", lang): [level_text(c, lang) for c in warnings["level"]],
        column("start", lang): _time(warnings["start_at"]),
        column("end", lang): _time(warnings["end_at"]),
        column("issued_by", lang): warnings["issued_by"],
        column("document", lang): warnings["document"],
        column("status", lang): [t(f"emergency.status.{s}", lang) for s in warnings["status"]],
        column("revision", lang): warnings["revision"],
        column("recorded_by", lang): warnings["recorded_by"],
    })


def measure_text(kind: str, limit_pct: float | None, lang: str = DEFAULT_LANGUAGE) -> str:
    """A measure kind in words (限产 with its percentage)."""
    if kind == "limit" and limit_pct is not None and not np.isnan(limit_pct):
        return t("emergency.measure.limit_pct", lang, pct=limit_pct)
    return t(f"emergency.measure.{kind}", lang)


def grade_class_text(cls: str, lang: str = DEFAULT_LANGUAGE) -> str:
    return t(f"emergency.grade_class.{cls}", lang)


def lines_table(lines: pd.DataFrame, lang: str = DEFAULT_LANGUAGE) -> pd.DataFrame:
    """List lines at one level: who, which line, grade, the measure as written and its kind,
    the cuts (t/a) and where each came from."""
    out = pd.DataFrame({
        column("county", lang): lines["county"],
        column("enterprise", lang): lines["enterprise_name"],
        column("enterprise_key", lang): lines["enterprise_key"],
        column("line", lang): lines["line"],
        column("industry", lang): lines["industry"],
        column("grade", lang): lines["grade"],
        column("falsified", lang): [_yes_no(bool(v), lang) for v in lines["falsified"]],
        column("grade_class", lang): [grade_class_text(c, lang) for c in lines["grade_class"]],
        column("measure", lang): lines["measure"],
        column("kind", lang): [measure_text(k, p, lang) for k, p in zip(lines["kind"], lines["limit_pct"], strict=True)],
    })
    for p in POLLUTANTS:
        out[t("emergency.column.cut_of", lang, pollutant=pollutant_text(p, lang))] = _round(lines[f"cut_{p}"], 3)
    out[column("cut_source", lang)] = [
        join(dict.fromkeys(t(f"emergency.cut_source.{row[f'source_{p}']}", lang) for p in POLLUTANTS), lang)
        for _, row in lines.iterrows()]
    if "matched" in lines:
        out[column("on_map", lang)] = [_yes_no(bool(v), lang) for v in lines["matched"]]
    return out


def enterprises_table(enterprises: pd.DataFrame, lang: str = DEFAULT_LANGUAGE) -> pd.DataFrame:
    """Enterprises during a warning: the strongest measure of their lines, must act or not."""
    out = pd.DataFrame({
        column("county", lang): enterprises["county"],
        column("enterprise", lang): enterprises["enterprise_name"],
        column("enterprise_key", lang): enterprises["enterprise_key"],
        column("industry", lang): enterprises["industry"],
        column("grade", lang): enterprises["grade"],
        column("grade_class", lang): [grade_class_text(c, lang) for c in enterprises["grade_class"]],
        column("kind", lang): [t(f"emergency.measure.{k}", lang) for k in enterprises["kind"]],
        column("measures", lang): [join(m, lang) for m in enterprises["measures"]],
        column("lines", lang): enterprises["lines"],
        column("must_act", lang): [_yes_no(bool(v), lang) for v in enterprises["must_act"]],
        column("on_map", lang): [_yes_no(bool(v), lang) for v in enterprises["matched"]],
    })
    for p in POLLUTANTS:
        out[t("emergency.column.cut_of", lang, pollutant=pollutant_text(p, lang))] = _round(enterprises[f"cut_{p}"], 3)
    return out


def county_table(counts: pd.DataFrame, lang: str = DEFAULT_LANGUAGE) -> pd.DataFrame:
    """Enterprises per county and strongest measure."""
    renamed = {c: t(f"emergency.measure.{c}", lang) for c in counts.columns if c not in ("county", "total", "must_act")}
    renamed |= {"county": column("county", lang), "total": column("total", lang),
                "must_act": column("must_act", lang)}
    shown = counts.loc[:, (counts != 0).any(axis=0) | counts.columns.isin(["county", "total", "must_act"])]
    return shown.rename(columns=renamed)


def stations_table(stations: pd.DataFrame, names: dict[str, str], lang: str = DEFAULT_LANGUAGE) -> pd.DataFrame:
    """Station AQI over a warning's hours."""
    return pd.DataFrame({
        column("station", lang): [names.get(c, c) for c in stations["station_code"]],
        column("station_code", lang): stations["station_code"],
        column("hours", lang): stations["hours"],
        column("aqi_mean", lang): _round(stations["aqi_mean"], 0),
        column("aqi_max", lang): _round(stations["aqi_max"], 0),
        column("heavy_hours", lang): stations["heavy_hours"],
        column("pm25_mean", lang): _round(stations["pm25_mean"], 0),
        column("standard", lang): stations["standard_name"],
    })


def fires_table(fires: pd.DataFrame, lang: str = DEFAULT_LANGUAGE) -> pd.DataFrame:
    """Fire events during a warning."""
    if fires.empty:
        return pd.DataFrame(columns=[column(c, lang) for c in ("event_id", "first_detected", "county", "category")])
    return pd.DataFrame({
        column("event_id", lang): fires["event_id"],
        column("first_detected", lang): _time(fires["first_detected_bjt"]),
        column("county", lang): fires["county_name"],
        column("category", lang): [t(f"fires.category.{c}", lang) for c in fires["category"]],
    })
