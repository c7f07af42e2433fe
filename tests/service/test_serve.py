"""geoaq.service.serve and the hooks of geoaq.web.streamlit_internals: Streamlit's listening
socket, and so every connection, without Nagle's algorithm; Streamlit's index page served
mended; the start asks the internet for nothing."""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from streamlit import file_util
from streamlit.web.server.starlette import starlette_server, starlette_static_routes

from geoaq.service import serve
from geoaq.web import streamlit_internals as internals
from geoaq.web.pages import PAGES

STATIC_DIR = Path(file_util.get_static_dir())


def _nodelay(sock: socket.socket) -> bool:
    return bool(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))


def _accepted(listener: socket.socket) -> socket.socket:
    """A connection accepted on `listener` (blocking for the test's sake)."""
    listener.setblocking(True)
    client = socket.create_connection(listener.getsockname()[:2], timeout=5)
    accepted, _ = listener.accept()
    client.close()
    return accepted


@pytest.fixture
def restored_bind(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Streamlit's own `_bind_socket` back in place after the test."""
    monkeypatch.setattr(starlette_server, "_bind_socket", starlette_server._bind_socket)
    yield


def test_streamlit_binds_without_tcp_protocol_so_asyncio_leaves_nagle_on(restored_bind):
    """The fault this module works around: if Streamlit fixes it, this says so."""
    listener = starlette_server._bind_socket("127.0.0.1", 0, 8)
    try:
        assert listener.proto != socket.IPPROTO_TCP
        accepted = _accepted(listener)
        assert not _nodelay(accepted)
        accepted.close()
    finally:
        listener.close()


def test_install_makes_accepted_connections_inherit_nodelay(restored_bind):
    assert internals.install_socket_fix()
    listener = starlette_server._bind_socket("127.0.0.1", 0, 8)
    try:
        assert _nodelay(listener)
        accepted = _accepted(listener)
        assert _nodelay(accepted)
        accepted.close()
    finally:
        listener.close()


def test_install_wraps_once(restored_bind, restored_static_handler, restored_external_ip):
    original = starlette_server._bind_socket
    assert internals.install()
    wrapped = starlette_server._bind_socket
    assert internals.install()
    assert starlette_server._bind_socket is wrapped
    assert wrapped.__wrapped__ is original


def test_without_nagle_leaves_non_tcp_sockets_alone():
    datagram = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        assert internals.without_nagle(lambda: datagram)() is datagram  # no TCP option on UDP: no error
    finally:
        datagram.close()


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        ([], ["run", str(serve.APP)]),
        (["--server.port", "8501"], ["run", str(serve.APP), "--server.port", "8501"]),
        (["page.py", "--server.port", "8501"], ["run", "page.py", "--server.port", "8501"]),
    ],
)
def test_run_arguments_default_to_the_app(argv, expected):
    assert serve.run_arguments(argv) == expected


@pytest.fixture
def restored_static_handler(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Streamlit's own static file handler back in place after the test."""
    monkeypatch.setattr(starlette_static_routes, "create_streamlit_static_handler",
                        starlette_static_routes.create_streamlit_static_handler)
    yield


def _request(app, path: str, method: str = "GET",
             headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    """One HTTP request to the ASGI `app`: status, headers (lower-case names), body."""
    sent: list[dict] = []
    received: list[bool] = []

    async def receive() -> dict:
        if received:  # the client stays connected: a response listening for a disconnect waits
            await asyncio.Event().wait()
        received.append(True)
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict) -> None:
        sent.append(message)

    scope = {"type": "http", "method": method, "path": path, "raw_path": path.encode(), "root_path": "",
             "query_string": b"", "scheme": "http", "server": ("127.0.0.1", 8501),
             "headers": [(name.lower().encode(), value.encode()) for name, value in (headers or {}).items()],
             "http_version": "1.1"}
    # in a thread of its own: a Playwright test earlier in the run leaves an event loop running here
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, app(scope, receive, send)).result(timeout=30)
    start = next(message for message in sent if message["type"] == "http.response.start")
    headers = {name.decode().lower(): value.decode() for name, value in start["headers"]}
    return start["status"], headers, b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")


