"""Pages of a county account (AppTest, signed in as luolong of 410311): the compliance page and
its downloads hold only its counties and the zones and clusters in them."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from geoaq.accounts import store
from geoaq.compliance import summary as compliance
from geoaq.compliance.jurisdiction import summary_in_jurisdiction
from geoaq.db import connection as db

APP = str(Path(__file__).resolve().parents[2] / "app.py")
SEASON = (date(2024, 10, 1), date(2025, 3, 31))


@pytest.fixture
def accounts_db(demo_db):
    con = db.connect(demo_db)
    try:
        store.add_account(con, "root", "admin", "correct horse 42", by=None)
        admin = store.actor_for(con, "root")
        store.add_account(con, "luolong", "county", "correct horse 42", by=admin, counties=["410311"])
        return str(demo_db), store.actor_for(con, "luolong", origin="web:test")
    finally:
        con.close()


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
