"""The folium map draws in a real browser with every JS/CSS file served by Streamlit itself.

This machine, like the intranets the platform runs on, has no internet: had any script
still pointed at a CDN, streamlit-folium would stop before drawing and the checks on
``.leaflet-interactive`` would time out.
"""

from __future__ import annotations

from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

PAGE_SCRIPT = Path(__file__).with_name("offline_map_page.py")
CDN_HOSTS = (
    "cdn.jsdelivr.net",
    "cdnjs.cloudflare.com",
    "code.jquery.com",
    "unpkg.com",
    "netdna.bootstrapcdn.com",
    "d3js.org",
)
# Browser-side proof that each vendored file executed / applied, evaluated in the map iframe.
ASSETS_WORK_JS = """async () => {
  await document.fonts.ready;
  const sheets = [...document.querySelectorAll('link[rel=stylesheet]')].map(l => {
    let rules = -1;
    try { rules = l.sheet ? l.sheet.cssRules.length : -1; } catch (e) { rules = -2; }
    return [l.getAttribute('href'), rules];
  });
  return {
    leaflet: typeof L !== 'undefined' && L.version,
    jquery: typeof jQuery !== 'undefined' && jQuery.fn.jquery,
    bootstrap: typeof bootstrap !== 'undefined',
    awesomeMarkers: typeof L !== 'undefined' && !!L.AwesomeMarkers,
    markerCluster: typeof L !== 'undefined' && typeof L.markerClusterGroup === 'function',
    draw: typeof L !== 'undefined' && !!L.Control.Draw,
    panePosition: getComputedStyle(document.querySelector('.leaflet-pane')).position,
    fontAwesome: document.fonts.check('900 16px "Font Awesome 6 Free"'),
    sheets,
  };
}"""


@pytest.mark.parametrize("base_url_path", ["", "geoaq"], ids=["root", "base-url-path"])
def test_map_draws_offline_from_local_assets(streamlit_app, page, browser_log, base_url_path):
    url = streamlit_app(PAGE_SCRIPT, base_url_path=base_url_path)
    page.goto(url)
    map_frame = page.frame_locator("iframe")

    shapes = map_frame.locator("path.leaflet-interactive")
    shapes.first.wait_for(state="visible")
    # 1 GeoJSON polygon + 3 CircleMarkers, drawn as SVG paths.
    assert shapes.count() >= 4
    map_frame.locator(".leaflet-draw-toolbar").first.wait_for(state="visible")
    map_frame.locator(".awesome-marker").first.wait_for(state="visible")
    shapes.last.click()  # the last station: its popup opens (folium builds it with jQuery)
    assert map_frame.locator(".leaflet-popup-content").inner_text().strip() == "站点 3"

    frame = next(f for f in page.frames if "/component/" in f.url)
    state = frame.evaluate(ASSETS_WORK_JS)
    assert state["leaflet"] == "1.9.4"
    assert state["jquery"] == "3.7.1"
    assert state["bootstrap"] and state["awesomeMarkers"]
    assert state["markerCluster"] and state["draw"]
    assert state["panePosition"] == "absolute", "leaflet.css did not apply"
    assert state["fontAwesome"], "Font Awesome webfont did not load"
    prefix = f"/{base_url_path}/app/static/vendor/" if base_url_path else "/app/static/vendor/"
    assert state["sheets"], "no stylesheet links in the map iframe"
    for href, rules in state["sheets"]:
        assert href.startswith(prefix), href
        assert rules > 0, f"stylesheet {href} did not apply ({rules})"

    vendored = {u: t for u, t in browser_log.content_types.items() if "/app/static/vendor/" in u}
    assert any(u.endswith(".js") for u in vendored), browser_log.requests
    for asset_url, content_type in vendored.items():
        if asset_url.endswith(".js"):
            assert "javascript" in content_type, (asset_url, content_type)
        elif asset_url.endswith(".css"):
            assert content_type.startswith("text/css"), (asset_url, content_type)

    assert not browser_log.local_failures, browser_log.local_failures
    assert not browser_log.page_errors, browser_log.page_errors
    assert not [e for e in browser_log.console_errors if "is not defined" in e], (
        browser_log.console_errors
    )
    assert not [u for u in browser_log.requests if any(h in u for h in CDN_HOSTS)]
    assert not browser_log.external_non_tile_requests, browser_log.external_non_tile_requests