def test_install_index_page_serves_each_page_its_mended_index(restored_static_handler):
    assert internals.install_index_page({"map": ("Slider",), "fires": ("DateInput",)})
    handler = starlette_static_routes.create_streamlit_static_handler(str(STATIC_DIR), None)
    for path, preloaded, not_preloaded in [("/", "/Slider.", "/DateInput."), ("/map", "/Slider.", "/DateInput."),
                                           ("/fires", "/DateInput.", "/Slider."),
                                           ("/no-such-page", "/Slider.", "/DateInput.")]:
        status, headers, body = _request(handler, path)
        page = body.decode("utf-8")
        assert status == 200, path
        assert headers["content-type"].startswith("text/html")
        assert headers["cache-control"] == "no-cache"  # as Streamlit serves its index page
        assert "window.__streamlit" in page and preloaded in page and not_preloaded not in page, path
    original = (STATIC_DIR / "index.html").read_bytes()
    assert _request(handler, "/", method="HEAD")[0] == 200
    script = sorted((STATIC_DIR / "static" / "js").glob("Radio.*.js"))[0]
    status, headers, body = _request(handler, f"/static/js/{script.name}")
    assert (status, body) == (200, script.read_bytes())  # other files as Streamlit serves them
    assert "immutable" in headers["cache-control"]
    assert len(original) < len(_request(handler, "/")[2])


def test_a_returning_browser_with_the_same_page_gets_not_modified(restored_static_handler):
    internals.install_index_page({"map": ("Slider",), "fires": ("DateInput",)})
    handler = starlette_static_routes.create_streamlit_static_handler(str(STATIC_DIR), None)
    _, fires_headers, _ = _request(handler, "/fires")
    _, map_headers, _ = _request(handler, "/map")
    assert fires_headers["etag"] != map_headers["etag"]  # each page's own
    status, headers, body = _request(handler, "/fires", headers={"If-None-Match": fires_headers["etag"]})
    assert (status, body, headers["etag"]) == (304, b"", fires_headers["etag"])
    status, _, body = _request(handler, "/fires", headers={"If-None-Match": map_headers["etag"]})
    assert status == 200 and b"/DateInput." in body  # another page's copy is not this one
    original_tag = _request(starlette_static_routes.create_streamlit_static_handler.__wrapped__(str(STATIC_DIR), None),
                            "/fires")[1]["etag"]
    status, _, body = _request(handler, "/fires", headers={"If-None-Match": original_tag})
    assert status == 200 and b"/DateInput." in body  # a copy of Streamlit's own page is replaced


def test_install_index_page_wraps_streamlits_own_handler_only_once(restored_static_handler):
    original = starlette_static_routes.create_streamlit_static_handler
    internals.install_index_page({"fires": ("DateInput",)})
    internals.install_index_page({"map": ("Slider",)})
    assert starlette_static_routes.create_streamlit_static_handler.__wrapped__ is original


def test_an_index_page_not_understood_is_served_as_it_is(restored_static_handler, tmp_path, caplog):
    page = "<!DOCTYPE html><html><head><title>x</title></head><body></body></html>"
    (tmp_path / "index.html").write_text(page, encoding="utf-8")
    internals.install_index_page({"fires": ("DateInput",)})
    with caplog.at_level(logging.WARNING, logger="geoaq.web.streamlit_internals"):
        handler = starlette_static_routes.create_streamlit_static_handler(str(tmp_path), None)
    assert "served as it is" in caplog.text and "starts no module script" in caplog.text
    assert _request(handler, "/fires")[2].decode("utf-8") == page


def test_app_page_elements_are_the_apps_pages_for_app_py_only(tmp_path):
    elements = serve.app_page_elements(str(serve.APP))
    assert list(elements) == [page.url_path for page in PAGES]
    assert all(found[0] == "Radio" for found in elements.values())  # the sidebar's language switch
    assert serve.app_page_elements(str(tmp_path / "page.py")) == {}


