"""The pages' Streamlit adapter: language, database path, cached loaders, published map data.

Only `geoaq.web` imports Streamlit; caching lives here, keyed by the database file's
modification time so every write (ingest, a status change) refreshes what pages show.

Every connection the app opens is read-write: all sessions share one process, and DuckDB
refuses a second connection to a file with a different configuration (read-only beside
read-write) while another is open. Connections stay short so the CLI can write in between.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import hmac
import os
import secrets
from collections.abc import Callable, Mapping
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import streamlit as st

from geoaq import config
from geoaq._errors import GeoaqError
from geoaq.db import connection as db
from geoaq.db import store
from geoaq.db.versions import Versions
from geoaq.i18n import DEFAULT_LANGUAGE, t
from geoaq.layers import load_registry
from geoaq.web.assets import static_url


def lang() -> str:
    """The language chosen in the sidebar ("zh" by default)."""
    return st.session_state.get("lang", DEFAULT_LANGUAGE)


def query_period(default: tuple[date, date]) -> tuple[date, date]:
    """The period of the page's ``?start=YYYY-MM-DD&end=YYYY-MM-DD`` (a shareable link), else `default`.

    A malformed or reversed pair is ignored with a warning naming what was expected.
    """
    start, end = st.query_params.get("start"), st.query_params.get("end")
    if not start and not end:
        return default
    try:
        chosen = (date.fromisoformat(start or str(default[0])), date.fromisoformat(end or str(default[1])))
    except ValueError:
        st.warning(t("common.query_period_invalid", lang(), start=start or "", end=end or ""))
        return default
    if chosen[0] > chosen[1]:
        st.warning(t("common.query_period_invalid", lang(), start=start or "", end=end or ""))
        return default
    return chosen


#: Streamlit serves the folder ``static`` beside app.py at /app/static (server.enableStaticServing)
STATIC_DIR = config.STATIC_DIR
PUBLISHED = "cache/map"
KEEP_PUBLISHED = 64
#: this process's key of the published files' names: whoever knows (or can compute) a file's
#: content cannot derive its name, so only the sessions it was sent to can fetch it
_NAME_KEY = secrets.token_bytes(32)


def published_name(data: bytes) -> str:
    """The name `data` is published under: an HMAC-SHA256 of it under this process's key."""
    return f"{hmac.new(_NAME_KEY, data, hashlib.sha256).hexdigest()[:32]}.bin"


def publish_static(data: bytes) -> str | None:
    """Serve `data` as ``static/cache/map/<name>.bin``; returns its URL, or None if it can't be.

    Why: the map's data — packed fire events (1.6 MB at 100,000), the layers' GeoJSON — then
    travel as files, downloaded while the map's script loads and kept by the browser for the
    next visit, instead of inside the map's script. Beside each lies a gzip copy,
    ``<…>.bin.gz``, compressed once here: served as ``application/gzip`` it is sent as it is
    (the server's own gzip would compress the .bin again on every request, ~75 ms) and the
    browser unpacks it (`geoaq.web.map_layers.file_layer.prefetch_script_url`). The name is a keyed
    hash of the content (`published_name`), so a file never changes within a process and nobody
    can name another jurisdiction's data (Streamlit's static serving checks no session); the 64
    most recently used stay.
    """
    if not st.get_option("server.enableStaticServing"):
        return None
    name = published_name(data)
    folder = STATIC_DIR / PUBLISHED
    path = folder / name
    try:
        # the copy first: where the .bin is, its .gz is too
        _write_once(folder / f"{name}.gz", lambda: gzip.compress(data, compresslevel=9, mtime=0))
        _write_once(path, lambda: data)
    except OSError:  # read-only install: the page inlines the bytes instead
        return None
    _prune(folder, KEEP_PUBLISHED)
    return static_url(f"{PUBLISHED}/{name}")


def _write_once(path: Path, content: Callable[[], bytes]) -> None:
    """Write `path` unless it exists (then mark it used); atomic, so no reader sees half a file."""
    if path.exists():
        path.touch()
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{os.getpid()}.part")
    partial.write_bytes(content())
    partial.replace(path)


def _prune(folder: Path, keep: int) -> None:
    """Delete all but the `keep` most recently used files and their gzip copies (other
    sessions may prune too)."""
    used = []
    for file in folder.glob("*.bin"):
        try:
            used.append((file.stat().st_mtime, file))
        except OSError:
            continue
    for _, old in sorted(used)[:-keep]:
        for stale in (old, old.with_name(f"{old.name}.gz")):
            try:
                stale.unlink(missing_ok=True)
            except OSError:
                continue


def database_path() -> str:
    """The configured database's address (a file, or a DuckLake)."""
    return config.database()


