"""Paths and small helpers shared by the test modules (imported as `helpers`)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from geoaq import config
from geoaq.db import connection as db

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data"
LAYERS_DIR = config.PROJECT_ROOT / "layers"


def admin_session(address: str, account: str, *, origin: str) -> str:
    """A session token of administrator `account` in the database at `address` (made, or its
    password renewed; added by the database's first administrator, or as its first account):
    browser tests and benches put it into the browser as the app's session cookie, so pages open
    signed in as after a sign-in. Call it before an app holds the database."""
    from geoaq.accounts import passwords, sessions, store

    con = db.connect(address)
    try:
        password = passwords.generate_password()
        if store.find(con, account) is None:
            by = None
            if store.counts(con)[0]:
                admins = store.list_accounts(con)
                first = admins[(admins["role"] == "admin") & ~admins["disabled"]]["name"].iloc[0]
                by = store.actor_for(con, first)
            store.add_account(con, account, "admin", password, by=by)
        else:
            store.reset_password(con, account, password, by=store.actor_for(con, account))
        return sessions.sign_in(con, account, password, origin=origin)[0]
    finally:
        con.close()


def table_rows(con: db.Connection, table: str) -> int:
    """Rows in `table` (a name from the registry or the core schema)."""
    return con.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]  # noqa: S608


#: CNEMC's Luoyang stations as published (WGS-84), code -> (lon, lat)
LUOYANG_STATIONS = {
    "1811A": (112.3628, 34.6692),
    "1812A": (112.3931, 34.6516),
    "1813A": (112.4333, 34.67),
    "1814A": (112.4657, 34.6871),
}
COUNTY_NAMES = {"410302": "老城区", "410303": "西工区", "410305": "涧西区", "410323": "新安县"}


def haversine_m(lon1, lat1, lon2, lat2):
    """Great-circle distance in metres (arrays broadcast)."""
    import numpy as np

    phi1, phi2 = np.radians(lat1), np.radians(lat2)
    dphi = phi2 - phi1
    dlmb = np.radians(np.asarray(lon2) - np.asarray(lon1))
    a = np.sin(dphi / 2) ** 2 + np.cos(phi1) * np.cos(phi2) * np.sin(dlmb / 2) ** 2
    return 2 * 6371008.8 * np.arcsin(np.sqrt(a))


#: True once the Streamlit page's script has run to its end (the app root's own state marker)
SCRIPT_DONE = """() => {
    const app = document.querySelector('[data-testid="stApp"]');
    return Boolean(app && app.dataset.testScriptState === 'notRunning'
                   && !document.querySelector('[data-testid="stStatusWidget"]'));
}"""


def wait_until_run(page, timeout_ms: int = 120_000) -> None:
    """Wait until the Streamlit page in Playwright's `page` has a title, its script has run,
    and the network is quiet: an element whose script is still on its way shows as a grey
    placeholder, and a file still loading is not yet in the page's resource timings."""
    page.locator("h1").first.wait_for(timeout=timeout_ms)
    page.wait_for_function(SCRIPT_DONE, timeout=timeout_ms, polling=50)
    page.wait_for_load_state("networkidle", timeout=timeout_ms)


def at_once(path: Path, work: Callable[[db.Connection], object], threads: int = 4) -> list:
    """`work` run by `threads` threads at the same moment, each on a connection of its own to
    the database at `path` (as the app's sessions share one process); their results."""
    start = threading.Barrier(threads)

    def run(_: int) -> object:
        connection = db.connect(path)
        try:
            start.wait(timeout=30)
            return work(connection)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=threads) as pool:
        return list(pool.map(run, range(threads)))


# --- pages under Streamlit's AppTest ------------------------------------------------------------

APP = str(ROOT / "app.py")


def open_page(page: str, timeout: float = 300, **state):
    """`page` (app_pages/….py) opened the way a user does: the app runs once, with `state` in
    its session, then switches to the page; it must run without an exception."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(APP, default_timeout=timeout)
    for key, value in state.items():
        at.session_state[key] = value
    at.run()
    at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def table_with(at, *columns: str):
    """The first table the page shows with all of `columns`."""
    return next(d.value for d in at.dataframe if set(columns) <= set(d.value.columns))


TEST_PASSWORD = "correct horse 42"
#: the accounts the route-findings and jurisdiction tests sign in as (洛龙区 410311, 偃师区 410307)
ROUTE_ACCOUNTS = {"city1": ("city", ()), "luolong": ("county", ("410311",)), "yanshi": ("county", ("410307",)),
                  "insp1": ("inspector", ("410311",), ("巡查一组",)), "insp2": ("inspector", (), ("巡查二组",)),
                  "viewer1": ("viewer", ())}


def make_accounts(con: db.Connection, **accounts: tuple) -> dict:
    """The first administrator ``root``, then each ``name=(role, counties[, teams])`` made by it;
    every account's `Actor` (origin "test") by name, ``root`` included."""
    from geoaq.accounts import store

    store.add_account(con, "root", "admin", TEST_PASSWORD, by=None)
    admin = store.actor_for(con, "root")
    for name, (role, counties, *teams) in accounts.items():
        store.add_account(con, name, role, TEST_PASSWORD, by=admin, counties=counties,
                          teams=teams[0] if teams else ())
    return {name: store.actor_for(con, name, origin="test") for name in ("root", *accounts)}


def with_accounts(path: Path, **accounts: tuple) -> dict:
    """`make_accounts` in the database file at `path` (opened and closed here); the Actors."""
    con = db.connect(path)
    try:
        return make_accounts(con, **accounts)
    finally:
        con.close()


def events_of_county(con: db.Connection, county: str, start, end):
    """The demo's fire events of `start`–`end` (`check_fires`) in `county`, and the others."""
    from geoaq.fires.check import check_fires

    checked = check_fires(con, start, end)
    inside = checked["county_adcode"] == county
    return checked[inside], checked[~inside]