@pytest.fixture
def restored_external_ip(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    from streamlit import net_util

    monkeypatch.setattr(net_util, "get_external_ip", net_util.get_external_ip)
    monkeypatch.setattr(net_util, "_external_ip", None, raising=False)
    yield


def _start_banner(monkeypatch: pytest.MonkeyPatch, server_address: str | None) -> list[str]:
    """The URLs Streamlit's headless start asks the internet for, with `server_address` as
    ``browser.serverAddress`` (None: not set)."""
    from streamlit import config as st_config
    from streamlit import net_util
    from streamlit.config_option import ConfigOption
    from streamlit.web import bootstrap

    asked: list[str] = []
    monkeypatch.setattr(net_util, "_make_blocking_http_get", lambda url, timeout: asked.append(url))
    monkeypatch.setattr(bootstrap.cli_util, "print_to_cli", lambda *args, **kwargs: None)
    old_headless = st_config.get_option("server.headless")
    old_address = (st_config.get_option("browser.serverAddress"), st_config.get_where_defined("browser.serverAddress"))
    st_config.set_option("server.headless", True)
    if server_address is None:
        st_config._set_option("browser.serverAddress", "localhost", ConfigOption.DEFAULT_DEFINITION)
    else:
        st_config._set_option("browser.serverAddress", server_address, "test")
    try:
        bootstrap._print_url(False)
    finally:
        st_config.set_option("server.headless", old_headless)
        st_config._set_option("browser.serverAddress", *old_address)
    return asked


def test_streamlit_asks_the_internet_for_the_external_ip_without_a_server_address(restored_external_ip, monkeypatch):
    """What setting browser.serverAddress prevents: if Streamlit stops doing it, this says so."""
    asked = _start_banner(monkeypatch, None)
    assert asked and all(url.startswith("http") for url in asked)


def test_with_the_server_address_set_the_start_asks_nobody(restored_external_ip, monkeypatch):
    from streamlit.web.server import server_util

    assert _start_banner(monkeypatch, "localhost") == []
    assert server_util.is_url_from_allowed_origins("http://localhost:8501")  # the local origins still pass


def test_the_apps_streamlit_config_sets_the_server_address():
    import tomllib

    settings = tomllib.loads((serve.APP.parent / ".streamlit" / "config.toml").read_text("utf-8"))
    assert settings["browser"]["serverAddress"] == "localhost"


def test_a_change_whose_hook_is_gone_is_left_out_with_a_warning(monkeypatch, caplog):
    monkeypatch.setattr(internals, "install_socket_fix", lambda: False)
    monkeypatch.setattr(internals, "install_index_page", lambda page_elements=None: True)
    with caplog.at_level(logging.WARNING, logger="geoaq.web.streamlit_internals"):
        assert not internals.install()
    assert "Nagle" in caplog.text and "_bind_socket" in caplog.text and "running without it" in caplog.text


def test_the_service_runs_the_feeds_unless_told_not_to(monkeypatch, tmp_path, caplog):
    monkeypatch.setenv("GEOAQ_SERVICE_FEEDS", "0")
    assert serve.start_service_feeds() is None
    monkeypatch.delenv("GEOAQ_SERVICE_FEEDS")
    scheduler = serve.start_service_feeds()  # the shipped feeds.toml: every feed disabled
    try:
        assert scheduler is not None and scheduler.running and scheduler.get_jobs() == []
    finally:
        scheduler.shutdown(wait=False)
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "feeds.toml").write_text("[firms]\nenabeld = true\n", encoding="utf-8")
    monkeypatch.setenv("GEOAQ_SITE_DIR", str(tmp_path))
    with caplog.at_level(logging.ERROR, logger="geoaq.service.serve"):
        assert serve.start_service_feeds() is None  # the app starts without them, and says why
    assert "feeds are not running" in caplog.text and "enabeld" in caplog.text
