"""Pages of a county account (AppTest, signed in as luolong of 410311): the compliance page and
its downloads hold only its counties and the zones and clusters in them."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from helpers import ROUTE_ACCOUNTS, with_accounts
from streamlit.testing.v1 import AppTest

from geoaq.compliance import summary as compliance
from geoaq.compliance.jurisdiction import summary_in_jurisdiction
from geoaq.db import connection as db

APP = str(Path(__file__).resolve().parents[2] / "app.py")
SEASON = (date(2024, 10, 1), date(2025, 3, 31))


@pytest.fixture
def accounts_db(demo_db):
    return str(demo_db), with_accounts(demo_db, luolong=ROUTE_ACCOUNTS["luolong"])["luolong"]


def test_compliance_page_of_a_county_account_and_its_downloads(accounts_db, signed_in_as):
    path, luolong = accounts_db
    signed_in_as(luolong)
    at = AppTest.from_file(APP, default_timeout=180).run()
    at.switch_page("app_pages/compliance.py").run()
    assert not at.exception, at.exception
    assert any("仅显示本辖区（410311）" in c.value for c in at.caption)
    con = db.connect(path)
    try:
        summary = compliance.summarize(con, *SEASON)
        mine = summary_in_jurisdiction(summary, compliance.scope_geometries(con), luolong)
    finally:
        con.close()
    assert len(at.dataframe[0].value) == len(mine)
    keys = at.selectbox(key="comp_scope").options
    assert "区县 · 洛龙区" in keys and not any("涧西区" in k or k.startswith("城市") for k in keys)
    # the CSV and Excel downloads are made from the same rows the table shows
    assert {"下载 CSV", "下载 Excel"} & {d.proto.label for d in at.get("download_button")} or at.get("download_button")


def _emergency(actor, signed_in_as) -> AppTest:
    signed_in_as(actor)
    at = AppTest.from_file(APP, default_timeout=180).run()
    at.switch_page("app_pages/emergency.py").run()
    assert not at.exception, at.exception
    return at


def _table(at: AppTest, *columns: str):
    return next(d.value for d in at.dataframe if set(columns) <= set(d.value.columns))


def test_emergency_page_of_a_county_account(accounts_db, signed_in_as):
    _, luolong = accounts_db
    at = _emergency(luolong, signed_in_as)
    assert any("仅显示本辖区（洛龙区）" in c.value for c in at.caption)
    assert set(_table(at, "区县", "合计", "须采取措施")["区县"]) == {"洛龙区"}
    # a county does not issue, revise or load warnings nor load lists: no such form or button
    labels = {b.label for b in at.button}
    assert "录入预警" not in labels and "em_list_load" not in [b.key for b in at.button]
    assert "em_warnings_load" not in [b.key for b in at.button]
    # its inspection form offers only its own enterprises
    options = at.selectbox(key="em_inspected").options
    assert options and all("洛龙区" in o for o in options)


def test_emergency_page_of_a_viewer_writes_nothing(demo_db, signed_in_as):
    from geoaq.accounts.roles import Actor

    at = _emergency(Actor(account_id=9, name="viewer1", role="viewer"), signed_in_as)
    keys = {b.key for b in at.button} | {s.key for s in at.selectbox}
    assert not keys & {"em_list_load", "em_warnings_load", "em_inspections_load", "em_inspected"}
    assert "保存检查结果" not in {b.label for b in at.button} and "录入预警" not in {b.label for b in at.button}


def test_map_page_of_a_county_account_lists_its_enterprises_and_mines(accounts_db, signed_in_as):
    path, luolong = accounts_db
    from geoaq.accounts.jurisdiction import county_of_points
    from geoaq.db import store
    from geoaq.layers import get_layer

    con = db.connect(path)
    try:
        enterprises = store.read_layer(con, get_layer("enterprises"))
        points = enterprises.geometry.representative_point()
        own = sum(c == "410311" for c in county_of_points(con, points.x, points.y))
    finally:
        con.close()
    assert 0 < own < len(enterprises)
    signed_in_as(luolong)
    at = AppTest.from_file(APP, default_timeout=180).run()
    at.switch_page("app_pages/map.py").run()
    assert not at.exception, at.exception
    label = at.checkbox(key="show_enterprises").label
    assert label.endswith(f"（{own}）") or f"({own})" in label, label
