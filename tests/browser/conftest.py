"""Fixtures that drive Debian's headless chromium against a real `streamlit run`.

* ``chromium_path``: the system chromium (``apt-get install chromium``);
* ``streamlit_app``: a factory starting ``streamlit run SCRIPT`` on a free port, through
  ``python -m geoaq.service`` as ``make run`` does;
* ``page`` (+ ``browser_log``): a Playwright page whose requests, failed responses and
  console errors are recorded, and which leaves a screenshot in
  ``test-output/screenshots/<test name>.png``.

Streamlit serves ``static/`` from the folder of the app *script* (not the working
directory). A script at the repo root gets ``./static`` (filled as ``make`` does); any other
script, such as a test page, is run from a copy in a temporary folder with its own
``static/vendor``, so nothing lands in the work tree (``.gitignore`` ignores only the root
``static/vendor/``).
Missing prerequisites (chromium, node_modules) skip the tests on a developer's machine but
fail them under CI (``CI`` set), where ``make test`` has installed both.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import warnings
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from helpers import admin_session

from geoaq.web.assets import MissingAssetError, install_assets

REPO_ROOT = Path(__file__).resolve().parents[2]
OUTPUT_DIR = REPO_ROOT / "test-output"
SCREENSHOT_DIR = OUTPUT_DIR / "screenshots"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1"}
# Map tiles: .../{z}/{x}/{y}.png and friends; the only external requests a map may make.
TILE_URL = re.compile(r"/\d+/\d+/\d+(@2x)?\.(png|jpe?g|webp|pbf|mvt)(\?|$)", re.IGNORECASE)
STARTUP_TIMEOUT_S = 60.0


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark every test under tests/browser with ``pytest.mark.browser``."""
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.path)).parents:
            item.add_marker(pytest.mark.browser)


def _unavailable(reason: str) -> None:
    """Skip on a developer's machine, fail in CI, where the prerequisite must exist."""
    if os.environ.get("CI"):
        pytest.fail(reason)
    pytest.skip(reason)


def is_external(url: str) -> bool:
    """True for an http(s)/ws(s) URL whose host is not this machine."""
    parts = urlsplit(url)
    return parts.scheme in {"http", "https", "ws", "wss"} and parts.hostname not in LOCAL_HOSTS


def is_tile(url: str) -> bool:
    """True for a map tile URL ({z}/{x}/{y}.png and the like)."""
    return bool(TILE_URL.search(url))


@dataclass
class BrowserLog:
    """What the page did: every request URL, failed responses, console and page errors."""

    requests: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)  # (HTTP status or error, URL)
    content_types: dict[str, str] = field(default_factory=dict)  # local URL -> Content-Type
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)

    @property
    def external_requests(self) -> list[str]:
        """Requests that left localhost, tiles included."""
        return [url for url in self.requests if is_external(url)]

    @property
    def local_failures(self) -> list[tuple[str, str]]:
        """Failed requests to this machine (a missing vendored file, a 404): must stay empty."""
        return [(why, url) for why, url in self.failed if not is_external(url)]

    @property
    def external_non_tile_requests(self) -> list[str]:
        """Requests that left localhost for anything but map tiles: must stay empty."""
        return [url for url in self.external_requests if not is_tile(url)]


@pytest.fixture(scope="session")
def chromium_path() -> Path:
    """Debian's chromium, which Playwright drives instead of downloading its own build."""
    if not CHROMIUM.exists():
        _unavailable(f"{CHROMIUM} missing: apt-get install -y chromium")
    return CHROMIUM


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _tail(path: Path, lines: int = 40) -> str:
    text = path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""
    return "\n".join(text.splitlines()[-lines:])


def _safe_name(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", name).strip("_")


def _wait_healthy(proc: subprocess.Popen[bytes], health_url: str, log: Path) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"streamlit exited with {proc.returncode}:\n{_tail(log)}")
        try:
            with urllib.request.urlopen(health_url, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.2)
    pytest.fail(f"streamlit not healthy at {health_url} in {STARTUP_TIMEOUT_S}s:\n{_tail(log)}")


StreamlitFactory = Callable[..., str]

#: the account the browser tests act as (made in each app's database; see `_signed_in_session`)
BROWSER_ACCOUNT = "browser-admin"


def _signed_in_session(script: Path, address: str | None) -> str | None:
    """For the app (app.py) on an existing database: an administrator's open session, made in
    that database before the app holds it; its token goes into the test's browser as the
    session cookie, so each page opens signed in, as after a sign-in (tests/app/test_sign_in.py
    and test_sign_in_page.py go through the page itself)."""
    if script != REPO_ROOT / "app.py" or not address:
        return None
    from geoaq.db import backend

    target = backend.database(address)
    if target.embedded and not target.path.exists():
        return None
    return admin_session(address, BROWSER_ACCOUNT, origin="browser test")


