"""`geoaq fires …` on the demo database: check, penalties, density, set-status, history, notice."""

from __future__ import annotations

import csv
import io
import json
import shutil

import pandas as pd
import pytest
from click.testing import CliRunner

from geoaq.cli import main

PERIOD = ["--start", "2025-04-22", "--end", "2025-04-24"]


@pytest.fixture
def db(tmp_path, demo_template):
    path = tmp_path / "demo.duckdb"
    shutil.copy(demo_template, path)
    return str(path)


@pytest.fixture
def reviewers(db):
    """Two city users who decide (张三, 李四) and a county user of 洛龙区 (410311)."""
    from geoaq.accounts import store
    from geoaq.db import connection

    con = connection.connect(db)
    try:
        if store.find(con, "root") is None:
            store.add_account(con, "root", "admin", "correct horse 42", by=None)
        admin = store.actor_for(con, "root")
        store.add_account(con, "张三", "city", "correct horse 42", by=admin)
        store.add_account(con, "李四", "city", "correct horse 42", by=admin)
        store.add_account(con, "luolong", "county", "correct horse 42", by=admin, counties=["410311"])
    finally:
        con.close()
    return db


def run(*args: str):
    result = CliRunner().invoke(main, list(args))
    return result


def test_check_formats(db):
    table = run("fires", "check", *PERIOD, "--db", db)
    assert table.exit_code == 0, table.output
    assert "fire events 2025-04-22 – 2025-04-24 (Beijing time): 16" in table.output
    assert "秸秆禁烧区" in table.output and "元" in table.output
    rows = list(csv.DictReader(io.StringIO(run("fires", "check", *PERIOD, "--format", "csv", "--db", db).output)))
    assert len(rows) == 16 and {"county_name", "township_name", "zone_types", "category", "penalty_yuan"} <= set(rows[0])
    records = json.loads(run("fires", "check", *PERIOD, "--format", "json", "--db", db).output)
    assert len(records) == 16 and isinstance(records[0]["zone_types"], list)
    high = run("fires", "check", *PERIOD, "--min-confidence", "high", "--format", "csv", "--db", db)
    assert len(list(csv.DictReader(io.StringIO(high.output)))) < 16


def test_bad_dates_and_confidence_are_one_line_errors(db):
    bad = run("fires", "check", "--start", "2025-13-01", "--end", "2025-04-24", "--db", db)
    assert bad.exit_code == 2 and "YYYY-MM-DD" in bad.output
    bad = run("fires", "check", *PERIOD, "--min-confidence", "sure", "--db", db)
    assert bad.exit_code != 0 and "confidence" in bad.output and "Traceback" not in bad.output


def test_status_changes_move_the_penalties(reviewers):
    db = reviewers
    records = json.loads(run("fires", "check", *PERIOD, "--format", "json", "--db", db).output)
    charged = next(r for r in records if r["penalty_yuan"] == 500_000)
    before = sum(r["penalty_yuan"] for r in records)
    assert run("--as", "张三", "fires", "set-status", charged["event_id"], "排除", "--reason", "非火点",
               "--db", db).exit_code == 0
    after = json.loads(run("fires", "check", *PERIOD, "--format", "json", "--db", db).output)
    assert sum(r["penalty_yuan"] for r in after) == before - 500_000
    refused = run("--as", "张三", "fires", "set-status", charged["event_id"], "verified", "--reason", "非火点", "--db", db)
    assert refused.exit_code == 1 and "only when dismissing" in refused.output
    assert run("--as", "李四", "fires", "set-status", charged["event_id"], "核定", "--db", db).exit_code == 0
    history = run("fires", "history", charged["event_id"], "--db", db).output
    assert "dismissed" in history and "verified" in history and "张三" in history and "李四" in history
    verified = json.loads(run("fires", "check", *PERIOD, "--figures", "verified", "--format", "json", "--db", db).output)
    assert sum(r["penalty_yuan"] for r in verified) == 500_000
    unknown = run("--as", "李四", "fires", "set-status", "FE-19990101-deadbeef", "核定", "--db", db)
    assert unknown.exit_code == 1 and "FE-19990101-deadbeef" in unknown.output


def test_penalty_totals_and_density(db):
    county = run("fires", "penalties", *PERIOD, "--by", "county", "--format", "csv", "--db", db)
    totals = pd.read_csv(io.StringIO(county.output))
    records = json.loads(run("fires", "check", *PERIOD, "--format", "json", "--db", db).output)
    assert totals["penalty_yuan"].sum() == sum(r["penalty_yuan"] for r in records)
    township = pd.read_csv(io.StringIO(run("fires", "penalties", *PERIOD, "--format", "csv", "--db", db).output))
    assert township["penalty_yuan"].sum() == totals["penalty_yuan"].sum()
    density = pd.read_csv(io.StringIO(run("fires", "density", *PERIOD, "--format", "csv", "--db", db).output))
    assert len(density) == 14 and density["straw_burning_events"].sum() >= 1


def test_notice_files(db, tmp_path):
    out = tmp_path / "通知.xlsx"
    result = run("fires", "notice", *PERIOD, "--out", str(out), "--db", db)
    assert result.exit_code == 0 and "16 events" in result.output
    assert len(pd.read_excel(out, header=1)) == 16
    one_county = tmp_path / "one.csv"
    run("fires", "notice", *PERIOD, "--out", str(one_county), "--county", "410311", "--db", db)
    table = pd.read_csv(one_county, encoding="utf-8-sig")
    assert set(table["区县"]) == {"洛龙区"}
    wrong = run("fires", "notice", *PERIOD, "--out", str(tmp_path / "n.pdf"), "--db", db)
    assert wrong.exit_code == 1 and ".csv or .xlsx" in wrong.output


def test_set_status_names_a_signed_account_and_a_county_user_only_sees_its_county(reviewers):
    db = reviewers
    records = json.loads(run("fires", "check", *PERIOD, "--format", "json", "--db", db).output)
    event = records[0]["event_id"]
    nobody = run("fires", "set-status", event, "核定", "--db", db)
    assert nobody.exit_code == 1 and "--as NAME" in nobody.output
    county = run("--as", "luolong", "fires", "set-status", event, "核定", "--db", db)
    assert county.exit_code == 1 and "may not set the status" in county.output
    assert "(none)" in run("fires", "history", event, "--db", db).output  # nothing was written
    mine = json.loads(run("--as", "luolong", "fires", "check", *PERIOD, "--format", "json", "--db", db).output)
    assert {r["county_adcode"] for r in mine} <= {"410311"}
    assert len(mine) < len(records)
    totals = pd.read_csv(io.StringIO(run("--as", "luolong", "fires", "penalties", *PERIOD, "--by", "county",
                                         "--format", "csv", "--db", db).output), dtype={"county_adcode": str})
    assert set(totals["county_adcode"].dropna()) <= {"410311"}
    other = next(r for r in records if r["county_adcode"] != "410311")
    peek = run("--as", "luolong", "fires", "history", other["event_id"], "--db", db)
    assert peek.exit_code == 1 and "outside its jurisdiction" in peek.output
    notice = run("--as", "luolong", "fires", "notice", *PERIOD, "--county", "410322", "--out", db + ".xlsx",
                 "--db", db)
    assert notice.exit_code == 1 and "outside its jurisdiction" in notice.output
    done = run("--as", "张三", "fires", "set-status", event, "核定", "--db", db)
    assert done.exit_code == 0, done.output
    history = run("fires", "history", event, "--db", db).output
    assert "张三" in history and "city" in history and "cli:" in history
