"""`geoaq emergency …` end to end on a constructed database: the list, its check, warnings, the
suggestion, the response with its checklist, findings and the assessment; errors in one line;
English without Chinese outside the data."""

from __future__ import annotations

import shutil

import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner
from emergency_cases import SHARE_ROWS, build_area, list_row, load_pm25, write_list
from english import check_english, data_values

from geoaq.cli import main
from geoaq.db import connection as db
from geoaq.emergency import alerts, inspections

START, END = pd.Timestamp("2025-01-30 20:00"), pd.Timestamp("2025-02-02 08:00")


@pytest.fixture(scope="module")
def area(tmp_path_factory, _migrated_template):
    folder = tmp_path_factory.mktemp("cli_emergency")
    path = folder / "area.duckdb"
    shutil.copyfile(_migrated_template, path)
    build_area(path, folder)
    con = db.connect(path)
    try:
        load_pm25(con, folder, lambda hour, code: 160.0 if START < hour <= END else 50.0,
                  "2025-01-27 00:00", "2025-02-03 23:00")
    finally:
        con.close()
    return path


@pytest.fixture
def database(area, tmp_path):
    path = tmp_path / "cli.duckdb"
    shutil.copyfile(area, path)
    return str(path)


def run(*args: str, ok: bool = True):
    result = CliRunner().invoke(main, list(args))
    if ok:
        assert result.exit_code == 0, result.output
    return result


def _loaded(database, tmp_path) -> str:
    rows = [*SHARE_ROWS, list_row("X9", "新建企业", "C", 5, {"III": "停产", "II": "停产", "I": "停产"})]
    path = write_list(tmp_path / "list.csv", rows)
    out = run("emergency", "list", "load", str(path), "--year", "2024-2025", "--effective", "2024-10-01",
              "--db", database).output
    assert "版本 2024-2025，2024-10-01 起生效" in out and "新增 5" in out and "1 行的企业不在企业图层中" in out
    return out


def test_the_list_loads_is_listed_and_shown(database, tmp_path):
    _loaded(database, tmp_path)
    again = run("emergency", "list", "load", str(tmp_path / "list.csv"), "--year", "2024-2025", "--effective",
                "2024-10-01", "--db", database).output
    assert "未变 5" in again
    assert "2024-2025" in run("emergency", "list", "versions", "--db", database).output
    shown = run("emergency", "list", "show", "--level", "橙色", "--db", database).output
    assert "橙色预警（Ⅱ级） · 清单版本 2024-2025@2024-10-01：5 行" in shown and "限产 20%" in shown
    as_json = run("emergency", "list", "show", "--level", "II", "--format", "json", "--db", database).output
    assert '"kind":"limit"' in as_json.replace(" ", "")


def test_the_check_prints_shares_and_problems_and_writes_excel(database, tmp_path):
    _loaded(database, tmp_path)
    out = run("emergency", "check", "--db", database).output
    assert "5 行" in out and "企业图层中的砖瓦企业" in out and "不符合" in out
    short = run("emergency", "check", "--total", "so2=1000", "--format", "csv", "--db", database).output
    assert "given" in short
    path = tmp_path / "check.xlsx"
    run("emergency", "check", "--format", "xlsx", "--out", str(path), "--db", database)
    assert openpyxl.load_workbook(path).sheetnames == ["减排比例", "问题清单"]
    bad = run("emergency", "check", "--total", "co=1", "--db", database, ok=False)
    assert bad.exit_code == 2 and "expected one of so2, nox, pm, vocs" in bad.output


def test_warnings_are_entered_revised_listed_and_cancelled(database, tmp_path):
    out = run("emergency", "warning", "add", "--area", "测试市", "--level", "橙色", "--start", "2025-01-30 20:00",
              "--end", "2025-02-02 08:00", "--issued-by", "指挥部", "--by", "张三", "--db", database).output
    assert out.startswith("已录入预警：测试市 橙色预警（Ⅱ级） 2025-01-30 20:00 至 2025-02-02 08:00")
    con = db.connect(database)
    try:
        wid = alerts.current_warnings(con)["warning_id"].iloc[0]
    finally:
        con.close()
    assert "已修订预警" in run("emergency", "warning", "end", wid, "--at", "2025-02-01 20:00", "--by", "李四",
                              "--db", database).output
    assert "2025-02-01 20:00" in run("emergency", "warning", "list", "--db", database).output
    assert "已撤销预警" in run("emergency", "warning", "cancel", wid, "--by", "王五", "--db", database).output
    assert run("emergency", "warning", "list", "--db", database).output.strip() == "(none)"
    history = run("emergency", "warning", "history", wid, "--db", database).output
    assert "张三" in history and "李四" in history and "已撤销" in history
    failed = run("emergency", "warning", "add", "--area", "火星", "--level", "紫色", "--start", "x", "--end", "y",
                 "--issued-by", "a", "--by", "b", "--db", database, ok=False)
    assert failed.exit_code == 1 and failed.output.count("\n") == 1 and "Error: warning:" in failed.output
    missing = run("emergency", "response", "YJ-NONE", "--db", database, ok=False)
    assert missing.exit_code == 1 and "no warning 'YJ-NONE'" in missing.output