@pytest.fixture
def streamlit_app(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[StreamlitFactory]:
    """Factory: ``streamlit_app(script, env=None, base_url_path="", signed_in=True) -> base URL``.

    For the app (app.py) the test's ``page`` starts signed in as an administrator
    (`_signed_in_session`) unless ``signed_in=False``.

    Runs ``.venv/bin/python -m geoaq.service SCRIPT`` (``streamlit run`` without Nagle's
    algorithm, as ``make run`` starts the app) headless on a free port, with the repo root as
    working directory (so ``.streamlit/config.toml`` applies) and ``env`` added to the
    environment, after putting the vendored map assets into the ``static/`` Streamlit will
    serve (see the module docstring). Returns e.g. ``http://127.0.0.1:PORT/`` (plus the
    base path) once ``/_stcore/health`` answers; every app started is terminated at
    teardown, also when the test fails (or by ``streamlit_app.stop_all()``: a running app owns
    its database file, so a test reads the file itself after stopping it). The server's output goes to
    ``test-output/streamlit-<test name>-<n>.log`` (``streamlit_app.logs``, in start order).
    """
    started: list[subprocess.Popen[bytes]] = []
    python = REPO_ROOT / ".venv" / "bin" / "python"
    if not python.exists():
        python = Path(sys.executable)

    def start(
        script: str | Path, env: Mapping[str, str] | None = None, base_url_path: str = "",
        signed_in: bool = True,
    ) -> str:
        script = Path(script).resolve()
        if script.parent != REPO_ROOT:
            stage = tmp_path_factory.mktemp(_safe_name(script.stem))
            script = Path(shutil.copy(script, stage / script.name))
        try:
            install_assets(REPO_ROOT / "node_modules", script.parent / "static")
        except MissingAssetError as exc:
            _unavailable(str(exc))
        token = _signed_in_session(script, {**os.environ, **(env or {})}.get("GEOAQ_DB")) if signed_in else None
        port = _free_port()
        base_path = base_url_path.strip("/")
        cmd = [  # as `make run` starts the app: geoaq.service.serve switches Nagle's algorithm off
            str(python),
            "-m",
            "geoaq.service",
            str(script),
            "--server.headless",
            "true",
            "--server.port",
            str(port),
            "--server.address",
            "127.0.0.1",
            "--server.enableStaticServing",
            "true",
            "--server.fileWatcherType",
            "none",
            "--browser.gatherUsageStats",
            "false",
        ]
        if base_path:
            cmd += ["--server.baseUrlPath", base_path]
        OUTPUT_DIR.mkdir(parents=True, exist_ok=True)
        log = OUTPUT_DIR / f"streamlit-{_safe_name(request.node.name)}-{len(started)}.log"
        with log.open("wb") as out:
            proc = subprocess.Popen(
                cmd,
                cwd=REPO_ROOT,
                env={**os.environ, **(env or {})},
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        started.append(proc)
        start.logs.append(log)
        base_url = f"http://127.0.0.1:{port}/" + (f"{base_path}/" if base_path else "")
        _wait_healthy(proc, f"{base_url}_stcore/health", log)
        if token and "page" in request.fixturenames:  # the test's browser starts signed in
            request.getfixturevalue("page").context.add_cookies(
                [{"name": "geoaq_session", "value": token, "url": base_url}])
        return base_url

    def stop_all() -> None:
        """Stop every app started (each owns its database file until it stops)."""
        for proc in started:
            proc.terminate()
        for proc in started:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)

    start.logs = []  # type: ignore[attr-defined]  # each app's server output, in start order
    start.stop_all = stop_all  # type: ignore[attr-defined]
    try:
        yield start
    finally:
        stop_all()


@pytest.fixture(scope="session")
def _browser(chromium_path: Path) -> Iterator[object]:
    """One headless chromium for the session (Playwright's sync API)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(chromium_path), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def browser_log() -> BrowserLog:
    """What the ``page`` fixture's page requested and logged."""
    return BrowserLog()


@pytest.fixture
def page(_browser, browser_log: BrowserLog, request: pytest.FixtureRequest) -> Iterator[object]:
    """A fresh Playwright page that records into ``browser_log`` and is screenshotted at the end."""
    context = _browser.new_context(viewport={"width": 1100, "height": 800})
    log = browser_log

    def on_response(response) -> None:
        url = response.url
        if not is_external(url):
            log.content_types[url] = response.headers.get("content-type", "")
        if response.status >= 400:
            log.failed.append((str(response.status), url))

    context.on("request", lambda req: log.requests.append(req.url))
    context.on("requestfailed", lambda req: log.failed.append((str(req.failure), req.url)))
    context.on("response", on_response)
    page = context.new_page()

    def on_console(msg) -> None:
        if msg.type == "error":
            log.console_errors.append(f"{msg.text} @ {msg.location.get('url', '')}")

    page.on("console", on_console)
    page.on("pageerror", lambda exc: log.page_errors.append(str(exc)))
    page.set_default_timeout(30_000)
    try:
        yield page
    finally:
        SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
        shot = SCREENSHOT_DIR / f"{_safe_name(request.node.name)}.png"
        try:
            page.screenshot(path=str(shot))
        except Exception as exc:  # a crashed page must not hide the test's own outcome
            warnings.warn(f"no screenshot {shot}: {exc}", stacklevel=1)
        finally:
            context.close()
