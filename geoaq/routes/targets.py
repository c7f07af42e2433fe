"""Targets of a day's inspection routes, from what the other capabilities found.

* **Fire events** to verify: `check_fires` events of the day (and `fire_days − 1` days
  before) whose status is still 疑似 (suspected), newest first; inside a control zone they
  get `fire_in_zone_bonus` more priority.
* **Enterprises flagged by the compliance rules** (`data/rules/compliance.toml`, the rules
  of the 达标评估 summary): coal users (main fuel in `coal_fuels`) inside a coal-ban zone
  (`coal_ban_zone_types`); 绩效分级 C (`attention_grades`); enterprises within the
  sensitive radius of a national station whose HJ 663 evaluation over the `station_days`
  days ending on the day exceeds a limit. An enterprise with several flags is one target
  with the highest of their priorities and every reason.
* **应急检查**: on a day a heavy-pollution warning is in force (`geoaq.emergency`), the
  enterprises its level requires to take a measure of `emergency_measures` (停产 by default),
  C-grade and lowered ones `emergency_full_bonus` more priority; on the warning's first and
  last day only its hours can be inspected.
* **Mines under rectification**: status in `mine_attention_statuses` (停产整治).
* **Points picked on the map** (lon, lat, name).
* **双随机 draw**: `random_draw` picks, reproducibly from a seed, a quota of enterprises or
  mines per category among those not already targeted.

Each target row: target_id, kind, name, lon, lat, priority, service_min, tw_start, tw_end,
reason, source, county (the columns `geoaq.routes.plan.plan_routes` reads).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from geoaq._errors import RoutingInputError
from geoaq.accounts.roles import Actor
from geoaq.db import store
from geoaq.db.connection import Connection
from geoaq.i18n import DEFAULT_LANGUAGE, Joined, Message, clauses, msg, t
from geoaq.layers import get_layer
from geoaq.routes.rules import RouteRules, load_route_rules

COLUMNS = ["target_id", "kind", "name", "lon", "lat", "priority", "service_min", "tw_start", "tw_end",
           "reason", "source", "county"]
#: 双随机 categories: name → (layer, id column, target kind prefix)
DRAW_LAYERS = {"enterprises": ("enterprises", "enterprise_id", "ENT"), "mines": ("mines", "mine_id", "MINE")}


def _empty() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="object") for c in COLUMNS})


def _target(rules: RouteRules, kind: str, target_id: str, name: str, lon: float, lat: float,
            reason: str | Message | Joined, source: str, county: Any = None, bonus: float = 0.0) -> dict:
    kind_rules = rules.type_of(kind)
    return {"target_id": target_id, "kind": kind, "name": name, "lon": float(lon), "lat": float(lat),
            "priority": kind_rules.priority + bonus, "service_min": kind_rules.service_min,
            "tw_start": None, "tw_end": None, "reason": reason, "source": source,
            "county": None if county is None or (isinstance(county, float) and np.isnan(county)) else county}


def _points(frame: gpd.GeoDataFrame) -> tuple[np.ndarray, np.ndarray]:
    """lon/lat of each feature (a point inside polygons)."""
    if frame.empty:
        return np.array([]), np.array([])
    points = frame.geometry.representative_point()
    return points.x.to_numpy(), points.y.to_numpy()


def fire_targets(con: Connection, day: date, rules: RouteRules | None = None,
                 lang: str = DEFAULT_LANGUAGE) -> pd.DataFrame:
    """Suspected (unverified) fire events of the day, newest first (named in `lang`)."""
    from geoaq.fires.check import check_fires

    rules = rules or load_route_rules()
    days = rules.findings["fire_days"]
    bonus = float(rules.findings["fire_in_zone_bonus"])
    events = check_fires(con, day - timedelta(days=max(days, 1) - 1), day)
    events = events[events["status"] == "suspected"]
    if not rules.findings["include_suspected_industrial"]:
        events = events[events["category"] != "suspected_industrial"]
    events = events.sort_values(["first_detected_bjt", "event_id"], ascending=[False, True])
    rows = []
    for event in events.itertuples():
        where = (msg("routes.reason.fire_where", zones=tuple(str(z) for z in event.zone_names))
                 if event.in_control_zone else "")
        township = (msg("routes.reason.fire_township", township=event.township_name)
                    if isinstance(event.township_name, str) else "")
        seen = pd.Timestamp(event.first_detected_bjt).strftime("%m-%d %H:%M")
        reason = msg("routes.reason.fire", seen=seen, detections=event.detections, where=where, township=township)
        row = _target(rules, "fire_event", event.event_id, t("routes.fire_name", lang, event=event.event_id), event.lon,
                      event.lat, reason, "fire_check", event.county_name, bonus if event.in_control_zone else 0.0)
        first = pd.Timestamp(event.first_detected_bjt)
        if rules.findings["fire_window_from_detection"] and first.date() == day:
            row["tw_start"] = first.strftime("%H:%M")  # it cannot be verified before it was seen
        rows.append(row)
    return pd.DataFrame(rows, columns=COLUMNS) if rows else _empty()


def emergency_targets(con: Connection, day: date, rules: RouteRules | None = None) -> pd.DataFrame:
    """应急检查: the enterprises a warning in force on `day` requires to stop (or take another of
    `emergency_measures`), C-grade ones first (`geoaq.emergency.response.stop_targets`); where
    warnings overlap, each enterprise once, its window from the first start to the last end of
    the warnings requiring it."""
    from geoaq.emergency.response import stop_targets

    rules = rules or load_route_rules()
    found = stop_targets(con, day, kinds=tuple(rules.findings["emergency_measures"]))
    if found.empty:
        return _empty()
    bonus = float(rules.findings["emergency_full_bonus"])
    rows = []
    for ent in found.itertuples():
        reason = msg("emergency.route_reason", warning=ent.warning_id, level=msg(f"emergency.level.{ent.level}"),
                     measures=tuple(ent.measures), grade=ent.grade if isinstance(ent.grade, str) else "—")
        row = _target(rules, "emergency_stop", f"ENT-{ent.enterprise_key}", str(ent.enterprise_name), ent.lon,
                      ent.lat, reason, "emergency", ent.county, bonus if ent.grade_class == "full" else 0.0)
        start, end = pd.Timestamp(ent.start_at), pd.Timestamp(ent.end_at)  # of every warning requiring it
        if start.date() == day:
            row["tw_start"] = start.strftime("%H:%M")
        if end.date() == day:
            row["tw_end"] = end.strftime("%H:%M")
        rows.append(row)
    frame = pd.DataFrame(rows, columns=COLUMNS)
    return frame.sort_values(["priority", "target_id"], ascending=[False, True], kind="stable").reset_index(drop=True)


def exceeding_stations(con: Connection, day: date, rules: RouteRules, comp) -> pd.DataFrame:
    """National stations whose HJ 663 evaluation over the last station_days days exceeds a limit."""
    from geoaq.aq import readings as aq

    stations = store.read_layer(con, get_layer("stations"))
    stations = stations[stations["level"].isin(comp.sensitive_station_levels)]
    days = rules.findings["station_days"]
    table = aq.evaluate_period(con, day - timedelta(days=max(days, 1) - 1), day, by="station")
    if table.empty or stations.empty:
        return stations.iloc[0:0].assign(exceeded=None)
    over = [c for c in table.columns if c.endswith("_exceedance")]
    table = table.assign(exceeded=table[over].apply(
        lambda row: tuple(c.removesuffix("_exceedance") for c in over if row[c] > 0), axis=1))
    table = table[table["exceeded"].map(len) > 0]
    # a period spanning a change of standard has a row per part: a station exceeds in any of them
    table = (table.groupby("station_code", sort=False)["exceeded"]
             .agg(lambda parts: tuple(dict.fromkeys(c for p in parts for c in p))).reset_index())
    return stations.merge(table[["station_code", "exceeded"]], left_on="code", right_on="station_code")


def enterprise_targets(con: Connection, day: date, rules: RouteRules | None = None) -> pd.DataFrame:
    """Enterprises flagged by the compliance rules: coal users in coal-ban zones, C class,
    near a national station with exceedances."""
    from geoaq.compliance import summary as compliance

    rules = rules or load_route_rules()
    comp = compliance.load_compliance_rules()
    enterprises = store.read_layer(con, get_layer("enterprises")).reset_index(drop=True)
    if enterprises.empty:
        return _empty()
    enterprises = enterprises[~enterprises["status"].isin(["关停", "取消"])].reset_index(drop=True)
    flags: dict[int, list[tuple[str, Message]]] = {}
    zones = store.read_layer(con, get_layer("control_zones"))
    coal_zones = zones[zones["zone_type"].isin(comp.coal_ban_zone_types)].reset_index(drop=True)
    pairs = compliance.inside(enterprises, coal_zones.assign(zone=coal_zones.index), "zone")
    for zone, feature in zip(pairs["zone"], pairs["feature"], strict=True):
        if enterprises.at[feature, "main_fuel"] in comp.coal_fuels:
            flags.setdefault(feature, []).append(
                ("coal_user", msg("routes.reason.coal_user", fuel=enterprises.at[feature, "main_fuel"],
                                  zone=coal_zones.at[zone, "name"])))
    for feature in enterprises.index[enterprises["performance_grade"].isin(comp.attention_grades)]:
        flags.setdefault(feature, []).append(
            ("grade_c", msg("routes.reason.grade", grade=enterprises.at[feature, "performance_grade"])))
    stations = exceeding_stations(con, day, rules, comp).reset_index(drop=True)
    near = compliance.within_distance(stations, enterprises, comp.sensitive_radius_m)
    for centre, feature, metres in zip(near["centre"], near["feature"], near["distance_m"], strict=True):
        station = stations.loc[centre]
        flags.setdefault(feature, []).append(
            ("near_station", msg("routes.reason.near_station", station=station["name"], code=station["code"],
                                 metres=float(metres), days=rules.findings["station_days"],
                                 exceeded=tuple(msg(f"aq.statistic.{s}") for s in station["exceeded"]))))
    lon, lat = _points(enterprises)
    rows = []
    for feature in sorted(flags):
        found = flags[feature]
        kinds = sorted({k for k, _ in found}, key=lambda k: -rules.type_of(k).priority)
        reasons = list(dict.fromkeys(r for _, r in found))
        ent = enterprises.loc[feature]
        rows.append(_target(rules, kinds[0], f"ENT-{ent['enterprise_id']}", str(ent["name"]), lon[feature],
                            lat[feature], reasons[0] if len(reasons) == 1 else clauses(reasons), "compliance",
                            ent.get("county")))
    frame = pd.DataFrame(rows, columns=COLUMNS) if rows else _empty()
    return frame.sort_values(["priority", "target_id"], ascending=[False, True]).reset_index(drop=True)


def mine_targets(con: Connection, rules: RouteRules | None = None) -> pd.DataFrame:
    """Mines whose status needs attention (停产整治: under rectification)."""
    from geoaq.compliance import summary as compliance

    rules = rules or load_route_rules()
    comp = compliance.load_compliance_rules()
    mines = store.read_layer(con, get_layer("mines")).reset_index(drop=True)
    mines = mines[mines["status"].isin(comp.mine_attention_statuses)].reset_index(drop=True)
    lon, lat = _points(mines)
    rows = [_target(rules, "mine_rectification", f"MINE-{m['mine_id']}", str(m["name"]), lon[k], lat[k],
                    msg("routes.reason.mine", status=m["status"]), "mines", m.get("county"))
            for k, m in mines.iterrows()]
    return pd.DataFrame(rows, columns=COLUMNS) if rows else _empty()


def picked_targets(points: list[tuple], rules: RouteRules | None = None,
                   lang: str = DEFAULT_LANGUAGE) -> pd.DataFrame:
    """Points picked on the map: (lon, lat) or (lon, lat, name) each (unnamed ones named in `lang`)."""
    from geoaq.routes.inputs import check_position

    rules = rules or load_route_rules()
    rows = []
    for k, point in enumerate(points, start=1):
        lon, lat = float(point[0]), float(point[1])
        check_position(lon, lat, f"picked point {k}")
        name = str(point[2]).strip() if len(point) > 2 and str(point[2]).strip() else t("routes.picked_name", lang, n=k)
        rows.append(_target(rules, "picked", f"PICK-{k:02d}", name, lon, lat, msg("routes.reason.picked"), "picked"))
    return pd.DataFrame(rows, columns=COLUMNS) if rows else _empty()


def parse_picked(text: str) -> list[tuple]:
    """Lines of 'lon,lat[,name]' → points (blank lines and # comments skipped)."""
    points = []
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        parts = [p.strip() for p in line.replace("，", ",").split(",", 2)]
        try:
            points.append((float(parts[0]), float(parts[1]), *(parts[2:] or [])))
        except (ValueError, IndexError):
            raise RoutingInputError(f"picked points, line {number}: expected LON,LAT[,NAME], got {line!r}") from None
    return points


@dataclass(frozen=True)
class DrawResult:
    """A 双随机 draw: the targets and how they were drawn (for the record)."""

    targets: pd.DataFrame
    seed: int
    quotas: dict[str, int]
    populations: dict[str, int]

    def describe(self) -> Message:
        """How the draw was made: 双随机抽查：种子 42；enterprises 4/30，mines 2/5 (routes.draw)."""
        parts = [f"{c} {min(q, self.populations.get(c, 0))}/{self.populations.get(c, 0)}"
                 for c, q in self.quotas.items()]
        return msg("routes.draw", seed=self.seed, parts=Joined(tuple(parts), "format.comma"))


def parse_quotas(values: list[str] | tuple[str, ...] | dict | None) -> dict[str, int]:
    """['enterprises=3', 'enterprises:铸造=1', 'mines=1'] → {category: quota}."""
    if not values:
        return {}
    if isinstance(values, dict):
        items = list(values.items())
    else:
        items = []
        for text in values:
            key, sep, value = str(text).partition("=")
            if not sep:
                raise RoutingInputError(f"draw quota: expected CATEGORY=N, got {text!r}")
            items.append((key.strip(), value.strip()))
    quotas = {}
    for key, value in items:
        if key.split(":", 1)[0] not in DRAW_LAYERS:
            raise RoutingInputError(f"draw quota: unknown category {key!r}; use enterprises, "
                                    f"enterprises:<industry>, mines or mines:<mineral>")
        try:
            quota = int(value)
        except (TypeError, ValueError):
            raise RoutingInputError(f"draw quota {key}: {value!r} is not a whole number") from None
        if quota < 0:
            raise RoutingInputError(f"draw quota {key}: must be ≥ 0")
        quotas[key] = quota
    return quotas


def random_draw(con: Connection, quotas: dict[str, int], seed: int, *, exclude: set[str] | None = None,
                rules: RouteRules | None = None) -> DrawResult:
    """双随机: draw `quotas[category]` features per category with a seeded generator.

    Categories: `enterprises`, `enterprises:<industry>`, `mines`, `mines:<mineral>`. Each
    population is sorted by its natural key (the draw does not depend on storage order);
    statuses listed in the rules' [draw] section and ids in `exclude` (already targets) are
    not drawn. The same database, quotas and seed always draw the same features.
    """
    rules = rules or load_route_rules()
    exclude = set(exclude or ())
    generator = np.random.Generator(np.random.PCG64(int(seed)))
    rows, populations = [], {}
    taken: set[str] = set()
    for category in sorted(quotas):
        layer_key, _, sub = category.partition(":")
        layer, key, prefix = DRAW_LAYERS[layer_key]
        frame = store.read_layer(con, get_layer(layer))
        skip = rules.draw["excluded_enterprise_status" if layer == "enterprises" else "excluded_mine_status"]
        frame = frame[~frame["status"].isin(skip)]
        if sub:
            column = "industry" if layer == "enterprises" else "mineral"
            frame = frame[frame[column] == sub]
        frame = frame.assign(target_id=prefix + "-" + frame[key].astype(str))
        frame = frame[~frame["target_id"].isin(exclude | taken)].sort_values(key).reset_index(drop=True)
        populations[category] = len(frame)
        count = min(quotas[category], len(frame))
        if count == 0:
            continue
        chosen = np.sort(generator.choice(len(frame), size=count, replace=False))
        lon, lat = _points(frame)
        for k in chosen:
            feature = frame.loc[k]
            taken.add(feature["target_id"])
            rows.append(_target(rules, "random_draw", feature["target_id"], str(feature["name"]), lon[k], lat[k],
                                msg("routes.reason.draw", category=category, seed=seed, count=count,
                                    population=len(frame)), "random_draw",
                                feature.get("county")))
    frame = pd.DataFrame(rows, columns=COLUMNS) if rows else _empty()
    return DrawResult(frame, int(seed), dict(quotas), populations)


def latest_findings_day(con: Connection) -> date | None:
    """The Beijing day of the latest fire detection (the planner's default day), or None."""
    from geoaq.db.named import run
    from geoaq.fires.events import BEIJING_OFFSET

    if not store.table_exists(con, "fire_points"):
        return None
    latest = run(con, "fire_latest_detection").fetchone()[0]
    return None if latest is None else (pd.Timestamp(latest) + BEIJING_OFFSET).date()


def collect_targets(con: Connection, day: date, *, rules: RouteRules | None = None,
                    fires: bool = True, emergency: bool = True, enterprises: bool = True, mines: bool = True,
                    picked: list[tuple] | None = None, draw: dict[str, int] | None = None,
                    seed: int = 0, lang: str = DEFAULT_LANGUAGE, actor: Actor | None = None) -> pd.DataFrame:
    """Every target of the day: fires, 应急检查, flagged enterprises, mines, picked points, drawn ones.

    A feature found by several sources is kept once (the first: the order above). Reasons are
    messages; the names made up for fires and unnamed picks are in `lang`. For an `actor` that
    is not city-wide (a county account) only the targets inside its counties.
    """
    rules = rules or load_route_rules()
    parts = []
    if fires:
        parts.append(fire_targets(con, day, rules, lang))
    if emergency:
        parts.append(emergency_targets(con, day, rules))
    if enterprises:
        parts.append(enterprise_targets(con, day, rules))
    if mines:
        parts.append(mine_targets(con, rules))
    if picked:
        parts.append(picked_targets(picked, rules, lang))
    found = pd.concat([p for p in parts if len(p)], ignore_index=True) if any(len(p) for p in parts) else _empty()
    if draw:
        drawn = random_draw(con, draw, seed, exclude=set(found["target_id"]), rules=rules).targets
        if len(drawn):
            found = pd.concat([found, drawn], ignore_index=True) if len(found) else drawn
    return in_jurisdiction(con, found.drop_duplicates("target_id").reset_index(drop=True), actor)


def in_jurisdiction(con: Connection, targets: pd.DataFrame, actor: Actor | None) -> pd.DataFrame:
    """The targets lying in `actor`'s counties (admin_units; all for a city-wide account)."""
    from geoaq.accounts.jurisdiction import points_in_jurisdiction

    return points_in_jurisdiction(con, targets, actor)


def read_targets_file(path: str | Path) -> pd.DataFrame:
    """Targets from a CSV (lon/lat, 经度/纬度, longitude/latitude or x/y columns; UTF-8 or GBK)
    or a GeoJSON/GeoPackage of points (WGS-84)."""
    from io import StringIO

    from geoaq.ingest.encoding import decode_bytes

    path = Path(path)
    if not path.is_file():
        raise RoutingInputError(f"targets file {path} does not exist")
    if path.suffix.lower() in {".csv", ".txt", ".tsv"}:
        text, _codec = decode_bytes(path.read_bytes(), "auto", path)
        frame = pd.read_csv(StringIO(text), sep="\t" if path.suffix.lower() == ".tsv" else ",", dtype=str,
                            keep_default_na=False)
        aliases = {"lon": ("lon", "lng", "longitude", "经度", "x"), "lat": ("lat", "latitude", "纬度", "y"),
                   "target_id": ("target_id", "id", "编号"), "name": ("name", "名称"),
                   "kind": ("kind", "type", "类型"), "priority": ("priority", "优先级"),
                   "service_min": ("service_min", "检查时长", "服务时长"),
                   "tw_start": ("tw_start", "最早", "开始时间"), "tw_end": ("tw_end", "最晚", "结束时间"),
                   "reason": ("reason", "事由", "原因")}
        renamed = {}
        lower = {c.strip().lower(): c for c in frame.columns}
        for column, names in aliases.items():
            for name in names:
                if name in lower and column not in renamed.values():
                    renamed[lower[name]] = column
                    break
        frame = frame.rename(columns=renamed)
        if not {"lon", "lat"} <= set(frame.columns):
            raise RoutingInputError(f"targets file {path}: no longitude/latitude columns (lon/lat, 经度/纬度, "
                                    f"longitude/latitude or x/y); columns found: {list(frame.columns)}")
        frame = frame.replace("", None)
    else:
        try:
            gdf = gpd.read_file(path)
        except Exception as exc:  # pyogrio's own error types
            raise RoutingInputError(f"targets file {path}: cannot read it ({exc})") from None
        if gdf.crs is not None and not gdf.crs.equals("EPSG:4326"):
            gdf = gdf.to_crs(4326)
        points = gdf.geometry.representative_point()
        frame = pd.DataFrame(gdf.drop(columns=gdf.geometry.name)).assign(lon=points.x, lat=points.y)
    if frame.empty:
        raise RoutingInputError(f"targets file {path} has no rows")
    return frame.reset_index(drop=True)
