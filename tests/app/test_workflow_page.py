"""The fires page's workflow (AppTest): a county account submits its field check, the city sees
what waits for it and approves; the history names both accounts."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from geoaq.accounts import store
from geoaq.db import connection as db
from geoaq.fires import verification, workflow

APP = str(Path(__file__).resolve().parents[2] / "app.py")
PASSWORD = "correct horse 42"


def _fires(event_id: str | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120).run()
    at.switch_page("app_pages/fires.py").run()
    assert not at.exception, at.exception
    if event_id:
        at.selectbox(key="fire_event").set_value(event_id).run()
        assert not at.exception, at.exception
    return at


def test_county_submits_city_approves(demo_db, signed_in_as):
    con = db.connect(demo_db)
    try:
        store.add_account(con, "root", "admin", PASSWORD, by=None)
        admin = store.actor_for(con, "root")
        store.add_account(con, "luolong", "county", PASSWORD, by=admin, counties=["410311"])
        store.add_account(con, "city1", "city", PASSWORD, by=admin)
        county, city = store.actor_for(con, "luolong", origin="t"), store.actor_for(con, "city1", origin="t")
    finally:
        con.close()

    signed_in_as(county)
    at = _fires()
    event = at.dataframe[0].value.iloc[0]["事件编号"]
    at.selectbox(key="fire_event").set_value(event).run()
    at.radio(key="check_outcome").set_value("not_a_fire")
    at.text_input(key="check_note").input("现场为烧烤")
    next(b for b in at.button if b.label == "提交核查结果").click().run()
    assert not at.exception, at.exception

    signed_in_as(city)
    at = _fires(event)
    assert any("待你核定：1 条" in i.value for i in at.info)
    next(b for b in at.button if b.label == "核定").click().run()
    assert not at.exception, at.exception

    con = db.connect(demo_db, read_only=True)
    try:
        status = verification.current_status(con, [event]).iloc[0]
        rows = workflow.submissions(con, event)
    finally:
        con.close()
    assert (status["status"], status["dismiss_reason"], status["changed_by"]) == ("dismissed", "not_a_fire", "city1")
    assert rows.iloc[0][["submitted_by", "state", "reviewed_by", "note"]].tolist() == [
        "luolong", "approved", "city1", "现场为烧烤"]
