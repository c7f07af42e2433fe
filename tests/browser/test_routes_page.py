"""The 巡查路线 page in headless chromium: plan the demo day's routes; the paths and the
numbered stop markers are drawn, offline (screenshot in test-output/screenshots/)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

APP = Path(__file__).resolve().parents[2] / "app.py"

ROUTE_SHAPES_JS = """() => {
    const paths = [...document.querySelectorAll('path.leaflet-interactive')]
        .filter(p => !/a/i.test(p.getAttribute('d') || ''));            // lines, not circles
    const numbers = [...document.querySelectorAll('.geoaq-stop-icon .geoaq-stop')]
        .map(d => d.textContent.trim());
    return {paths: paths.length, numbers: numbers};
}"""


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory, demo_template) -> Path:
    db = tmp_path_factory.mktemp("routes_browser") / "demo.duckdb"
    shutil.copyfile(demo_template, db)
    return db


def test_routes_page_draws_paths_and_numbered_markers(streamlit_app, page, browser_log, demo_db):
    page.set_viewport_size({"width": 1400, "height": 1800})
    url = streamlit_app(APP, env={"GEOAQ_DB": str(demo_db)})
    page.goto(url.rstrip("/") + "/routes")
    page.get_by_text("待查目标（").first.wait_for(timeout=90_000)
    assert page.get_by_text("火点核查").count() > 0  # the demo day's fire events are listed
    page.get_by_role("button", name="规划路线").click()
    page.get_by_text("已排入目标").first.wait_for(timeout=120_000)
    frame = page.frame_locator("iframe").first
    frame.locator(".geoaq-stop-icon").first.wait_for(state="visible", timeout=60_000)
    map_frame = next(f for f in page.frames if "/component/" in f.url)
    # the depot's marker may be drawn before the numbered stops: wait until the stops are there
    map_frame.wait_for_function(
        f"() => ({ROUTE_SHAPES_JS})().numbers.filter(n => n !== '起').length >= 2", timeout=60_000
    )
    drawn = map_frame.evaluate(ROUTE_SHAPES_JS)
    assert drawn["paths"] >= 2  # one path per team (2 teams by default)
    assert "1" in drawn["numbers"] and "2" in drawn["numbers"] and "起" in drawn["numbers"]
    legend = frame.locator(".geoaq-legend").inner_text()
    assert "第1组" in legend and "第2组" in legend
    page.get_by_text("第1组：").first.scroll_into_view_if_needed()
    assert page.get_by_role("button", name="全部路线 GPX").is_visible()
    page.locator("iframe").first.scroll_into_view_if_needed()
    assert not browser_log.page_errors, browser_log.page_errors
    # nothing may fail, not even Streamlit's probe of the page's URL as a base path (geoaq.web.streamlit_internals)
    assert not browser_log.local_failures, browser_log.local_failures
    assert not browser_log.external_non_tile_requests, browser_log.external_non_tile_requests
