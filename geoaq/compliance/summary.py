"""Zone compliance summary (达标评估): each control zone, county, enterprise cluster and city
against the plans' targets, with every reason listed.

For a period: fire events (suspected / verified) and penalties; enterprises inside by
industry, 绩效分级 and ultra-low-emission status; coal users inside coal-ban zones (each a
violation); mines by status; stations inside (or the nearest) with their HJ 663 evaluation;
the plan targets that apply (data/targets.toml) assessed absolute or year-on-year, each on one
standard (the one it was set under, `Target.standard`, unless the caller chooses another; both
periods of a relative target on the same one: 同口径) and saying which; and an overall status — non_compliant (未达标) when anything is violated or missed, insufficient
(数据不足) when a target cannot be assessed, else compliant (达标). Also the sensitive areas
around national stations (seed 000). Distances are measured in a UTM projection, never in
degrees.

The summary holds codes and `geoaq.i18n.Message`s, no words: `worded` turns its status,
reasons, targets and sensitive-area lines into a language's words, `flatten` into text cells.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geoaq import config
from geoaq._errors import ComplianceRulesError
from geoaq.aq import readings as aq
from geoaq.aq import scoring
from geoaq.aq.basis import (
    CHOSEN,
    IN_FORCE,
    IN_FORCE_AT_END,
    TARGET,
    basis_message,
    check_basis,
    in_force,
    limits_message,
    note_messages,
)
from geoaq.aq.standards import load_standard
from geoaq.compliance.targets import (
    COMPLIANT,
    INSUFFICIENT,
    NON_COMPLIANT,
    VALUE_KINDS,
    Target,
    assess_row,
    load_targets,
    targets_for,
)
from geoaq.db import store
from geoaq.db.connection import Connection
from geoaq.fires.check import check_fires
from geoaq.i18n import DEFAULT_LANGUAGE, Message, clauses, msg, say, t
from geoaq.layers import get_layer
from geoaq.rules import array, load_rules, number, table, text, with_defaults

#: scope type codes (words: compliance.scope.<code>)
SCOPE_TYPES = ("city", "county", "zone", "cluster")
#: the key of a count of enterprises or mines whose attribute is not filled in
UNFILLED = ""
STATION_METRICS = ["pm25_mean", "pm10_mean", "good_day_ratio", "heavy_days", "composite_index", "attainment", "status"]
#: what a station result says about the part of the period it covers
PART_FIELDS = ["start", "end", "standard"]


#: ``compliance.toml``: every key, its type and its default (the defaults of `ComplianceRules`)
SCHEMA = table({
    "coal_fuels": array(text(nonblank=True), default=["煤"]),
    "coal_ban_zone_types": array(text(nonblank=True), default=["禁煤区", "高污染燃料禁燃区"]),
    "burning_ban_zone_types": array(text(nonblank=True), default=["秸秆禁烧区"]),
    "sensitive_radius_m": number(exclusive_minimum=0, default=3000.0),
    "sensitive_station_levels": array(text(nonblank=True), default=["国控"]),
    "cluster_buffer_m": number(minimum=0, default=500.0),
    "nearest_station_within_m": number(minimum=0, default=20_000.0),
    "mine_attention_statuses": array(text(nonblank=True), default=["停产整治"]),
    "attention_grades": array(text(nonblank=True), default=["C"]),
    "attention_ule": array(text(nonblank=True), default=["未改造", "改造中"]),
})


def _as_fields(raw: dict) -> dict:
    """The file's values as `ComplianceRules` holds them: lists as tuples, numbers as floats."""
    return {key: tuple(value) if isinstance(value, list) else float(value)
            for key, value in raw.items()}


_DEFAULTS = _as_fields(with_defaults({}, SCHEMA))


