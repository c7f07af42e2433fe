"""A county account's compliance summary (geoaq.compliance.jurisdiction) on the Luoyang demo:
its counties and the zones and clusters lying in them, no city row and no other county — in
the library and in `geoaq --as luolong report`; city-wide accounts keep everything (the page:
tests/app/test_jurisdiction_pages.py)."""

from __future__ import annotations

import shutil
from datetime import date

import pandas as pd
import pytest
from click.testing import CliRunner
from helpers import ROUTE_ACCOUNTS, with_accounts

from geoaq.accounts.roles import Actor
from geoaq.cli import main
from geoaq.compliance import summary as compliance
from geoaq.compliance.jurisdiction import (
    geometries_in_jurisdiction,
    scope_counties,
    summary_in_jurisdiction,
)
from geoaq.db import connection as db

SEASON = (date(2024, 10, 1), date(2025, 3, 31))
LUOLONG = Actor(account_id=3, name="luolong", role="county", counties=frozenset({"410311"}))


@pytest.fixture(scope="module")
def season(demo_template, tmp_path_factory):
    path = tmp_path_factory.mktemp("comp") / "demo.duckdb"
    shutil.copy(demo_template, path)
    con = db.connect(path)
    try:
        return compliance.summarize(con, *SEASON), compliance.scope_geometries(con)
    finally:
        con.close()


def test_a_county_sees_its_county_and_the_areas_in_it(season):
    summary, geometries = season
    mine = summary_in_jurisdiction(summary, geometries, LUOLONG)
    where = scope_counties(geometries)
    assert len(mine) and "city" not in set(mine["scope_type"])
    assert set(mine.loc[mine["scope_type"] == "county", "scope_id"]) == {"410311"}
    assert {where[(k, str(i))] for k, i in zip(mine["scope_type"], mine["scope_id"], strict=True)} == {"410311"}
    others = summary[~summary.set_index(["scope_type", "scope_id"]).index.isin(
        mine.set_index(["scope_type", "scope_id"]).index)]
    assert "410305" in set(others["scope_id"])  # 涧西区 is left out
    shown = geometries_in_jurisdiction(geometries, LUOLONG)
    assert set(shown["scope_type"] + "|" + shown["scope_id"]) == set(
        (mine["scope_type"] + "|" + mine["scope_id"])[mine["scope_type"] != "city"])


@pytest.mark.parametrize("role", ["admin", "city", "viewer"])
def test_city_wide_accounts_keep_everything(season, role):
    summary, geometries = season
    actor = Actor(account_id=1, name=role, role=role)
    assert len(summary_in_jurisdiction(summary, geometries, actor)) == len(summary)


@pytest.fixture
def accounts_db(demo_db):
    return str(demo_db), with_accounts(demo_db, luolong=ROUTE_ACCOUNTS["luolong"])["luolong"]


def test_report_as_a_county_account_holds_its_jurisdiction_only(accounts_db, tmp_path):
    path, _ = accounts_db
    period = ["--start", str(SEASON[0]), "--end", str(SEASON[1])]
    result = CliRunner().invoke(main, ["--as", "luolong", "report", *period, "--format", "csv",
                                       "--out", str(tmp_path / "c.csv"), "--db", path])
    assert result.exit_code == 0, result.output
    rows = pd.read_csv(tmp_path / "c.csv", dtype=str, keep_default_na=False)
    assert len(rows) and "city" not in set(rows["scope_type"])
    assert set(rows.loc[rows["scope_type"] == "county", "scope_id"]) == {"410311"}
    everything = CliRunner().invoke(main, ["report", *period, "--format", "csv", "--out", str(tmp_path / "a.csv"),
                                           "--db", path])
    assert everything.exit_code == 0 and len(pd.read_csv(tmp_path / "a.csv")) > len(rows)
    # asking for another county by --district gives nothing of it
    other = CliRunner().invoke(main, ["--as", "luolong", "report", *period, "--district", "410305", "--db", path])
    assert other.exit_code == 1 and "涧西区" not in other.output
