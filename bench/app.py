"""The 火点核查 page with 100,000 fire events vs a plain folium map of the same points.

One run, same data, same headless Debian chromium:

* **geoaq**: ``python -m geoaq.service`` (``streamlit run app.py`` as ``make run`` starts it) on the database of `bench/fixtures_events.py` (the
  Luoyang demo plus a generated season of 100,000 fire events, loaded through ingest), the
  fires page opened for the whole season by its link (``?start=…&end=…``). *Usable* is when
  the map has drawn its first view of the events (clusters and points on canvas) and the
  page's script has finished (Streamlit's "running" indicator gone). Measured twice: the first
  visit of a fresh server (its caches empty) and a second visit.
* **the floor**: the same page for a day without events, in a new browser profile: what
  Streamlit and the map cost before any event is drawn.
* **plain folium**: one ``folium.CircleMarker`` with a popup per event (what
  ``folium.CircleMarker(...).add_to(m)`` in a loop gives), saved as HTML with the same local
  copies of Leaflet & co. (`geoaq.web.assets.localize_assets`, so neither side goes to a CDN) and
  opened from a local HTTP server. *Usable* is when the page's ``load`` event has fired and
  Leaflet has added every marker. It is given `--peer-timeout` seconds (default 300).

Bytes transferred are what the servers sent to chromium, counted by a TCP proxy in between
(so compressed WebSocket frames count as sent, and files the browser has cached not at all).
The proxy relays every byte through Python threads on the same cores as server and browser,
which slows the page down by itself; so each case is timed in a visit straight to the server
and its bytes are counted in a second, identical visit (new profile again) through the proxy,
whose time is printed too. "New browser profile" has an empty browser cache; "returning
browser" opens the page again in the same profile, with Streamlit's own script bundle (served
uncompressed and cached for a year) already cached.

    .venv/bin/python bench/app.py [--events 100000] [--peer-timeout 300]
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import gzip
import http.server
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "tests"))

from fixtures_events import events_db  # noqa: E402
from helpers import admin_session  # noqa: E402

from geoaq.web import warmup  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]
CACHE = ROOT / "bench" / ".cache"
EMPTY_DAY = "2025-12-01"  # after the generated season: a period without fire events


class ByteCountingProxy:
    """A local TCP proxy in front of a server that counts the bytes sent to the browser.

    What goes through it is what crosses the network: compressed WebSocket frames as sent,
    HTTP headers and bodies, nothing served from the browser's cache. `reset()` between visits.
    """

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.to_browser = 0
        self._lock = threading.Lock()
        self._server = socket.create_server(("127.0.0.1", 0))
        self.port = self._server.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def reset(self) -> None:
        with self._lock:
            self.to_browser = 0

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._server.accept()
            except OSError:
                return
            upstream = socket.create_connection(("127.0.0.1", self.target_port))
            for end in (client, upstream):  # a proxy adds no Nagle waits of its own
                end.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            threading.Thread(target=self._pipe, args=(client, upstream, False), daemon=True).start()
            threading.Thread(target=self._pipe, args=(upstream, client, True), daemon=True).start()

    def _pipe(self, source: socket.socket, sink: socket.socket, counted: bool) -> None:
        try:
            while chunk := source.recv(65536):
                if counted:
                    with self._lock:
                        self.to_browser += len(chunk)
                sink.sendall(chunk)
        except OSError:
            pass
        finally:
            for end in (source, sink):
                with contextlib.suppress(OSError):
                    end.shutdown(socket.SHUT_RDWR)

    def close(self) -> None:
        self._server.close()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


GEOAQ_SERVE = [str(ROOT / ".venv" / "bin" / "python"), "-m", "geoaq.service"]  # as `make run` starts it
STREAMLIT_RUN = [str(ROOT / ".venv" / "bin" / "streamlit"), "run", str(ROOT / "app.py")]  # Nagle's algorithm on


def warmed_up(log: Path, timeout_s: float = 600.0) -> str:
    """The line in the server's `log` saying `geoaq.web.warmup` is done (waits for it)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        for line in log.read_text(encoding="utf-8", errors="replace").splitlines():
            if warmup.DONE in line:
                return line
        time.sleep(0.2)
    raise RuntimeError(f"no warm-up within {timeout_s:.0f} s; see {log}")


#: db path → the token of the bench's administrator session in it (made once, before any app
#: holds the file; a second one would renew the password and so end the first)
_TOKENS: dict[str, str] = {}
#: base URL → the token its browsers sign in with
_URL_TOKENS: dict[str, str] = {}