@dataclass(frozen=True)
class ComplianceRules:
    """``compliance.toml`` (see `SCHEMA`)."""

    coal_fuels: tuple[str, ...] = _DEFAULTS["coal_fuels"]
    coal_ban_zone_types: tuple[str, ...] = _DEFAULTS["coal_ban_zone_types"]
    burning_ban_zone_types: tuple[str, ...] = _DEFAULTS["burning_ban_zone_types"]
    sensitive_radius_m: float = _DEFAULTS["sensitive_radius_m"]
    sensitive_station_levels: tuple[str, ...] = _DEFAULTS["sensitive_station_levels"]
    cluster_buffer_m: float = _DEFAULTS["cluster_buffer_m"]
    nearest_station_within_m: float = _DEFAULTS["nearest_station_within_m"]
    mine_attention_statuses: tuple[str, ...] = _DEFAULTS["mine_attention_statuses"]
    attention_grades: tuple[str, ...] = _DEFAULTS["attention_grades"]
    attention_ule: tuple[str, ...] = _DEFAULTS["attention_ule"]


def compliance_rules_path() -> Path:
    """The compliance rules in use: the site's ``rules/compliance.toml``, else the shipped one."""
    return config.rules_file("compliance.toml")


def load_compliance_rules(path: Path | None = None) -> ComplianceRules:
    """Read and check the compliance rules (default `compliance_rules_path`)."""
    path = Path(path) if path is not None else compliance_rules_path()
    raw = load_rules(path, SCHEMA, ComplianceRulesError, what="compliance rules file")
    return ComplianceRules(**_as_fields(raw))


# --- geometry helpers (pure) ---------------------------------------------------------------


def _metric(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The frame in the UTM zone of its centre, for distances and buffers in metres."""
    return frame.to_crs(frame.estimate_utm_crs()) if len(frame) else frame


def cluster_areas(enterprises: gpd.GeoDataFrame, buffer_m: float) -> gpd.GeoDataFrame:
    """One polygon per cluster: its enterprises' convex hull widened by buffer_m metres."""
    members = enterprises.dropna(subset=["cluster"])
    if members.empty:
        return gpd.GeoDataFrame({"cluster": [], "industry": []}, geometry=[], crs=4326)
    metric = _metric(members)
    rows = []
    for name, group in metric.groupby("cluster"):
        hull = shapely.convex_hull(shapely.union_all(group.geometry.to_numpy()))
        rows.append({"cluster": name, "industry": group["industry"].mode().iloc[0], "geometry": hull.buffer(buffer_m)})
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=metric.crs).to_crs(4326)


def inside(features: gpd.GeoDataFrame, areas: gpd.GeoDataFrame, area_key: str) -> pd.DataFrame:
    """(area key, feature index) pairs: features within or on the boundary of each area."""
    if features.empty or areas.empty:
        return pd.DataFrame({area_key: [], "feature": []})
    points = features.assign(geometry=features.geometry.representative_point())
    pairs = gpd.sjoin(points[["geometry"]], areas[[area_key, "geometry"]], predicate="intersects")
    return pd.DataFrame({area_key: pairs[area_key].to_numpy(), "feature": pairs.index.to_numpy()})


def within_distance(centres: gpd.GeoDataFrame, features: gpd.GeoDataFrame, metres: float) -> pd.DataFrame:
    """(centre index, feature index, distance_m) for features within `metres` of each centre."""
    if centres.empty or features.empty:
        return pd.DataFrame({"centre": [], "feature": [], "distance_m": []})
    crs = centres.estimate_utm_crs()
    left, right = centres.to_crs(crs), features.to_crs(crs)
    tree = shapely.STRtree(right.geometry.to_numpy())
    i, j = tree.query(left.geometry.to_numpy(), predicate="dwithin", distance=metres)
    distance = shapely.distance(left.geometry.to_numpy()[i], right.geometry.to_numpy()[j])
    return pd.DataFrame({"centre": left.index.to_numpy()[i], "feature": right.index.to_numpy()[j],
                         "distance_m": distance}).sort_values(["centre", "distance_m"])


def _counts(values: pd.Series) -> dict[str, int]:
    return {str(k): int(v) for k, v in values.fillna(UNFILLED).value_counts().sort_index().items()}


# --- the summary ---------------------------------------------------------------------------


@dataclass
class _Data:
    zones: gpd.GeoDataFrame
    counties: gpd.GeoDataFrame
    enterprises: gpd.GeoDataFrame
    mines: gpd.GeoDataFrame
    stations: gpd.GeoDataFrame
    clusters: gpd.GeoDataFrame
    fires: pd.DataFrame


