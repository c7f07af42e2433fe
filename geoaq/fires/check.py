"""Fire check (火点核查): every fire event of a period with who is responsible and what it costs.

For each event: its county and township (`admin_units`), every control zone it falls in
(boundary points count as inside), the nearest enterprise and mine with the distance in
metres, the land-cover class under it, its category (straw burning / other open burning /
suspected industrial heat source, with the reason as a `geoaq.i18n.Message`), its
verification status and its penalty.
The spatial joins run as DuckDB SQL (`geoaq.db.cellcover`, `geoaq/sql/fire_*.sql`); the
decisions are pure functions on the joined table.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from geoaq.accounts.roles import Actor
from geoaq.db import cellcover as spatialjoin
from geoaq.db import store
from geoaq.db.connection import Connection
from geoaq.db.named import run
from geoaq.fires import events as fires
from geoaq.fires import penalties, verification
from geoaq.fires.events import BEIJING_OFFSET, CONFIDENCE_RANK
from geoaq.fires.rules import FireRules, fire_rules_path, load_fire_rules
from geoaq.i18n import Message, localized, msg
from geoaq.layers import get_layer

#: The fire rules file whose edits change `attribution_key`; None: the one in use
#: (`fire_rules_path`, what `load_fire_rules` reads)
FIRE_RULES_PATH: Path | None = None
POINTS_TABLE = "fire_check_points"
#: generous degree pre-filter for metric searches: metres / this = degrees (cos 54° ≈ 0.59)
_METRES_PER_DEGREE_MIN = 65_000.0
CHECK_COLUMNS = [
    "event_id", "local_date", "first_detected_bjt", "last_detected_bjt", "lon", "lat",
    "detections", "satellites", "instruments", "max_confidence", "max_frp",
    "county_adcode", "county_name", "township_adcode", "township_name", "attribution_corrected",
    "zone_ids", "zone_names", "zone_types", "in_control_zone",
    "nearest_enterprise_id", "nearest_enterprise_name", "nearest_enterprise_industry",
    "nearest_enterprise_m", "nearest_mine_id", "nearest_mine_name", "nearest_mine_m",
    "landcover_code", "landcover_name", "category", "category_reason",
    "status", "dismiss_reason", "status_changed_by", "status_changed_at",
    "penalised", "penalty_yuan", "penalty_rule", "capped", "ordinal_in_township",
]


def regroup_after_load(con: Connection, rules: FireRules | None = None) -> fires.RefreshResult:
    """Regroup the fire events of every day whose detections changed (statuses following
    renamed events), right after a load: the loading process does it once, so the first page
    or command that reads the events does not have to."""
    result = fires.refresh_events(con, None, None, rules)
    if result.renamed:
        verification.carry_over(con, result.renamed)
    return result


def events_in_period(con: Connection, start: date, end: date, min_confidence: str | None = None,
                     rules: FireRules | None = None, refresh: bool = True) -> pd.DataFrame:
    """Events of Beijing days start..end (recomputed first), filtered by their best confidence."""
    if refresh:
        result = fires.refresh_events(con, start, end, rules)
        if result.renamed:
            verification.carry_over(con, result.renamed)
    events = run(con, "fire_events_in_range", [start, end]).df()
    if min_confidence is not None:
        floor = CONFIDENCE_RANK[fires.parse_confidence(min_confidence)]
        rank = events["max_confidence"].map(CONFIDENCE_RANK)
        events = events[rank.fillna(-1) >= floor]
    events["local_date"] = pd.to_datetime(events["local_date"]).dt.date
    events["first_detected_bjt"] = pd.to_datetime(events["first_utc"]) + BEIJING_OFFSET
    events["last_detected_bjt"] = pd.to_datetime(events["last_utc"]) + BEIJING_OFFSET
    return events.reset_index(drop=True)


def _register_points(con: Connection, events: pd.DataFrame) -> None:
    points = events[["event_id", "lon", "lat", "local_date", "radius_m"]].rename(
        columns={"event_id": "point_id"}).assign(event_id=events["event_id"])
    con.register("fire_points_frame", points)
    try:
        run(con, "temp_copy", target=POINTS_TABLE, source="fire_points_frame")
    finally:
        con.unregister("fire_points_frame")


def admin_attribution(con: Connection) -> pd.DataFrame:
    """event_id → county/township adcode and name (one each; the lowest code on a shared edge)."""
    columns = ["event_id", "county_adcode", "county_name", "township_adcode", "township_name"]
    if not store.table_exists(con, "admin_units"):
        return pd.DataFrame(columns=columns)
    hits = spatialjoin.points_in_polygons(con, POINTS_TABLE, "admin_units")
    units = run(con, "admin_units_names").df()
    hits = hits.merge(units, on="adcode").sort_values(["point_id", "adcode"])
    county = hits[hits["level"] == "县"].drop_duplicates("point_id")
    township = hits[hits["level"] == "乡镇"].drop_duplicates("point_id")
    merged = county[["point_id", "adcode", "name"]].rename(
        columns={"adcode": "county_adcode", "name": "county_name"}).merge(
        township[["point_id", "adcode", "name", "parent_adcode"]].rename(
            columns={"adcode": "township_adcode", "name": "township_name"}),
        on="point_id", how="outer")
    # a township without its county row (county layer absent): take the county from its parent
    missing = merged["county_adcode"].isna() & merged["parent_adcode"].notna()
    merged.loc[missing, "county_adcode"] = merged.loc[missing, "parent_adcode"]
    names = units.set_index("adcode")["name"]
    merged.loc[missing, "county_name"] = merged.loc[missing, "county_adcode"].map(names)
    return merged.rename(columns={"point_id": "event_id"})[columns]


def zone_attribution(con: Connection) -> pd.DataFrame:
    """event_id → lists of the ids, names and types of every control zone containing it."""
    columns = ["event_id", "zone_ids", "zone_names", "zone_types"]
    if not store.table_exists(con, "control_zones"):
        return pd.DataFrame(columns=columns)
    hits = spatialjoin.points_in_polygons(con, POINTS_TABLE, "control_zones")
    zones = run(con, "control_zones_names").df()
    hits = hits.merge(zones, on="zone_id").sort_values(["point_id", "zone_type", "zone_id"])
    point_ids = hits["point_id"].to_numpy()
    starts = np.flatnonzero(np.r_[True, point_ids[1:] != point_ids[:-1]]) if len(hits) else np.zeros(0, int)
    ids, names, types = (_runs(hits[c].tolist(), starts) for c in ("zone_id", "name", "zone_type"))
    # types are sorted within a point, so first occurrences in order = sorted(set(types))
    return pd.DataFrame({"event_id": point_ids[starts], "zone_ids": ids, "zone_names": names,
                         "zone_types": [list(dict.fromkeys(run)) for run in types]}, columns=columns)


def _runs(values: list, starts: np.ndarray) -> list[list]:
    """`values` cut into consecutive runs beginning at `starts` (a list per key, without a
    pandas group per key: 100,000 events took seconds)."""
    bounds = [*starts.tolist(), len(values)]
    return [values[a:b] for a, b in zip(bounds[:-1], bounds[1:], strict=True)]


def nearest(con: Connection, layer: str, kind_column: str, *, within_m: float,
            kinds: tuple[str, ...] | None = None) -> pd.DataFrame:
    """event_id → the nearest feature of `layer` (optionally of the given kinds) within_m metres."""
    columns = ["event_id", "feature_id", "feature_name", "feature_kind", "distance_m"]
    if not store.table_exists(con, layer):
        return pd.DataFrame(columns=columns)
    spec = get_layer(layer)
    found = run(con, "fire_nearest_feature",
                [list(kinds) if kinds else None, list(kinds) if kinds else None, within_m / _METRES_PER_DEGREE_MIN],
                points=POINTS_TABLE, layer=layer, key=spec.natural_key[0], kind=kind_column).df()
    found = found[found["distance_m"] <= within_m]
    return found.rename(columns={"point_id": "event_id"})[columns]


def persistent_events(con: Connection, events: pd.DataFrame, rules: FireRules) -> set[str]:
    """Events seen at the same place on ≥ min_days distinct days within a window_days window.

    The same rule as `is_persistent` for every event at once, in SQL (fire_persistent_events).
    """
    if events.empty or not store.table_exists(con, "fire_points"):
        return set()
    reach = float(events["radius_m"].max())
    rows = run(con, "fire_persistent_events", [reach / _METRES_PER_DEGREE_MIN, rules.persistence_window_days - 1,
                        rules.persistence_min_days], events=POINTS_TABLE).fetchall()
    return {event_id for (event_id,) in rows}


def is_persistent(days: list[date], on: date, min_days: int, window_days: int) -> bool:
    """True when some window of `window_days` days containing `on` holds ≥ min_days of `days`."""
    ordered = sorted({pd.Timestamp(d).date() for d in days})
    for start in ordered:
        end = start + pd.Timedelta(days=window_days - 1)
        if start <= on <= end and sum(start <= d <= end for d in ordered) >= min_days:
            return True
    return False


def landcover_classes(events: pd.DataFrame, rules: FireRules) -> pd.DataFrame:
    """Land-cover code, name and cropland flag under each event (all missing without a raster)."""
    if rules.landcover is None or events.empty:
        return pd.DataFrame({"landcover_code": pd.Series(pd.NA, index=events.index, dtype="Int64"),
                             "landcover_name": pd.Series(pd.NA, index=events.index, dtype="string"),
                             "landcover_name_en": pd.Series(pd.NA, index=events.index, dtype="string"),
                             "cropland": pd.Series(pd.NA, index=events.index, dtype="boolean")})
    from geoaq.geo import raster

    classes = raster.classify_points(rules.landcover, events["lon"].to_numpy(), events["lat"].to_numpy())
    classes.index = events.index
    return pd.DataFrame({"landcover_code": classes["landcover_code"],
                         "landcover_name": classes["landcover_zh"].astype("string"),
                         "landcover_name_en": classes["landcover_en"].astype("string"),
                         "cropland": classes["cropland"]})


def categorize(checked: pd.DataFrame, persistent: set[str], rules: FireRules) -> tuple[pd.Series, pd.Series]:
    """(category, reason) per event; pure. Heat sources first, then land cover, then the default.

    A reason is a message (fires.reason.*): the heat source with its distance, the persistent
    hot spot, the land-cover class (in both of the class map's languages) or the default."""
    categories, reasons = [], []
    persistent_reason = msg("fires.reason.persistent", window=rules.persistence_window_days,
                            min_days=rules.persistence_min_days)
    default_reason = msg("fires.reason.no_landcover", category=msg(f"fires.category.{rules.without_landcover}"))
    landcover_reasons: dict[tuple[str, str], Message] = {}
    # only the columns needed, as plain lists (itertuples over every column took seconds)
    needed = ("event_id", "heat_source_name", "heat_source_kind", "heat_source_layer", "heat_source_m",
              "cropland", "landcover_name", "landcover_name_en")
    for event_id, heat_name, heat_kind, heat_layer, heat_m, cropland, name_zh, name_en in zip(
            *(checked[c].tolist() for c in needed), strict=True):
        if pd.notna(heat_name):
            categories.append("suspected_industrial")
            reasons.append(msg(f"fires.reason.heat_source_{heat_layer}", kind=heat_kind, name=heat_name,
                               metres=float(heat_m), buffer=rules.heat_buffer_m))
        elif event_id in persistent:
            categories.append("suspected_industrial")
            reasons.append(persistent_reason)
        elif pd.notna(cropland):
            categories.append("straw_burning" if bool(cropland) else "other_open_burning")
            key = (str(name_zh), str(name_en))
            if key not in landcover_reasons:
                landcover_reasons[key] = msg("fires.reason.landcover", name=localized(zh=key[0], en=key[1]))
            reasons.append(landcover_reasons[key])
        else:
            categories.append(rules.without_landcover)
            reasons.append(default_reason)
    return (pd.Series(categories, index=checked.index, dtype="string"),
            pd.Series(reasons, index=checked.index, dtype=object))


def heat_sources(con: Connection, rules: FireRules) -> pd.DataFrame:
    """event_id → the nearest high-temperature enterprise or listed-mineral mine within the buffer."""
    enterprises = nearest(con, "enterprises", "industry", within_m=rules.heat_buffer_m,
                          kinds=rules.heat_industries or None).assign(layer="enterprises")
    mines = nearest(con, "mines", "mineral", within_m=rules.heat_buffer_m,
                    kinds=rules.heat_mine_minerals or None).assign(layer="mines")
    if not rules.heat_industries:
        enterprises = enterprises.iloc[0:0]
    if not rules.heat_mine_minerals:
        mines = mines.iloc[0:0]
    both = pd.concat([enterprises, mines], ignore_index=True).sort_values(["event_id", "distance_m"])
    best = both.drop_duplicates("event_id")
    return pd.DataFrame({
        "event_id": best["event_id"],
        "heat_source_name": best["feature_name"],
        "heat_source_kind": best["feature_kind"].fillna("").str.strip(),
        "heat_source_layer": best["layer"].map({"enterprises": "enterprise", "mines": "mine"}),
        "heat_source_m": best["distance_m"],
    })


def check_fires(con: Connection, start: date, end: date, *, min_confidence: str | None = None,
                figures: str = "suspected", rules: FireRules | None = None,
                search_m: float = 20_000.0, actor: Actor | None = None) -> pd.DataFrame:
    """One row per fire event of Beijing days start..end: attribution, category, status, penalty.

    `figures` chooses which events are penalised: "suspected" (all not dismissed) or
    "verified" (only verified ones). With `actor`, only the events of its jurisdiction (a
    county user's counties, after corrections) — so counts, penalties and notices made from
    the result hold only those.
    """
    attributed = attribute_events(con, start, end, min_confidence=min_confidence, rules=rules,
                                  search_m=search_m)
    return assess_events(con, attributed, figures=figures, actor=actor)


def in_jurisdiction(frame: pd.DataFrame, actor: Actor | None) -> pd.DataFrame:
    """The rows of `frame` (with a county_adcode column) that `actor` sees; all without one."""
    if actor is None or actor.city_wide or frame.empty:
        return frame
    return frame[frame["county_adcode"].isin(sorted(actor.counties))].reset_index(drop=True)


def attribution_key(con: Connection, rules: FireRules | None = None) -> tuple:
    """A value that changes whenever :func:`attribute_events`' inputs may have changed.

    Those are the layers (every load is an ingest run) and the fire rules, land-cover class
    map and raster files; a verification status is not among them. A page can therefore keep
    a season's attribution while reviewers set statuses, and redo only :func:`assess_events`.
    """
    from geoaq.geo.raster import class_map_path

    runs, latest = run(con, "ingest_runs_version").fetchone()
    rules = rules or load_fire_rules()
    files = (FIRE_RULES_PATH or fire_rules_path(), class_map_path(), rules.landcover)
    stamps = tuple((str(f), f.stat().st_mtime_ns if f.exists() else None) for f in files if f is not None)
    return int(runs), int(latest), stamps


def attribute_events(con: Connection, start: date, end: date, *, min_confidence: str | None = None,
                     rules: FireRules | None = None, search_m: float = 20_000.0) -> pd.DataFrame:
    """The events of Beijing days start..end with everything no verification status changes:
    county/township, zones, nearest enterprise and mine, heat sources, land cover, category.

    The slow part of :func:`check_fires` (seconds for a season of 100,000 events).
    """
    rules = rules or load_fire_rules()
    events = events_in_period(con, start, end, min_confidence, rules)
    if events.empty:
        return events
    _register_points(con, events)
    try:
        checked = events.merge(admin_attribution(con), on="event_id", how="left")
        checked = checked.merge(zone_attribution(con), on="event_id", how="left")
        for layer, prefix, kind in (("enterprises", "nearest_enterprise", "industry"),
                                    ("mines", "nearest_mine", "status")):
            found = nearest(con, layer, kind, within_m=search_m).rename(columns={
                "feature_id": f"{prefix}_id", "feature_name": f"{prefix}_name",
                "feature_kind": f"{prefix}_kind", "distance_m": f"{prefix}_m"})
            checked = checked.merge(found, on="event_id", how="left")
        checked = checked.merge(heat_sources(con, rules), on="event_id", how="left")
        persistent = persistent_events(con, events, rules)
    finally:
        run(con, "temp_drop", table=POINTS_TABLE)
    for column in ("zone_ids", "zone_names", "zone_types"):
        checked[column] = checked[column].map(lambda v: v if isinstance(v, list) else [])
    checked["in_control_zone"] = checked["zone_ids"].map(bool)
    checked["nearest_enterprise_industry"] = checked.pop("nearest_enterprise_kind")
    checked = checked.drop(columns=["nearest_mine_kind"])
    checked = checked.join(landcover_classes(checked, rules))
    checked["category"], checked["category_reason"] = categorize(checked, persistent, rules)
    return checked


def assess_events(con: Connection, attributed: pd.DataFrame, *, figures: str = "suspected",
                  actor: Actor | None = None) -> pd.DataFrame:
    """:func:`attribute_events`' rows with their current status (a reviewer's county/township
    correction wins) and penalties: :func:`check_fires`' result, only `actor`'s jurisdiction
    when given. Leaves `attributed` as it is."""
    if attributed.empty:
        return pd.DataFrame(columns=CHECK_COLUMNS)
    checked = in_jurisdiction(_apply_status(con, attributed), actor)
    if checked.empty:
        return pd.DataFrame(columns=CHECK_COLUMNS)
    assessed = penalties.assess(checked, penalties.load_rules(), figures=figures)
    checked = assessed.rename(columns={"rule": "penalty_rule"})
    return checked[CHECK_COLUMNS].sort_values(["first_detected_bjt", "event_id"]).reset_index(drop=True)


def _apply_status(con: Connection, checked: pd.DataFrame) -> pd.DataFrame:
    """Join the current verification status; a user's county/township correction wins."""
    status = verification.current_status(con, checked["event_id"].tolist())
    status = status.rename(columns={"county_adcode": "corrected_county", "township_adcode": "corrected_township",
                                    "changed_by": "status_changed_by", "changed_at": "status_changed_at"})
    out = checked.merge(status[["event_id", "status", "dismiss_reason", "corrected_county",
                                "corrected_township", "status_changed_by", "status_changed_at"]],
                        on="event_id", how="left")
    out["status"] = out["status"].fillna("suspected")
    corrected = out["corrected_county"].notna() | out["corrected_township"].notna()
    out["attribution_corrected"] = corrected
    if corrected.any():
        names = run(con, "admin_units_names").df().set_index("adcode")["name"]
        for level in ("county", "township"):
            fix = out[f"corrected_{level}"].notna()
            out.loc[fix, f"{level}_adcode"] = out.loc[fix, f"corrected_{level}"]
            out.loc[fix, f"{level}_name"] = out.loc[fix, f"{level}_adcode"].map(names)
    return out.drop(columns=["corrected_county", "corrected_township"])



def event_detections(con: Connection, event_ids: list[str]) -> pd.DataFrame:
    """The detections behind the given events, with Beijing times, oldest first."""
    if not event_ids:
        return pd.DataFrame(columns=["event_id", "satellite", "instrument", "detected_bjt",
                                     "confidence", "confidence_class", "frp", "latitude", "longitude"])
    frame = run(con, "fire_event_detections_of", [list(event_ids)]).df()
    frame["detected_bjt"] = pd.to_datetime(frame.pop("acquired_at_utc")) + BEIJING_OFFSET
    return frame.drop(columns=["acq_date", "acq_time"])


def fires_per_cropland(con: Connection, checked: pd.DataFrame, rules: FireRules | None = None) -> pd.DataFrame:
    """Per county: straw-burning events, cropland hectares (zonal statistics of the land-cover
    raster) and events per 1,000 ha of cropland. Empty without a raster or counties."""
    rules = rules or load_fire_rules()
    columns = ["county_adcode", "county_name", "straw_burning_events", "cropland_ha", "fires_per_1000ha"]
    if rules.landcover is None or not store.table_exists(con, "admin_units"):
        return pd.DataFrame(columns=columns)
    from geoaq.geo import raster

    units = store.read_layer(con, get_layer("admin_units"))
    counties = units[units["level"] == "县"].set_index("adcode")
    if counties.empty:
        return pd.DataFrame(columns=columns)
    class_map = raster.load_class_map()
    cropland = raster.cropland_hectares(rules.landcover, counties.geometry, class_map.cropland)
    straw = checked[(checked["category"] == "straw_burning") & (checked["status"] != "dismissed")]
    counts = straw.groupby("county_adcode").size()
    rate = raster.fires_per_1000ha(counts, cropland)
    table = pd.DataFrame({
        "county_adcode": counties.index,
        "county_name": counties["name"].to_numpy(),
        "straw_burning_events": counts.reindex(counties.index).fillna(0).astype("int64").to_numpy(),
        "cropland_ha": cropland.reindex(counties.index).round(0).to_numpy(),
        "fires_per_1000ha": rate.reindex(counties.index).round(4).to_numpy(),
    })
    return table.sort_values(["fires_per_1000ha", "county_adcode"], ascending=[False, True],
                             na_position="last").reset_index(drop=True)
