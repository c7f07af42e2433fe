"""The 巡查路线 page in headless chromium: a large search started, then stopped with the page's
停止搜索 button; the page shows the best plan found until then and says it was stopped.

The day gets 300 map points typed into the page's 选点 box (seeded, around Luoyang) beside the
demo day's targets, and a search budget far larger than the default (1,000,000 iterations,
a 600 s cap), so the search cannot end before the click: whatever the machine's speed, what
ends it is the user's stop (`geoaq.web.search_progress`). Screenshot in
test-output/screenshots/.
"""

from __future__ import annotations

import re
import shutil
import time
from pathlib import Path

import numpy as np
import pytest

pytestmark = pytest.mark.browser

APP = Path(__file__).resolve().parents[2] / "app.py"
POINTS = 300


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory, demo_template) -> Path:
    db = tmp_path_factory.mktemp("routes_stop_browser") / "demo.duckdb"
    shutil.copyfile(demo_template, db)
    return db


def _points() -> str:
    rng = np.random.default_rng(19)
    lon = 112.45 + rng.uniform(-0.3, 0.3, POINTS)
    lat = 34.55 + rng.uniform(-0.2, 0.2, POINTS)
    return "\n".join(f"{x:.5f},{y:.5f},P{k}" for k, (x, y) in enumerate(zip(lon, lat, strict=True)))


def _number(page, label: str, value: str) -> None:
    box = page.get_by_label(label, exact=True)
    box.fill(value)
    box.press("Enter")


def test_stopping_a_large_search_shows_the_best_plan_so_far(streamlit_app, page, browser_log, demo_db):
    page.set_viewport_size({"width": 1400, "height": 1800})
    url = streamlit_app(APP, env={"GEOAQ_DB": str(demo_db)})
    page.goto(url.rstrip("/") + "/routes")
    page.get_by_text("待查目标（").first.wait_for(timeout=90_000)

    page.get_by_text("目标来源、地图选点与双随机抽查").click()
    picked = page.get_by_label("选点（每行：经度,纬度,名称；也可在地图上点击添加）")
    picked.fill(_points())
    picked.press("Control+Enter")  # Streamlit's text area applies on Ctrl+Enter (or on blur)
    # the list now holds the points too (its heading counts them; the table is drawn on a canvas)
    page.get_by_text(re.compile(r"待查目标（\s*[3-9]\d\d")).first.wait_for(timeout=90_000)
    page.get_by_text("求解设置与导出坐标").click()
    _number(page, "搜索步数上限", "1000000")
    _number(page, "搜索时间上限（秒，保险）", "600")
    _number(page, "巡查组数", "4")
    time.sleep(1.0)  # let the last rerun settle before the click that starts the search

    page.get_by_role("button", name="规划路线").click()
    stop = page.get_by_role("button", name="停止搜索（保留目前最好的路线）")
    stop.wait_for(timeout=60_000)
    time.sleep(3.0)  # the search runs: levels are being searched, a best plan exists
    started = time.monotonic()
    stop.click()
    page.get_by_text("搜索已按你的要求停止").first.wait_for(timeout=60_000)
    answered = time.monotonic() - started
    metric = re.search(r"已排入目标\s*(\d+)\s*/\s*(\d+)", page.inner_text("body"))
    assert metric, "no visited metric on the page"
    served, total = int(metric[1]), int(metric[2])
    assert 0 < served < total and total >= POINTS  # the best plan so far: some in, not all of them
    assert answered < 30, f"the page took {answered:.1f} s to show the stopped plan"
    page.locator("iframe").first.wait_for(timeout=30_000)  # the map of the routes is drawn
    assert not browser_log.page_errors, browser_log.page_errors
    assert not browser_log.local_failures, browser_log.local_failures