def _read(con: Connection, start: date, end: date, rules: ComplianceRules,
          fires: pd.DataFrame | None = None) -> _Data:
    def layer(name: str) -> gpd.GeoDataFrame:
        return store.read_layer(con, get_layer(name))

    units = layer("admin_units")
    enterprises = layer("enterprises")
    fires = check_fires(con, start, end) if fires is None else fires
    return _Data(zones=layer("control_zones"), counties=units[units["level"] == "县"].reset_index(drop=True),
                 enterprises=enterprises, mines=layer("mines"), stations=layer("stations"),
                 clusters=cluster_areas(enterprises, rules.cluster_buffer_m), fires=fires)


def scopes(zones: gpd.GeoDataFrame, counties: gpd.GeoDataFrame, clusters: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Every scope with an area: zones, counties, clusters (cities are added from stations)."""
    parts = [
        gpd.GeoDataFrame({"scope_type": "zone", "scope_id": zones["zone_id"], "scope_name": zones["name"],
                          "scope_kind": zones["zone_type"]}, geometry=zones.geometry.to_numpy(), crs=4326),
        gpd.GeoDataFrame({"scope_type": "county", "scope_id": counties["adcode"],
                          "scope_name": counties["name"], "scope_kind": "县"},
                         geometry=counties.geometry.to_numpy(), crs=4326),
        gpd.GeoDataFrame({"scope_type": "cluster", "scope_id": clusters["cluster"],
                          "scope_name": clusters["cluster"], "scope_kind": clusters["industry"]},
                         geometry=clusters.geometry.to_numpy(), crs=4326),
    ]
    present = [p for p in parts if len(p)]
    if not present:  # a database of stations and readings only: no area scopes (cities still are)
        return parts[0]
    frame = pd.concat(present, ignore_index=True)
    return gpd.GeoDataFrame(frame, geometry="geometry", crs=4326)


def scope_geometries(con: Connection, rules: ComplianceRules | None = None) -> gpd.GeoDataFrame:
    """The areas of all zones, counties and clusters (for maps and click look-ups)."""
    rules = rules or load_compliance_rules()
    units = store.read_layer(con, get_layer("admin_units"))
    enterprises = store.read_layer(con, get_layer("enterprises"))
    return scopes(store.read_layer(con, get_layer("control_zones")), units[units["level"] == "县"],
                  cluster_areas(enterprises, rules.cluster_buffer_m))


def _station_groups(data: _Data) -> tuple[dict[str, str], dict[str, str], list[str]]:
    """station → city name, station → county adcode (spatial), and the background stations."""
    stations = data.stations
    city = dict(zip(stations["code"], stations["city"].fillna(""), strict=True))
    county = {}
    if len(data.counties):
        pairs = inside(stations, data.counties.rename(columns={"adcode": "county"}), "county")
        county = {stations.loc[f, "code"]: c for c, f in zip(pairs["county"], pairs["feature"], strict=True)}
    background = stations.loc[stations["reference_station"].fillna(False).astype(bool), "code"].tolist()
    return city, county, background


class _Evaluations:
    """Evaluations (HJ 663-2013 methods) computed once per (grouping, period, basis) from the
    readings: by parts on the summary's basis (`__call__`), or whole on one version (`whole`,
    for targets and comparisons)."""

    def __init__(self, con: Connection, data: _Data, basis: str):
        self.con, self.basis = con, basis
        self.city, self.county, self.background = _station_groups(data)
        self.cache: dict[tuple, pd.DataFrame] = {}

    def _options(self, by: str) -> dict:
        if by == "station":
            return {"by": "station"}
        return {"by": by, "groups": self.city if by == "city" else self.county,
                "reference_stations": self.background}

    def _hourly(self, by: str, start: date, end: date) -> pd.DataFrame:
        hourly = aq.read_readings(self.con, start, end)
        if by != "station" and not hourly.empty:
            hourly = hourly[hourly["station_code"].isin(self._options(by)["groups"])]
        return hourly

    def __call__(self, by: str, start: date, end: date) -> pd.DataFrame:
        key = (by, start, end, self.basis)
        if key not in self.cache:
            hourly = self._hourly(by, start, end)
            self.cache[key] = pd.DataFrame() if hourly.empty else scoring.evaluate(
                hourly, start, end, basis=self.basis, hour_label=aq.HOUR_LABEL, **self._options(by))
        return self.cache[key]

    def whole(self, by: str, start: date, end: date, version: str) -> pd.DataFrame:
        """The whole period by one version (no split)."""
        key = (by, start, end, "whole", version)
        if key not in self.cache:
            hourly = self._hourly(by, start, end)
            self.cache[key] = pd.DataFrame() if hourly.empty else scoring.evaluate_whole(
                hourly, start, end, load_standard(version), hour_label=aq.HOUR_LABEL,
                **self._options(by))
        return self.cache[key]


def _row(table: pd.DataFrame, key_column: str, key: str) -> dict | None:
    """One key's evaluation (its statistics), or None when it has none."""
    if table.empty or key_column not in table.columns:
        return None
    row = table[table[key_column] == key]
    return None if row.empty else row.iloc[0].to_dict()


