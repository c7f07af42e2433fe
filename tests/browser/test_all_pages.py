"""Every page of the app in a real browser: it loads without an error box, and a screenshot
of it is saved under test-output/screenshots/. The fires page answers a date-range change."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from helpers import wait_until_run

from geoaq.web.pages import PAGES as APP_PAGES

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "app.py"
PAGES = [entry.url_path for entry in APP_PAGES]


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory, demo_template) -> Path:
    path = tmp_path_factory.mktemp("pages") / "demo.duckdb"
    shutil.copyfile(demo_template, path)
    return path


def test_the_page_list_is_complete():
    assert {"map", "fires", "compliance", "air-quality", "data"} <= set(PAGES)


def _settled(page) -> None:
    """Wait until the page has run to its end."""
    wait_until_run(page, timeout_ms=120_000)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_page_loads_without_an_error(streamlit_app, page, browser_log, demo_db, lang):
    page.set_viewport_size({"width": 1400, "height": 1400})
    url = streamlit_app(APP, env={"GEOAQ_DB": str(demo_db)})
    shots = ROOT / "test-output" / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    page.goto(url)
    _settled(page)
    if lang == "en":
        page.get_by_text("English", exact=True).first.click()
        page.get_by_role("heading", name="Air-pollution governance map").wait_for(timeout=90_000)
    links = page.locator('[data-testid="stSidebarNav"] a')
    for index, path in enumerate(PAGES):  # through the sidebar, as a user does (keeps the language)
        links.nth(index).click()
        page.wait_for_url(re.compile(f"/{'' if index == 0 else path}$"))
        _settled(page)
        assert page.locator('[data-testid="stException"]').count() == 0, f"error box on /{path}"
        page.screenshot(path=str(shots / f"page_{path}_{lang}.png"), full_page=True)
    assert not browser_log.page_errors, browser_log.page_errors
    assert not browser_log.external_non_tile_requests, browser_log.external_non_tile_requests


def test_changing_the_date_range_changes_the_fire_count(streamlit_app, page, demo_db):
    page.set_viewport_size({"width": 1400, "height": 1400})
    url = streamlit_app(APP, env={"GEOAQ_DB": str(demo_db)})
    page.goto(url.rstrip("/") + "/fires")
    metric = page.get_by_test_id("stMetricValue").first
    metric.wait_for(timeout=90_000)
    assert metric.inner_text() == "16"
    # the range starts on 04-23, when all 16 events happened; move its start to 04-24
    start_day = page.locator('[role=spinbutton][aria-label="day, 日期范围（北京时间） start date"]')
    start_day.click()
    page.keyboard.type("24")
    page.keyboard.press("Tab")
    page.mouse.click(5, 5)  # leave the field: the widget sends its new value
    page.wait_for_function(
        "() => document.querySelector('[data-testid=\"stMetricValue\"]').innerText === '0'", timeout=90_000)
