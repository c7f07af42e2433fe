"""Satellite fire events: detections grouped into events, in Beijing time.

Several satellites and passes see the same fire. Detections lying within the linking
distance of each other (the larger pixel size of the two: VIIRS 375 m, MODIS 1 km, or the
detection's own FIRMS scan × track footprint) on the same Beijing day form one event that
keeps all its detections; counts and penalties use events. FIRMS times are UTC; users think
in Beijing time (UTC+8, no daylight saving), so a detection at 15:30 UTC belongs to the same
Beijing day and one at 16:30 UTC to the next.

Event ids are stable: derived from the event's first detection (time, then position,
satellite), so a re-computation that only adds detections keeps them; when an id does change
(a merge or split), `refresh_events` reports old → new so statuses can be carried over.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

import numpy as np
import pandas as pd
import pyproj
import shapely

from geoaq._errors import FireInputError
from geoaq.db.connection import (
    Connection,
    claim,
    ensure_claims,
    refresh_lock,
    transaction,
    write_attempts,
)
from geoaq.db.named import run
from geoaq.fires.rules import FireRules, load_fire_rules

BEIJING_OFFSET = pd.Timedelta(hours=8)
CONFIDENCE_RANK = {"low": 0, "nominal": 1, "high": 2}
_CONFIDENCE_WORDS = {"l": "low", "low": "low", "n": "nominal", "nominal": "nominal",
                     "h": "high", "high": "high"}
DETECTION_KEY = ["latitude", "longitude", "acq_date", "acq_time", "satellite"]
_GEOD = pyproj.Geod(ellps="WGS84")
_METRES_PER_DEGREE = 111_320.0


# --- time and confidence -------------------------------------------------------------------


def to_beijing(utc: pd.Series) -> pd.Series:
    """UTC timestamps (naive) as Beijing local time (naive, UTC+8)."""
    return pd.to_datetime(utc) + BEIJING_OFFSET


def beijing_day_bounds_utc(start: date, end: date) -> tuple[datetime, datetime]:
    """The UTC interval [from, to) covering Beijing days start..end inclusive."""
    first = pd.Timestamp(start) - BEIJING_OFFSET
    last = pd.Timestamp(end) + pd.Timedelta(days=1) - BEIJING_OFFSET
    return first.to_pydatetime(), last.to_pydatetime()


def parse_confidence(text: str | int | float) -> str:
    """A minimum confidence as a class: l/n/h, low/nominal/high, or a MODIS 0–100 value."""
    key = str(text).strip().lower()
    if key in _CONFIDENCE_WORDS:
        return _CONFIDENCE_WORDS[key]
    try:
        value = float(key)
    except ValueError:
        raise FireInputError(
            f"confidence {text!r}: expected low/nominal/high (l/n/h) or a MODIS value 0-100"
        ) from None
    if not 0 <= value <= 100:
        raise FireInputError(f"confidence {text!r}: a MODIS confidence lies between 0 and 100")
    return "high" if value >= 80 else "nominal" if value >= 30 else "low"


# --- grouping detections into events (pure) ------------------------------------------------


def linking_radius_m(detections: pd.DataFrame, rules: FireRules) -> np.ndarray:
    """Per detection: its pixel size in metres (scan × track footprint, else the nominal)."""
    nominal = np.where(detections["instrument"].astype("string").fillna("") == "VIIRS",
                       rules.viirs_pixel_m, rules.modis_pixel_m)
    if not rules.use_scan_track or not {"scan", "track"} <= set(detections.columns):
        return nominal.astype(float)
    footprint = np.fmax(detections["scan"].to_numpy(dtype=float, na_value=np.nan),
                        detections["track"].to_numpy(dtype=float, na_value=np.nan)) * 1000.0
    return np.where(np.isfinite(footprint) & (footprint > 0), footprint, nominal).astype(float)


def geodesic_m(lon1, lat1, lon2, lat2) -> np.ndarray:
    """Distances in metres on the WGS-84 ellipsoid (vectorised)."""
    if len(lon1) == 0:
        return np.zeros(0)
    return np.asarray(_GEOD.inv(lon1, lat1, lon2, lat2)[2], dtype=float)


def linked_pairs(lon: np.ndarray, lat: np.ndarray, radius_m: np.ndarray,
                 group: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Index pairs (i < j) in the same group closer than max(radius_i, radius_j).

    Candidates come from an STRtree in degrees with a generous radius; the decision uses the
    geodesic distance in metres.
    """
    if len(lon) < 2:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    points = shapely.points(lon, lat)
    reach_deg = radius_m.max() / (_METRES_PER_DEGREE * max(np.cos(np.radians(np.abs(lat).max())), 0.05))
    left, right = _candidates_within_groups(points, group, reach_deg)
    keep = left < right
    left, right = left[keep], right[keep]
    distance = geodesic_m(lon[left], lat[left], lon[right], lat[right])
    close = distance <= np.maximum(radius_m[left], radius_m[right])
    return left[close], right[close]