def target_basis(target: Target, chosen: str | None = None) -> tuple[str, str]:
    """(version, how it was chosen) a target is assessed by: `chosen` (the user's), else the
    version it was set under, else the one in force at its end — one version for both periods."""
    if chosen and check_basis(chosen) != IN_FORCE:
        return chosen, CHOSEN
    if target.standard:
        return target.standard, TARGET
    return in_force(target.end).version, IN_FORCE_AT_END


def assess_targets(targets: list[Target], evaluate: _Evaluations, by: str, key: str,
                   chosen: str | None = None) -> list[dict]:
    """Each applicable target with its status and reason (relative ones against a year earlier),
    both periods by the target's basis (`target_basis`), which the reason names."""
    key_column = {"station": "station_code", "city": "city", "district": "district"}[by]
    results = []
    for target in targets:
        if target.kind not in VALUE_KINDS:  # rank targets: geoaq.rankings (peer tables)
            continue
        version, why = target_basis(target, chosen)
        current = _row(evaluate.whole(by, target.start, target.end, version), key_column, key)
        previous = None
        if target.kind in {"relative", "improving"}:
            before = target.previous_period()
            previous = _row(evaluate.whole(by, *before, version), key_column, key)
        status, reason = assess_row(target, current, previous, load_standard(version).on(target.end))
        reason = msg("compliance.reason.on_basis", reason=reason, standard=load_standard(version).name,
                     why=msg(f"aq.basis_reason.{why}"))
        results.append({"target": target.id, "plan": target.plan, "rule": target.describe(),
                        "status": status, "reason": reason, "demo": target.demo, "standard": version})
    return results


def _overall(violations: list[Message], target_results: list[dict]) -> tuple[str, list[Message]]:
    def said(result: dict) -> Message:
        if result.get("station"):
            return msg("compliance.reason.target_at_station", station=result["station"], rule=result["rule"],
                       reason=result["reason"])
        return msg("compliance.reason.target", rule=result["rule"], reason=result["reason"])

    reasons = list(violations)
    reasons += [said(r) for r in target_results if r["status"] == NON_COMPLIANT]
    missing = [said(r) for r in target_results if r["status"] == INSUFFICIENT]
    if reasons:
        return NON_COMPLIANT, reasons + missing
    if missing:
        return INSUFFICIENT, missing
    met = [said(r) for r in target_results]
    return COMPLIANT, met or [msg("compliance.reason.none")]


