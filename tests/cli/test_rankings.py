"""`geoaq rank`, `geoaq peers …`, `geoaq progress` and `geoaq bulletin` on the constructed city
(tests/ranking_cases.py), through click's CliRunner."""

from __future__ import annotations

import openpyxl
import pytest
from click.testing import CliRunner
from ranking_cases import build

from geoaq.cli import main

PEERS = "城市,综合指数,排名\n甲市,3.10,1\n乙市,3.60,2\n测试,4.00,3\n丙市,4.50,4\n丁市,5.20,5\n"


@pytest.fixture(scope="module")
def database(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("cli_rankings")
    return build(tmp / "c.duckdb", tmp)


def _run(*args, lang="zh"):
    result = CliRunner().invoke(main, ["--lang", lang, *args], catch_exceptions=False)
    return result


def test_rank_as_table_csv_and_xlsx(database, tmp_path):
    table = _run("rank", "--db", str(database), "--start", "2025-01-01")
    assert table.exit_code == 0, table.output
    assert "区县综合指数排名（2025年1月" in table.output and "并列第2名" in table.output
    assert "数据不足（列末位）" in table.output and "无站点" in table.output and "↑3" in table.output
    csv = _run("rank", "--db", str(database), "--start", "2025-01-01", "--metric", "pm25", "--format", "csv")
    assert csv.output.splitlines()[0].startswith("名次,单元,PM2.5浓度（µg/m³）")
    out = tmp_path / "r.xlsx"
    written = _run("rank", "--db", str(database), "--start", "2025-01-01", "--format", "xlsx", "--out", str(out))
    assert written.exit_code == 0 and out.exists()
    sheet = openpyxl.load_workbook(out).active
    assert "GB 3095-2012" in sheet.cell(row=1, column=1).value
    english = _run("rank", "--db", str(database), "--start", "2025-01-01", lang="en")
    assert "County ranking by Composite index (1/2025" in english.output and "(tied)" in english.output


def test_a_period_not_of_its_kind_is_one_line(database):
    result = CliRunner().invoke(main, ["rank", "--db", str(database), "--period", "quarter", "--start", "2025-02-01",
                                       "--end", "2025-03-31"])
    assert result.exit_code != 0 and "starts on 2025-01-01" in result.output and "Traceback" not in result.output


def test_peers_load_list_and_place(database, tmp_path):
    (tmp_path / "peers.csv").write_text(PEERS, "utf-8")
    loaded = _run("peers", "load", str(tmp_path / "peers.csv"), "--table", "全省城市", "--start", "2025-01-01",
                  "--end", "2025-01-31", "--db", str(database))
    assert loaded.exit_code == 0 and "读入 5 个单元" in loaded.output
    listed = _run("peers", "list", "--db", str(database), "--format", "csv")
    assert "全省城市,2025-01-01,2025-01-31" in listed.output
    placed = _run("peers", "place", "--table", "全省城市", "--start", "2025-01-01", "--end", "2025-01-31",
                  "--unit", "测试市", "--place", "2", "--db", str(database))
    assert placed.exit_code == 0, placed.output
    assert "排第3名（共5个" in placed.output and "按表中名称「测试」" in placed.output
    assert "进入第2名需不劣于 3.6" in placed.output and "★ 测试市" in placed.output
    assessed = _run("peers", "targets", "--db", str(database), "--format", "csv")
    assert assessed.exit_code == 0 and assessed.output.startswith("target,plan,unit,peers")


def test_progress_and_bulletin(database, tmp_path):
    none = _run("progress", "--db", str(database), "--as-of", "2025-01-31")
    assert none.exit_code == 0 and "没有考核期包含该日的目标" in none.output  # no shipped target is of 测试市
    out = tmp_path / "b.xlsx"
    made = _run("bulletin", "--db", str(database), "--month", "2025-01", "--out", str(out))
    assert made.exit_code == 0, made.output
    cells = [c for row in openpyxl.load_workbook(out).active.iter_rows(values_only=True) for c in row if c]
    assert cells[0] == "2025年1月环境空气质量通报（按 GB 3095-2012 / HJ 633-2012 / HJ 663-2013 口径）"
    assert any(str(c).startswith("排名靠后（通报）：丙县、乙区、甲县") for c in cells)
    html = tmp_path / "b.html"
    assert _run("bulletin", "--db", str(database), "--month", "2025-01", "--format", "html", "--out",
                str(html)).exit_code == 0
    text = html.read_text("utf-8")
    assert "<h1>2025年1月环境空气质量通报" in text and "综合指数" in text and "@page" in text
