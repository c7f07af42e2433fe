"""During a warning (应急响应): who must stop or cut what, where they are, and what the air and
the satellites show meanwhile.

The list version in effect when the warning starts applies; its rows of the warning's area
(the whole city, or the county it names) take their measure at the warning's level. Each
enterprise (its lines together) shows its strongest measure; it must act unless every line
is 无需减排. Rows whose key is not in the enterprises layer are listed without a place on the
map. Beside them: the fire events first detected during the warning (`geoaq.fires.check`) and
the hourly AQI of the area's stations over the warning's hours (`geoaq.aq`, by the standard in
force at each hour, named; the stations inside the county, or inside the city's counties:
`area_stations`). The per-county checklist (检查表) lists the lines that must act, with blank
columns for the inspectors; returned filled in, it loads as findings (`inspections`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime

import geopandas as gpd
import numpy as np
import pandas as pd

from geoaq._errors import EmergencyInputError
from geoaq.db import store
from geoaq.db.connection import Connection
from geoaq.emergency import alerts, reduction_list
from geoaq.emergency.checks import match_enterprises
from geoaq.emergency.measures import MISSING, actions, strongest
from geoaq.emergency.rules import MEASURE_STRENGTH, POLLUTANTS, EmergencyRules, load_emergency_rules
from geoaq.i18n import DEFAULT_LANGUAGE, msg, say, t
from geoaq.layers import get_layer

#: checklist columns (words: emergency.checklist.<code>); the last four are the inspectors'
CHECKLIST_COLUMNS = ("number", "warning_id", "county", "enterprise_name", "enterprise_key", "line", "industry",
                     "grade", "measure", *(f"cut_{p}" for p in POLLUTANTS), "contact", "phone",
                     "inspected_at", "inspector", "result", "finding")
#: what an inspector writes in the result column (words: emergency.result.<code>)
INSPECTOR_COLUMNS = ("inspected_at", "inspector", "result", "finding")


@dataclass(frozen=True)
class Response:
    """What a warning asks and what happened meanwhile (see the module notes)."""

    warning: pd.Series
    version: tuple[str, date]
    scope: tuple[str, str | None]
    lines: pd.DataFrame        # every list line of the area at the warning's level
    enterprises: pd.DataFrame  # one per enterprise: strongest measure, must_act, place
    by_county: pd.DataFrame    # county × measure kind: enterprises
    fires: pd.DataFrame        # fire events first detected during the warning
    stations: pd.DataFrame     # per station: hours, mean and highest AQI, mean PM2.5, standard
    station_codes: frozenset[str] | None = None  # the stations of the area (None: every station)

    @property
    def must_act(self) -> pd.DataFrame:
        return self.enterprises[self.enterprises["must_act"]]


def _period(row: pd.Series) -> tuple[datetime, datetime]:
    return pd.Timestamp(row["start_at"]).to_pydatetime(), pd.Timestamp(row["end_at"]).to_pydatetime()


def area_lines(acts: pd.DataFrame, level: str, scope: tuple[str, str | None]) -> pd.DataFrame:
    """The lines (joined to the layer: `match_enterprises`) at `level` inside the scope."""
    at = acts[acts["level"] == level].copy()
    county = at["county"].where(at["county"].notna(), at.get("layer_county"))
    at["county"] = county
    if scope[0] == alerts.COUNTY:
        at = at[at["county"] == scope[1]]
    at["must_act"] = ~at["kind"].isin(["none"])
    return at.reset_index(drop=True)


def per_enterprise(lines: pd.DataFrame) -> pd.DataFrame:
    """One row per enterprise: its strongest measure, whether it must act, its lines and their
    cuts summed, place and grade (the lowest class of its lines: a falsifier's counts)."""
    if lines.empty:
        return pd.DataFrame(columns=["enterprise_key", "enterprise_name", "county", "industry", "grade",
                                     "grade_class", "kind", "measures", "lines", "must_act", "matched", "lon", "lat",
                                     *(f"cut_{p}" for p in POLLUTANTS)])
    order = {"full": 0, "ungraded": 1, "reduced": 2, "exempt": 3}
    rows = []
    for key, group in lines.groupby("enterprise_key", sort=False):
        first = group.iloc[0]
        cls = min(group["grade_class"], key=lambda c: order.get(c, 9))
        rows.append({
            "enterprise_key": key, "enterprise_name": first["enterprise_name"], "county": first["county"],
            "industry": first["industry"] if isinstance(first["industry"], str) else first.get("layer_industry"),
            "grade": first["grade"], "grade_class": cls, "kind": strongest(group["kind"]),
            "measures": tuple(dict.fromkeys(str(m) for m in group["measure"] if isinstance(m, str))),
            "lines": int(len(group)), "must_act": bool(group["must_act"].any()), "matched": bool(first["matched"]),
            "lon": first["lon"], "lat": first["lat"],
            **{f"cut_{p}": float(group[f"cut_{p}"].sum()) for p in POLLUTANTS}})
    return pd.DataFrame(rows)


def county_counts(enterprises: pd.DataFrame) -> pd.DataFrame:
    """Enterprises per county and strongest measure kind (columns: county, the kinds, total,
    must_act), the counties by name."""
    kinds = [*MEASURE_STRENGTH, MISSING]
    if enterprises.empty:
        return pd.DataFrame(columns=["county", *kinds, "total", "must_act"])
    county = enterprises["county"].fillna("—")
    table = pd.crosstab(county, enterprises["kind"]).reindex(columns=kinds, fill_value=0)
    table["total"] = table.sum(axis=1)
    table["must_act"] = enterprises.groupby(county)["must_act"].sum().reindex(table.index).astype(int)
    return table.reset_index(names="county").sort_values("county", kind="stable").reset_index(drop=True)


def fires_during(con: Connection, start: datetime, end: datetime) -> pd.DataFrame:
    """Fire events (`check_fires`) first detected between start and end (Beijing time)."""
    from geoaq.fires.check import check_fires

    if not store.table_exists(con, "fire_points"):
        return pd.DataFrame(columns=["event_id", "first_detected_bjt", "lon", "lat", "county_name", "category"])
    checked = check_fires(con, start.date(), end.date())
    first = pd.to_datetime(checked["first_detected_bjt"])
    return checked[(first >= pd.Timestamp(start)) & (first <= pd.Timestamp(end))].reset_index(drop=True)


def hours_within(hourly: pd.DataFrame, start: datetime, end: datetime) -> pd.DataFrame:
    """The hourly rows measured within (start, end]: hours are labelled by their end."""
    times = pd.to_datetime(hourly["time_bjt"])
    return hourly[(times > pd.Timestamp(start)) & (times <= pd.Timestamp(end))]


def station_summary(hourly: pd.DataFrame, heavy_aqi: float) -> pd.DataFrame:
    """Per station over the given hours: hours with an AQI, mean and highest hourly AQI, hours
    above `heavy_aqi`, mean PM2.5 (µg/m³) and the standard(s) that scored them."""
    columns = ["station_code", "hours", "aqi_mean", "aqi_max", "heavy_hours", "pm25_mean", "standard_name"]
    if hourly.empty:
        return pd.DataFrame(columns=columns)
    grouped = hourly.groupby("station_code", sort=True)
    out = pd.DataFrame({
        "hours": grouped["aqi"].count(),
        "aqi_mean": grouped["aqi"].mean(),
        "aqi_max": grouped["aqi"].max(),
        "heavy_hours": grouped["aqi"].apply(lambda s: int((s > heavy_aqi).sum())),
        "pm25_mean": grouped["pm25"].mean(),
        "standard_name": grouped["standard_name"].agg(lambda s: " + ".join(dict.fromkeys(s.dropna().astype(str)))),
    }).reset_index()
    return out[columns]


def area_stations(con: Connection, scope: tuple[str, str | None]) -> frozenset[str] | None:
    """The stations of a warning's area: those inside the county's boundary, or inside any
    county of admin_units for the city (a national feed stores every city's stations); a county
    with no station inside takes the city's. None — every station — when admin_units has no
    counties (the area cannot be placed)."""
    units = store.read_layer(con, get_layer("admin_units"))
    counties = units[units["level"] == "县"]
    stations = store.read_layer(con, get_layer("stations"))
    if counties.empty:
        return None
    if stations.empty:
        return frozenset()
    points = stations[stations.geometry.notna() & ~stations.geometry.is_empty]
    pairs = gpd.sjoin(points[["code", "geometry"]], counties[["name", "geometry"]], predicate="intersects")
    city = frozenset(pairs["code"].astype(str))
    if scope[0] == alerts.COUNTY:
        inside = frozenset(pairs.loc[pairs["name"] == scope[1], "code"].astype(str))
        return inside or city
    return city


def stations_during(con: Connection, start: datetime, end: datetime, heavy_aqi: float,
                    codes: frozenset[str] | None = None) -> pd.DataFrame:
    """`station_summary` of the stored readings over (start, end], of the stations `codes`
    (None: every station)."""
    from geoaq.aq import readings as aq

    hourly = aq.hourly_table(con, start.date(), end.date())
    if codes is not None:
        hourly = hourly[hourly["station_code"].astype(str).isin(codes)]
    return station_summary(hours_within(hourly, start, end), heavy_aqi)


def warning_response(con: Connection, warning_id: str, rules: EmergencyRules | None = None, *,
                     with_air: bool = True) -> Response:
    """Everything the page and the checklist show for a warning (see the module notes)."""
    rules = rules or load_emergency_rules()
    row = alerts.warning(con, warning_id)
    start, end = _period(row)
    version = reduction_list.resolve_version(con, on=start.date())
    rows, measures = reduction_list.read_list(con, version)
    enterprises_layer = store.read_layer(con, get_layer("enterprises"))
    joined = match_enterprises(rows, enterprises_layer)
    acts = actions(joined, measures, rules)
    scope = alerts.area_scope(str(row["area"]), alerts.areas(con))
    lines = area_lines(acts, str(row["level"]), scope)
    ents = per_enterprise(lines)
    fires = fires_during(con, start, end) if with_air else pd.DataFrame()
    if scope[0] == alerts.COUNTY and "county_name" in fires:
        fires = fires[fires["county_name"] == scope[1]].reset_index(drop=True)
    codes = area_stations(con, scope) if with_air else None
    stations = stations_during(con, start, end, rules.heavy_aqi, codes) if with_air else pd.DataFrame()
    return Response(row, version, scope, lines, ents, county_counts(ents), fires, stations, codes)


def checklist(response: Response, lang: str = DEFAULT_LANGUAGE) -> dict[str, pd.DataFrame]:
    """The lines that must act, one table per county (headed in `lang`), the inspectors'
    columns blank: what the per-county checklist workbook holds."""
    lines = response.lines[response.lines["must_act"]]
    sheets: dict[str, pd.DataFrame] = {}
    for county, group in lines.groupby(lines["county"].fillna("—"), sort=True):
        table = pd.DataFrame({
            "number": range(1, len(group) + 1), "warning_id": response.warning["warning_id"], "county": county,
            "enterprise_name": group["enterprise_name"].to_numpy(), "enterprise_key": group["enterprise_key"].to_numpy(),
            "line": group["line"].to_numpy(), "industry": group["industry"].to_numpy(),
            "grade": [say(_grade_text(g, f, c), lang) for g, f, c in
                      zip(group["grade"], group["falsified"], group["grade_class"], strict=True)],
            "measure": [m if isinstance(m, str) else say(msg("emergency.measure.missing"), lang) for m in group["measure"]],
            **{f"cut_{p}": np.round(group[f"cut_{p}"].to_numpy(dtype=float), 3) for p in POLLUTANTS},
            "contact": group["contact"].to_numpy(), "phone": group["phone"].to_numpy(),
            **dict.fromkeys(INSPECTOR_COLUMNS, ""),
        })
        sheets[str(county)] = table.rename(columns={c: checklist_header(c, lang) for c in CHECKLIST_COLUMNS})
    return sheets


def _grade_text(grade: object, falsified: object, cls: str):
    shown = grade if isinstance(grade, str) else msg("emergency.grade_none")
    return msg("emergency.grade_falsified", grade=shown) if bool(falsified) else shown


def checklist_header(column: str, lang: str = DEFAULT_LANGUAGE) -> str:
    """A checklist column's heading in `lang` (amounts with their unit)."""
    if column.startswith("cut_"):
        return t("emergency.checklist.cut", lang, pollutant=t(f"emergency.pollutant.{column[4:]}", lang))
    return t(f"emergency.checklist.{column}", lang)


def checklist_title(response: Response, lang: str = DEFAULT_LANGUAGE) -> str:
    return t("emergency.checklist.title", lang, warning=say(alerts.title(response.warning), lang),
             version=reduction_list.version_label(response.version))


# --- route targets ----------------------------------------------------------------------------


def stop_targets(con: Connection, day: date, *, kinds: tuple[str, ...] = ("stop",),
                 rules: EmergencyRules | None = None) -> pd.DataFrame:
    """The enterprises a warning in force on Beijing day `day` requires to take a measure of
    `kinds` (停产 by default), with a place on the map: enterprise_key, enterprise_name, county,
    lon, lat, grade, grade_class, kind, measures, warning_id, level, start_at, end_at. C-grade
    (and lowered) ones first. Where warnings overlap (a county's 橙色 inside the city's 黄色, an
    upgrade entered as a new warning), an enterprise is listed once: with the highest level
    that requires it (its warning and measures), from the earliest start to the latest end of
    the warnings that require it. Empty when no warning is in force or no list is loaded."""
    rules = rules or load_emergency_rules()
    columns = ["enterprise_key", "enterprise_name", "county", "lon", "lat", "grade", "grade_class", "kind",
               "measures", "warning_id", "level", "start_at", "end_at"]
    if not store.table_exists(con, "emergency_warnings") or reduction_list.versions(con).empty:
        return pd.DataFrame(columns=columns)
    found = []
    for _, warn in alerts.on_day(con, day).iterrows():
        try:
            response = warning_response(con, str(warn["warning_id"]), rules, with_air=False)
        except EmergencyInputError:
            continue  # no list in effect when it started, or an area no longer known
        chosen = response.lines[response.lines["kind"].isin(kinds) & response.lines["matched"]]
        for ent in per_enterprise(chosen).itertuples():
            found.append({c: getattr(ent, c) for c in columns[:9]} | {
                "warning_id": warn["warning_id"], "level": warn["level"], "rank": rules.levels[str(warn["level"])].rank,
                "start_at": pd.Timestamp(warn["start_at"]), "end_at": pd.Timestamp(warn["end_at"])})
    frame = pd.DataFrame(found, columns=[*columns, "rank"])
    if frame.empty:
        return frame[columns]
    span = frame.groupby("enterprise_key").agg(first=("start_at", "min"), last=("end_at", "max"))
    frame = frame.sort_values(["rank", "start_at"], ascending=[False, True], kind="stable").drop_duplicates("enterprise_key")
    frame["start_at"] = frame["enterprise_key"].map(span["first"])
    frame["end_at"] = frame["enterprise_key"].map(span["last"])
    order = frame["grade_class"].map({"full": 0, "ungraded": 1, "reduced": 2, "exempt": 3})
    return (frame.assign(_rank=order).sort_values(["_rank", "enterprise_key"])[columns].reset_index(drop=True))


def response_in_jurisdiction(response, names: frozenset[str] | None, counties: frozenset[str] | None = None):
    """`response` (a `geoaq.emergency.response.Response`) with only the lines, enterprises,
    counts and fire events of the counties named `names` (adcodes `counties` for the fires);
    unchanged for None."""
    if names is None:
        return response
    lines = response.lines[response.lines["county"].isin(names)].reset_index(drop=True)
    enterprises = response.enterprises[response.enterprises["county"].isin(names)].reset_index(drop=True)
    fires = response.fires
    if len(fires) and "county_adcode" in fires:
        fires = fires[fires["county_adcode"].isin(sorted(counties or ()))].reset_index(drop=True)
    elif len(fires) and "county_name" in fires:
        fires = fires[fires["county_name"].isin(names)].reset_index(drop=True)
    return replace(response, lines=lines, enterprises=enterprises, by_county=county_counts(enterprises), fires=fires)