def profile(browser, url: str):
    """A new browser profile (context) signed in to the app at `url` by its session cookie, as
    after a sign-in: every page needs a session."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    if url in _URL_TOKENS:
        context.add_cookies([{"name": "geoaq_session", "value": _URL_TOKENS[url], "url": url}])
    return context


def start_streamlit(db: Path, log: Path, launcher: list[str] = GEOAQ_SERVE) -> tuple[subprocess.Popen, str]:
    """The app (started by `launcher`) on `db`; returns the process and its base URL once healthy
    (`profile` opens browsers signed in to it)."""
    if str(db) not in _TOKENS:
        _TOKENS[str(db)] = admin_session(str(db), "bench-admin", origin="bench")
    port = _free_port()
    proc = subprocess.Popen(
        [*launcher, "--server.headless", "true", "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.fileWatcherType", "none"],
        cwd=ROOT, env={**os.environ, "GEOAQ_DB": str(db)}, stdout=log.open("wb"), stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    _URL_TOKENS[url] = _TOKENS[str(db)]
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url + "_stcore/health", timeout=2):
                return proc, url
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError(f"streamlit did not start; see {log}")


MAP_DRAWN = """() => {
    const frame = document.querySelector('iframe[title="streamlit_folium.st_folium"]');
    const layer = frame && frame.contentWindow && frame.contentWindow.geoaqEventLayer;
    return Boolean(layer && layer.drawn && layer.drawn.clusters + layer.drawn.points > 0);
}"""
SCRIPT_DONE = """() => !document.querySelector('[data-testid="stStatusWidget"]')"""
MAP_READY = """() => {
    const frame = document.querySelector('iframe[title="streamlit_folium.st_folium"]');
    const win = frame && frame.contentWindow;
    return Boolean(win && win.map && win.map._loaded);
}"""


@dataclass
class Visit:
    """One page visit: seconds until the map is usable and until the page is complete, bytes sent."""

    usable_s: float | None
    complete_s: float | None
    bytes_received: int | None  # None: not counted (a visit straight to the server)
    detail: str = ""
    counted_usable_s: float | None = None  # the same case timed through the counting proxy


def counted(timed: Visit, through_proxy: Visit) -> Visit:
    """`timed`'s times with the bytes (and the time) of the same case through the proxy."""
    return Visit(timed.usable_s, timed.complete_s, through_proxy.bytes_received, timed.detail,
                 through_proxy.usable_s)


def visit_geoaq(context, url: str, proxy: ByteCountingProxy | None, timeout_s: float,
                events: bool = True) -> Visit:
    """Open the fires page at `url` in `context`; time until its events are drawn (or, for a
    period without events, until its map is ready). With `proxy` (`url` pointing at it), count
    the bytes it relays."""
    if proxy is not None:
        proxy.reset()
    page = context.new_page()
    served: list[str] = []  # URLs that came over the network, not from the browser's cache
    page.on("response", lambda r: served.append(r.url) if not r.from_service_worker else None)
    t0 = time.perf_counter()
    page.goto(url)
    page.wait_for_function(MAP_DRAWN if events else MAP_READY, timeout=timeout_s * 1000, polling=20)
    usable = time.perf_counter() - t0
    page.wait_for_function(SCRIPT_DONE, timeout=timeout_s * 1000, polling=20)
    complete = time.perf_counter() - t0
    frame = page.frame_locator('iframe[title="streamlit_folium.st_folium"]').locator("body")
    marks = dict(frame.evaluate(
        "() => performance.getEntriesByType('mark').map(m => [m.name, m.startTime])"))
    drawn = frame.evaluate("() => window.geoaqEventLayer && window.geoaqEventLayer.drawn") if events else None
    time.sleep(1.0)  # anything still arriving counts too
    cached = set(page.evaluate(
        "() => performance.getEntriesByType('resource').filter(r => r.transferSize === 0).map(r => r.name)"))
    page.close()
    received = proxy.to_browser if proxy is not None else None
    raw, gzipped = streamlit_bundle_sizes([u for u in served if u not in cached])
    bundle = f"Streamlit's own files {raw / 1e6:.2f} MB of it ({gzipped / 1e6:.2f} MB if a reverse proxy gzipped them)"
    if not events:
        return Visit(usable, complete, received, f"no events in the period; {bundle}")
    browser_ms = marks["geoaq-events-drawn"] - marks["geoaq-events-start"]
    return Visit(usable, complete, received,
                 f"first view {drawn['clusters']} clusters + {drawn['points']} points; "
                 f"decode+index+draw in the browser {browser_ms:.0f} ms; {bundle}")