def _candidates_within_groups(points: np.ndarray, group: np.ndarray,
                              reach_deg: float) -> tuple[np.ndarray, np.ndarray]:
    """All index pairs of the same group within `reach_deg` (planar), one STRtree per group.

    The same pairs as one tree over all points filtered to equal groups, without the
    candidates from other days at the same place (a season has many at each spot).
    """
    order = np.argsort(group, kind="stable")
    cuts = np.flatnonzero(np.diff(group[order])) + 1
    lefts, rights = [np.zeros(0, dtype=np.int64)], [np.zeros(0, dtype=np.int64)]
    for members in np.split(order, cuts):
        if len(members) < 2:
            continue
        found = shapely.STRtree(points[members]).query(points[members], predicate="dwithin",
                                                       distance=reach_deg)
        lefts.append(members[found[0]])
        rights.append(members[found[1]])
    return np.concatenate(lefts), np.concatenate(rights)


def connected_labels(count: int, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Connected-component label (the smallest member index) of each of `count` items."""
    labels = np.arange(count)
    if len(left) == 0:
        return labels
    while True:
        low = np.minimum(labels[left], labels[right])
        updated = labels.copy()
        np.minimum.at(updated, left, low)
        np.minimum.at(updated, right, low)
        updated = updated[updated]  # pointer jumping
        if np.array_equal(updated, labels):
            return labels
        labels = updated


def _time_groups(acquired_utc: pd.Series, window_hours: float) -> np.ndarray:
    """Group numbers: the Beijing day, or chains of detections < window_hours apart."""
    local = to_beijing(acquired_utc)
    if window_hours <= 0:
        return local.dt.normalize().to_numpy().astype("datetime64[D]").astype(np.int64)
    order = np.argsort(local.to_numpy(), kind="stable")
    sorted_times = local.to_numpy()[order]
    gaps = np.diff(sorted_times) > np.timedelta64(int(window_hours * 3600), "s")
    chain = np.concatenate([[0], np.cumsum(gaps)])
    groups = np.empty(len(order), dtype=np.int64)
    groups[order] = chain
    return groups


def event_id_for(first: pd.Series) -> str:
    """Stable id of an event from its first detection: FE-YYYYMMDD-<8 hex>."""
    key = (f"{float(first['latitude']):.5f},{float(first['longitude']):.5f},"
           f"{pd.Timestamp(first['acq_date']).date()},{first['acq_time']},{first['satellite']}")
    local_day = (pd.Timestamp(first["acquired_at_utc"]) + BEIJING_OFFSET).strftime("%Y%m%d")
    return f"FE-{local_day}-{hashlib.sha1(key.encode()).hexdigest()[:8]}"


def _each_cached(values: list, text: Callable[[object], str]) -> list[str]:
    """`text(v)` for every value, computed once per distinct value (dates and times repeat).

    Values count as the same only with equal type, value and time zone, so the text is exactly
    what `text` gives for each value on its own.
    """
    done: dict = {}
    out = []
    for value in values:
        try:
            key = (type(value), value, getattr(value, "tzinfo", None))
            piece = done.get(key)
            if piece is None:
                piece = done[key] = text(value)
        except TypeError:  # unhashable: no cache
            piece = text(value)
        out.append(piece)
    return out


def event_ids_for(firsts: pd.DataFrame) -> list[str]:
    """`event_id_for` of every row of `firsts`, byte for byte, without a pandas row per event.

    Ids are persisted and quoted by users, so the key text is built with the same formatting
    as `event_id_for`; only the per-row pandas overhead goes (100,000 events: ~10 s → ~0.3 s).
    """
    if firsts.empty:
        return []
    lat = [f"{v:.5f}" for v in firsts["latitude"].astype(float).tolist()]
    lon = [f"{v:.5f}" for v in firsts["longitude"].astype(float).tolist()]
    day = _each_cached(firsts["acq_date"].tolist(), lambda v: f"{pd.Timestamp(v).date()}")
    time = [f"{v}" for v in firsts["acq_time"].tolist()]
    satellite = [f"{v}" for v in firsts["satellite"].tolist()]
    local_day = _each_cached(firsts["acquired_at_utc"].tolist(),
                             lambda v: (pd.Timestamp(v) + BEIJING_OFFSET).strftime("%Y%m%d"))
    return [f"FE-{bjt}-{hashlib.sha1(f'{a},{o},{d},{t},{s}'.encode()).hexdigest()[:8]}"
            for a, o, d, t, s, bjt in zip(lat, lon, day, time, satellite, local_day, strict=True)]


def group_detections(detections: pd.DataFrame, rules: FireRules) -> pd.DataFrame:
    """Assign every detection an `event_id` (and its `radius_m`); pure.

    `detections` needs the fire_points key columns, acquired_at_utc, instrument and
    optionally scan/track.
    """
    frame = detections.reset_index(drop=True).copy()
    if frame.empty:
        return frame.assign(event_id=pd.Series(dtype="string"), radius_m=pd.Series(dtype=float))
    frame["radius_m"] = linking_radius_m(frame, rules)
    groups = _time_groups(frame["acquired_at_utc"], rules.window_hours)
    lon, lat = frame["longitude"].to_numpy(float), frame["latitude"].to_numpy(float)
    if rules.window_hours > 0:  # chains may also need the time condition between members
        left, right = linked_pairs(lon, lat, frame["radius_m"].to_numpy(), groups)
        times = frame["acquired_at_utc"].to_numpy()
        within = np.abs(times[left] - times[right]) <= np.timedelta64(int(rules.window_hours * 3600), "s")
        left, right = left[within], right[within]
    else:
        left, right = linked_pairs(lon, lat, frame["radius_m"].to_numpy(), groups)
    frame["_component"] = connected_labels(len(frame), left, right)
    ordered = frame.sort_values(["acquired_at_utc", "latitude", "longitude", "satellite"], kind="stable")
    firsts = ordered.drop_duplicates("_component")
    ids = pd.Series(event_ids_for(firsts), index=firsts["_component"].to_numpy())
    frame["event_id"] = frame["_component"].map(ids)
    return frame.drop(columns="_component")


def _joined_distinct(keys: pd.Series, values: pd.Series, index: pd.Index) -> pd.Series:
    """Per key of `index`: its distinct values, sorted, joined by commas ("" when it has none).

    The same text as `",".join(sorted(set(values)))` per group, computed for all groups at
    once: unique (key, value) pairs sorted by key then value, concatenated per key run.
    """
    pairs = pd.DataFrame({"key": keys.to_numpy(dtype=object), "value": values.to_numpy(dtype=object)})
    pairs = pairs.drop_duplicates().sort_values(["key", "value"], kind="stable")
    if pairs.empty:
        return pd.Series("", index=index, dtype=object)
    key = pairs["key"].to_numpy(dtype=object)
    pieces = pairs["value"].to_numpy(dtype=object).copy()
    starts = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
    later = np.ones(len(pieces), dtype=bool)
    later[starts] = False
    pieces[later] = "," + pieces[later]
    joined = pd.Series(np.add.reduceat(pieces, starts), index=key[starts], dtype=object)
    return joined.reindex(index, fill_value="")


def _inferred(values: pd.Series) -> pd.Series:
    """`values` with the dtype pandas infers for them (str for text), as a per-row map gives."""
    return pd.Series(values.tolist(), index=values.index)


def summarize_events(grouped: pd.DataFrame) -> pd.DataFrame:
    """One row per event from grouped detections: times, mean position, satellites, …

    Only built-in groupby reductions; satellites/instruments are joined for all events at
    once (a Python function per event took ~35 s for 100,000 events).
    """
    if grouped.empty:
        return pd.DataFrame(columns=["event_id", "local_date", "first_utc", "last_utc", "lon", "lat",
                                     "detections", "satellites", "instruments", "max_confidence",
                                     "max_frp", "radius_m"])
    rank = grouped["confidence_class"].map(CONFIDENCE_RANK).astype("Float64")
    work = grouped.assign(_rank=rank)
    summary = work.groupby("event_id", sort=True).agg(
        first_utc=("acquired_at_utc", "min"),
        last_utc=("acquired_at_utc", "max"),
        lon=("longitude", "mean"),
        lat=("latitude", "mean"),
        detections=("event_id", "size"),
        max_rank=("_rank", "max"),
        max_frp=("frp", "max"),
        radius_m=("radius_m", "max"),
    )
    has_instrument = grouped["instrument"].notna()
    satellites = _joined_distinct(grouped["event_id"], grouped["satellite"].astype(str), summary.index)
    instruments = _joined_distinct(grouped["event_id"][has_instrument],
                                   grouped["instrument"][has_instrument].astype(str), summary.index)
    summary.insert(5, "satellites", _inferred(satellites))
    summary.insert(6, "instruments", _inferred(instruments))
    summary = summary.reset_index()
    names = {v: k for k, v in CONFIDENCE_RANK.items()}
    summary["max_confidence"] = summary.pop("max_rank").map(
        lambda r: names.get(int(r)) if pd.notna(r) else None)
    summary["local_date"] = (summary["first_utc"] + BEIJING_OFFSET).dt.date
    return summary


# --- persistence in the database -----------------------------------------------------------


@dataclass(frozen=True)
class RefreshResult:
    """What `refresh_events` did for the Beijing days it covered."""

    days: tuple[date, date] | None
    detections: int
    events: int
    renamed: dict[str, str]


def read_detections(con: Connection, start: date | None = None, end: date | None = None) -> pd.DataFrame:
    """Detections (fire_points) whose Beijing day lies in start..end (all when None)."""
    from geoaq.db.store import table_exists

    if not table_exists(con, "fire_points"):
        return pd.DataFrame(columns=[*DETECTION_KEY, "instrument", "confidence", "confidence_class",
                                     "scan", "track", "frp", "brightness", "acquired_at_utc"])
    low, high = (None, None) if start is None or end is None else beijing_day_bounds_utc(start, end)
    frame = run(con, "fire_detections", [low, low, high]).df()
    if low is not None:  # the SQL pre-selects a day either side (rows without a time of day)
        frame = frame[(frame["acquired_at_utc"] >= low) & (frame["acquired_at_utc"] < high)]
    return frame.dropna(subset=["acquired_at_utc"]).reset_index(drop=True)


#: Bump when grouping or event summaries change what they compute: events stored before then
#: count as computed under other rules and are recomputed on the next refresh.
GROUPING_VERSION = 1


def grouping_rules_hash(rules: FireRules) -> str:
    """Hash of the rules that decide events and their summaries (pixel sizes, footprint, window).

    Heat-source, persistence and land-cover rules are applied by fire_check on every call, so
    they are not part of it: changing them does not recompute events.
    """
    text = (f"v{GROUPING_VERSION};viirs={float(rules.viirs_pixel_m)!r};"
            f"modis={float(rules.modis_pixel_m)!r};scan_track={bool(rules.use_scan_track)};"
            f"window={float(rules.window_hours)!r}")
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def detection_days(con: Connection, start: date | None = None, end: date | None = None) -> pd.DataFrame:
    """Per Beijing day of start..end (all when None): local_date, detections, detections_hash.

    The same detections as `read_detections`, counted and hashed in DuckDB without reading
    them: cheap enough to run on every refresh.
    """
    from geoaq.db.store import table_exists

    if not table_exists(con, "fire_points"):
        return pd.DataFrame({"local_date": pd.Series(dtype="datetime64[us]"),
                             "detections": pd.Series(dtype="int64"),
                             "detections_hash": pd.Series(dtype="uint64")})
    low, high = (None, None) if start is None or end is None else beijing_day_bounds_utc(start, end)
    return run(con, "fire_detection_days", [low, low, high]).df()


def events_are_current(current: pd.DataFrame, stored: pd.DataFrame, rules_hash: str) -> bool:
    """True when every day with detections, stored events or a record was computed from exactly
    today's detections under these rules, and its events and their detections are all stored.

    `current` is `detection_days`; `stored` the `fire_event_days_stored` query. Pure.
    """
    days = current.merge(stored, on="local_date", how="outer")
    if days.empty:
        return True
    detections = days["detections"].fillna(-1)
    return bool((
        (days["rules_hash"] == rules_hash)
        & (detections == days["recorded_detections"])
        & (detections == days["members"])
        & (days["detections_hash"] == days["recorded_hash"])
        & (days["events"] == days["recorded_events"])
    ).all())


def refresh_events(con: Connection, start: date | None = None, end: date | None = None,
                   rules: FireRules | None = None) -> RefreshResult:
    """Recompute the events of Beijing days start..end (all days when None) in one transaction.

    Returns old → new ids for events whose id changed, so statuses can follow them. When the
    stored events of the days were computed from exactly the current detections under the
    same grouping rules (`fire_event_days`), nothing is regrouped or written. Otherwise the
    detections are regrouped; events are rewritten only when they differ from the stored ones
    (else just the days are recorded). Chained time windows (window_hours > 0) reach across
    days: they are always regrouped and never recorded. Connections of this process check and
    regroup one at a time (`refresh_lock`).
    """
    with refresh_lock(con):  # another connection of this process may be regrouping them now
        ensure_claims(con, "fire_events")
        for attempt in write_attempts(con):  # another process may regroup the same days
            with attempt:
                return _refresh_events(con, start, end, rules or load_fire_rules())
    raise AssertionError("unreachable")  # pragma: no cover (write_attempts returns or raises)


def _refresh_events(con: Connection, start: date | None, end: date | None, rules: FireRules) -> RefreshResult:
    """`refresh_events`, under its lock."""
    days = (start, end) if start is not None and end is not None else None
    selection = [days is None, start, end]
    by_day = rules.window_hours <= 0
    rules_hash = grouping_rules_hash(rules)
    current = detection_days(con, start, end)
    if by_day:
        stored = run(con, "fire_event_days_stored", selection).df()
        if events_are_current(current, stored, rules_hash):
            return RefreshResult(days, int(current["detections"].sum()), int(stored["events"].sum()), {})
    detections = read_detections(con, start, end)
    if not by_day and not detections.empty:  # chains can reach across the range
        detections = read_detections(
            con, (detections["acquired_at_utc"].min() + BEIJING_OFFSET - pd.Timedelta(hours=rules.window_hours)).date(),
            (detections["acquired_at_utc"].max() + BEIJING_OFFSET + pd.Timedelta(hours=rules.window_hours)).date())
    grouped = group_detections(detections, rules)
    events = summarize_events(grouped)
    previous = run(con, "fire_events_members", selection).df()
    computed_at = pd.Timestamp.now()
    records = day_records(current, events, rules_hash, computed_at) if by_day else None
    if _same_membership(previous, grouped) and _same_events(
            run(con, "fire_events_of_days", selection).df(), events):
        if records is not None:  # the stored events stand; remember what they come from
            with transaction(con):
                claim(con, "fire_events")
                _record_days(con, selection, records)
        return RefreshResult(days, len(grouped), len(events), {})
    with transaction(con):
        claim(con, "fire_events")
        run(con, "fire_event_detections_delete_days", selection)
        run(con, "fire_events_delete_days", selection)
        if not events.empty:
            con.register("new_events", events.assign(computed_at=computed_at))
            con.register("new_members", grouped[["event_id", *DETECTION_KEY]])
            try:
                run(con, "fire_events_insert")
                run(con, "fire_event_detections_insert")
            finally:
                con.unregister("new_events")
                con.unregister("new_members")
        _record_days(con, selection, records)
        renamed = _renamed(previous, grouped)
    return RefreshResult(days, len(grouped), len(events), renamed)


def _record_days(con: Connection, selection: list, records: pd.DataFrame | None) -> None:
    """Replace the `fire_event_days` rows of the selected days by `records` (none: forget them)."""
    run(con, "fire_event_days_delete", selection)
    if records is None or records.empty:
        return
    con.register("new_days", records)
    try:
        run(con, "fire_event_days_insert")
    finally:
        con.unregister("new_days")


def day_records(current: pd.DataFrame, events: pd.DataFrame, rules_hash: str,
                computed_at: pd.Timestamp) -> pd.DataFrame:
    """`fire_event_days` rows for recomputed events: per day with detections, what they were
    computed from and how many events it gave. Pure."""
    per_day = pd.to_datetime(events["local_date"]).value_counts().rename("events")
    records = current.assign(local_date=pd.to_datetime(current["local_date"]))
    records = records.join(per_day, on="local_date")
    return records.assign(events=records["events"].fillna(0).astype("int64"),
                          rules_hash=rules_hash, computed_at=computed_at)[
        ["local_date", "rules_hash", "detections", "detections_hash", "events", "computed_at"]]


def _same_membership(previous: pd.DataFrame, grouped: pd.DataFrame) -> bool:
    """True when the stored events hold exactly the recomputed detections under the same ids."""
    if len(previous) != len(grouped):
        return False
    if previous.empty:
        return True
    columns = ["event_id", *DETECTION_KEY]

    def _normal(frame: pd.DataFrame) -> pd.DataFrame:
        keyed = pd.DataFrame({
            "event_id": frame["event_id"].astype(str).to_numpy(),
            "latitude": frame["latitude"].astype(float).to_numpy(),
            "longitude": frame["longitude"].astype(float).to_numpy(),
            "acq_date": pd.to_datetime(frame["acq_date"]).dt.normalize().astype("datetime64[us]").to_numpy(),
            "acq_time": frame["acq_time"].astype(str).to_numpy(),
            "satellite": frame["satellite"].astype(str).to_numpy(),
        })[columns]
        return keyed.sort_values(columns, kind="stable").reset_index(drop=True)

    return _normal(previous).equals(_normal(grouped))


def _same_events(stored: pd.DataFrame, events: pd.DataFrame) -> bool:
    """True when the stored events (`fire_events_of_days`) equal the recomputed summaries."""
    if len(stored) != len(events):
        return False
    if stored.empty:
        return True

    def _normal(frame: pd.DataFrame) -> pd.DataFrame:
        confidence = frame["max_confidence"].astype(object)
        keyed = pd.DataFrame({
            "event_id": frame["event_id"].astype(str).to_numpy(),
            **{c: pd.to_datetime(frame[c]).astype("datetime64[us]").to_numpy()
               for c in ("local_date", "first_utc", "last_utc")},
            **{c: frame[c].astype(float).to_numpy() for c in ("lon", "lat", "max_frp", "radius_m")},
            "detections": frame["detections"].astype("int64").to_numpy(),
            "satellites": frame["satellites"].astype(str).to_numpy(),
            "instruments": frame["instruments"].astype(str).to_numpy(),
            "max_confidence": confidence.where(confidence.notna(), None).to_numpy(),
        })
        return keyed.sort_values("event_id", kind="stable").reset_index(drop=True)

    return _normal(stored).equals(_normal(events))


def _renamed(previous: pd.DataFrame, grouped: pd.DataFrame) -> dict[str, str]:
    """Old event id → the new event holding most of the old event's detections (if renamed)."""
    if previous.empty or grouped.empty:
        return {}
    keyed = grouped.assign(acq_date=pd.to_datetime(grouped["acq_date"]).dt.date)
    previous = previous.assign(acq_date=pd.to_datetime(previous["acq_date"]).dt.date)
    joined = previous.merge(keyed[["event_id", *DETECTION_KEY]], on=DETECTION_KEY,
                            suffixes=("_old", "_new"))
    best = (joined.groupby(["event_id_old", "event_id_new"]).size().rename("shared").reset_index()
            .sort_values(["event_id_old", "shared", "event_id_new"], ascending=[True, False, True])
            .drop_duplicates("event_id_old"))
    moved = best[best["event_id_old"] != best["event_id_new"]]
    return dict(zip(moved["event_id_old"], moved["event_id_new"], strict=True))
