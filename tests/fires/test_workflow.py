"""geoaq.fires.workflow: a county submits, the city approves or sends back; every step a row
naming its account; a county account probing another county's events by every path."""

from __future__ import annotations

import json
from datetime import date

import pytest
from click.testing import CliRunner

from geoaq._errors import AccessDeniedError, VerificationError
from geoaq.accounts import store
from geoaq.cli import main
from geoaq.db import connection as db
from geoaq.fires import verification, workflow
from geoaq.fires.check import check_fires

START, END = date(2025, 4, 22), date(2025, 4, 24)
PASSWORD = "correct horse 42"
LUOLONG = "410311"


@pytest.fixture
def con(demo_db):
    connection = db.connect(demo_db)
    store.add_account(connection, "root", "admin", PASSWORD, by=None)
    admin = store.actor_for(connection, "root")
    store.add_account(connection, "city1", "city", PASSWORD, by=admin)
    store.add_account(connection, "county1", "county", PASSWORD, by=admin, counties=[LUOLONG])
    store.add_account(connection, "view1", "viewer", PASSWORD, by=admin)
    yield connection
    connection.close()


def actor(con, name):
    return store.actor_for(con, name, origin="test")


def _events(con):
    checked = check_fires(con, START, END)
    mine = checked[checked["county_adcode"] == LUOLONG]
    other = checked[checked["county_adcode"] != LUOLONG]
    return checked, mine, other


def test_a_field_check_approved_by_the_city_verifies_the_event(con):
    checked, mine, _ = _events(con)
    event = mine["event_id"].iloc[0]
    county, city = actor(con, "county1"), actor(con, "city1")
    number = workflow.submit_check(con, event, "属实焚烧", actor=county, note="现场有焚烧痕迹")
    with pytest.raises(VerificationError, match="already has submission"):
        workflow.submit_check(con, event, "not_a_fire", actor=county)
    assert verification.current_status(con, [event]).iloc[0]["status"] == "suspected"  # not before the city
    assert list(workflow.waiting_for(con, city)["submission_id"]) == [number]
    with pytest.raises(AccessDeniedError):
        workflow.review(con, number, "approve", actor=county)  # a county does not approve its own
    workflow.review(con, number, "approve", actor=city)
    status = verification.current_status(con, [event]).iloc[0]
    assert (status["status"], status["changed_by"]) == ("verified", "city1")
    with pytest.raises(VerificationError, match="approved already"):
        workflow.review(con, number, "return", actor=city, reason="x")
    # verified figures count it now, and only it
    verified = check_fires(con, START, END, figures="verified")
    assert verified.loc[verified["penalty_yuan"] > 0, "event_id"].tolist() == [event]
    rows = workflow.submissions(con, event)
    assert rows.iloc[0][["state", "submitted_by", "submitted_by_role", "reviewed_by"]].tolist() == [
        "approved", "county1", "county", "city1"]


def test_sent_back_with_a_reason_then_submitted_again(con):
    _, mine, _ = _events(con)
    event = mine["event_id"].iloc[0]
    county, city = actor(con, "county1"), actor(con, "city1")
    first = workflow.submit_check(con, event, "not_a_fire", actor=county)
    with pytest.raises(VerificationError, match="needs a reason"):
        workflow.review(con, first, "return", actor=city)
    workflow.review(con, first, "return", actor=city, reason="照片不清楚")
    assert list(workflow.waiting_for(con, county)["submission_id"]) == [first]
    assert workflow.waiting_for(con, city).empty
    second = workflow.submit_check(con, event, "工业热源", actor=county, note="钢厂")
    workflow.review(con, second, "approve", actor=city)
    status = verification.current_status(con, [event]).iloc[0]
    assert (status["status"], status["dismiss_reason"]) == ("dismissed", "industrial_heat_source")
    assert list(workflow.submissions(con, event)["state"]) == ["returned", "approved"]
    assert workflow.waiting_for(con, county).empty


def test_a_correction_is_proposed_by_the_county_and_applied_on_approval(con):
    _, mine, other = _events(con)
    event = mine["event_id"].iloc[0]
    target = other["county_adcode"].iloc[0]
    county, city = actor(con, "county1"), actor(con, "city1")
    number = workflow.propose_correction(con, event, actor=county, county_adcode=target, township_adcode="",
                                         note="实为邻县")
    assert verification.event_county(con, event) == LUOLONG  # nothing moves before the city
    workflow.review(con, number, "approve", actor=city)
    assert verification.event_county(con, event) == target
    assert event not in set(check_fires(con, START, END, actor=county)["event_id"])


def test_a_county_account_cannot_touch_another_countys_events(con):
    _, _, other = _events(con)
    event = other["event_id"].iloc[0]
    county = actor(con, "county1")
    for attempt in (lambda: workflow.submit_check(con, event, "not_a_fire", actor=county),
                    lambda: workflow.propose_correction(con, event, actor=county, county_adcode=LUOLONG),
                    lambda: workflow.submissions(con, event, actor=county),
                    lambda: verification.history(con, event, actor=county),
                    lambda: verification.set_status(con, event, "dismissed", reason="非本辖区", actor=county)):
        with pytest.raises(AccessDeniedError):
            attempt()
    with pytest.raises(AccessDeniedError):
        workflow.submit_check(con, event, "not_a_fire", actor=actor(con, "view1"))
    assert workflow.submissions(con).empty
    assert int(con.execute("SELECT count(*) FROM fire_event_status_history").fetchone()[0]) == 0


def test_the_workflow_on_the_command_line(con, demo_db):
    _, mine, other = _events(con)
    event, foreign = mine["event_id"].iloc[0], other["event_id"].iloc[0]
    con.close()

    def run(*args):
        return CliRunner().invoke(main, ["--lang", "en", *args, "--db", str(demo_db)])

    refused = run("--as", "county1", "fires", "submit", foreign, "not_a_fire")
    assert refused.exit_code == 1 and "outside its jurisdiction" in refused.output
    done = run("--as", "county1", "fires", "submit", event, "burning_confirmed", "--note", "现场")
    assert done.exit_code == 0, done.output
    waiting = json.loads(run("--as", "city1", "fires", "submissions", "--waiting", "--format", "json").output)
    assert [w["event_id"] for w in waiting] == [event]
    assert run("--as", "county1", "fires", "review", str(waiting[0]["submission_id"]), "approve").exit_code == 1
    approved = run("--as", "city1", "fires", "review", str(waiting[0]["submission_id"]), "approve")
    assert approved.exit_code == 0, approved.output
    mine_only = json.loads(run("--as", "county1", "fires", "submissions", "--format", "json").output)
    assert [m["state"] for m in mine_only] == ["approved"]
