"""Where a new browser's wait for the 火点核查 page goes: a timeline of each visit, for tuning.

`bench/app.py` gives one figure per case; on a two-core machine single visits vary by ±0.1 s,
and the figure alone does not say what to change. This opens the page of `bench/app.py`'s
100,000-event database `--visits` times, each in a new browser profile (and once more from
the first profile, a returning browser), straight to the server, and prints for every visit:
when each file arrived (resource timing, ms since navigation), the WebSocket frames over
10 kB, the page's long tasks, and the map iframe's own files and marks
(``geoaq-events-start/indexed/drawn``); then the spread of the map-usable times.

    .venv/bin/python bench/app_timeline.py [--visits 7] [--quiet]
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from fixtures_events import events_db  # noqa: E402

# bench/app.py by its path: "app" is also the Streamlit entry point at the repo's root
_spec = importlib.util.spec_from_file_location("bench_app", ROOT / "bench" / "app.py")
bench_app = importlib.util.module_from_spec(_spec)
sys.modules["bench_app"] = bench_app
_spec.loader.exec_module(bench_app)
CACHE, CHROMIUM, CHROMIUM_ARGS, MAP_DRAWN = bench_app.CACHE, bench_app.CHROMIUM, bench_app.CHROMIUM_ARGS, bench_app.MAP_DRAWN

LONG_TASKS = """
window.__longTasks = [];
try {
  new PerformanceObserver(list => list.getEntries().forEach(e => window.__longTasks.push([e.startTime, e.duration])))
    .observe({type: 'longtask', buffered: true});
} catch (e) {}
"""
PAGE_FILES = "() => performance.getEntriesByType('resource').map(r => [r.name, r.startTime, r.responseEnd, r.transferSize])"
FRAME_STATE = """() => [performance.timeOrigin,
    performance.getEntriesByType('resource').map(r => [r.name, r.startTime, r.responseEnd, r.transferSize]),
    performance.getEntriesByType('mark').map(m => [m.name, m.startTime])]"""


def visit(context, url: str, label: str, quiet: bool) -> float:
    """One visit; prints its timeline unless `quiet`; returns seconds until the map is usable."""
    page = context.new_page()
    page.add_init_script(LONG_TASKS)
    frames: list[tuple[float, int]] = []
    t0 = time.perf_counter()
    page.on("websocket", lambda ws: ws.on("framereceived", lambda payload: frames.append(
        (time.perf_counter() - t0, len(payload)))))
    page.goto(url)
    page.wait_for_function(MAP_DRAWN, timeout=120_000, polling=20)
    usable = time.perf_counter() - t0
    time.sleep(0.3)
    files = page.evaluate(PAGE_FILES)
    long_tasks = page.evaluate("() => window.__longTasks")
    origin = page.evaluate("() => performance.timeOrigin")
    frame = page.frame_locator('iframe[title="streamlit_folium.st_folium"]').locator("body")
    frame_origin, frame_files, marks = frame.evaluate(FRAME_STATE)
    page.close()
    print(f"=== {label}: map usable {usable:.2f} s")
    if quiet:
        return usable
    for name, start, end, size in sorted(files, key=lambda f: f[1]):
        print(f"  {start:7.0f} {end:7.0f} ms {size / 1e3:8.1f} kB  {name.split('/', 3)[-1][:90]}")
    offset = frame_origin - origin
    for name, start, end, size in sorted(frame_files, key=lambda f: f[1]):
        if "tile.openstreetmap.org" not in name:
            print(f"  {offset + start:7.0f} {offset + end:7.0f} ms {size / 1e3:8.1f} kB  map: "
                  f"{name.split('/', 3)[-1][:85]}")
    for name, at in marks:
        print(f"  {offset + at:7.0f} ms  mark {name}")
    print("  long tasks (start, ms):", [(round(s), round(d)) for s, d in long_tasks if d >= 50])
    print("  WebSocket frames over 10 kB (s, bytes):", [(round(s, 3), n) for s, n in frames if n > 10_000])
    return usable


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--visits", type=int, default=7, help="new-profile visits after the first")
    parser.add_argument("--quiet", action="store_true", help="the times only")
    args = parser.parse_args()

    from playwright.sync_api import sync_playwright

    fixture = events_db(CACHE, 100_000)
    log = Path(tempfile.mkdtemp(prefix="geoaq-timeline-")) / "streamlit.log"
    proc, url = bench_app.start_streamlit(fixture.db, log)
    page_url = f"{url}fires?start={fixture.start}&end={fixture.end}"
    usable: list[float] = []
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            profile = bench_app.profile(browser, url)
            visit(profile, page_url, "first visit to a fresh server", quiet=True)
            profile.close()
            for number in range(args.visits):
                profile = bench_app.profile(browser, url)
                usable.append(visit(profile, page_url, f"new profile {number + 1}", args.quiet))
                if number == 0:
                    visit(profile, page_url, "returning browser", args.quiet)
                profile.close()
            browser.close()
    finally:
        proc.terminate()
        proc.wait(timeout=20)
    if usable:
        print(f"new profile, {len(usable)} visits: median {statistics.median(usable):.2f} s, "
              f"{min(usable):.2f}–{max(usable):.2f} s, {sum(u < 2.0 for u in usable)} under 2 s")


if __name__ == "__main__":
    main()