def test_a_warnings_file_loads(database, tmp_path):
    path = tmp_path / "w.csv"
    path.write_text("预警区域,预警级别,开始时间,结束时间,发布单位\n测试市,红色,2025-01-30 20:00,2025-02-02 08:00,指挥部\n",
                    "utf-8")
    assert "新增 1" in run("emergency", "warning", "load", str(path), "--by", "张三", "--db", database).output


def test_the_suggestion_from_a_file_or_values(tmp_path, database):
    path = tmp_path / "f.csv"
    path.write_text("日期,AQI\n2025-01-05,228\n2025-01-06,236\n", "utf-8")
    assert "建议发布橙色预警（Ⅱ级）" in run("emergency", "suggest", str(path), "--db", database).output
    out = run("--lang", "en", "emergency", "suggest", "--aqi", "2025-01-05=160", "--aqi", "2025-01-06=170",
              "--db", database).output
    assert out.startswith("Suggested: Yellow warning (level III)")
    both = run("emergency", "suggest", str(path), "--aqi", "2025-01-05=1", "--db", database, ok=False)
    assert both.exit_code == 2 and "not both" in both.output


def test_response_checklist_findings_and_assessment(database, tmp_path):
    _loaded(database, tmp_path)
    con = db.connect(database)
    try:
        wid, _ = alerts.issue_warning(con, area="测试市", level="II", start=START, end=END, issued_by="指挥部",
                                      recorded_by="张三")
    finally:
        con.close()
    checklist = tmp_path / "checklist.xlsx"
    out = run("emergency", "response", wid, "--checklist", str(checklist), "--db", database).output
    assert "检查表已写入" in out and "2 个区县，4 条生产线" in out
    assert "清单企业 5 家，须采取措施 4 家" in out and "测试站一" in out
    assert openpyxl.load_workbook(checklist).sheetnames == ["乙县", "甲县"]
    added = run("emergency", "inspection", "add", wid, "E3", "--result", "未落实", "--inspector", "执法一组",
                "--at", "2025-01-31 10:00", "--finding", "未停产", "--by", "李四", "--db", database).output
    assert added.startswith("已录入检查结果")
    findings = tmp_path / "findings.csv"
    findings.write_text(f"预警编号,企业编号,检查时间,检查人,检查结果\n{wid},E4,2025-01-31 11:00,执法二组,已落实\n"
                        f"{wid},E2,,,\n", "utf-8")
    loaded = run("emergency", "inspection", "load", str(findings), "--by", "李四", "--db", database).output
    assert "未检查 1" in loaded and "新增 1" in loaded
    con = db.connect(database)
    try:
        assert len(inspections.findings(con, wid)) == 2
    finally:
        con.close()
    report = tmp_path / "assessment.xlsx"
    out = run("emergency", "assess", wid, "--out", str(report), "--db", database).output
    assert "AQI 按 GB 3095-2012 / HJ 633-2012 / HJ 663-2013" in out and "2 家 / 4 家（50%）" in out
    assert "预警期间 210，预警前 69" in out
    assert openpyxl.load_workbook(report).sheetnames == ["应急响应评估"]
    english = run("--lang", "en", "emergency", "assess", wid, "--standard", "2026", "--db", database).output
    assert "GB 3095-2026" in english
    check_english(english.splitlines() + run("--lang", "en", "emergency", "response", wid, "--db",
                                             database).output.splitlines(), data_values(database))


def test_a_forecast_day_given_twice_is_refused(database):
    twice = run("emergency", "suggest", "--aqi", "2025-01-05=100", "--aqi", "2025-01-05=300", "--db", database, ok=False)
    assert twice.exit_code == 1 and "day 2025-01-05 is given twice" in twice.output


def test_a_problem_of_the_whole_list_shows_dashes_not_none(database, tmp_path):
    _loaded(database, tmp_path)
    out = run("emergency", "check", "--total", "vocs=100", "--db", database).output
    line = next(x for x in out.splitlines() if "全社会排放量不得小于清单排放量" in x)
    assert "None" not in line and "—" in line and "100.000 t/a" in line


def test_a_list_in_tonnes_per_day_or_a_malformed_workbook_is_one_line(database, tmp_path):
    frame = pd.DataFrame(SHARE_ROWS).rename(columns={"SO2年排放量(t/a)": "SO2排放量（吨/天）"})
    frame.to_csv(tmp_path / "td.csv", index=False)
    refused = run("emergency", "list", "load", str(tmp_path / "td.csv"), "--year", "2025", "--effective",
                  "2024-10-01", "--db", database, ok=False)
    assert refused.exit_code == 1 and refused.output.count("\n") == 1 and "'吨/天'" in refused.output
    (tmp_path / "broken.xlsx").write_bytes(b"PK\x03\x04 broken")
    broken = run("emergency", "list", "load", str(tmp_path / "broken.xlsx"), "--year", "2025", "--effective",
                 "2024-10-01", "--db", database, ok=False)
    assert broken.exit_code == 1 and "not a readable Excel workbook" in broken.output
