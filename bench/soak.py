"""Soak test of the shared service: everything at once for a bounded time, on each backend.

On loopback, for ``--seconds``: several browser sessions (headless chromium through Playwright)
opening and reloading the app's pages, a large FIRMS load through ``geoaq ingest``, two
reviewers changing fire statuses through ``geoaq fires set-status``, and a FIRMS feed run
(``geoaq feeds run --once``) against a local replay server — on the embedded file (the service
owns it: every command is handed over) and on a DuckLake (a PostgreSQL catalog of the run's
own; every command connects itself).

Pass: no exception shown on any page, no failed write (every command exits 0), every row
written present once afterwards (fire points by their natural key, one history row per status
change), page opens within 3 s at the 95th percentile. Prints the figures per backend.

    python bench/soak.py [--seconds 300] [--fire-rows 1000000] [--sessions 4] [--backend duckdb|ducklake|both]

``tests/browser/test_soak.py`` runs a short version (``soak(..., short=True)``) in ``make test``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
PYTHON = str(ROOT / ".venv" / "bin" / "python") if (ROOT / ".venv" / "bin" / "python").exists() else sys.executable
PAGES = ["map", "fires", "compliance", "air-quality", "data", "routes", "emergency"]
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]
SCRIPT_DONE = """() => {
    const app = document.querySelector('[data-testid="stApp"]');
    return Boolean(app && app.dataset.testScriptState === 'notRunning'
                   && !document.querySelector('[data-testid="stStatusWidget"]'));
}"""
SHOWN_ERRORS = """() => [...document.querySelectorAll('[data-testid="stException"]')].map(e => e.innerText)"""


@dataclass
class Figures:
    backend: str
    seconds: float = 0.0
    page_opens: list[float] = field(default_factory=list)
    #: (page, seconds into the run, seconds to open) of every open, to name the slow ones
    opens: list[tuple[str, float, float]] = field(default_factory=list)
    exceptions: list[str] = field(default_factory=list)
    failed_writes: list[str] = field(default_factory=list)
    status_changes: int = 0
    load_rows: int = 0
    load_seconds: float = 0.0
    feed_runs: int = 0
    stored_points: int = 0
    distinct_points: int = 0
    history_rows: int = 0
    expected_points: int = 0

    def p95(self) -> float:
        return float(np.percentile(self.page_opens, 95)) if self.page_opens else float("nan")

    def problems(self) -> list[str]:
        found = [f"exception shown: {e[:200]}" for e in self.exceptions]
        found += [f"failed write: {w[:300]}" for w in self.failed_writes]
        if self.stored_points != self.distinct_points:
            found.append(f"{self.stored_points - self.distinct_points} fire points stored twice")
        if self.stored_points < self.expected_points:
            found.append(f"{self.expected_points - self.stored_points} fire points missing")
        if self.history_rows != self.status_changes:
            found.append(f"{self.history_rows} history rows for {self.status_changes} status changes")
        if not self.page_opens:
            found.append("no page was opened")
        elif self.p95() > 3.0:
            found.append(f"page opens p95 {self.p95():.2f} s > 3 s")
        return found

    def summary(self) -> str:
        opens = np.array(self.page_opens) if self.page_opens else np.array([np.nan])
        return (f"{self.backend}: {self.seconds:.0f} s; {len(self.page_opens)} page opens, median "
                f"{np.median(opens):.2f} s, p95 {self.p95():.2f} s, max {np.max(opens):.2f} s; "
                f"{self.load_rows:,} fire rows loaded in {self.load_seconds:.1f} s; "
                f"{self.status_changes} status changes; {self.feed_runs} feed run(s); "
                f"{len(self.exceptions)} exceptions shown, {len(self.failed_writes)} failed writes; "
                f"stored {self.stored_points:,} fire points ({self.distinct_points:,} distinct), "
                f"{self.history_rows} history rows")

    def by_page(self) -> str:
        """Median and max open per page, and the slowest opens with when they happened."""
        if not self.opens:
            return ""
        frame = pd.DataFrame(self.opens, columns=["page", "at_s", "open_s"])
        pages = frame.groupby("page")["open_s"].agg(["count", "median", "max"]).round(2)
        slowest = frame.nlargest(8, "open_s").round(1)
        return (f"  per page:\n{pages.to_string()}\n  slowest opens (page, s into the run, s):\n"
                + "\n".join(f"    {r.page} at {r.at_s} s: {r.open_s} s" for r in slowest.itertuples()))


def firms_file(path: Path, rows: int, seed: int = 11) -> int:
    """A VIIRS FIRMS CSV of `rows` detections over Luoyang (distinct keys); returns the rows."""
    rng = np.random.default_rng(seed)
    day = pd.Timestamp("2025-05-01") + pd.to_timedelta(rng.integers(0, 150, rows), unit="D")
    frame = pd.DataFrame({
        "latitude": np.round(rng.uniform(33.6, 34.9, rows), 5), "longitude": np.round(rng.uniform(111.2, 112.9, rows), 5),
        "bright_ti4": np.round(rng.uniform(300, 360, rows), 2), "scan": 0.4, "track": 0.5,
        "acq_date": day.strftime("%Y-%m-%d"),
        "acq_time": [f"{h:02d}{m:02d}" for h, m in zip(rng.integers(0, 24, rows), rng.integers(0, 60, rows), strict=True)],
        "satellite": "N", "confidence": "nominal", "version": "2.0NRT", "bright_ti5": 290.0,
        "frp": np.round(rng.uniform(0.5, 20, rows), 2), "daynight": "D",
    }).drop_duplicates(["latitude", "longitude", "acq_date", "acq_time"])
    frame.to_csv(path, index=False)
    return len(frame)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _geoaq(env: dict[str, str], *args: str, timeout: float = 1800) -> subprocess.CompletedProcess:
    return subprocess.run([PYTHON, "-m", "geoaq", *args], env=env, cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout)


def start_app(env: dict[str, str], log: Path) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    proc = subprocess.Popen([PYTHON, "-m", "geoaq.service", "--server.headless", "true", "--server.port", str(port),
                             "--server.address", "127.0.0.1", "--server.fileWatcherType", "none"],
                            cwd=ROOT, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url + "_stcore/health", timeout=2):
                return proc, url
        except OSError:
            if proc.poll() is not None:
                break
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError(f"the app did not start; see {log}")


async def _sessions(url: str, count: int, until: float, figures: Figures, token: str) -> None:
    from playwright.async_api import async_playwright

    started = time.perf_counter()
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM_ARGS)

        async def session(number: int) -> None:
            rng = random.Random(number)
            context = await browser.new_context(viewport={"width": 1400, "height": 1000})
            # signed in as the soak's administrator (the app's session cookie, as after a sign-in)
            await context.add_cookies([{"name": "geoaq_session", "value": token, "url": url}])
            page = await context.new_page()
            page.on("pageerror", lambda error: figures.exceptions.append(f"page error: {error}"))
            while time.monotonic() < until:
                target = url + rng.choice(PAGES)
                began = time.perf_counter()
                try:
                    await page.goto(target, timeout=60_000)
                    await page.wait_for_function(SCRIPT_DONE, timeout=60_000, polling=50)
                except Exception as exc:  # noqa: BLE001 (a page that never finished: a finding)
                    figures.exceptions.append(f"{target}: did not finish: {exc}")
                    if page.is_closed():
                        break
                    continue
                figures.page_opens.append(time.perf_counter() - began)
                figures.opens.append((target.rsplit("/", 1)[-1], began - started, figures.page_opens[-1]))
                figures.exceptions.extend(f"{target}: {text}" for text in await page.evaluate(SHOWN_ERRORS))
                await page.wait_for_timeout(rng.uniform(200, 1200))
                if rng.random() < 0.4:  # a reload of the same page
                    began = time.perf_counter()
                    try:
                        await page.reload(timeout=60_000)
                        await page.wait_for_function(SCRIPT_DONE, timeout=60_000, polling=50)
                    except Exception as exc:  # noqa: BLE001 (as above)
                        figures.exceptions.append(f"{target} (reload): did not finish: {exc}")
                        continue
                    figures.page_opens.append(time.perf_counter() - began)
                    figures.opens.append((target.rsplit("/", 1)[-1] + " (reload)", began - started,
                                          figures.page_opens[-1]))
            await context.close()

        await asyncio.gather(*(session(n) for n in range(count)))
        await browser.close()


def _reviewer(env: dict[str, str], name: str, events: list[str], until: float, figures: Figures,
              lock: threading.Lock) -> None:
    """A reviewer's process: `geoaq fires set-status` again and again until `until` (see `review`)."""
    result = subprocess.run([PYTHON, __file__, "--review", name, "--for", str(until - time.monotonic()),
                             *events], env=env, cwd=ROOT, capture_output=True, text=True, timeout=3600)
    with lock:
        for line in result.stdout.splitlines():
            if line.startswith("ok "):
                figures.status_changes += 1
            elif line.startswith("failed "):
                figures.failed_writes.append(line)
        if result.returncode != 0:
            figures.failed_writes.append(f"{name}: {result.stderr[-500:]}")


