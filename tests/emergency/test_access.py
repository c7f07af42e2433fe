"""Who may do what in a heavy-pollution response (geoaq.emergency.access) on the Luoyang demo:
lists and warnings only by the city or an administrator, inspections only of enterprises in
the account's counties, a county account's response, checklist and CLI output holding only its
counties; every refusal names the account and changes nothing."""

from __future__ import annotations

import io
import shutil

import pandas as pd
import pytest
from click.testing import CliRunner
from helpers import ROUTE_ACCOUNTS, with_accounts

from geoaq._errors import AccessDeniedError
from geoaq.accounts import store
from geoaq.cli import main
from geoaq.db import connection as db
from geoaq.emergency import access, alerts, inspections
from geoaq.emergency.response import checklist, response_in_jurisdiction, warning_response
from geoaq.layers import get_layer

WARNING = "LY-YJ-2025-001"
OWN = ("DEMO-ENT-0091", "注塑工序")      # 洛龙区
OTHER = ("DEMO-ENT-0019", "熔炼工序")    # 偃师区


@pytest.fixture
def path(tmp_path, demo_template):
    file = tmp_path / "demo.duckdb"
    shutil.copy(demo_template, file)
    with_accounts(file, **ROUTE_ACCOUNTS)
    return str(file)


@pytest.fixture
def con(path):
    connection = db.connect(path)
    yield connection
    connection.close()


def who(con, name):
    return store.actor_for(con, name, origin="test")


def _count(con) -> int:
    return len(inspections.findings(con, WARNING))


def test_a_county_response_and_checklist_hold_its_county_only(con):
    luolong = who(con, "luolong")
    from geoaq.db import store as layers_store

    names = access.county_names(layers_store.read_layer(con, get_layer("admin_units")), luolong)
    assert names == frozenset({"洛龙区"})
    whole = warning_response(con, WARNING, with_air=False)
    mine = response_in_jurisdiction(whole, names, luolong.counties)
    assert set(mine.lines["county"]) == {"洛龙区"} and set(mine.enterprises["county"]) == {"洛龙区"}
    assert set(mine.by_county["county"]) == {"洛龙区"} and len(whole.enterprises) > len(mine.enterprises)
    assert set(checklist(mine)) == {"洛龙区"}
    assert response_in_jurisdiction(whole, access.county_names(pd.DataFrame(), who(con, "city1")), None) is whole


@pytest.mark.parametrize("name", ["luolong", "insp1", "viewer1"])
def test_only_the_city_issues_revises_and_loads_warnings(con, name, tmp_path):
    actor = who(con, name)
    before = len(alerts.current_warnings(con))
    with pytest.raises(AccessDeniedError, match=f"'{name}'.*may not issue heavy-pollution warnings"):
        alerts.issue_warning(con, area="洛龙区", level="III", start="2025-01-25 08:00", end="2025-01-26 08:00",
                             issued_by="指挥部", actor=actor)
    with pytest.raises(AccessDeniedError, match="may not revise or cancel"):
        alerts.revise_warning(con, WARNING, cancel=True, actor=actor)
    with pytest.raises(AccessDeniedError, match="may not load emergency reduction lists"):
        from geoaq.emergency.reduction_list import load_list

        load_list(tmp_path / "any.csv", con=con, actor=actor)
    assert len(alerts.current_warnings(con)) == before and alerts.warning(con, WARNING)["status"] == "issued"


def test_the_city_issues_a_warning_named_for_its_account(con):
    wid, outcome = alerts.issue_warning(con, area="偃师区", level="III", start="2025-01-25 08:00",
                                        end="2025-01-26 08:00", issued_by="指挥部", recorded_by="typed name",
                                        actor=who(con, "city1"))
    assert outcome == "new" and alerts.warning(con, wid)["recorded_by"] == "city1"


def test_inspections_only_of_the_accounts_counties(con):
    luolong = who(con, "luolong")
    before = _count(con)
    assert inspections.record_inspection(con, WARNING, OWN[0], line=OWN[1], result="violation", inspector="执法一组",
                                         inspected_at="2025-01-05 10:00", actor=luolong) == "new"
    found = inspections.findings(con, WARNING)
    mine = found[(found["enterprise_key"] == OWN[0]) & found["inspected_at"].astype(str).str.startswith("2025-01-05 10")]
    assert mine["recorded_by"].tolist() == ["luolong"]
    for name in ("luolong", "insp1"):
        with pytest.raises(AccessDeniedError, match=f"'{name}'.*DEMO-ENT-0019.*not listed in its counties"):
            inspections.record_inspection(con, WARNING, OTHER[0], line=OTHER[1], result="violation",
                                          inspector="执法一组", inspected_at="2025-01-05 10:00", actor=who(con, name))
    with pytest.raises(AccessDeniedError, match="'viewer1' \\(viewer\\) may not record inspections"):
        inspections.record_inspection(con, WARNING, OWN[0], line=OWN[1], result="compliant", inspector="x",
                                      inspected_at="2025-01-05 11:00", actor=who(con, "viewer1"))
    assert _count(con) == before + 1


def test_a_returned_sheet_with_another_countys_row_is_refused_whole(con, tmp_path):
    sheet = tmp_path / "returned.csv"
    pd.DataFrame({"预警编号": [WARNING, WARNING], "企业编号": [OWN[0], OTHER[0]], "生产线": [OWN[1], OTHER[1]],
                  "检查结果": ["未落实", "未落实"], "检查人": ["执法一组", "执法一组"],
                  "检查时间": ["2025-01-05 10:00", "2025-01-05 11:00"]}).to_csv(sheet, index=False)
    before = inspections.findings(con, WARNING)
    with pytest.raises(AccessDeniedError, match="DEMO-ENT-0019"):
        inspections.load_inspections(sheet, con=con, actor=who(con, "luolong"))
    assert inspections.findings(con, WARNING).equals(before)
    report = inspections.load_inspections(sheet, con=con, actor=who(con, "city1"))
    assert report.inserted == 2
    after = inspections.findings(con, WARNING)
    new = after.merge(before, how="left", indicator=True).query("_merge == 'left_only'")
    assert len(new) == 2 and set(new["recorded_by"]) == {"city1"}


def run(*args):
    return CliRunner().invoke(main, list(args))


def test_cli_as_a_county_account(path):
    shown = run("--as", "luolong", "emergency", "response", WARNING, "--format", "csv", "--db", path)
    assert shown.exit_code == 0, shown.output
    rows = pd.read_csv(io.StringIO(shown.output))
    assert len(rows) and set(rows["county"]) == {"洛龙区"}
    refused = run("--as", "luolong", "emergency", "warning", "cancel", WARNING, "--db", path)
    assert refused.exit_code == 1 and "'luolong' (county) may not revise or cancel" in refused.output
    other = run("--as", "luolong", "emergency", "inspection", "add", WARNING, OTHER[0], "--result", "未落实",
                "--line", OTHER[1],
                "--inspector", "执法一组", "--at", "2025-01-05 10:00", "--db", path)
    assert other.exit_code == 1 and "not listed in its counties" in other.output, other.output
    viewer = run("--as", "viewer1", "emergency", "warning", "add", "--area", "洛龙区", "--level", "III",
                 "--start", "2025-01-25 08:00", "--end", "2025-01-26 08:00", "--issued-by", "指挥部", "--db", path)
    assert viewer.exit_code == 1 and "may not issue" in viewer.output, viewer.output