def summarize(con: Connection, start: date, end: date, *, zone_id: str | None = None,
              district: str | None = None, standard: str = IN_FORCE,
              target_standard: str | None = None, rules: ComplianceRules | None = None,
              targets: list[Target] | None = None, fires: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per city, county, control zone and enterprise cluster over start..end.

    `zone_id` or `district` (a county adcode) restricts the result to that scope. `standard` is
    the basis of the stations' evaluations ("in_force": each part of the period by its
    standard; or a version); `target_standard` assesses every target by that version instead
    of the one it was set under. `fires` is the period's `check_fires` result when the caller
    has it (a page keeps the season's attribution between status changes): else it is computed.
    """
    standard = check_basis(standard)
    rules = rules or load_compliance_rules()
    targets = load_targets() if targets is None else targets
    data = _read(con, start, end, rules, fires)
    evaluate = _Evaluations(con, data, standard)
    areas = scopes(data.zones, data.counties, data.clusters)
    ent_in = inside(data.enterprises, areas.assign(area=range(len(areas))), "area")
    mine_in = inside(data.mines, areas.assign(area=range(len(areas))), "area")
    station_in = inside(data.stations, areas.assign(area=range(len(areas))), "area")
    coal_zones = data.zones[data.zones["zone_type"].isin(rules.coal_ban_zone_types)]
    coal_pairs = inside(data.enterprises, coal_zones.reset_index(drop=True).assign(zone=lambda z: z.index), "zone")
    coal_users = set(coal_pairs["feature"][data.enterprises.loc[coal_pairs["feature"], "main_fuel"]
                                           .isin(rules.coal_fuels).to_numpy()])
    fires = data.fires[data.fires["status"] != "dismissed"].reset_index(drop=True)
    fires_in = _fires_by_scope(areas, fires)
    nearest = within_distance(areas.assign(geometry=areas.geometry.representative_point()), data.stations,
                              rules.nearest_station_within_m)
    sensitive = _sensitive_lines(sensitive_areas(con, start, end, rules, fires=data.fires))

    rows = []
    for position, scope in areas.iterrows():
        if zone_id and not (scope["scope_type"] == "zone" and scope["scope_id"] == zone_id):
            continue
        if district and not (scope["scope_type"] == "county" and scope["scope_id"] == district):
            continue
        ents = data.enterprises.loc[ent_in.loc[ent_in["area"] == position, "feature"]]
        mines = data.mines.loc[mine_in.loc[mine_in["area"] == position, "feature"]]
        in_scope_fires = fires.iloc[fires_in.get(position, _NONE)]
        violations = []
        scope_coal = ents[ents.index.isin(coal_users)]
        for _, ent in scope_coal.iterrows():
            violations.append(msg("compliance.reason.coal_user", name=ent["name"], fuel=ent["main_fuel"]))
        burning = scope["scope_type"] == "county" or (
            scope["scope_type"] == "zone" and scope["scope_kind"] in rules.burning_ban_zone_types)
        counted = in_scope_fires[in_scope_fires["category"] != "suspected_industrial"]
        if burning and len(counted):
            violations.append(msg("compliance.reason.fires", n=len(counted), start=start, end=end,
                                  yuan=int(counted["penalty_yuan"].sum())))
        codes = data.stations.loc[station_in.loc[station_in["area"] == position, "feature"], "code"].tolist()
        source = "inside" if codes else "none"
        if not codes:
            near = nearest[nearest["centre"] == position].head(1)
            if len(near):
                codes, source = [data.stations.loc[int(near["feature"].iloc[0]), "code"]], "nearest"
        stations_eval = _station_results(evaluate("station", start, end), codes)
        if scope["scope_type"] == "county":
            scope_targets = targets_for(targets, "district", scope["scope_name"], start, end)
            target_results = assess_targets(scope_targets, evaluate, "district", scope["scope_id"],
                                            target_standard)
        else:
            cities = sorted({evaluate.city.get(c, "") for c in codes} - {""})
            target_results = [dict(r, station=c) for city in cities
                              for t in [targets_for(targets, "city", city, start, end)]
                              for c in codes if evaluate.city.get(c) == city
                              for r in assess_targets(t, evaluate, "station", c, target_standard)]
        status, reasons = _overall(violations, target_results)
        rows.append({
            "scope_type": scope["scope_type"], "scope_id": scope["scope_id"], "scope_name": scope["scope_name"],
            "scope_kind": scope["scope_kind"], "start": start, "end": end, "standard": standard,
            "fire_events": int(len(in_scope_fires)),
            "fire_events_verified": int((in_scope_fires["status"] == "verified").sum()),
            "fire_events_industrial": int((in_scope_fires["category"] == "suspected_industrial").sum()),
            "penalty_yuan": int(in_scope_fires["penalty_yuan"].sum()),
            "penalty_yuan_verified": int(in_scope_fires.loc[in_scope_fires["status"] == "verified", "penalty_yuan"].sum()),
            "enterprises": len(ents), "enterprises_by_industry": _counts(ents["industry"]),
            "enterprises_by_grade": _counts(ents["performance_grade"]),
            "enterprises_by_ule": _counts(ents["ultra_low_emission"]),
            "attention_enterprises": sorted(ents.loc[ents["performance_grade"].isin(rules.attention_grades)
                                                     | ents["ultra_low_emission"].isin(rules.attention_ule), "name"]),
            "coal_users": sorted(scope_coal["name"]),
            "mines": len(mines), "mines_by_status": _counts(mines["status"]),
            "stations": codes, "stations_source": source, "station_results": stations_eval,
            "targets": target_results, "status": status, "reasons": reasons,
            "notes": _notes(stations_eval, target_results),
            "sensitive_areas": [line for code in codes for line in sensitive.get(code, [])],
        })
    rows += (_city_rows(data, evaluate, targets, start, end, standard, target_standard)
             if not (zone_id or district) else [])
    return pd.DataFrame(rows)


def _notes(station_results: list[dict], target_results: list[dict]) -> list[Message]:
    """What the standards a row used require it to state (评价方法 HJ 663-2013 …), each once."""
    versions = [r.get("standard") for r in (*station_results, *target_results)]
    return note_messages([v for v in versions if isinstance(v, str) and v])


_NONE = np.array([], dtype=np.intp)


def _positions(keys: pd.Series) -> dict[object, np.ndarray]:
    """key → the positions holding it (`keys` indexed by position, one row per key held)."""
    keys = keys.dropna()
    return {key: np.sort(group.to_numpy(dtype=np.intp)) for key, group in
            pd.Series(keys.index, index=keys.to_numpy()).groupby(level=0)} if len(keys) else {}


def _fires_by_scope(areas: gpd.GeoDataFrame, fires: pd.DataFrame) -> dict[int, np.ndarray]:
    """Area position → positions of `fires` in it: a zone's by the events' zone attribution, a
    county's by their (corrected) county, a cluster's by its polygon. One pass per kind, not a
    scan of every event per scope (a season holds hundreds of thousands)."""
    if fires.empty:
        return {}
    zones = _positions(pd.Series(fires["zone_ids"].to_numpy(), index=range(len(fires))).explode())
    counties = _positions(pd.Series(fires["county_adcode"].to_numpy(), index=range(len(fires))))
    clusters = areas[areas["scope_type"] == "cluster"]
    points = gpd.GeoSeries(gpd.points_from_xy(fires["lon"], fires["lat"]), crs=4326)
    area_of, inside_ = points.sindex.query(clusters.geometry.to_numpy(), predicate="intersects") \
        if len(clusters) else (_NONE, _NONE)
    found: dict[int, np.ndarray] = {}
    for position, (kind, key) in enumerate(zip(areas["scope_type"], areas["scope_id"], strict=True)):
        if kind == "zone":
            found[position] = zones.get(key, _NONE)
        elif kind == "county":
            found[position] = counties.get(key, _NONE)
    for offset, position in enumerate(clusters.index):  # areas' index is its positions
        found[int(position)] = np.sort(inside_[area_of == offset])
    return found


def _part_result(row: pd.Series, fields: list[str]) -> dict:
    """A station's (or city's) evaluation of one part of the period: its metrics and the part."""
    out = {m: row.get(m) for m in fields}
    out.update({"start": f"{pd.Timestamp(row['start']):%Y-%m-%d}", "end": f"{pd.Timestamp(row['end']):%Y-%m-%d}",
                "standard": row.get("standard")})
    return out


def _station_results(table: pd.DataFrame, codes: list[str]) -> list[dict]:
    """Each station's evaluation, one entry per part of the period (a period spanning a change of
    standard has two), in the order of `codes`."""
    if table.empty or not codes:
        return [{"station_code": c, "status": INSUFFICIENT} for c in codes]
    chosen = table[table["station_code"].isin(codes)]
    found: dict[str, list[dict]] = {}
    for _, row in chosen.iterrows():
        found.setdefault(row["station_code"], []).append(
            _part_result(row, ["station_code", *STATION_METRICS]))
    return [r for c in codes for r in found.get(c, [{"station_code": c, "status": INSUFFICIENT}])]


def _city_rows(data: _Data, evaluate: _Evaluations, targets: list[Target], start: date, end: date,
               standard: str, target_standard: str | None) -> list[dict]:
    rows = []
    for city in sorted(set(evaluate.city.values()) - {""}):
        city_targets = targets_for(targets, "city", city, start, end)
        results = assess_targets(city_targets, evaluate, "city", city, target_standard)
        table = evaluate("city", start, end)
        codes = [c for c, name in evaluate.city.items() if name == city and c not in evaluate.background]
        status, reasons = _overall([], results)
        city_results = ([_part_result(row, STATION_METRICS) for _, row in
                         table[table["city"] == city].iterrows()] if len(table) else [])
        city_fires = data.fires[data.fires["county_adcode"].notna() & (data.fires["status"] != "dismissed")]
        rows.append({
            "scope_type": "city", "scope_id": city, "scope_name": city, "scope_kind": "",
            "start": start, "end": end, "standard": standard,
            "fire_events": int(len(city_fires)),
            "fire_events_verified": int((city_fires["status"] == "verified").sum()),
            "fire_events_industrial": int((city_fires["category"] == "suspected_industrial").sum()),
            "penalty_yuan": int(city_fires["penalty_yuan"].sum()),
            "penalty_yuan_verified": int(city_fires.loc[city_fires["status"] == "verified", "penalty_yuan"].sum()),
            "enterprises": len(data.enterprises), "enterprises_by_industry": _counts(data.enterprises["industry"]),
            "enterprises_by_grade": _counts(data.enterprises["performance_grade"]),
            "enterprises_by_ule": _counts(data.enterprises["ultra_low_emission"]),
            "attention_enterprises": [], "coal_users": [], "mines": len(data.mines),
            "mines_by_status": _counts(data.mines["status"]), "stations": codes, "stations_source": "city",
            "station_results": city_results,
            "targets": results, "status": status, "reasons": reasons, "sensitive_areas": [],
            "notes": _notes(city_results, results),
        })
    return rows


def sensitive_areas(con: Connection, start: date, end: date, rules: ComplianceRules | None = None,
                    fires: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per national station: enterprises, mines and fire events within the sensitive radius."""
    rules = rules or load_compliance_rules()
    stations = store.read_layer(con, get_layer("stations"))
    stations = stations[stations["level"].isin(rules.sensitive_station_levels)].reset_index(drop=True)
    enterprises = store.read_layer(con, get_layer("enterprises"))
    mines = store.read_layer(con, get_layer("mines"))
    fires = check_fires(con, start, end) if fires is None else fires
    fire_points = gpd.GeoDataFrame(fires[["event_id", "status", "category"]],
                                   geometry=gpd.points_from_xy(fires["lon"], fires["lat"]), crs=4326)
    near = {
        "enterprises": (enterprises, "name", within_distance(stations, enterprises, rules.sensitive_radius_m)),
        "mines": (mines, "name", within_distance(stations, mines, rules.sensitive_radius_m)),
        "fire_events": (fire_points, "event_id", within_distance(stations, fire_points, rules.sensitive_radius_m)),
    }
    rows = []
    for index, station in stations.iterrows():
        row = {"station_code": station["code"], "station_name": station["name"], "radius_m": rules.sensitive_radius_m,
               "start": start, "end": end}
        for kind, (frame, label, pairs) in near.items():
            mine = pairs[pairs["centre"] == index]
            row[kind] = [f"{frame.loc[f, label]} ({d:,.0f} m)" for f, d in zip(mine["feature"], mine["distance_m"], strict=True)]
            row[f"{kind}_count"] = len(mine)
        rows.append(row)
    return pd.DataFrame(rows)