def review(name: str, events: list[str], seconds: float) -> None:
    """Status changes of the events by `name` for `seconds`, each through the command line's
    own `geoaq fires set-status` (in this one process: a reviewer at work, not a process start
    per click), a pause of 0.3–1.5 s between them; prints ``ok``/``failed`` per change."""
    from click.testing import CliRunner

    from geoaq.cli import main as cli

    rng = random.Random(name)
    runner = CliRunner()
    until = time.monotonic() + seconds
    while time.monotonic() < until:
        event = rng.choice(events)
        status = rng.choice(["verified", "dismissed"])
        args = ["--as", name, "fires", "set-status", event, status]
        if status == "dismissed":
            args += ["--reason", "not_a_fire"]
        result = runner.invoke(cli, args)
        outcome = "ok" if result.exit_code == 0 else "failed"
        print(f"{outcome} {event} {status} {result.output.strip()[-300:] if result.exit_code else ''}", flush=True)
        time.sleep(rng.uniform(0.3, 1.5))


def _feed_run(env: dict[str, str], figures: Figures) -> None:
    """One run of the FIRMS feed (the site's feeds.toml points it at the replay server)."""
    result = _geoaq(env, "feeds", "run", "--feed", "firms", "--once", timeout=1200)
    if result.returncode != 0:
        figures.failed_writes.append(f"feed run: {result.stdout[-500:]} {result.stderr[-500:]}")
    figures.feed_runs += 1


