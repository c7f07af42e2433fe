"""The demo's accounts: one of each role, so the demo shows what each sees and may do.

All share one password, given by the caller (`geoaq demo` takes ``GEOAQ_DEMO_PASSWORD``, else
makes a random one and prints it once); none is written in the code or the shipped files.
"""

from __future__ import annotations

from geoaq.accounts import store
from geoaq.db import connection as db

#: (name, role, display name, counties, teams); 410311 is 洛龙区
DEMO_ACCOUNTS = (
    ("admin", "admin", "演示管理员", (), ()),
    ("city", "city", "市局（演示）", (), ()),
    ("luolong", "county", "洛龙分局（演示）", ("410311",), ()),
    ("inspector", "inspector", "巡查员（演示）", ("410311",), ("巡查一组",)),
    ("viewer", "viewer", "只读（演示）", (), ()),
)


def add_demo_accounts(con: db.Connection, password: str) -> list[str]:
    """Add the demo accounts (the first is the administrator that adds the others); their names."""
    first, *others = DEMO_ACCOUNTS
    name, role, shown, counties, teams = first
    store.add_account(con, name, role, password, by=None, display_name=shown, counties=counties, teams=teams)
    admin = store.actor_for(con, name, origin="geoaq demo")
    for name, role, shown, counties, teams in others:
        store.add_account(con, name, role, password, by=admin, display_name=shown, counties=counties,
                          teams=teams)
    return [account[0] for account in DEMO_ACCOUNTS]