def fires_default_period(period: tuple[date, date] | None, today: date | None = None) -> tuple[date, date]:
    """The fires page's period as it opens: the last seven days of `period` (the detections'
    first and last day), else the seven days to `today`."""
    end = period[1] if period else (today or date.today())
    return (max(period[0], end - timedelta(days=6)) if period else end - timedelta(days=6)), end


def map_default_period(readings: tuple[Any, Any] | None, fires: tuple[date, date] | None,
                       today: date | None = None) -> tuple[date, date]:
    """The map page's period as it opens: the last two days of the readings, else of the fire
    detections, else to `today`."""
    last_day = readings[1].date() if readings else fires[1] if fires else (today or date.today())
    return last_day - timedelta(days=1), last_day


def fire_filters(state: Mapping[str, Any], counties_known: list[str]) -> tuple[tuple[str, Any], ...]:
    """`filter_events`' keyword arguments, as hashable pairs, from the fires page's widget
    values in `state` (none chosen: every event)."""
    return (("categories", tuple(state.get("fire_cat", []))),
            ("statuses", tuple(state.get("fire_status", []))),
            ("counties", tuple(c for c in state.get("fire_county", []) if c in counties_known)),
            ("in_zone_only", bool(state.get("fire_in_zone", False))))


#: the tables of the kinds of data: a cached view names those it reads (`reads`), and a write
#: refreshes only the views that read what it wrote
STATUS = ("fire_event_status_history",)
FIRES = ("fire_points", "fire_events", "fire_event_days", "fire_event_detections", "ingest_runs")
READINGS = ("readings", "readings_published")
EMERGENCY = ("emergency_lists", "emergency_list_rows", "emergency_list_measures", "emergency_warnings",
             "emergency_inspections")


def tables_of(families: tuple[str, ...]) -> tuple[str, ...]:
    """The table names of `families` (table names, with ``layers`` for every registry layer)."""
    names = {name for name in families if name != "layers"}
    if "layers" in families:
        names |= set(load_registry()) | {"ingest_runs", "layer_tables"}
    return tuple(sorted(names))


def database_version(address: str | Path) -> Versions:
    """The database's versions table by table (`geoaq.db.versions`); pass them to the cached
    loaders, which key on the tables they read (`reads`)."""
    return db.data_versions(address)


def reads(*families: str):
    """Decorate a cached loader ``(db_path, version, ...)``: called with `Versions`, its cache
    keys on the versions of the tables of `families` only (see `tables_of`)."""
    def wrap(cached):
        @functools.wraps(cached)
        def call(db_path: str, version: Any, *args: Any, **kwargs: Any) -> Any:
            if isinstance(version, Versions):
                version = version.of(tables_of(families))
            return cached(db_path, version, *args, **kwargs)
        call.clear = getattr(cached, "clear", None)
        return call
    return wrap


def require_database() -> str:
    """The database's address; stops the page with instructions when it does not exist yet,
    or with a message (never a traceback) when it cannot be opened."""
    address = database_path()
    try:
        if db.exists(address):
            database_version(address)  # a DuckLake that cannot be reached says so here
            return address
    except GeoaqError as exc:
        st.error(str(exc))
        st.stop()
    st.error(t("common.no_database", lang(), path=address))
    st.stop()
    return address


@reads("layers")
@st.cache_resource(show_spinner=False, max_entries=4)
def load_layers(db_path: str, version: tuple) -> dict[str, tuple[gpd.GeoDataFrame, int, object]]:
    """Every registry layer as (features, synthetic rows, period); `version` keys the cache.

    Shared, not copied per rerun (unpickling the geometries cost ~0.2 s a page); pages read
    the frames and never modify them.
    """
    with db.connect(db_path) as con:
        loaded = {}
        for name, spec in load_registry().items():
            frame = store.read_layer(con, spec)
            synthetic = int(frame["synthetic"].fillna(False).sum()) if len(frame) else 0
            loaded[name] = (frame, synthetic, store.layer_period(con, spec))
        return loaded


@reads("layers", *FIRES, *STATUS)
@st.cache_resource(show_spinner=False, max_entries=8)
def fire_check(db_path: str, version: tuple, start: date, end: date, min_confidence: str | None,
               figures: str) -> pd.DataFrame:
    """`check_fires` for the period; after a status change only the cheap part is redone.

    Cached as a shared resource, not a copy: a season's 100,000 events would cost a 60 MB
    pickle round trip on every rerun. Pages must not modify the frame (filters copy).
    """
    from geoaq.fires.check import assess_events, attribution_key

    with db.connect(db_path) as con:
        attributed = fire_attribution(db_path, attribution_key(con), start, end, min_confidence)
        return assess_events(con, attributed, figures=figures)


