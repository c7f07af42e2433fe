"""After a warning (应急响应评估): did the air respond, what was asked, and what the inspectors
found — one page, on the page and as Excel.

**Air.** The stations' hourly AQI and PM2.5 over the warning's hours against the
`before_days` days before it (emergency.toml), both scored by one standard (同口径,
`geoaq.aq.basis.comparison_basis`: the one chosen, else the one in force at the warning's end),
named on every line: the mean and highest hourly AQI, the hours above `heavy_aqi`, the mean
PM2.5 (µg/m³), per station of the warning's area (`response.area_stations`) and for the area
(the mean concentration of its stations each hour, background stations left out, then its AQI). Hours are labelled by their end: the warning's
hours are those labelled in (start, end].

**Measures and findings.** The enterprises of the warning's area that had to act, by measure;
the cut their measures plan at the level against the required share of their emissions; how
many were inspected, how many had the measure in place (已落实), how many not (未落实, listed)
and the fire events first detected during the warning.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
import pandas as pd

from geoaq.aq import readings as aq_readings
from geoaq.aq import scoring
from geoaq.aq.basis import IN_FORCE, comparison_basis
from geoaq.aq.standards import load_standard
from geoaq.db import store
from geoaq.db.connection import Connection
from geoaq.emergency import alerts, inspections, reduction_list
from geoaq.emergency.response import Response, hours_within, warning_response
from geoaq.emergency.rules import MEASURE_STRENGTH, POLLUTANTS, EmergencyRules, load_emergency_rules
from geoaq.i18n import DEFAULT_LANGUAGE, Message, msg, say, t
from geoaq.layers import get_layer

#: the air statistics compared (words: emergency.air.<code>)
AIR_METRICS = ("aqi_mean", "aqi_max", "heavy_hours", "pm25_mean", "hours")
CITY = "city"
_CONCENTRATIONS = ("pm25", "pm10", "so2", "no2", "o3", "co")


@dataclass(frozen=True)
class Assessment:
    """A warning's response assessment (see the module notes)."""

    response: Response
    during: tuple[datetime, datetime]
    before: tuple[datetime, datetime]
    standard: str           # the version both periods are scored by
    standard_name: str
    basis_reason: str       # chosen / in_force_at_end
    air: pd.DataFrame       # key (station code or "city"), name, metric, during, before, change, change_pct
    findings: pd.DataFrame  # every finding, with the enterprise's name and county
    cuts: pd.DataFrame      # pollutant, emission_t, required_pct, required_t, cut_t, cut_pct, meets

    @property
    def warning(self) -> pd.Series:
        return self.response.warning

    def finding_counts(self) -> dict[str, int]:
        """must_act, inspected (enterprises), compliant, violation, unable (enterprises by their
        latest finding)."""
        latest = self.findings.sort_values("inspected_at").drop_duplicates("enterprise_key", keep="last")
        must = set(self.response.must_act["enterprise_key"])
        inspected = latest[latest["enterprise_key"].isin(must)]
        counts = {"must_act": len(must), "inspected": int(len(inspected))}
        counts |= {r: int((inspected["result"] == r).sum()) for r in ("compliant", "violation", "unable")}
        return counts


def city_hourly(readings: pd.DataFrame, reference: set[str], version: str) -> pd.DataFrame:
    """The city's hourly values: each hour's mean concentration over its stations (background
    stations left out), scored by `version`: time_bjt, aqi, pm25, standard_name."""
    chosen = readings[~readings["station_code"].isin(reference)]
    if chosen.empty:
        return pd.DataFrame(columns=["time_bjt", "aqi", "pm25", "standard_name"])
    means = chosen.groupby("time_bjt", sort=True)[list(_CONCENTRATIONS)].mean().reset_index()
    scored = scoring.hourly(means, version, aq_readings.HOUR_LABEL)
    return pd.DataFrame({"time_bjt": means["time_bjt"], "aqi": scored["aqi"].to_numpy(),
                         "pm25": means["pm25"].to_numpy(), "standard_name": scored["standard_name"].to_numpy()})


