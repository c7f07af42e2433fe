"""`geoaq route --save` and `geoaq routes …` run as named accounts (`--as`): a plan saved by the
city and by a county (only its counties), the findings of its stops added, loaded from the
filled sheet and listed by an inspector of the team it was given to; every other account's
attempt refused with a message naming it, and nothing changed."""

from __future__ import annotations

import io
import shutil

import pandas as pd
import pytest
from click.testing import CliRunner
from helpers import ROUTE_ACCOUNTS, with_accounts

from geoaq.cli import main

DAY = ["--from-findings", "2025-04-23", "--work-limit", "300"]


@pytest.fixture
def db(tmp_path, demo_template):
    path = tmp_path / "demo.duckdb"
    shutil.copy(demo_template, path)
    with_accounts(path, **ROUTE_ACCOUNTS)
    return str(path)


def run(*args: str):
    return CliRunner().invoke(main, list(args))


def _count(db: str, table: str) -> int:
    from geoaq.db import connection

    con = connection.connect(db, read_only=True)
    try:
        return con.sql(f"SELECT count(*) FROM {table}").fetchone()[0]  # noqa: S608 - a fixed name
    finally:
        con.close()


def _sheet(db: str, plan: str, name: str) -> pd.DataFrame:
    result = run("--as", name, "routes", "sheet", plan, "--db", db)
    assert result.exit_code == 0, result.output
    return pd.read_csv(io.StringIO(result.output), dtype=str, keep_default_na=False)


def _saved_id(output: str) -> str:
    return output.split("已保存为路线 ", 1)[1].split("（", 1)[0].strip()


def test_a_county_saves_routes_of_its_counties_only_and_an_inspector_reports(db, tmp_path):
    saved = run("--as", "luolong", "route", *DAY, "--teams", "1", "--save", "--crew", "第1组=巡查一组",
                "--format", "csv", "--db", db)
    assert saved.exit_code == 0, saved.output
    plan = _saved_id(saved.output)
    sheet = _sheet(db, plan, "luolong")
    assert len(sheet) and set(sheet["巡查组"]) == {"巡查一组"}
    # its routes hold only its county's targets
    from geoaq.db import connection

    con = connection.connect(db, read_only=True)
    try:
        counties = {r[0] for r in con.sql("SELECT DISTINCT county_adcode FROM route_plan_stops").fetchall()}
    finally:
        con.close()
    assert counties == {"410311"}

    # another county and another crew see nothing of it; a viewer sees it; none of them records
    for name in ("yanshi", "insp2", "viewer1"):
        listed = run("--as", name, "routes", "plans", "--format", "csv", "--db", db)
        assert listed.exit_code == 0, listed.output
        assert (name == "viewer1") == (len(listed.output.splitlines()) > 1), listed.output
        refused = run("--as", name, "routes", "findings", "add", plan, "第1组", "1", "已完成", "--db", db)
        assert refused.exit_code == 1 and f"'{name}'" in refused.output and "may not" in refused.output
    assert _count(db, "route_findings") == 0

    sheet["巡查结果"] = "已完成"
    filled = tmp_path / "filled.csv"
    filled.write_bytes(sheet.to_csv(index=False).encode("utf-8-sig"))
    for name in ("yanshi", "insp2"):  # a filled sheet of another's route is refused whole
        refused = run("--as", name, "routes", "findings", "load", str(filled), "--db", db)
        assert refused.exit_code == 1 and "may not record findings" in refused.output
    assert _count(db, "route_findings") == 0

    loaded = run("--as", "insp1", "routes", "findings", "load", str(filled), "--db", db)
    assert loaded.exit_code == 0 and f"已记录 {len(sheet)} 条" in loaded.output, loaded.output
    again = run("--as", "insp1", "routes", "findings", "load", str(filled), "--db", db)
    assert "已记录 0 条" in again.output and f"跳过 {len(sheet)} 条" in again.output
    listed = run("--as", "insp1", "routes", "findings", "list", "--format", "csv", "--db", db)
    rows = pd.read_csv(io.StringIO(listed.output))
    assert len(rows) == len(sheet) and set(rows["recorded_by"]) == {"insp1"}
    assert set(rows["recorded_by_role"]) == {"inspector"} and rows["recorded_from"].str.startswith("cli:").all()
    # fire-event stops became field checks waiting for the city
    fires = rows[rows["ref_layer"] == "fire_events"]
    waiting = run("--as", "city1", "fires", "submissions", "--waiting", "--format", "csv", "--db", db)
    assert all(event in waiting.output for event in fires["ref_id"])


def test_a_county_cannot_save_another_countys_targets_nor_a_viewer_any(db, tmp_path):
    targets = tmp_path / "targets.csv"
    targets.write_text("lon,lat,name\n112.75,34.70,偃师区某处\n", encoding="utf-8")  # 偃师区 410307
    refused = run("--as", "luolong", "route", "--targets", str(targets), "--save", "--db", db)
    assert refused.exit_code == 1 and "outside its jurisdiction" in refused.output, refused.output
    viewer = run("--as", "viewer1", "route", "--targets", str(targets), "--save", "--db", db)
    assert viewer.exit_code == 1 and "may not save inspection routes" in viewer.output
    nobody = run("route", "--targets", str(targets), "--save", "--db", db)
    assert nobody.exit_code == 1 and "--as NAME" in nobody.output
    assert _count(db, "route_plans") == 0


def test_cli_findings_add_with_a_check_result(db):
    saved = run("--as", "city1", "route", *DAY, "--teams", "1", "--save", "--crew", "第1组=巡查二组", "--db", db)
    assert saved.exit_code == 0, saved.output
    plan = _saved_id(saved.output)
    sheet = _sheet(db, plan, "insp2")
    fire = sheet[sheet["编号"].str.startswith("FE-")].iloc[0]
    added = run("--as", "insp2", "routes", "findings", "add", plan, fire["小组"], fire["序号"], "done",
                "--result", "工业热源", "--note", "钢厂", "--db", db)
    assert added.exit_code == 0 and "提交核查：" in added.output, added.output
    history = run("--as", "city1", "fires", "submissions", "--format", "csv", "--db", db)
    assert "industrial_heat_source" in history.output and "insp2" in history.output
    bad = run("--as", "insp2", "routes", "findings", "add", plan, fire["小组"], fire["序号"], "maybe", "--db", db)
    assert bad.exit_code == 1 and "unknown finding 'maybe'" in bad.output