@reads("layers", *FIRES, *STATUS)
@st.cache_resource(show_spinner=False, max_entries=8)
def fire_layer_payload(db_path: str, version: tuple, start: date, end: date, min_confidence: str | None,
                       figures: str, filters: tuple[tuple[str, Any], ...], lang: str, datum: str) -> dict:
    """The map's packed events (`geoaq.web.views.fires.layer_payload`) for `fire_check`'s events of
    the period through `filters` (`filter_events`' keyword arguments, as pairs).

    Kept between reruns and sessions like the events themselves: packing 100,000 events
    costs ~50 ms of the time before the page's map goes out. Shared; pages must not modify it.
    """
    from geoaq.web.views.fires import filter_events, layer_payload

    shown = filter_events(fire_check(db_path, version, start, end, min_confidence, figures), **dict(filters))
    return layer_payload(shown, lang, datum)


@st.cache_resource(show_spinner=False, max_entries=8)
def fire_attribution(db_path: str, key: tuple, start: date, end: date, min_confidence: str | None) -> pd.DataFrame:
    """`attribute_events` for the period, kept while `key` (`attribution_key`) stays the same:
    a reviewer's status change (a write, so a new `version` above) does not redo it."""
    from geoaq.fires.check import attribute_events

    with db.connect(db_path) as con:
        return attribute_events(con, start, end, min_confidence=min_confidence)


@reads(*FIRES)
@st.cache_data(show_spinner=False)
def fire_detections(db_path: str, version: tuple, event_ids: tuple[str, ...]) -> pd.DataFrame:
    from geoaq.fires.check import event_detections

    with db.connect(db_path) as con:
        return event_detections(con, list(event_ids))


@reads(*FIRES)
@st.cache_data(show_spinner=False)
def fire_period(db_path: str, version: tuple) -> tuple[date, date] | None:
    """First and last Beijing day with detections (for the date filter's defaults)."""
    with db.connect(db_path) as con:
        from geoaq.layers import get_layer

        period = store.layer_period(con, get_layer("fire_points"))
    if period is None:
        return None
    # acq_date is UTC; a Beijing day can be one later
    return period[0], period[1] + pd.Timedelta(days=1)


def compliance_summary(db_path: str, version: Versions, start: date, end: date, standard: str) -> pd.DataFrame:
    """`compliance.summarize` for the period, on `fire_check`'s events: after a status change
    the season's attribution is kept (with a million detections it takes minutes)."""
    return _compliance_summary(db_path, version, start, end, standard,
                               fire_check(db_path, version, start, end, None, "suspected"))


@reads("layers", *FIRES, *STATUS, *READINGS)
@st.cache_data(show_spinner=False)
def _compliance_summary(db_path: str, version: tuple, start: date, end: date, standard: str,
                        _fires: pd.DataFrame) -> pd.DataFrame:
    """(`_fires` is not hashed: it follows from the key's fire and status tables.)"""
    from geoaq.compliance import summary as compliance

    with db.connect(db_path) as con:
        return compliance.summarize(con, start, end, standard=standard, fires=_fires)


@reads("layers")
@st.cache_data(show_spinner=False)
def compliance_geometries(db_path: str, version: tuple) -> gpd.GeoDataFrame:
    from geoaq.compliance import summary as compliance

    with db.connect(db_path) as con:
        return compliance.scope_geometries(con)


def sensitive_areas(db_path: str, version: Versions, start: date, end: date) -> pd.DataFrame:
    """`compliance.sensitive_areas` for the period, on `fire_check`'s events (as the summary)."""
    return _sensitive_areas(db_path, version, start, end,
                            fire_check(db_path, version, start, end, None, "suspected"))


@reads("layers", *FIRES, *STATUS)
@st.cache_data(show_spinner=False)
def _sensitive_areas(db_path: str, version: tuple, start: date, end: date, _fires: pd.DataFrame) -> pd.DataFrame:
    from geoaq.compliance import summary as compliance

    with db.connect(db_path) as con:
        return compliance.sensitive_areas(con, start, end, fires=_fires)


@reads(*READINGS)
@st.cache_data(show_spinner=False)
def readings_period(db_path: str, version: tuple):
    from geoaq.aq import readings as aq

    with db.connect(db_path) as con:
        return aq.readings_period(con)


@reads("layers", *READINGS)
@st.cache_data(show_spinner=False)
def hourly_aqi(db_path: str, version: tuple, start: date, end: date) -> pd.DataFrame:
    """Hourly AQI with concentrations for all stations over Beijing days start..end."""
    from geoaq.aq import readings as aq

    with db.connect(db_path) as con:
        return aq.hourly_table(con, start, end)


