"""The app started by ``python -m geoaq.service`` (`make run`) vs plain ``streamlit run``, one run.

`geoaq.service.serve` changes two things in Streamlit's server: Nagle's algorithm off on its
connections (Streamlit leaves it on, so each response on a kept-alive connection waits for the
client's delayed ACK), and the element scripts preloaded by the index page (`geoaq.preload`).
Three servers run the app on `bench/app.py`'s 100,000-event database side by side: geoaq.service.serve,
the socket fix alone, and plain ``streamlit run``. This prints:

* **HTTP**: milliseconds per request for 60 of Streamlit's script files fetched one after
  another on one kept-alive connection (what a browser does, six connections at a time);
* **browser**: seconds until the 火点核查 page's map is usable (as in `bench/app.py`) in a new
  headless-chromium profile, `--visits` visits to each server, in turn;

with the ratios of geoaq.service.serve to plain streamlit run and to the socket fix alone.

    .venv/bin/python bench/serve.py [--visits 7]
"""

from __future__ import annotations

import argparse
import http.client
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

import streamlit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import app_timeline as timeline  # noqa: E402
from fixtures_events import events_db  # noqa: E402

bench_app = timeline.bench_app  # bench/app.py, loaded once by the timeline
SOCKET_FIX_ONLY = [bench_app.GEOAQ_SERVE[0], "-c", (
    "import sys; from geoaq.service import serve; from geoaq.web import streamlit_internals; "
    "from streamlit.web import cli; "
    "streamlit_internals.install_socket_fix(); "
    "sys.argv = ['streamlit', *serve.run_arguments(sys.argv[1:])]; sys.exit(cli.main())")]
STATIC_JS = Path(streamlit.__file__).parent / "static" / "static" / "js"  # the scripts a browser fetches


def keepalive_ms(url: str, files: list[str], rounds: int = 3) -> float:
    """Median over `rounds` of the mean milliseconds per GET of `files` on one connection."""
    address = urlsplit(url)
    connection = http.client.HTTPConnection(address.hostname, address.port, timeout=10)
    per_request = []
    for _ in range(rounds):
        start = time.perf_counter()
        for name in files:
            connection.request("GET", f"/static/js/{name}")
            response = connection.getresponse()
            response.read()
            if response.status != 200:
                raise RuntimeError(f"GET /static/js/{name}: HTTP {response.status}")
        per_request.append((time.perf_counter() - start) * 1000 / len(files))
    connection.close()
    return statistics.median(per_request)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--visits", type=int, default=7, help="new-profile visits to each server")
    args = parser.parse_args()

    from playwright.sync_api import sync_playwright

    fixture = events_db(bench_app.CACHE, 100_000)
    work = Path(tempfile.mkdtemp(prefix="geoaq-bench-serve-"))
    launchers = {"geoaq.service.serve": bench_app.GEOAQ_SERVE, "socket fix only": SOCKET_FIX_ONLY,
                 "streamlit run": bench_app.STREAMLIT_RUN}
    servers = {}
    try:
        for label, launcher in launchers.items():
            servers[label] = bench_app.start_streamlit(fixture.db, work / f"{label.replace(' ', '_')}.log", launcher)
        files = sorted(path.name for path in STATIC_JS.glob("*.js"))[:60]
        http_ms = {label: keepalive_ms(url, files) for label, (_, url) in servers.items()}
        usable: dict[str, list[float]] = {label: [] for label in servers}
        page = f"fires?start={fixture.start}&end={fixture.end}"
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=bench_app.CHROMIUM, headless=True,
                                                 args=bench_app.CHROMIUM_ARGS)
            for _, url in servers.values():  # each server's caches filled first
                context = bench_app.profile(browser, url)
                timeline.visit(context, url + page, "first visit", quiet=True)
                context.close()
            for number in range(args.visits):
                order = list(servers)[number % len(servers):] + list(servers)[:number % len(servers)]
                for label in order:
                    context = bench_app.profile(browser, servers[label][1])
                    usable[label].append(timeline.visit(context, servers[label][1] + page, label, quiet=True))
                    context.close()
            browser.close()
    finally:
        for proc, _ in servers.values():
            proc.terminate()
            proc.wait(timeout=20)

    ours, peer, socket_fix = "geoaq.service.serve", "streamlit run", "socket fix only"
    print(f"\nHTTP, {len(files)} script files on one kept-alive connection (ms per request, median of 3):")
    for label in servers:
        print(f"  {label:16s} {http_ms[label]:7.2f} ms")
    print(f"  ratio geoaq.service.serve / streamlit run: {http_ms[ours] / http_ms[peer]:.3f}")
    print(f"\nfires page, 100,000 events, new browser profile, {args.visits} visits each (map usable, s):")
    for label in servers:
        times = usable[label]
        print(f"  {label:16s} median {statistics.median(times):.2f} s, {min(times):.2f}–{max(times):.2f} s, "
              f"{sum(t < 2.0 for t in times)} of {len(times)} under 2 s")
    for other in (peer, socket_fix):
        print(f"  ratio of medians geoaq.service.serve / {other}: "
              f"{statistics.median(usable[ours]) / statistics.median(usable[other]):.2f}")


if __name__ == "__main__":
    main()