def feed_site(work: Path, replay_url: str) -> Path:
    """A site directory whose feeds.toml enables FIRMS against the replay server at `replay_url`."""
    site = work / "site" / "rules"
    site.mkdir(parents=True)
    shipped = (ROOT / "data" / "rules" / "feeds.toml").read_text(encoding="utf-8")
    text = shipped.replace("enabled = false", "enabled = true", 1).replace(
        'base_url = "https://firms.modaps.eosdis.nasa.gov"', f'base_url = "{replay_url}"')
    (site / "feeds.toml").write_text(text.replace("check_key_status = true", "check_key_status = false"),
                                     encoding="utf-8")
    return site.parent


def _events(env: dict[str, str]) -> list[str]:
    result = _geoaq(env, "fires", "check", "--start", "2025-04-20", "--end", "2025-04-25", "--format", "json")
    if result.returncode != 0:
        raise RuntimeError(f"fires check: {result.stderr}")
    return [row["event_id"] for row in json.loads(result.stdout)]


def soak(backend: str, address: str, env: dict[str, str], work: Path, *, seconds: float, fire_rows: int,
         sessions: int) -> Figures:
    """Everything at once on the database at `address` (already holding the demo) for `seconds`."""
    from feeds_replay import VALID_KEY, Replay, firms_replay

    figures = Figures(backend)
    replay = firms_replay(Replay()).start()
    # the app and every command share the site's rules (a handed-over command runs in the app's
    # process, with its settings); the feed is run once by hand, not by the app's scheduler
    env = {**env, "GEOAQ_DB": address, "PYTHONPATH": str(ROOT), "GEOAQ_LOCK_WAIT_S": "600",
           "GEOAQ_SITE_DIR": str(feed_site(work, replay.url)), "GEOAQ_FIRMS_MAP_KEY": VALID_KEY,
           "GEOAQ_SERVICE_FEEDS": "0"}
    source = work / "season.csv"
    load_rows = firms_file(source, fire_rows)
    token = accounts(address, env)
    env["GEOAQ_ACCOUNT"] = ADMIN  # the load and the feed run act as the administrator
    app, url = start_app(env, work / f"app-{backend}.log")
    try:
        events = _events(env)
        began = time.monotonic()
        until = began + seconds
        lock = threading.Lock()

        def load() -> None:
            started = time.perf_counter()
            result = _geoaq(env, "ingest", "fire_points", str(source))
            figures.load_seconds = time.perf_counter() - started
            if result.returncode != 0:
                figures.failed_writes.append(f"load: {result.stderr.strip()}")
            else:
                figures.load_rows = load_rows

        workers = [threading.Thread(target=load),
                   *(threading.Thread(target=_reviewer, args=(env, name, events, until, figures, lock))
                     for name in REVIEWERS),
                   threading.Thread(target=_feed_run, args=(env, figures))]
        for worker in workers:
            worker.start()
        # in a thread of its own: the caller (a test) may already run an event loop
        browsers = threading.Thread(target=asyncio.run, args=(_sessions(url, sessions, until, figures, token),))
        browsers.start()
        browsers.join()
        for worker in workers:
            worker.join(timeout=1800)
        figures.seconds = time.monotonic() - began
    finally:
        replay.stop()
        app.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            app.wait(timeout=30)
        if app.poll() is None:
            app.kill()
    _count(address, env, figures, load_rows)
    return figures


ADMIN = "soak-admin"  # the soak's administrator: the load, the feed run and the browsers
REVIEWERS = ("reviewer-a", "reviewer-b")  # city users
PASSWORD = "soak-" + os.urandom(6).hex()


