"""Roles and jurisdictions in the fire-event service functions (check_fires, set_status, history):
each role's writes allowed or refused with nothing changed, lists and penalties of a county
user holding only its counties, a county account probing another county's events."""

from __future__ import annotations

from datetime import date

import pytest

from geoaq._errors import AccessDeniedError
from geoaq.accounts import store
from geoaq.db import connection as db
from geoaq.fires import penalties, verification
from geoaq.fires.check import check_fires

START, END = date(2025, 4, 22), date(2025, 4, 24)
PASSWORD = "correct horse 42"
LUOLONG = "410311"


@pytest.fixture
def con(demo_db):
    connection = db.connect(demo_db)
    if store.find(connection, "root") is None:
        store.add_account(connection, "root", "admin", PASSWORD, by=None)
    admin = store.actor_for(connection, "root")
    for name, role, counties in (("city1", "city", ()), ("county1", "county", (LUOLONG,)),
                                 ("insp1", "inspector", (LUOLONG,)), ("view1", "viewer", ())):
        if store.find(connection, name) is None:
            store.add_account(connection, name, role, PASSWORD, by=admin, counties=counties)
    yield connection
    connection.close()


def actor(con, name):
    return store.actor_for(con, name, origin="test")


def _rows(con) -> int:
    return int(con.execute("SELECT count(*) FROM fire_event_status_history").fetchone()[0])


def test_only_the_city_and_administrators_decide(con):
    everything = check_fires(con, START, END)
    event = everything["event_id"].iloc[0]
    for name in ("county1", "insp1", "view1"):
        with pytest.raises(AccessDeniedError, match="may not set the status"):
            verification.set_status(con, event, "verified", actor=actor(con, name))
    assert _rows(con) == 0
    for name in ("city1", "root"):
        verification.set_status(con, event, "verified", actor=actor(con, name), note=name)
    trail = verification.history(con, event)
    assert list(trail["changed_by"]) == ["city1", "root"]
    assert list(trail["changed_by_role"]) == ["city", "admin"]
    assert list(trail["changed_from"]) == ["test", "test"]
    assert trail["changed_by_account"].notna().all()


def test_a_county_user_sees_only_its_county(con):
    everything = check_fires(con, START, END)
    mine = check_fires(con, START, END, actor=actor(con, "county1"))
    assert not mine.empty and set(mine["county_adcode"]) == {LUOLONG}
    assert len(mine) == (everything["county_adcode"] == LUOLONG).sum()
    totals = penalties.totals(mine, by=("county",))
    assert set(totals["county_adcode"].dropna()) == {LUOLONG}
    # city-wide roles see everything
    for name in ("city1", "view1", "root"):
        assert len(check_fires(con, START, END, actor=actor(con, name))) == len(everything)


def test_a_county_account_probing_another_countys_events(con):
    everything = check_fires(con, START, END)
    other = everything[everything["county_adcode"] != LUOLONG]["event_id"].iloc[0]
    mine = everything[everything["county_adcode"] == LUOLONG]["event_id"].iloc[0]
    county = actor(con, "county1")
    with pytest.raises(AccessDeniedError, match="outside its jurisdiction"):
        verification.history(con, other, actor=county)
    with pytest.raises(AccessDeniedError):
        verification.set_status(con, other, "dismissed", reason="非本辖区", actor=county)
    # an id that does not exist is refused the same way (it learns nothing of other counties)
    with pytest.raises(AccessDeniedError, match="outside its jurisdiction"):
        verification.history(con, "FE-19990101-deadbeef", actor=county)
    assert verification.history(con, mine, actor=county).empty
    assert _rows(con) == 0
    # once the city moves an event into 洛龙区, the county sees it; moved out, it does not
    verification.set_status(con, other, "suspected", actor=actor(con, "city1"), county_adcode=LUOLONG)
    assert other in set(check_fires(con, START, END, actor=county)["event_id"])
    assert verification.history(con, other, actor=county).shape[0] == 1