def _sensitive_lines(table: pd.DataFrame) -> dict[str, list[Message]]:
    """station code → the line "甲站（S1）3,000 米内：企业 …；矿山 …；火点事件 …" as a message
    (only what is there)."""
    lines: dict[str, list[Message]] = {}
    for row in table.itertuples():
        parts = [msg(f"compliance.sensitive_line.{kind}", items=tuple(items)) for kind, items in
                 (("enterprises", row.enterprises), ("mines", row.mines), ("fire_events", row.fire_events))
                 if items]
        if parts:
            lines[row.station_code] = [msg("compliance.sensitive_line.line", station=row.station_name,
                                           code=row.station_code, radius=row.radius_m, parts=clauses(parts))]
    return lines


def _worded_counts(counts: dict[str, int], lang: str) -> dict[str, int]:
    return {(t("compliance.unfilled", lang) if k == UNFILLED else k): v for k, v in counts.items()}


def _standard_name(version: object, start: object = None, lang: str = DEFAULT_LANGUAGE) -> object:
    """A version code as the standard's name (with its limits period on `start`), else as it is."""
    if not isinstance(version, str) or not version:
        return version
    std = load_standard(version)
    if isinstance(start, str) and start:
        std = std.on(date.fromisoformat(start))
    return std.name + say(limits_message(std), lang)