def accounts(address: str, env: dict[str, str]) -> str:
    """The soak's administrator and two reviewers, added by an administrator of the database (or
    as its first accounts);
    returns a session token of the soak's administrator for the browsers (before the app
    starts: the file is free)."""
    code = ("import sys; from geoaq.db import connection as db; from geoaq.accounts import sessions, store\n"
            "con = db.connect(sys.argv[1]); listed = store.list_accounts(con)\n"
            "admins = listed[(listed['role'] == 'admin') & ~listed['disabled']]['name'] if len(listed) else []\n"
            "by = store.actor_for(con, admins.iloc[0]) if len(admins) else None\n"
            "for name, role in [(sys.argv[2], 'admin'), *((n, 'city') for n in sys.argv[4:])]:\n"
            "    if store.find(con, name) is None:\n"
            "        store.add_account(con, name, role, sys.argv[3], by=by); by = by or store.actor_for(con, name)\n"
            "print(sessions.sign_in(con, sys.argv[2], sys.argv[3], origin='soak')[0])\n")
    result = subprocess.run([PYTHON, "-c", code, address, ADMIN, PASSWORD, *REVIEWERS], env=env, cwd=ROOT,
                            capture_output=True, text=True, timeout=600)
    if result.returncode != 0:
        raise RuntimeError(f"accounts: {result.stderr}")
    return result.stdout.strip().splitlines()[-1]


def _count(address: str, env: dict[str, str], figures: Figures, load_rows: int) -> None:
    """What is stored afterwards (the app is stopped: the file is free)."""
    code = ("import json, sys; from geoaq.db import connection as db\n"
            "con = db.connect(sys.argv[1])\n"
            "points = con.execute('SELECT count(*) FROM fire_points').fetchone()[0]\n"
            "distinct = con.execute('SELECT count(*) FROM (SELECT DISTINCT latitude, longitude, acq_date, acq_time, "
            "satellite FROM fire_points)').fetchone()[0]\n"
            "history = con.execute(\"SELECT count(*) FROM fire_event_status_history WHERE changed_by LIKE 'reviewer-%'\").fetchone()[0]\n"
            "print(json.dumps([points, distinct, history]))\n")
    result = subprocess.run([PYTHON, "-c", code, address], env=env, cwd=ROOT, capture_output=True, text=True, timeout=600)
    if result.returncode != 0:
        raise RuntimeError(result.stderr)
    figures.stored_points, figures.distinct_points, figures.history_rows = json.loads(result.stdout)
    figures.expected_points = load_rows if figures.load_rows else 0


def demo_into(address: str, env: dict[str, str]) -> None:
    result = subprocess.run([PYTHON, "-m", "geoaq", "demo", "--db", address], env=env, cwd=ROOT,
                            capture_output=True, text=True, timeout=1200)
    if result.returncode != 0:
        raise RuntimeError(f"geoaq demo: {result.stderr}")


def run_backend(backend: str, work: Path, *, seconds: float, fire_rows: int, sessions: int) -> Figures:
    env = dict(os.environ)
    if backend == "duckdb":
        address = str(work / "soak.duckdb")
        demo_into(address, env)
        return soak(backend, address, env, work, seconds=seconds, fire_rows=fire_rows, sessions=sessions)
    import postgres_server

    server = postgres_server.start(Path(tempfile.mkdtemp(prefix="geoaq-soak-pg-")))
    try:
        server.sql("CREATE DATABASE soak")
        env["GEOAQ_DATA_PATH"] = str(work / "lake")
        address = f"ducklake:postgres:{server.dsn('soak')}"
        demo_into(address, env)
        return soak(backend, address, env, work, seconds=seconds, fire_rows=fire_rows, sessions=sessions)
    finally:
        server.stop()
        shutil.rmtree(server.directory, ignore_errors=True)


def main() -> None:
    if sys.argv[1:2] == ["--review"]:  # a reviewer's process (see `_reviewer`)
        review(sys.argv[2], sys.argv[5:], float(sys.argv[4]))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=300)
    parser.add_argument("--fire-rows", type=int, default=1_000_000)
    parser.add_argument("--sessions", type=int, default=4)
    parser.add_argument("--backend", choices=["duckdb", "ducklake", "both"], default="both")
    args = parser.parse_args()
    backends = ["duckdb", "ducklake"] if args.backend == "both" else [args.backend]
    failed = False
    for backend in backends:
        with tempfile.TemporaryDirectory(prefix=f"geoaq-soak-{backend}-") as work:
            figures = run_backend(backend, Path(work), seconds=args.seconds, fire_rows=args.fire_rows,
                                  sessions=args.sessions)
        print(figures.summary())
        print(figures.by_page())
        for problem in figures.problems():
            print(f"  FAIL {problem}")
            failed = True
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