def _stats(hours: pd.DataFrame, heavy_aqi: float) -> dict[str, float]:
    aqi = pd.to_numeric(hours["aqi"], errors="coerce")
    return {"aqi_mean": float(aqi.mean()) if aqi.notna().any() else np.nan,
            "aqi_max": float(aqi.max()) if aqi.notna().any() else np.nan,
            "heavy_hours": float((aqi > heavy_aqi).sum()),
            "pm25_mean": float(pd.to_numeric(hours["pm25"], errors="coerce").mean()) if len(hours) else np.nan,
            "hours": float(aqi.notna().sum())}


def air_table(station_hours: pd.DataFrame, city_hours: pd.DataFrame, names: dict[str, str],
              during: tuple[datetime, datetime], before: tuple[datetime, datetime],
              heavy_aqi: float) -> pd.DataFrame:
    """One line per key (the city first, then each station) and metric: during, before,
    change (during − before) and change_pct (% of before; NaN when before is 0 or missing)."""
    rows = []
    keyed = [(CITY, city_hours)] + [(code, group) for code, group in station_hours.groupby("station_code", sort=True)]
    for key, hours in keyed:
        now, then = _stats(hours_within(hours, *during), heavy_aqi), _stats(hours_within(hours, *before), heavy_aqi)
        for metric in AIR_METRICS:
            a, b = now[metric], then[metric]
            change = a - b
            pct = change / b * 100.0 if b and not np.isnan(b) else np.nan
            rows.append({"key": key, "name": names.get(key, key), "metric": metric, "during": a, "before": b,
                         "change": change, "change_pct": pct})
    return pd.DataFrame(rows, columns=["key", "name", "metric", "during", "before", "change", "change_pct"])


def planned_cuts(response: Response, rules: EmergencyRules) -> pd.DataFrame:
    """The area's lines at the warning's level: their emissions, the share the level requires,
    what their measures cut (t/a) and whether that reaches it."""
    level = str(response.warning["level"])
    rows = []
    for p in POLLUTANTS:
        emission = float(response.lines[p].sum()) if len(response.lines) else 0.0
        cut = float(response.lines[f"cut_{p}"].sum()) if len(response.lines) else 0.0
        required_pct = rules.levels[level].required_share[p]
        rows.append({"pollutant": p, "emission_t": emission, "required_pct": required_pct,
                     "required_t": emission * required_pct / 100.0, "cut_t": cut,
                     "cut_pct": cut / emission * 100.0 if emission > 0 else np.nan,
                     "meets": bool(cut + 1e-9 >= emission * required_pct / 100.0)})
    return pd.DataFrame(rows)


def assess_warning(con: Connection, warning_id: str, *, basis: str = IN_FORCE,
                   rules: EmergencyRules | None = None) -> Assessment:
    """The response assessment of a warning (see the module notes)."""
    rules = rules or load_emergency_rules()
    response = warning_response(con, warning_id, rules)
    start, end = pd.Timestamp(response.warning["start_at"]).to_pydatetime(), pd.Timestamp(response.warning["end_at"]).to_pydatetime()
    before = (start - timedelta(days=rules.before_days), start)
    version, reason = comparison_basis(basis, end.date())
    readings = aq_readings.read_readings(con, before[0].date(), end.date())
    if response.station_codes is not None and len(readings):  # the area's stations only
        readings = readings[readings["station_code"].astype(str).isin(response.station_codes)].reset_index(drop=True)
    stations = store.read_layer(con, get_layer("stations"))
    names = dict(zip(stations["code"], stations["name"], strict=True)) if len(stations) else {}
    if response.scope[0] == alerts.COUNTY:  # the area's line is the county's (its name is data)
        names[CITY] = str(response.scope[1])
    reference = set(stations.loc[stations["reference_station"].fillna(False).astype(bool), "code"]) if len(stations) else set()
    if readings.empty:
        station_hours = pd.DataFrame(columns=["station_code", "time_bjt", "aqi", "pm25"])
    else:
        scored = scoring.hourly(readings, version, aq_readings.HOUR_LABEL)
        station_hours = pd.DataFrame({"station_code": readings["station_code"], "time_bjt": readings["time_bjt"],
                                      "aqi": scored["aqi"], "pm25": readings["pm25"]})
    city = city_hourly(readings, reference, version) if len(readings) else pd.DataFrame(columns=["time_bjt", "aqi", "pm25"])
    air = air_table(station_hours, city, names, (start, end), before, rules.heavy_aqi)
    found = inspections.findings(con, warning_id)
    lines = response.lines.drop_duplicates("enterprise_key").set_index("enterprise_key")
    found = found.assign(enterprise_name=found["enterprise_key"].map(lines["enterprise_name"]),
                         county=found["enterprise_key"].map(lines["county"]))
    return Assessment(response, (start, end), before, version, load_standard(version).name, reason, air, found,
                      planned_cuts(response, rules))


