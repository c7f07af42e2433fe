"""The routes page signed in as each role (AppTest): a county plans only inside its counties
and saves the routes for an inspection team; the inspector of that team sees only them and
records findings (the form and the filled sheet); another county, another team and a viewer
see or change nothing of it, each refusal a message with nothing changed."""

from __future__ import annotations

import io
from datetime import date

import pandas as pd
import pytest
from helpers import ROUTE_ACCOUNTS, make_accounts, open_page
from streamlit.testing.v1 import AppTest

from geoaq.accounts import store
from geoaq.db import connection as db
from geoaq.routes import findings
from geoaq.routes.plan import plan_routes
from geoaq.routes.rules import make_teams
from geoaq.routes.targets import collect_targets

DAY = date(2025, 4, 23)


@pytest.fixture
def actors(demo_db):
    con = db.connect(demo_db)
    try:
        make_accounts(con, **ROUTE_ACCOUNTS)
        return {name: store.actor_for(con, name, origin="web:test") for name in ROUTE_ACCOUNTS}
    finally:
        con.close()


def _page(**state) -> AppTest:
    return open_page("app_pages/routes.py", 180, route_work_limit=300, **state)


def _saved_plan(demo_db, actor, crews) -> int:
    con = db.connect(demo_db)
    try:
        targets = collect_targets(con, DAY)
        chosen = pd.concat([targets[targets["county"] == "洛龙区"].head(3), targets[targets["county"] == "偃师区"].head(2)])
        plan = plan_routes(chosen.reset_index(drop=True), make_teams(2), day=DAY, work_limit=300)
        return findings.save_plan(con, plan, actor=actor, crews=crews)
    finally:
        con.close()


def _findings(demo_db) -> pd.DataFrame:
    con = db.connect(demo_db)
    try:
        return findings.findings(con, actor=None)
    finally:
        con.close()


def test_a_county_plans_only_its_county_and_saves_for_a_team(demo_db, actors, signed_in_as):
    signed_in_as(actors["luolong"])
    at = _page(route_teams=1, route_day=DAY)
    listed = next(d.value for d in at.dataframe if "include" in d.value.columns)
    con = db.connect(demo_db)
    try:
        targets = collect_targets(con, DAY)
    finally:
        con.close()
    luolong = set(targets[targets["county"] == "洛龙区"]["target_id"])
    assert len(listed) and set(listed["target_id"]) <= luolong
    at.button(key="route_solve").click().run()
    assert not at.exception, at.exception
    at.selectbox(key="route_crew_0").set_value("巡查一组")
    next(b for b in at.button if b.label == "保存并派发").click().run()
    assert not at.exception, at.exception
    assert any("已保存为路线" in s.value for s in at.success), [e.value for e in at.error]
    con = db.connect(demo_db)
    try:
        stops = findings.plan_stops(con, actor=None)
    finally:
        con.close()
    assert len(stops) and set(stops["county_adcode"]) == {"410311"} and set(stops["crew"]) == {"巡查一组"}
    assert _findings(demo_db).empty


def test_the_teams_inspector_records_a_finding_on_the_page(demo_db, actors, signed_in_as):
    plan_id = _saved_plan(demo_db, actors["city1"], {"第1组": "巡查一组", "第2组": "巡查一组"})
    signed_in_as(actors["insp1"])
    at = _page()
    assert not [b for b in at.button if b.label == "开始规划"] and "route_solve" not in [b.key for b in at.button]
    assert at.selectbox(key="findings_plan").value == plan_id
    shown = at.dataframe[0].value
    assert len(shown) and set(shown["巡查组"]) == {"巡查一组"}
    stop = at.selectbox(key="finding_stop").options[0]
    at.radio(key="finding_code").set_value("problem_found")
    at.text_input(key="finding_note").input("现场焚烧")
    next(b for b in at.button if b.label == "记录巡查结果").click().run()
    assert not at.exception, at.exception
    assert any("已记录 1 条巡查结果" in s.value for s in at.success), [e.value for e in at.error]
    rows = _findings(demo_db)
    assert rows.iloc[-1][["recorded_by", "recorded_by_role", "recorded_from", "source", "note"]].tolist() == [
        "insp1", "inspector", "web:test", "page", "现场焚烧"]
    assert stop.startswith(rows.iloc[-1]["team"])


def test_a_filled_sheet_uploaded_on_the_page_and_refusals(demo_db, actors, signed_in_as):
    plan_id = _saved_plan(demo_db, actors["city1"], {"第1组": "巡查一组", "第2组": "巡查一组"})
    con = db.connect(demo_db)
    try:
        sheet = pd.read_csv(io.BytesIO(findings.findings_sheet(con, plan_id, actor=actors["city1"])), dtype=str,
                            keep_default_na=False)
        insp1_sees = set(findings.plan_stops(con, plan_id, actor=actors["insp1"])["target_id"])
    finally:
        con.close()
    assert 0 < len(insp1_sees) < len(sheet)  # its county's stops, not 偃师区's
    sheet["巡查结果"] = "已完成"
    everything = sheet.to_csv(index=False).encode("utf-8-sig")

    # a sheet holding stops of another county or another team is refused whole, nothing recorded
    for name in ("yanshi", "insp2", "luolong", "insp1"):
        signed_in_as(actors[name])
        at = _page()
        if name == "insp2":  # no route is given to its team: it sees none, and has nothing to upload to
            assert any("没有你可见的已保存路线" in i.value for i in at.info)
            continue
        at.file_uploader(key="findings_upload").set_value([("all.csv", everything, "text/csv")]).run()
        at.button(key="findings_load").click().run()
        assert not at.exception, at.exception
        assert any(f"'{name}'" in e.value and "may not record findings" in e.value for e in at.error), (name, [e.value for e in at.error], [s.value for s in at.success])
        assert _findings(demo_db).empty

    # a viewer sees the routes and records nothing: no form, no upload
    signed_in_as(actors["viewer1"])
    at = _page()
    assert any("只读账号" in c.value for c in at.caption)
    assert not [u for u in at.get("file_uploader")] and "finding_stop" not in [s.key for s in at.selectbox]

    # the crew's inspector loads its own part; the same file again adds nothing
    signed_in_as(actors["insp1"])
    own = sheet[sheet["编号"].isin(insp1_sees)].to_csv(index=False).encode("utf-8-sig")
    at = _page()
    at.file_uploader(key="findings_upload").set_value([("mine.csv", own, "text/csv")]).run()
    at.button(key="findings_load").click().run()
    assert any(f"已记录 {len(insp1_sees)} 条" in s.value for s in at.success), \
        [e.value for e in at.error]
    at.file_uploader(key="findings_upload").set_value([("mine.csv", own, "text/csv")]).run()
    at.button(key="findings_load").click().run()
    assert any("已记录 0 条" in s.value for s in at.success)
    assert set(_findings(demo_db)["recorded_by"]) == {"insp1"}
