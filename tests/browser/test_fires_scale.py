"""The fires page with a season of fire events: clustered, every event reachable, compact.

The database is the Luoyang demo plus a generated season loaded through ingest
(`bench/fixtures_events.py`), 20,000 events here to keep the suite fast: well above the
2,000 where the page switches to the compact layer, so the same code path as at 100,000
(`bench/app.py` measures that one: time to usable and bytes transferred).
"""

from __future__ import annotations

import re
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "app.py"
EVENTS = 20_000
sys.path.insert(0, str(ROOT / "bench"))

from fixtures_events import EventsFixture, build_events_db  # noqa: E402

LAYER_DRAWN = """() => {
    const layer = window.geoaqEventLayer;
    return Boolean(layer && layer.drawn && layer.drawn.clusters + layer.drawn.points > 0);
}"""

ALL_POINTS_IN_INDEX = """() => {
    // clusters at zoom 0 over the whole world hold every event once
    const found = window.geoaqEventLayer.index.getClusters([-180, -85, 180, 85], 0);
    return found.reduce((n, f) => n + (f.properties.cluster ? f.properties.point_count : 1), 0);
}"""

ZOOM_TO_EVENT = """(i) => {
    // Go to event i at the zoom where it stands alone; return its id and page position.
    const layer = window.geoaqEventLayer;
    const map = Object.values(window).find(v => v instanceof L.Map);
    map.setView(layer.position(i), 17, {animate: false});
    return layer.eventId(i);
}"""

EVENT_POSITION = """(id) => {
    const layer = window.geoaqEventLayer;
    const map = Object.values(window).find(v => v instanceof L.Map);
    let target = null;
    layer.eachLayer(group => group.eachLayer && group.eachLayer(m => {
        if (m.eventIndex !== undefined && layer.eventId(m.eventIndex) === id) target = m;
    }));
    if (!target) return null;
    const p = map.latLngToContainerPoint(target.getLatLng());
    const box = map.getContainer().getBoundingClientRect();
    return [box.left + p.x, box.top + p.y];
}"""


@pytest.fixture(scope="module")
def season_db(tmp_path_factory) -> EventsFixture:
    return build_events_db(tmp_path_factory.mktemp("season") / "season.duckdb", EVENTS)


def _map_frame(page, timeout_s: float = 240.0):
    """The map component's frame, once it exists (the page's first run computes the events)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        frame = next((f for f in page.frames if "/component/streamlit_folium" in f.url), None)
        if frame is not None:
            return frame
        page.wait_for_timeout(200)
    raise AssertionError(f"no map on the page within {timeout_s:.0f} s")


def test_a_season_of_fire_events_is_clustered_and_every_event_reachable(
        streamlit_app, page, browser_log, season_db):
    page.set_viewport_size({"width": 1400, "height": 1600})
    url = streamlit_app(APP, env={"GEOAQ_DB": str(season_db.db)})
    page.goto(f"{url.rstrip('/')}/fires?start={season_db.start}&end={season_db.end}")
    frame = _map_frame(page)
    frame.wait_for_function(LAYER_DRAWN, timeout=240_000)

    metric = page.get_by_test_id("stMetricValue").first
    shown = int(metric.inner_text().replace(",", ""))
    assert shown >= EVENTS  # the generated season plus the demo's real fires
    assert frame.evaluate(ALL_POINTS_IN_INDEX) == shown  # every event is on the map
    page.get_by_text(re.compile(f"共 {shown:,} 个事件")).wait_for()

    # the events come packed in a file of their own, not inside the page
    source = frame.evaluate("() => window.geoaqEventLayer.source")
    assert re.fullmatch(r"/app/static/cache/map/[0-9a-f]{32}\.bin", source)
    # ... fetched once, as its gzip copy, which the server sends as it is and the browser unpacks;
    # so do the admin units and control zones beneath them (files of their own too)
    packed = url.rstrip("/") + source + ".gz"
    files = [u for u in browser_log.requests if "/cache/map/" in u]
    assert packed in files and len(files) == len(set(files)) == 3, files
    assert all(browser_log.content_types[u] == "application/gzip" for u in files)
    frame.wait_for_function("() => document.querySelectorAll('.leaflet-pane path.leaflet-interactive').length > 143")
    drawn = frame.evaluate("() => window.geoaqEventLayer.drawn")
    assert drawn["clusters"] > 0 and drawn["clusters"] + drawn["points"] < 500

    # a click on a cluster zooms in to where it splits
    zoom_before = drawn["zoom"]
    cluster = frame.locator(".geoaq-event-cluster").first
    cluster.click()
    frame.wait_for_function(f"() => window.geoaqEventLayer.drawn.zoom > {zoom_before}")

    # any event can be reached: zoom to one, click it, see its popup and then its details
    event_id = frame.evaluate(ZOOM_TO_EVENT, 12_345)
    frame.wait_for_function("(id) => window.geoaqEventLayer.drawn.points > 0", arg=event_id)
    position = frame.evaluate(EVENT_POSITION, event_id)
    assert position is not None, f"{event_id} not drawn at zoom 17"
    box = page.locator('iframe[title="streamlit_folium.st_folium"]').bounding_box()
    page.mouse.click(box["x"] + position[0], box["y"] + position[1])
    popup = page.frame_locator('iframe[title="streamlit_folium.st_folium"]').locator(".geoaq-event-popup")
    popup.wait_for(state="visible")
    assert event_id in popup.inner_text() and "区县" in popup.inner_text()
    # the click reaches Python, which shows the event's detections and history below the map
    page.get_by_role("heading", name=re.compile(re.escape(event_id))).wait_for(timeout=60_000)
    assert page.get_by_label(re.compile("事件编号")).input_value() == event_id
    # ... and the map stays where the user was (the rerun may rebuild it)
    frame = _map_frame(page)
    frame.wait_for_function(LAYER_DRAWN)
    assert frame.evaluate("() => window.geoaqEventLayer.drawn.zoom") == 17
    assert frame.evaluate(EVENT_POSITION, event_id) is not None

    assert page.locator('[data-testid="stException"]').count() == 0
    assert not browser_log.page_errors, browser_log.page_errors
    assert not browser_log.external_non_tile_requests, browser_log.external_non_tile_requests