def _worded_target(result: dict, lang: str) -> dict:
    return {**result, "rule": say(result["rule"], lang), "status": t(f"compliance.status.{result['status']}", lang),
            "reason": say(result["reason"], lang), "standard": _standard_name(result.get("standard"), lang=lang)}


def _worded_station(result: dict, lang: str) -> dict:
    """A station's evaluation (HJ 663-2013 methods) with its status and attainment codes as
    words and its standard by name."""
    out = dict(result)
    for name, group in (("status", "aq.data_status"), ("attainment", "aq.attainment")):
        if isinstance(out.get(name), str) and out[name]:
            out[name] = t(f"{group}.{out[name]}", lang)
    if "standard" in out:
        out["standard"] = _standard_name(out["standard"], out.get("start"), lang)
    return out


def worded(summary: pd.DataFrame, lang: str = DEFAULT_LANGUAGE) -> pd.DataFrame:
    """The summary with its codes and messages in `lang`'s words: status, reasons, targets
    (rule, status, reason), station results, sensitive-area lines and unfilled counts."""
    if summary.empty:
        return summary.copy()
    out = summary.copy()
    out["status"] = out["status"].map(lambda s: t(f"compliance.status.{s}", lang))
    out["standard"] = out["standard"].map(lambda b: say(basis_message(b), lang))
    out["reasons"] = out["reasons"].map(lambda rs: [say(r, lang) for r in rs])
    out["targets"] = out["targets"].map(lambda rs: [_worded_target(r, lang) for r in rs])
    out["station_results"] = out["station_results"].map(lambda rs: [_worded_station(r, lang) for r in rs])
    out["sensitive_areas"] = out["sensitive_areas"].map(lambda ls: [say(x, lang) for x in ls])
    out["notes"] = out["notes"].map(lambda ls: [say(x, lang) for x in ls])
    for column in ("enterprises_by_industry", "enterprises_by_grade", "enterprises_by_ule", "mines_by_status"):
        out[column] = out[column].map(lambda c: _worded_counts(c, lang))
    return out


def flatten(summary: pd.DataFrame, lang: str = DEFAULT_LANGUAGE) -> pd.DataFrame:
    """The summary as plain text cells in `lang` (for CSV/Excel/terminal tables)."""
    def text(value) -> str:
        if isinstance(value, dict):
            return t("format.clause_separator", lang).join(f"{k} {v}" for k, v in value.items())
        if isinstance(value, list):
            return t("format.clause_separator", lang).join(_item(v, lang) for v in value)
        return value

    shown = worded(summary, lang)
    return shown.drop(columns=[c for c in ("geometry",) if c in shown.columns]).map(text)


def _item(value, lang: str) -> str:
    if isinstance(value, dict):
        if "target" in value:
            return t("compliance.target_item", lang, station=value.get("station", ""), rule=value["rule"],
                     status=value["status"], reason=value["reason"]).strip()
        shown = {k: (round(v, 2) if isinstance(v, float) and not np.isnan(v) else v) for k, v in value.items()}
        return " ".join(f"{k}={v}" for k, v in shown.items())
    return str(value)