def streamlit_bundle_sizes(urls: list[str]) -> tuple[int, int]:
    """Bytes of Streamlit's own frontend files among `urls`: as served, and gzip-compressed.

    Streamlit serves its /static bundle uncompressed on purpose (cached for a year instead);
    a compressing reverse proxy, the usual deployment, sends the gzipped size.
    """
    import streamlit

    root = Path(streamlit.__file__).parent / "static"
    raw = gzipped = 0
    for url in set(urls):
        path = url.split("?")[0].split("/", 3)[-1]
        if not path.startswith("static/"):
            continue
        file = root / path
        if file.is_file():
            data = file.read_bytes()
            raw += len(data)
            gzipped += len(gzip.compress(data, 6))
    return raw, gzipped


def plain_folium_html(fixture_db: Path, start, end, out: Path) -> int:
    """The peer's page: one CircleMarker with a popup per event; returns the marker count."""
    import folium

    from geoaq.db import connection as db
    from geoaq.fires.check import check_fires
    from geoaq.web.assets import localize_assets

    con = db.connect(fixture_db)
    try:
        events = check_fires(con, start, end)
    finally:
        con.close()
    fmap = folium.Map(location=[34.6, 112.4], zoom_start=9, tiles=None)
    for row in events.itertuples():
        folium.CircleMarker([row.lat, row.lon], radius=5, color="#222222", weight=1, fill=True,
                            fill_color="#ff9900", fill_opacity=0.9,
                            popup=f"{row.event_id} {row.status} {row.county_name}").add_to(fmap)
    localize_assets(fmap, "/vendor")  # served from out's folder, where install_assets put them
    fmap.save(out)
    return len(events)


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


