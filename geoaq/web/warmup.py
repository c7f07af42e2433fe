"""What the map and fires pages compute as they open, computed once as the server starts.

The first visit after a start would otherwise wait for the fire check of the default period
(seconds on a season of events: ~8.5 s for 100,000) before its map shows. `python -m
geoaq.service.serve` calls `warm_in_background` for the app; the functions called are the pages' own
cached ones with the pages' own defaults, so a first visit finds their results in the cache
(or, arriving sooner, waits for the computation under way instead of starting another).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path

from geoaq import config
from geoaq.db import connection as db
from geoaq.i18n import DEFAULT_LANGUAGE
from geoaq.web.map import configured_tiles
from geoaq.web.streamlit_internals import runtime_started
from geoaq.web.views.fires import draws_compactly

LOG = logging.getLogger(__name__)
#: Starts the console line saying the first views are computed (benches and tests wait for it)
DONE = "geoaq: first views of"


def warm_first_views(db_path: Path) -> list[str]:
    """Fill the caches the map and fires pages read as they open, for `db_path` in its current
    version; returns what was computed, in order."""
    # imported here, once Streamlit's runtime is up: its cached functions look for it as
    # they are declared
    from geoaq.web import cache as common

    db, version = str(db_path), common.database_version(db_path)
    done = []
    common.load_layers(db, version)
    done.append("layers")
    readings = common.readings_period(db, version)
    fires = common.fire_period(db, version)
    map_start, map_end = common.map_default_period(readings, fires)
    if readings:
        common.hourly_aqi(db, version, map_start, map_end)
        done.append(f"hourly AQI {map_start}–{map_end}")
    if fires:
        common.fire_check(db, version, map_start, map_end, None, "suspected")
        done.append(f"fire check {map_start}–{map_end}")
        start, end = common.fires_default_period(fires)
        checked = common.fire_check(db, version, start, end, None, "suspected")
        done.append(f"fire check {start}–{end}")
        if draws_compactly(len(checked)):
            counties = sorted(checked["county_name"].dropna().unique())
            common.fire_layer_payload(db, version, start, end, None, "suspected", common.fire_filters({}, counties),
                                      DEFAULT_LANGUAGE, configured_tiles().datum)
            done.append("fire map layer")
        else:
            common.fire_detections(db, version, tuple(checked["event_id"]))
            done.append("fire detections")
    return done


def warm_when_started(db_path: Path, started: Callable[[], bool] = runtime_started,
                      wait_s: float = 60.0) -> list[str]:
    """`warm_first_views` once `started()` (Streamlit's runtime is up, so the caches are the
    ones the sessions will read); nothing if the database is missing or the runtime never comes.
    A failure is logged, never raised: the pages then compute as they open, as without this."""
    deadline = time.monotonic() + wait_s
    while not started():
        if time.monotonic() > deadline:
            LOG.warning("geoaq: Streamlit did not start in %.0f s; first views not computed ahead", wait_s)
            return []
        time.sleep(0.1)
    if not db.exists(db_path):
        return []
    began = time.perf_counter()
    try:
        done = warm_first_views(db_path)
    except Exception:  # a broken database shows its error on the page, where the user can act
        LOG.warning("geoaq: computing the first views of %s failed", db_path, exc_info=True)
        return []
    LOG.info("%s %s computed in %.1f s (%s)", DONE, db_path, time.perf_counter() - began,
             "; ".join(done))
    return done


def warm_in_background(db_path: Path | None = None) -> threading.Thread:
    """Start `warm_when_started` for `db_path` (the configured database) in a daemon thread;
    what it did goes to the server's console."""
    if not LOG.handlers:
        console = logging.StreamHandler()
        console.setFormatter(logging.Formatter("%(asctime)s %(message)s"))
        LOG.addHandler(console)
        LOG.setLevel(logging.INFO)
    thread = threading.Thread(target=warm_when_started, args=(db_path or config.database(),),
                              name="geoaq-warm-up", daemon=True)
    thread.start()
    return thread