# --- the one page, worded -----------------------------------------------------------------------


def _number(value: float, digits: int = 1) -> str:
    return "—" if value is None or (isinstance(value, float) and np.isnan(value)) else f"{value:,.{digits}f}"


def _items(rows: list[tuple[str, object]], lang: str) -> pd.DataFrame:
    return pd.DataFrame({t("emergency.assessment.item", lang): [t(k, lang) for k, _ in rows],
                         t("emergency.assessment.value", lang): [str(say(v, lang)) for _, v in rows]})


def one_page(assessment: Assessment, lang: str = DEFAULT_LANGUAGE) -> list[tuple[str, pd.DataFrame]]:
    """The assessment as headed tables in `lang`: the warning, the measures, the findings, the
    air (city and stations, with the standard named), the violations found."""
    row, response = assessment.warning, assessment.response
    hours = (assessment.during[1] - assessment.during[0]).total_seconds() / 3600
    warning_rows = [
        ("emergency.assessment.warning", alerts.title(row)),
        ("emergency.assessment.issued_by", row["issued_by"]),
        ("emergency.assessment.document", row["document"] if isinstance(row["document"], str) else "—"),
        ("emergency.assessment.hours", f"{hours:,.0f}"),
        ("emergency.assessment.version", reduction_list.version_label(response.version)),
        ("emergency.assessment.scope", msg(f"emergency.scope.{response.scope[0]}", county=response.scope[1] or "")),
    ]
    if bool(row.get("synthetic", False)):  # the demo's warning says so on its printed page
        warning_rows.insert(0, ("emergency.assessment.synthetic", msg("emergency.yes")))
    kinds = response.enterprises["kind"].value_counts() if len(response.enterprises) else pd.Series(dtype=int)
    measure_rows = [("emergency.assessment.enterprises", f"{len(response.enterprises):,}"),
                    ("emergency.assessment.must_act", f"{len(response.must_act):,}")]
    measure_rows += [(f"emergency.measure.{k}", f"{int(kinds.get(k, 0)):,}") for k in MEASURE_STRENGTH if kinds.get(k, 0)]
    counts = assessment.finding_counts()
    share = counts["inspected"] / counts["must_act"] * 100 if counts["must_act"] else np.nan
    finding_rows = [("emergency.assessment.inspected", msg("emergency.assessment.inspected_value",
                                                           n=counts["inspected"], of=counts["must_act"],
                                                           share=_number(share, 0))),
                    *((f"emergency.result.{r}", f"{counts[r]:,}") for r in ("compliant", "violation", "unable")),
                    ("emergency.assessment.fires", f"{len(response.fires):,}")]
    cuts = pd.DataFrame({
        t("emergency.column.pollutant", lang): [t(f"emergency.pollutant.{p}", lang) for p in assessment.cuts["pollutant"]],
        t("emergency.column.emission_t", lang): assessment.cuts["emission_t"].round(3),
        t("emergency.column.required_pct", lang): assessment.cuts["required_pct"],
        t("emergency.column.cut_t", lang): assessment.cuts["cut_t"].round(3),
        t("emergency.column.cut_pct", lang): assessment.cuts["cut_pct"].round(1),
        t("emergency.column.meets", lang): [t("emergency.yes" if m else "emergency.no", lang) for m in assessment.cuts["meets"]],
    })
    standard = say(msg("emergency.assessment.standard", standard=assessment.standard_name,
                       reason=msg(f"aq.basis_reason.{assessment.basis_reason}")), lang)
    periods = t("emergency.assessment.periods", lang, start=f"{assessment.during[0]:%Y-%m-%d %H:%M}",
                end=f"{assessment.during[1]:%Y-%m-%d %H:%M}", before=f"{assessment.before[0]:%Y-%m-%d %H:%M}")
    air = air_view(assessment.air, lang)
    violations = assessment.findings[assessment.findings["result"] != "compliant"]
    findings_table = findings_view(violations, lang)
    return [
        (t("emergency.assessment.section_warning", lang), _items(warning_rows, lang)),
        (t("emergency.assessment.section_measures", lang), _items(measure_rows, lang)),
        (t("emergency.assessment.section_cuts", lang), cuts),
        (t("emergency.assessment.section_findings", lang), _items(finding_rows, lang)),
        (f"{t('emergency.assessment.section_air', lang)} · {periods} · {standard}", air),
        (t("emergency.assessment.section_violations", lang), findings_table),
    ]