def visit_plain(context, folder: Path, markers: int, timeout_s: float, count_bytes: bool) -> Visit:
    """Open the plain folium page (local HTTP server, with `count_bytes` behind the counting
    proxy); time until every marker is on."""
    handler = functools.partial(_QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    proxy = ByteCountingProxy(server.server_port) if count_bytes else None
    port = proxy.port if proxy is not None else server.server_port
    page = context.new_page()
    t0 = time.perf_counter()
    seconds: float | None = None
    detail = ""
    try:
        page.goto(f"http://127.0.0.1:{port}/plain.html", timeout=timeout_s * 1000, wait_until="load")
        page.wait_for_function(
            f"""() => {{ const m = Object.values(window).find(v => v instanceof L.Map);
                        let n = 0; if (m) m.eachLayer(l => {{ if (l instanceof L.CircleMarker) n++; }});
                        return n >= {markers}; }}""",
            timeout=max(1.0, timeout_s - (time.perf_counter() - t0)) * 1000, polling=500)
        seconds = time.perf_counter() - t0
    except Exception as exc:  # a timeout is a result here, not a failure
        detail = f"not usable within {timeout_s:.0f} s ({type(exc).__name__})"
    page.close()
    received = proxy.to_browser if proxy is not None else None
    if proxy is not None:
        proxy.close()
    server.shutdown()
    return Visit(seconds, seconds, received, detail)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--peer-timeout", type=float, default=300.0)
    parser.add_argument("--no-peer", action="store_true", help="geoaq's visits only (while tuning; no ratio)")
    args = parser.parse_args()

    from playwright.sync_api import sync_playwright

    from geoaq.web.assets import install_assets

    t0 = time.perf_counter()
    fixture = events_db(CACHE, args.events)
    print(f"database: {fixture.db} ({args.events:,} generated events, {fixture.generated_detections:,} "
          f"detections; {time.perf_counter() - t0:.1f} s to build or find)")
    work = Path(tempfile.mkdtemp(prefix="geoaq-bench-app-"))
    install_assets(ROOT / "node_modules", ROOT / "static")
    proc, url = start_streamlit(fixture.db, work / "streamlit.log")
    started = time.perf_counter()
    warm_up = warmed_up(work / "streamlit.log")
    print(f"server start-up computation (geoaq.web.warmup), done {time.perf_counter() - started:.1f} s after the "
          f"server answered: {warm_up.split(' computed ', 1)[-1]}")
    proxy = ByteCountingProxy(int(url.rsplit(":", 1)[1].strip("/")))
    visits: dict[str, Visit] = {}
    try:
        period = f"fires?start={fixture.start}&end={fixture.end}"
        empty = f"fires?start={EMPTY_DAY}&end={EMPTY_DAY}"
        via_proxy = f"http://127.0.0.1:{proxy.port}/"
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)

            def new_profile():
                return profile(browser, url)

            fresh = new_profile()
            visits["geoaq, first visit, default week"] = visit_geoaq(fresh, url + "fires", None, 600)
            fresh.close()
            fresh = new_profile()
            visits["geoaq, first visit of the season"] = visit_geoaq(fresh, url + period, None, 600)
            fresh.close()
            timed, through = new_profile(), new_profile()
            first = visit_geoaq(timed, url + period, None, 120)
            first_counted = visit_geoaq(through, via_proxy + period, proxy, 120)
            visits["geoaq, new browser profile"] = counted(first, first_counted)
            again = visit_geoaq(timed, url + period, None, 120)
            again_counted = visit_geoaq(through, via_proxy + period, proxy, 120)
            visits["geoaq, returning browser (cache)"] = counted(again, again_counted)
            timed.close()
            through.close()
            # the floor: the same page and map with nothing to draw, new profile again
            timed, through = new_profile(), new_profile()
            floor = visit_geoaq(timed, url + empty, None, 120, events=False)
            visits["same page, no events, new profile"] = counted(
                floor, visit_geoaq(through, via_proxy + empty, proxy, 120, events=False))
            timed.close()
            through.close()
            if args.no_peer:
                browser.close()
                return report(visits, None, 0.0, args.peer_timeout)
            t1 = time.perf_counter()
            install_assets(ROOT / "node_modules", work)
            markers = plain_folium_html(fixture.db, fixture.start, fixture.end, work / "plain.html")
            build_s = time.perf_counter() - t1
            html_mb = (work / "plain.html").stat().st_size / 1e6
            print(f"plain folium page: {markers:,} CircleMarkers, {html_mb:.1f} MB of HTML, "
                  f"{build_s:.1f} s to build in Python")
            peer, peer_counted = new_profile(), new_profile()
            plain = counted(visit_plain(peer, work, markers, args.peer_timeout, count_bytes=False),
                            visit_plain(peer_counted, work, markers, args.peer_timeout, count_bytes=True))
            peer.close()
            peer_counted.close()
            browser.close()
    finally:
        proxy.close()
        proc.terminate()
        proc.wait(timeout=20)
        shutil.rmtree(work, ignore_errors=True)

    report(visits, plain, build_s, args.peer_timeout)


def report(visits: dict[str, Visit], plain: Visit | None, build_s: float, peer_timeout: float) -> None:
    """Print the visits, the peer and the ratios."""

    def seconds(value: float | None) -> str:
        return f"{value:6.2f} s" if value is not None else "   n/a  "

    for name, visit in visits.items():
        received = f"{visit.bytes_received / 1e6:6.2f} MB" if visit.bytes_received is not None else "   (not counted)"
        proxied = (f" (through the counting proxy {visit.counted_usable_s:.2f} s)"
                   if visit.counted_usable_s is not None else "")
        print(f"{name:<38} map usable {seconds(visit.usable_s)}{proxied}  page complete "
              f"{seconds(visit.complete_s)}  received {received}  {visit.detail}")
    if plain is None:
        return
    proxied = f" (through the counting proxy {seconds(plain.counted_usable_s).strip()})"
    print(f"{'plain folium, browser only':<38} map usable {seconds(plain.usable_s)}{proxied}  "
          f"received {plain.bytes_received / 1e6:6.2f} MB  {plain.detail}")
    peer_total = (build_s + plain.usable_s) if plain.usable_s is not None else None
    print(f"{'plain folium, Python build + browser':<38} map usable {seconds(peer_total)}")
    warm = visits["geoaq, new browser profile"]
    if peer_total is not None:
        print(f"ratio geoaq (new browser profile) / plain folium (build + browser): "
              f"time {warm.usable_s / peer_total:.4f}, bytes {warm.bytes_received / plain.bytes_received:.4f}")
        print(f"ratio geoaq / plain folium, browser side only: time {warm.usable_s / plain.usable_s:.3f}")
    else:
        print(f"ratio geoaq / plain folium: time < {warm.usable_s / peer_timeout:.4f} "
              f"(peer not usable within {peer_timeout:.0f} s)")


if __name__ == "__main__":
    main()
