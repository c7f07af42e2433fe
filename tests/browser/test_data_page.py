"""The 数据管理 (data) page in headless chromium against a real `streamlit run app.py`:
a file picked in the browser's file dialog goes through Streamlit's uploader into ingest(),
and the page shows the load's report and its rejects; a screenshot is kept."""

from __future__ import annotations

from pathlib import Path

import pytest

from geoaq.db import connection as db

pytestmark = pytest.mark.browser

APP = Path(__file__).resolve().parents[2] / "app.py"
SCREENSHOT_DIR = APP.parent / "test-output" / "screenshots"  # as the `page` fixture keeps its own
# row 3: longitude and latitude swapped; row 4: the required name is missing
BAD = "code,name,lon,lat\nUP01,上传站一,112.45,34.62\nUP02,上传站二,34.63,112.46\nUP03,,112.47,34.64\n"


IDLE_JS = ("() => { const app = document.querySelector('[data-testid=stApp]');"
           " return app && app.dataset.testScriptState === 'notRunning'; }")


def _idle(page) -> None:
    """Wait until the script has finished its run (a click during a rerun can be lost)."""
    page.wait_for_timeout(300)
    page.wait_for_function(IDLE_JS, timeout=60_000)


def test_uploading_a_bad_file_shows_its_rejects(streamlit_app, page, browser_log, demo_db):
    page.set_viewport_size({"width": 1400, "height": 2200})
    url = streamlit_app(APP, env={"GEOAQ_DB": str(demo_db)})
    page.goto(url.rstrip("/") + "/data")
    page.get_by_text("上传文件").first.wait_for(timeout=60_000)
    page.get_by_text("每个文件不超过 200 MB").first.wait_for()
    page.get_by_text("已记录的拒收数据").wait_for(timeout=60_000)  # the whole page has been drawn
    _idle(page)

    target = page.get_by_test_id("stSelectbox").filter(has_text="载入到")
    option = page.get_by_role("option", name="空气质量监测站")
    for _ in range(3):  # a click while the page is still settling may not open the list
        target.locator("div[role=combobox], input").first.click()
        try:
            option.wait_for(timeout=5_000)
            break
        except Exception:  # noqa: BLE001 (Playwright's TimeoutError): try again
            page.keyboard.press("Escape")
    option.click()
    page.wait_for_function("() => [...document.querySelectorAll('[data-testid=stSelectbox] input')]"
                           ".some(i => i.value === '空气质量监测站')")
    _idle(page)
    page.locator("input[type=file]").set_input_files(
        files=[{"name": "坏站点.csv", "mimeType": "text/csv", "buffer": BAD.encode("utf-8")}])
    page.get_by_text("坏站点.csv").first.wait_for()
    load = page.get_by_role("button", name="载入", exact=True)
    load.wait_for()
    page.wait_for_function("() => [...document.querySelectorAll('button')].some("
                           "b => b.innerText.trim() === '载入' && !b.disabled)")
    _idle(page)
    load.click()

    page.get_by_text("坏站点.csv → 空气质量监测站：读取 3 行，载入 1 行，拒收 2 行").wait_for(timeout=60_000)
    page.get_by_text("longitude and latitude look swapped").first.wait_for()
    page.get_by_text("本次拒收（2 条）").wait_for()
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT_DIR / "data_page_rejects.png"))

    streamlit_app.stop_all()  # the app's server owns the file while it runs
    con = db.connect(demo_db, read_only=True)
    try:
        codes = {row[0] for row in con.execute("SELECT code FROM stations WHERE code LIKE 'UP%'").fetchall()}
        stored = con.execute("SELECT count(*) FROM rejects WHERE source_file LIKE '%坏站点.csv'").fetchone()[0]
    finally:
        con.close()
    assert codes == {"UP01"} and stored == 2
    assert not browser_log.page_errors, browser_log.page_errors
    # nothing may fail, not even Streamlit's probe of the page's URL as a base path (geoaq.web.streamlit_internals)
    assert not browser_log.local_failures, browser_log.local_failures
    assert not browser_log.external_requests, browser_log.external_requests
