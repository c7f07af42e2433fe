"""Saved routes and their findings (geoaq.routes.findings) on the Luoyang demo: who may save,
see and record what, the filled sheet loaded back (bad rows named, re-upload adding nothing, a
failed load changing nothing), and fire-event findings entering the verification workflow."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest
from helpers import ROUTE_ACCOUNTS, make_accounts

from geoaq._errors import AccessDeniedError, RouteFindingsError
from geoaq.accounts import store
from geoaq.db import connection as db
from geoaq.db.named import run
from geoaq.fires import workflow
from geoaq.routes import findings
from geoaq.routes.export import to_csv
from geoaq.routes.plan import plan_routes
from geoaq.routes.rules import make_teams
from geoaq.routes.targets import collect_targets

DAY = date(2025, 4, 23)
LUOLONG, YANSHI = "410311", "410307"


@pytest.fixture
def con(demo_db):
    connection = db.connect(demo_db)
    make_accounts(connection, **ROUTE_ACCOUNTS)
    yield connection
    connection.close()


def who(con, name: str):
    return store.actor_for(con, name, origin="test")


def _plan(con, actor=None, teams: int = 2, n: int = 6):
    targets = collect_targets(con, DAY, actor=actor)
    luolong = targets[targets["county"] == "洛龙区"].head(n // 2)
    chosen = pd.concat([luolong, targets[targets["county"] != "洛龙区"].head(n - len(luolong))]) if actor is None \
        else targets.head(n)
    return plan_routes(chosen.reset_index(drop=True), make_teams(teams), day=DAY, work_limit=300)


def _count(con, table: str) -> int:
    return con.sql(f"SELECT count(*) FROM {table}").fetchone()[0]  # noqa: S608 - a fixed name


def _stop(con, plan_id: int, where) -> pd.Series:
    stops = findings.plan_stops(con, plan_id, actor=None)
    return stops[where(stops)].iloc[0]


def test_a_saved_plan_names_its_crews_and_counties(con):
    plan = _plan(con)
    plan_id = findings.save_plan(con, plan, actor=who(con, "city1"), crews={"第1组": "巡查一组", "第2组": "巡查二组"})
    stops = findings.plan_stops(con, plan_id, actor=None)
    assert len(stops) == plan.visited and set(stops["crew"]) <= {"巡查一组", "巡查二组"}
    assert LUOLONG in set(stops["county_adcode"]) and len(set(stops["county_adcode"])) > 1
    fire = stops[stops["kind"] == "fire_event"].iloc[0]
    assert (fire["ref_layer"], fire["ref_id"]) == ("fire_events", fire["target_id"])
    saved = con.sql("SELECT saved_by, saved_by_role, saved_from FROM route_plans").fetchall()
    assert saved == [("city1", "city", "test")]
    # the CSV sheet carries the plan id and the columns to fill in
    from dataclasses import replace

    sheet = to_csv(replace(plan, plan_id=plan_id)).decode("utf-8-sig").splitlines()
    assert sheet[0].startswith("路线编号,") and sheet[0].endswith("巡查结果,火点核查结果,备注")
    assert sheet[1].startswith(f"{plan_id},")


@pytest.mark.parametrize("name", ["insp1", "viewer1"])
def test_roles_that_do_not_plan_cannot_save(con, name):
    with pytest.raises(AccessDeniedError, match="may not save inspection routes"):
        findings.save_plan(con, _plan(con), actor=who(con, name))
    assert _count(con, "route_plans") == 0 and _count(con, "route_plan_stops") == 0


def test_a_county_plans_only_inside_its_counties(con):
    luolong = who(con, "luolong")
    targets = collect_targets(con, DAY, actor=luolong)
    assert len(targets) and findings.stop_counties(con, targets["lon"], targets["lat"]) == [LUOLONG] * len(targets)
    plan_id = findings.save_plan(con, _plan(con, luolong), actor=luolong)
    assert set(findings.plan_stops(con, plan_id, actor=None)["county_adcode"]) == {LUOLONG}
    # a plan holding another county's targets is refused, and nothing is written
    with pytest.raises(AccessDeniedError, match="outside its jurisdiction"):
        findings.save_plan(con, _plan(con), actor=luolong)
    assert _count(con, "route_plans") == 1


def test_who_sees_which_stops(con):
    plan_id = findings.save_plan(con, _plan(con), actor=who(con, "city1"),
                                 crews={"第1组": "巡查一组", "第2组": "巡查二组"})
    every = findings.plan_stops(con, plan_id, actor=None)
    seen = {name: findings.plan_stops(con, plan_id, actor=who(con, name)) for name in
            ("city1", "viewer1", "luolong", "yanshi", "insp1", "insp2")}
    assert len(seen["city1"]) == len(seen["viewer1"]) == len(every)
    assert set(seen["luolong"]["county_adcode"]) <= {LUOLONG} and len(seen["luolong"])
    assert set(seen["insp1"]["crew"]) <= {"巡查一组"} and set(seen["insp1"]["county_adcode"]) <= {LUOLONG}
    assert set(seen["insp2"]["crew"]) <= {"巡查二组"}
    assert len(findings.saved_plans(con, actor=who(con, "insp1"))) == (1 if len(seen["insp1"]) else 0)


def test_an_inspector_records_a_fire_finding_that_the_city_approves(con):
    plan_id = findings.save_plan(con, _plan(con), actor=who(con, "city1"), crews={"第1组": "巡查一组", "第2组": "巡查一组"})
    insp = who(con, "insp1")
    stop = _stop(con, plan_id, lambda s: (s["kind"] == "fire_event") & (s["county_adcode"] == LUOLONG))
    done = findings.record_finding(con, plan_id, stop["team"], stop["seq"], "发现问题", actor=insp, note="秸秆焚烧")
    assert done.added == 1 and len(done.submissions) == 1
    row = workflow.submissions(con, stop["ref_id"]).iloc[-1]
    assert (row["outcome"], row["submitted_by"], row["submitted_by_role"], row["state"]) == (
        "burning_confirmed", "insp1", "inspector", "pending")
    listed = findings.findings(con, plan_id, actor=insp).iloc[-1]
    assert listed[["recorded_by", "recorded_by_role", "recorded_from", "source", "finding", "submission_id"]].tolist() \
        == ["insp1", "inspector", "test", "page", "problem_found", done.submissions[0]]
    workflow.review(con, done.submissions[0], "approve", actor=who(con, "city1"))
    from geoaq.fires import verification

    assert verification.current_status(con, [stop["ref_id"]]).iloc[0]["status"] == "verified"


def test_the_inspector_chooses_the_check_result_and_not_found_makes_no_submission(con):
    plan_id = findings.save_plan(con, _plan(con), actor=who(con, "city1"), crews={"第1组": "巡查一组", "第2组": "巡查一组"})
    insp = who(con, "insp1")
    fires = findings.plan_stops(con, plan_id, actor=insp)
    fires = fires[fires["kind"] == "fire_event"]
    first, second = fires.iloc[0], fires.iloc[1]
    done = findings.record_finding(con, plan_id, first["team"], first["seq"], "done", actor=insp,
                                   check_outcome="工业热源")
    assert workflow.submissions(con, first["ref_id"]).iloc[-1]["outcome"] == "industrial_heat_source"
    assert findings.record_finding(con, plan_id, second["team"], second["seq"], "未找到", actor=insp).submissions == ()
    with pytest.raises(RouteFindingsError, match="not found has no check result"):
        findings.record_finding(con, plan_id, second["team"], second["seq"], "not_found", actor=insp,
                                check_outcome="非火点")
    assert len(done.submissions) == 1


def test_refused_findings_change_nothing(con):
    plan_id = findings.save_plan(con, _plan(con), actor=who(con, "city1"), crews={"第1组": "巡查一组", "第2组": "巡查二组"})
    outside = _stop(con, plan_id, lambda s: s["county_adcode"] != LUOLONG)
    other_crew = findings.plan_stops(con, plan_id, actor=who(con, "insp2")).iloc[0]
    before = (_count(con, "route_findings"), _count(con, "fire_event_submissions"))
    for name, stop in (("insp1", outside), ("insp1", other_crew), ("luolong", outside)):
        with pytest.raises(RouteFindingsError, match=f"account '{name}'.*may not record findings"):
            findings.record_finding(con, plan_id, stop["team"], stop["seq"], "done", actor=who(con, name))
    with pytest.raises(AccessDeniedError, match="'viewer1' \\(viewer\\) may not record route findings"):
        findings.record_finding(con, plan_id, outside["team"], outside["seq"], "done", actor=who(con, "viewer1"))
    with pytest.raises(RouteFindingsError, match="no saved plan 999"):
        findings.record_finding(con, 999, "第1组", 1, "done", actor=who(con, "city1"))
    with pytest.raises(RouteFindingsError, match="unknown finding 'maybe'"):
        findings.record_finding(con, plan_id, "第1组", 1, "maybe", actor=who(con, "city1"))
    assert (_count(con, "route_findings"), _count(con, "fire_event_submissions")) == before


def _filled(con, plan_id: int, actor, fill) -> bytes:
    sheet = pd.read_csv(__import__("io").BytesIO(findings.findings_sheet(con, plan_id, actor=actor)), dtype=str,
                        keep_default_na=False)
    fill(sheet)
    return sheet.to_csv(index=False).encode("utf-8-sig")


def test_a_filled_sheet_loads_once_and_bad_rows_are_named(con, tmp_path):
    plan_id = findings.save_plan(con, _plan(con), actor=who(con, "city1"), crews={"第1组": "巡查一组", "第2组": "巡查一组"})
    insp = who(con, "insp1")

    def fill(sheet):
        sheet["巡查结果"] = "已完成"
        sheet.loc[0, "备注"] = "正常"

    path = tmp_path / "filled.csv"
    path.write_bytes(_filled(con, plan_id, insp, fill))
    first = findings.load_findings(con, path, actor=insp)
    visible = len(findings.plan_stops(con, plan_id, actor=insp))
    assert first.added == visible and first.skipped == 0
    again = findings.load_findings(con, path, actor=insp)  # the same file again adds nothing
    assert (again.added, again.skipped, again.submissions) == (0, visible, ())
    rows = findings.findings(con, plan_id, actor=insp)
    assert len(rows) == visible and set(rows["source"]) == {"upload"} and set(rows["source_file"]) == {"filled.csv"}

    def bad(sheet):
        sheet["巡查结果"] = "已完成"
        sheet.loc[0, "巡查结果"] = "也许"
        sheet.loc[1, "路线编号"] = "abc"
        if len(sheet) > 2:
            sheet.loc[2, "火点核查结果"] = "不知道"

    before = _count(con, "route_findings"), _count(con, "fire_event_submissions")
    with pytest.raises(RouteFindingsError) as refused:
        findings.load_findings(con, _filled(con, plan_id, insp, bad), actor=insp, file_name="bad.csv")
    text = str(refused.value)
    assert "bad.csv, row 2, column 巡查结果: expected done (已完成)" in text and "got '也许'" in text
    assert "bad.csv, row 3, column 路线编号: expected the number of a saved plan, got 'abc'" in text
    assert "nothing was recorded" in text
    assert (_count(con, "route_findings"), _count(con, "fire_event_submissions")) == before


def test_a_sheet_with_another_countys_stop_is_refused_whole(con):
    plan_id = findings.save_plan(con, _plan(con), actor=who(con, "city1"))
    luolong = who(con, "luolong")
    everything = findings.findings_sheet(con, plan_id, actor=who(con, "city1"))
    filled = pd.read_csv(__import__("io").BytesIO(everything), dtype=str, keep_default_na=False)
    filled["巡查结果"] = "发现问题"
    with pytest.raises(RouteFindingsError, match="'luolong' \\(county\\) may not record findings"):
        findings.load_findings(con, filled.to_csv(index=False).encode(), actor=luolong, file_name="all.csv")
    assert _count(con, "route_findings") == 0 and _count(con, "fire_event_submissions") == 0
    assert run(con, "route_findings_of", [None, None]).df().empty
