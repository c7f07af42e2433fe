"""The real app (`streamlit run app.py`) on the demo database, in headless chromium.

It must draw every layer's features with no internet, open a popup on click, and show a
name containing HTML as text.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from geoaq.ingest.layer import ingest

pytestmark = pytest.mark.browser

APP = Path(__file__).resolve().parents[2] / "app.py"
HOSTILE = "<b>粗体站</b><img src=x onerror=alert(1)>"


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory, demo_template) -> Path:
    directory = tmp_path_factory.mktemp("demo")
    db = directory / "demo.duckdb"
    shutil.copyfile(demo_template, db)
    hostile = directory / "hostile.csv"
    hostile.write_text(f"code,name,lon,lat\nXSS1,\"{HOSTILE}\",112.10,34.20\n", encoding="utf-8")
    ingest("stations", hostile, db=db)
    return db


def test_app_draws_all_layers_offline(streamlit_app, page, browser_log, demo_db):
    url = streamlit_app(APP, env={"GEOAQ_DB": str(demo_db)})
    page.goto(url)
    page.get_by_text("大气污染防治一张图").first.wait_for()
    frame = page.frame_locator("iframe")
    shapes = frame.locator("path.leaflet-interactive")
    shapes.first.wait_for(state="visible", timeout=60_000)
    # counties + townships + zones + mines + enterprises + stations + fire points
    assert shapes.count() > 100
    legend = frame.locator(".geoaq-legend")
    for title in ("行政区划", "管控区", "矿山", "企业与产业集群", "空气质量监测站", "卫星火点"):
        assert title in legend.inner_text()
    overlays = frame.locator(".leaflet-control-layers-overlays").inner_text()
    assert "卫星火点" in overlays
    # enterprises and mines are clustered at low zoom (Leaflet.markercluster's badges)
    frame.locator(".marker-cluster").first.wait_for(state="visible")
    assert not browser_log.page_errors, browser_log.page_errors
    assert not browser_log.local_failures, browser_log.local_failures
    assert not browser_log.external_non_tile_requests, browser_log.external_non_tile_requests


# Centre (in iframe coordinates) of the last drawn circle marker that nothing covers.
VISIBLE_MARKER_JS = """() => {
    const circles = [...document.querySelectorAll('path.leaflet-interactive')]
        .filter(p => /a/i.test(p.getAttribute('d') || ''));
    for (const path of circles.reverse()) {
        const r = path.getBoundingClientRect();
        const x = r.left + r.width / 2, y = r.top + r.height / 2;
        if (r.width > 0 && document.elementFromPoint(x, y) === path) return [x, y];
    }
    return null;
}"""
OPEN_POPUP_JS = """(needle) => {
    // Popups are bound to each layer's GeoJSON group; open it for the feature whose hover
    // label contains `needle`, exactly as a click on that feature would.
    const map = Object.values(window).find(v => v instanceof L.Map);
    let opened = false;
    map.eachLayer(group => {
        if (opened || !group.getLayers || !group.getPopup()) return;
        const feature = group.getLayers().find(
            l => l.feature && l.feature.properties._tooltip.includes(needle));
        if (feature) {
            const at = feature.getLatLng ? feature.getLatLng() : feature.getBounds().getCenter();
            feature.fire('click', {latlng: at}, true);  // propagates to the group's popup
            opened = true;
        }
    });
    return opened;
}"""


def test_click_opens_popup_and_html_shows_as_text(streamlit_app, page, browser_log, demo_db):
    # Tall enough for the whole map: focusing a partly hidden iframe scrolls the page between
    # mouse-down and mouse-up, and the click would then land beside the feature.
    page.set_viewport_size({"width": 1400, "height": 1200})
    url = streamlit_app(APP, env={"GEOAQ_DB": str(demo_db)})
    page.goto(url)
    frame = page.frame_locator("iframe")
    frame.locator("path.leaflet-interactive").first.wait_for(state="visible", timeout=60_000)
    map_frame = next(f for f in page.frames if "/component/" in f.url)

    # A real mouse click on a visible circle marker (a fire point or a station) opens its popup.
    target = map_frame.evaluate(VISIBLE_MARKER_JS)
    assert target, "no circle marker is visible and uncovered"
    iframe_box = page.locator("iframe").first.bounding_box()
    page.mouse.click(iframe_box["x"] + target[0], iframe_box["y"] + target[1])
    popup = frame.locator(".leaflet-popup-content")
    popup.wait_for(state="visible")
    assert popup.locator("table tr").count() >= 1 and popup.inner_text().strip()
    frame.locator(".leaflet-popup-close-button").click()

    # The station whose name is HTML: its popup shows the markup as text.
    assert map_frame.evaluate(OPEN_POPUP_JS, "XSS1") is False  # tooltips show names, not codes
    assert map_frame.evaluate(OPEN_POPUP_JS, "粗体站")
    popup = frame.locator(".leaflet-popup-content", has_text="XSS1")
    popup.wait_for(state="visible")
    assert HOSTILE in popup.inner_text()
    # no <img> and no <b> holding just the name: the markup was not rendered
    assert popup.locator("img").count() == 0
    assert popup.locator("b").filter(has_text=re.compile(r"^粗体站$")).count() == 0
    assert not browser_log.page_errors, browser_log.page_errors


def test_fires_page_map_opens_an_event_with_its_detections(streamlit_app, page, browser_log, demo_db):
    page.set_viewport_size({"width": 1400, "height": 1600})
    url = streamlit_app(APP, env={"GEOAQ_DB": str(demo_db)})
    page.goto(url.rstrip("/") + "/fires")
    page.get_by_text("火点事件（个）").first.wait_for(timeout=60_000)
    frame = page.frame_locator("iframe").first
    frame.locator("path.leaflet-interactive").first.wait_for(state="visible", timeout=60_000)
    map_frame = next(f for f in page.frames if "/component/" in f.url)
    assert map_frame.evaluate(OPEN_POPUP_JS, "FE-")  # event tooltips start with their id
    popup = frame.locator(".leaflet-popup-content")
    popup.wait_for(state="visible")
    text = popup.inner_text()
    assert "探测记录" in text and "事件编号" in text and "扣减(元)" in text
    legend = frame.locator(".geoaq-legend").inner_text()
    assert "火点事件: 疑似" in legend and "火点事件: 核定" in legend
    assert not browser_log.page_errors, browser_log.page_errors
    assert not browser_log.external_non_tile_requests, browser_log.external_non_tile_requests


CENTRE_OF_JS = """(needle) => {
    // Page coordinates (inside the iframe) of a point inside the feature whose label has `needle`.
    const map = Object.values(window).find(v => v instanceof L.Map);
    let found = null;
    map.eachLayer(group => {
        if (found || !group.getLayers) return;
        const hit = group.getLayers().find(l => l.feature && l.feature.properties._tooltip
                                               && l.feature.properties._tooltip.includes(needle));
        if (hit) found = hit;
    });
    if (!found) return null;
    const inside = turfless(found);
    const p = map.latLngToContainerPoint(inside);
    const box = map.getContainer().getBoundingClientRect();
    return [box.left + p.x, box.top + p.y];
    function turfless(layer) {  // the first vertex nudged towards the centre: inside a convex-ish zone
        const c = layer.getBounds().getCenter();
        const ring = layer.getLatLngs()[0];
        const v = Array.isArray(ring[0]) ? ring[0][0] : ring[0];
        return L.latLng(v.lat + (c.lat - v.lat) * 0.2, v.lng + (c.lng - v.lng) * 0.2);
    }
}"""


def test_compliance_click_on_a_zone_shows_its_summary(streamlit_app, page, browser_log, demo_db):
    page.set_viewport_size({"width": 1400, "height": 1800})
    url = streamlit_app(APP, env={"GEOAQ_DB": str(demo_db)})
    page.goto(url.rstrip("/") + "/compliance")
    page.get_by_text("未达标（个）").first.wait_for(timeout=90_000)
    frame = page.frame_locator("iframe").first
    frame.locator("path.leaflet-interactive").first.wait_for(state="visible", timeout=60_000)
    map_frame = next(f for f in page.frames if "/component/" in f.url)
    target = map_frame.evaluate(CENTRE_OF_JS, "中心城区禁煤区")
    assert target, "the coal-ban zone is not on the map"
    iframe_box = page.locator("iframe").first.bounding_box()
    page.mouse.click(iframe_box["x"] + target[0], iframe_box["y"] + target[1])
    heading = page.get_by_role("heading", name="洛阳市中心城区禁煤区（演示） · 未达标")
    heading.wait_for(timeout=60_000)
    assert page.locator("li", has_text="燃煤企业「").first.is_visible()
    assert not browser_log.page_errors, browser_log.page_errors


DRAW_RECTANGLE_JS = """() => {
    // What Leaflet.draw does when the user finishes a rectangle: a layer and 'draw:created'.
    const map = Object.values(window).find(v => v instanceof L.Map);
    const bounds = L.latLngBounds([34.55, 112.30], [34.75, 112.55]);
    const layer = L.rectangle(bounds);
    map.fire('draw:created', {layer: layer, layerType: 'rectangle'});
    return true;
}"""


def test_drawing_an_area_lists_what_is_inside(streamlit_app, page, browser_log, demo_db):
    page.set_viewport_size({"width": 1400, "height": 1600})
    url = streamlit_app(APP, env={"GEOAQ_DB": str(demo_db)})
    page.goto(url)
    frame = page.frame_locator("iframe").first
    frame.locator("path.leaflet-interactive").first.wait_for(state="visible", timeout=60_000)
    frame.locator(".leaflet-draw-draw-rectangle").wait_for(state="visible")  # the drawing tools
    map_frame = next(f for f in page.frames if "/component/" in f.url)
    map_frame.evaluate(DRAW_RECTANGLE_JS)
    page.get_by_text("绘制范围内的要素").wait_for(timeout=60_000)
    assert page.get_by_text("空气质量监测站（").first.is_visible()  # an expander per layer found
    assert not browser_log.page_errors, browser_log.page_errors


def test_map_keeps_its_view_and_a_zone_click_shows_its_summary(streamlit_app, page, browser_log, demo_db):
    page.set_viewport_size({"width": 1400, "height": 1600})
    url = streamlit_app(APP, env={"GEOAQ_DB": str(demo_db)})
    page.goto(url)
    frame = page.frame_locator("iframe").first
    frame.locator("path.leaflet-interactive").first.wait_for(state="visible", timeout=60_000)
    map_frame = next(f for f in page.frames if "/component/" in f.url)
    map_frame.evaluate("() => Object.values(window).find(v => v instanceof L.Map).setView([34.66, 112.45], 12)")
    page.wait_for_timeout(2500)  # the view is sent back to Python; the page reruns
    page.get_by_text("矿山（36）").click()  # switch a layer off: the map is rebuilt …
    page.wait_for_timeout(3000)
    map_frame = next(f for f in page.frames if "/component/" in f.url)
    frame.locator("path.leaflet-interactive").first.wait_for(state="visible", timeout=60_000)
    zoom = map_frame.evaluate("() => Object.values(window).find(v => v instanceof L.Map).getZoom()")
    assert zoom == 12  # … and keeps the user's zoom instead of jumping back to the whole city
    target = map_frame.evaluate(INSIDE_VISIBLE_AREA_JS, "中心城区禁煤区")
    assert target, "no visible, uncovered point of the zone"
    iframe_box = page.locator("iframe").first.bounding_box()
    page.mouse.click(iframe_box["x"] + target[0], iframe_box["y"] + target[1])
    page.get_by_role("heading", name="洛阳市中心城区禁煤区（演示） · 未达标").wait_for(timeout=60_000)
    assert not browser_log.page_errors, browser_log.page_errors


INSIDE_VISIBLE_AREA_JS = """(needle) => {
    // A point of the map where the area labelled `needle` is the topmost drawn shape.
    const map = Object.values(window).find(v => v instanceof L.Map);
    let zone = null;
    map.eachLayer(l => { if (!zone && l.feature && (l.feature.properties._tooltip || '').includes(needle)) zone = l; });
    if (!zone) return null;
    const box = map.getContainer().getBoundingClientRect();
    const size = map.getSize();
    for (let i = 1; i < 20; i++) for (let j = 1; j < 20; j++) {
        const x = size.x * i / 20, y = size.y * j / 20;
        const el = document.elementFromPoint(box.left + x, box.top + y);
        const latlng = map.containerPointToLatLng([x, y]);
        const b = zone.getBounds(), c = b.getCenter();
        const core = L.latLngBounds(  // the middle third of the zone's box: inside its outline
            [c.lat - (b.getNorth() - b.getSouth()) / 6, c.lng - (b.getEast() - b.getWest()) / 6],
            [c.lat + (b.getNorth() - b.getSouth()) / 6, c.lng + (b.getEast() - b.getWest()) / 6]);
        // an area shape on top (not a marker): the click reports this position
        if (el && el.tagName === 'path' && !/a/i.test(el.getAttribute('d') || '') && core.contains(latlng)) {
            return [box.left + x, box.top + y];
        }
    }
    return null;
}"""


FIRE_POSITION_JS = """() => {
    // Page position (inside the iframe) and id of a fire event's circle that nothing covers.
    const map = Object.values(window).find(v => v instanceof L.Map);
    const box = map.getContainer().getBoundingClientRect();
    let found = null;
    map.eachLayer(layer => {
        const tip = layer.feature && layer.feature.properties && layer.feature.properties._tooltip;
        if (found || !tip || !tip.startsWith('FE-') || !layer.getLatLng) return;
        const p = map.latLngToContainerPoint(layer.getLatLng());
        const x = box.left + p.x, y = box.top + p.y;
        if (layer._path && document.elementFromPoint(x, y) === layer._path) {  // on top there
            found = [x, y, tip.split(' · ')[0]];
        }
    });
    return found;
}"""


def test_map_page_click_on_a_fire_shows_its_details_below(streamlit_app, page, browser_log, demo_db):
    page.set_viewport_size({"width": 1400, "height": 1400})
    url = streamlit_app(APP, env={"GEOAQ_DB": str(demo_db)})
    page.goto(url + "?start=2025-04-22&end=2025-04-24")  # the demo's fires (its readings are 2019's)
    frame = page.frame_locator("iframe").first
    frame.locator("path.leaflet-interactive").first.wait_for(state="visible", timeout=60_000)
    map_frame = next(f for f in page.frames if "/component/" in f.url)
    map_frame.wait_for_function(FIRE_POSITION_JS, timeout=60_000)
    target = map_frame.evaluate(FIRE_POSITION_JS)
    assert target, "every fire event is covered by another feature"
    box = page.locator("iframe").first.bounding_box()
    page.mouse.click(box["x"] + target[0], box["y"] + target[1])
    page.get_by_role("heading", name=re.compile(re.escape(target[2]))).wait_for(timeout=60_000)
    assert page.get_by_role("link", name=re.compile("火点核查")).count() >= 1
    assert page.locator('[data-testid="stException"]').count() == 0
    assert not browser_log.page_errors, browser_log.page_errors
