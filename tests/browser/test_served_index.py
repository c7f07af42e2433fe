"""geoaq.web.streamlit_internals' index page in a real browser: a new browser opening any page of the app has the
scripts of the elements the page declares (`app_pages.PAGES`) on the way before the app
connects, and a link straight to a page connects without probing the page's URL for the
server's base path."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from helpers import wait_until_run
from streamlit import file_util

from geoaq.web import streamlit_internals as index_page
from geoaq.web.pages import PAGES, page_elements

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "app.py"

# Each static file's URL and when its request started (ms since navigation).
RESOURCES = "() => performance.getEntriesByType('resource').map(r => [r.name, r.startTime])"


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory, demo_template) -> Path:
    path = tmp_path_factory.mktemp("index_page") / "demo.duckdb"
    shutil.copyfile(demo_template, path)
    return path


def _settled(page) -> None:
    """Wait until the page has run to its end."""
    wait_until_run(page, timeout_ms=120_000)


def _late_scripts(resources: list[tuple[str, float]]) -> list[str]:
    """Streamlit's scripts requested after the app's first call to its server (host-config)."""
    connected = min(start for name, start in resources if name.endswith("/_stcore/host-config"))
    return sorted(name.rsplit("/", 1)[-1] for name, start in resources
                  if "/static/js/" in name and "/component/" not in name and start > connected)


def _element_files(elements: tuple[str, ...]) -> set[str]:
    """The file names of Streamlit's scripts for `elements`, dependencies included."""
    static_dir = Path(file_util.get_static_dir())
    bundle = index_page.main_bundle(static_dir, (static_dir / "index.html").read_text(encoding="utf-8"))
    scripts = index_page.element_scripts(bundle.read_text(encoding="utf-8"))
    return {path.rsplit("/", 1)[-1] for name in elements for path in scripts[name]}


def test_late_scripts_are_those_requested_after_the_first_server_call():
    resources = [("http://h/static/js/index.A.js", 5.0), ("http://h/_stcore/host-config", 400.0),
                 ("http://h/fires/_stcore/host-config", 300.0), ("http://h/static/js/Radio.B.js", 350.0),
                 ("http://h/component/st_folium/static/js/main.C.js", 900.0)]
    assert _late_scripts(resources) == ["Radio.B.js"]


def test_a_new_browser_has_each_pages_element_scripts_before_the_app_connects(
        streamlit_app, _browser, demo_db):
    url = streamlit_app(APP, env={"GEOAQ_DB": str(demo_db)})
    elements = page_elements()
    late = {}
    for entry in PAGES:
        context = _browser.new_context(viewport={"width": 1400, "height": 1000})  # a new profile each
        page = context.new_page()
        try:
            page.goto(url + entry.url_path)
            _settled(page)
            declared = _element_files(elements[entry.url_path])
            late[entry.url_path] = [name for name in _late_scripts(page.evaluate(RESOURCES)) if name in declared]
        finally:
            context.close()
    assert late == {entry.url_path: [] for entry in PAGES}, {path: files for path, files in late.items() if files}


@pytest.mark.parametrize("base_url_path", ["", "geoaq"])
def test_a_link_to_a_page_connects_without_probing_its_url(streamlit_app, page, browser_log, demo_db,
                                                           base_url_path):
    url = streamlit_app(APP, env={"GEOAQ_DB": str(demo_db)}, base_url_path=base_url_path)
    page.goto(url + "fires")
    _settled(page)
    assert page.locator("h1").first.inner_text().startswith("火点核查")
    server_calls = [request for request in browser_log.requests if "/_stcore/" in request]
    assert server_calls and not [request for request in server_calls if "/fires/_stcore/" in request]
    assert not browser_log.local_failures, browser_log.local_failures
