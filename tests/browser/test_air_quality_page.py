"""The 空气质量 (air quality) page in headless chromium against a real `streamlit run app.py`:
Streamlit's own charts (Vega-Lite, bundled in its frontend) draw with no request leaving the
machine, and a chart downloads as a PNG drawn on the server; a screenshot is kept."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

APP = Path(__file__).resolve().parents[2] / "app.py"
SCREENSHOT_DIR = APP.parent / "test-output" / "screenshots"  # as the `page` fixture keeps its own


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory, demo_template) -> Path:
    path = tmp_path_factory.mktemp("air_quality_page") / "demo.duckdb"
    shutil.copyfile(demo_template, path)
    return path


def test_charts_draw_offline_and_download_as_png(streamlit_app, page, browser_log, demo_db, tmp_path):
    page.set_viewport_size({"width": 1400, "height": 2400})
    url = streamlit_app(APP, env={"GEOAQ_DB": str(demo_db)})
    page.goto(url.rstrip("/") + "/air-quality")
    page.get_by_text("最新小时 AQI").first.wait_for(timeout=90_000)
    charts = page.locator("[data-testid=stVegaLiteChart]")
    charts.first.wait_for(timeout=60_000)
    page.wait_for_function("() => document.querySelectorAll("
                           "'[data-testid=stVegaLiteChart] canvas, [data-testid=stVegaLiteChart] svg.marks').length >= 3",
                           timeout=60_000)
    assert page.get_by_text("PM2.5（µg/m³）").count() >= 1 or page.locator("text=µg/m³").count() >= 1
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT_DIR / "air_quality_page.png"))

    with page.expect_download(timeout=60_000) as download:
        page.get_by_role("button", name="下载图片（PNG）").first.click()
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    assert saved.suffix == ".png" and saved.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")

    assert not browser_log.page_errors, browser_log.page_errors
    # nothing may fail, not even Streamlit's probe of the page's URL as a base path (geoaq.web.streamlit_internals)
    assert not browser_log.local_failures, browser_log.local_failures
    assert not browser_log.external_requests, browser_log.external_requests