def air_view(air: pd.DataFrame, lang: str = DEFAULT_LANGUAGE) -> pd.DataFrame:
    """The air table in `lang`, one line per key (the city first, then the stations — their names
    are data): per statistic during the warning, before it and the change in %."""
    keys = list(dict.fromkeys(air["key"]))
    table = air.set_index(["key", "metric"])
    names = air.drop_duplicates("key").set_index("key")["name"]
    out = pd.DataFrame({t("emergency.column.station", lang): [t("emergency.air.city", lang) if k == names[k] == CITY
                                                              else names[k] for k in keys]})
    for metric in AIR_METRICS:
        label = t(f"emergency.air.{metric}", lang)
        values = table.xs(metric, level="metric").reindex(keys)
        digits = 0 if metric in ("heavy_hours", "hours", "aqi_max") else 1
        out[t("emergency.column.metric_during", lang, metric=label)] = values["during"].round(digits).to_numpy()
        out[t("emergency.column.metric_before", lang, metric=label)] = values["before"].round(digits).to_numpy()
        if metric in ("aqi_mean", "pm25_mean"):
            out[t("emergency.column.metric_change", lang, metric=label)] = values["change_pct"].round(1).to_numpy()
    return out


def findings_view(found: pd.DataFrame, lang: str = DEFAULT_LANGUAGE) -> pd.DataFrame:
    """Findings headed and worded in `lang`."""
    return pd.DataFrame({
        t("emergency.column.inspected_at", lang): pd.to_datetime(found["inspected_at"]).dt.strftime("%Y-%m-%d %H:%M"),
        t("emergency.column.county", lang): found.get("county"),
        t("emergency.column.enterprise", lang): found.get("enterprise_name"),
        t("emergency.column.enterprise_key", lang): found["enterprise_key"],
        t("emergency.column.line", lang): found["line"],
        t("emergency.column.result", lang): [t(f"emergency.result.{r}", lang) for r in found["result"]],
        t("emergency.column.inspector", lang): found["inspector"],
        t("emergency.column.finding", lang): found["finding"],
    })


def title(assessment: Assessment, lang: str = DEFAULT_LANGUAGE) -> str:
    return t("emergency.assessment.title", lang, warning=say(alerts.title(assessment.warning), lang),
             standard=assessment.standard_name)


def summary_message(assessment: Assessment) -> Message:
    """The city's mean AQI and PM2.5 during against before, in one sentence."""
    city = assessment.air[assessment.air["key"] == CITY].set_index("metric")
    return msg("emergency.assessment.summary", aqi_during=_number(city.at["aqi_mean", "during"], 0),
               aqi_before=_number(city.at["aqi_mean", "before"], 0),
               pm25_during=_number(city.at["pm25_mean", "during"], 0),
               pm25_before=_number(city.at["pm25_mean", "before"], 0), standard=assessment.standard_name)