@st.cache_data(show_spinner=False)
def _landcover_png(db_path: str) -> tuple[bytes, tuple[float, ...], bool] | None:
    """The land-cover raster of data/rules/fires.toml as a map image (png, bounds, whether it
    is demo data), or None."""
    from geoaq.fires.rules import load_fire_rules
    from geoaq.geo import raster

    rules = load_fire_rules()
    if rules.landcover is None or not rules.landcover.exists():
        return None
    png, bounds = raster.raster_overlay_png(rules.landcover, raster.load_class_map(), max_size=1024)
    return png, tuple(bounds), "synthetic" in rules.landcover.as_posix()


def landcover_image(db_path: str, lang: str = DEFAULT_LANGUAGE):
    """The land-cover raster as a map image layer with its legend in `lang`, or None."""
    from geoaq.geo import raster
    from geoaq.web.map import ImageLayer

    drawn = _landcover_png(db_path)
    if drawn is None:
        return None
    png, bounds, synthetic = drawn
    name = t("map.landcover_demo" if synthetic else "map.landcover", lang)
    legend = ({"label": name, "fill": "#ffffff", "stroke": "#222222", "kind": "area"},
              *({"label": f"  {c.name(lang)}", "fill": c.color, "stroke": c.color, "kind": "area"}
                for _, c in sorted(raster.load_class_map().classes.items())))
    return ImageLayer(name=name, png=png, bounds=bounds, opacity=0.7, legend=legend)


# --- 重污染应急 (geoaq.emergency) ---------------------------------------------------------------


@reads(*EMERGENCY)
@st.cache_data(show_spinner=False)
def emergency_versions(db_path: str, version: tuple) -> pd.DataFrame:
    """The stored versions of the emission-reduction list, the newest first."""
    from geoaq.emergency import reduction_list

    with db.connect(db_path) as con:
        return reduction_list.versions(con)


@reads("layers", *EMERGENCY)
@st.cache_data(show_spinner=False)
def emergency_actions(db_path: str, version: tuple, list_version: str) -> pd.DataFrame:
    """Every line of a list version at every level, with its measure's kind and cuts."""
    from geoaq.emergency import reduction_list
    from geoaq.emergency.checks import match_enterprises
    from geoaq.emergency.measures import actions
    from geoaq.emergency.rules import load_emergency_rules
    from geoaq.layers import get_layer

    with db.connect(db_path) as con:
        rows, measures = reduction_list.read_list(con, reduction_list.resolve_version(con, list_version))
        joined = match_enterprises(rows, store.read_layer(con, get_layer("enterprises")))
    return actions(joined, measures, load_emergency_rules())


@reads("layers", *EMERGENCY)
@st.cache_data(show_spinner=False)
def emergency_check(db_path: str, version: tuple, list_version: str, totals: tuple[tuple[str, float], ...]):
    """`check_list` of a version with the whole society's totals given (pollutant, t/a)."""
    from geoaq.emergency.checks import check_list

    with db.connect(db_path) as con:
        return check_list(con, list_version, totals=dict(totals))


@reads(*EMERGENCY)
@st.cache_data(show_spinner=False)
def emergency_warnings(db_path: str, version: tuple) -> pd.DataFrame:
    """Every warning's latest revision, the latest start first."""
    from geoaq.emergency import alerts

    with db.connect(db_path) as con:
        return alerts.current_warnings(con)


@reads("layers")
@st.cache_data(show_spinner=False)
def emergency_areas(db_path: str, version: tuple) -> list[str]:
    """The areas a warning may name: the city first, then the counties."""
    from geoaq.emergency import alerts

    with db.connect(db_path) as con:
        known = alerts.areas(con)
    cities = sorted(k for k, (kind, _) in known.items() if kind == alerts.CITY and k.endswith("市"))
    counties = sorted({county for kind, county in known.values() if kind == alerts.COUNTY})
    return cities + counties


@reads("layers", *EMERGENCY, *FIRES, *STATUS, *READINGS)
@st.cache_data(show_spinner=False)
def emergency_response(db_path: str, version: tuple, warning_id: str):
    """`warning_response` of a warning (who must act, fires and stations meanwhile)."""
    from geoaq.emergency.response import warning_response

    with db.connect(db_path) as con:
        return warning_response(con, warning_id)


@reads("layers", *EMERGENCY, *FIRES, *STATUS, *READINGS)
@st.cache_data(show_spinner=False)
def emergency_assessment(db_path: str, version: tuple, warning_id: str, basis: str):
    """`assess_warning` of a warning on a basis (in force, or a version for both periods)."""
    from geoaq.emergency.assessment import assess_warning

    with db.connect(db_path) as con:
        return assess_warning(con, warning_id, basis=basis)
