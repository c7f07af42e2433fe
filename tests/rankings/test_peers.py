"""Peer tables: loaded from a bureau's file (title row, units in the headers, a 合计 row, a cell
that is no number, names spelt differently), stored once per name and period, the own figures
placed among them with the gap to a place; rank targets from them."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest
from ranking_cases import build, composite

from geoaq._errors import UnknownPeerTableError
from geoaq.compliance.targets import COMPLIANT, INSUFFICIENT, NON_COMPLIANT, Target
from geoaq.db import connection as db
from geoaq.i18n import say
from geoaq.rankings.peers import (
    assess_rank_target,
    header_field,
    load_peer_table,
    match,
    name_stem,
    parse_period,
    peer_rows,
    place,
    stored_tables,
)
from geoaq.rankings.rules import load_ranking_rules

PEERS_CSV = """2025年1月全省城市环境空气质量排名,,,,,
排名,城市名称,综合指数,PM2.5浓度（µg/m³）,PM2.5同比变化（%）,优良天数比率（%）,时段
1,甲市,3.10,30,-5.0,90.0,2025年1月
2,乙市,3.60,40,-1.0,85.0,2025年1月
3,测试,4.00,50,2.0,80.0,2025年1月
4,丙市,4.50,60,1.5,abc,2025年1月
5,丁市,5.20,75,3.0,60.0,2025年1月
,合计,,,,,
"""


@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("peers")
    connection = db.connect(build(tmp / "p.duckdb", tmp))
    (tmp / "peers.csv").write_text(PEERS_CSV, "utf-8")
    report = load_peer_table(tmp / "peers.csv", "全省城市", con=connection)
    yield {"con": connection, "report": report, "tmp": tmp}
    connection.close()


def test_headers_periods_and_names():
    assert header_field("PM2.5浓度（µg/m³）") == "pm25" and header_field("PM2.5同比变化（%）") is None
    assert header_field("城市名称") == "name" and header_field("综合指数排名") == "rank"
    assert header_field("ＰＭ１０") == "pm10" and header_field("CO") == "co" and header_field("优良天数比率") == "good_day_ratio"
    assert parse_period("2025年1—3月") == (date(2025, 1, 1), date(2025, 3, 31))
    assert parse_period("2024-02") == (date(2024, 2, 1), date(2024, 2, 29))
    assert parse_period("2024年") == (date(2024, 1, 1), date(2024, 12, 31))
    rules = load_ranking_rules()
    assert name_stem("洛阳市", rules) == "洛阳" and name_stem("孟津区", rules) == "孟津"
    assert name_stem("嵩县", rules) == "嵩县"  # a stem of one character is kept whole
    assert match("洛阳", ["郑州市", "洛阳市"], rules) == (1, None)
    assert match("洛阳市", ["郑州", "洛 阳"], rules) == (1, None)
    index, note = match("新安", ["新安县", "新安区"], rules)
    assert index is None and "多个名称" in say(note)


def test_loading_reports_and_stores_once_per_period(loaded):
    con, report = loaded["con"], loaded["report"]
    assert report.period == (date(2025, 1, 1), date(2025, 1, 31)) and report.rows == 5 and report.skipped == 1
    assert set(report.figures) == {"composite_index", "pm25", "good_day_ratio"}
    (reject,) = report.rejects.itertuples()
    assert (reject.row_number, reject.column_name, reject.value) == (6, "good_day_ratio", "abc")  # the title is row 1
    rows = peer_rows(con, "全省城市", date(2025, 1, 1), date(2025, 1, 31))
    assert rows["name"].tolist() == ["甲市", "乙市", "测试", "丙市", "丁市"] and rows["published_rank"].tolist()[:2] == [1, 2]
    again = load_peer_table(loaded["tmp"] / "peers.csv", "全省城市", con=con)
    assert again.replaced and len(stored_tables(con)) == 1
    assert len(peer_rows(con, "全省城市", date(2025, 1, 1), date(2025, 1, 31))) == 5
    with pytest.raises(UnknownPeerTableError, match="loaded: 全省城市 2025-01-01"):
        peer_rows(con, "全国168个重点城市", date(2025, 1, 1), date(2025, 1, 31))


def test_the_own_figure_replaces_its_row_and_the_gap_to_a_place():
    peers = pd.DataFrame({"name": ["甲市", "乙市", "测试", "丙市", "丁市"], "composite_index": [3.1, 3.6, 4.0, 4.5, 5.2],
                          "published_rank": [1, 2, 3, 4, 5]})
    placed = place(peers, "composite_index", "测试市", 4.6)
    assert placed.matched == "测试" and placed.table_value == 4.0 and placed.table_rank == 3
    assert (placed.rank, placed.size) == (4, 5) and any("按表中名称「测试」" in say(n) for n in placed.notes)
    # out of the bottom two (rank ≤ 3): as good as 丙市's 4.5 — equal shares the place
    assert placed.needed_for(3) == 4.5 and placed.gap_for(3) == pytest.approx(0.1)
    assert placed.gap_for(4) == 0 and placed.needed_for(1) == 3.1
    tied = place(peers, "composite_index", "测试", 4.5)
    assert tied.rank == 3 and bool(tied.table.loc[tied.table["own"], "tied"].iloc[0])
    absent = place(peers, "composite_index", "戊市", 2.0)
    assert absent.rank == 1 and absent.size == 6 and "表中没有" in say(absent.notes[0])


def test_rank_targets_from_the_loaded_table(loaded):
    con = loaded["con"]
    base = dict(plan="p", source="test", scope_level="city", scope_name="测试市", start=date(2025, 1, 1),
                end=date(2025, 1, 31), metric="composite_index", kind="rank", peers="全省城市", standard="2012")
    # 测试市 (its four stations: 2.3 + mean PM2.5 / 35) among the others: above 乙市's 3.60, below 丙市's 4.50
    top = assess_rank_target(con, Target(id="top", value=2, position="top", **base))
    own = top.placement.own_value
    assert 3.6 < own < 4.5 and top.placement.rank == 3
    assert top.status == NON_COMPLIANT and top.needed == 3.6 and top.gap == pytest.approx(own - 3.6)
    bottom = assess_rank_target(con, Target(id="bottom", value=2, position="not_bottom", **base))
    assert bottom.status == COMPLIANT and "倒数第3" in say(bottom.reason)
    better = assess_rank_target(con, Target(id="better", position="better", **base))
    assert better.status == INSUFFICIENT and better.baseline is None  # no table of December 2024
    assert composite(35) < own


def test_the_rank_targets_of_the_stored_units(loaded):
    from geoaq.rankings.peers import assess_rank_targets

    base = dict(plan="p", source="test", start=date(2025, 1, 1), end=date(2025, 1, 31), metric="composite_index",
                kind="rank", peers="全省城市", standard="2012")
    targets = [Target(id="ours", scope_level="city", scope_name="测试市", value=3, position="top", **base),
               Target(id="theirs", scope_level="city", scope_name="别的市", value=3, position="top", **base)]
    table = assess_rank_targets(loaded["con"], targets)
    assert table["target"].tolist() == ["ours"]  # another city's target is not assessed here
    row = table.iloc[0]
    assert (row["status"], row["rank"], row["size"], row["gap"]) == (COMPLIANT, 3, 5, 0.0)


def test_who_may_load_a_peer_table(loaded, tmp_path):
    from geoaq._errors import AccessDeniedError
    from geoaq.accounts.roles import Actor

    con = loaded["con"]
    (tmp_path / "p.csv").write_text("城市,综合指数\n甲市,3.1\n", "utf-8")
    with pytest.raises(AccessDeniedError, match="may not load a peer table"):
        load_peer_table(tmp_path / "p.csv", "别表", con=con, start=date(2024, 1, 1), end=date(2024, 12, 31),
                        actor=Actor(account_id=3, name="viewer1", role="viewer"))
    assert "别表" not in set(stored_tables(con)["table_name"])
    load_peer_table(tmp_path / "p.csv", "别表", con=con, start=date(2024, 1, 1), end=date(2024, 12, 31),
                    actor=Actor(account_id=2, name="city1", role="city", display_name="张三"))
    stored = stored_tables(con).set_index("table_name")
    assert stored.loc["别表", "loaded_by"] == "city1 (张三)"


def test_an_excel_peer_table_with_a_merged_title(tmp_path):
    import openpyxl

    from geoaq.rankings.peers import read_peer_file

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["2025年第一季度全省县（市、区）排名"])
    sheet.merge_cells("A1:D1")
    sheet.append(["序号", "县（市、区）", "综合指数", "综合指数排名"])
    for number, (name, value) in enumerate((("孟津区", 4.1), ("新安县", 4.3), ("嵩县", 3.2)), start=1):
        sheet.append([number, name, value, number])
    book.save(tmp_path / "q1.xlsx")
    rows, rejects, period, skipped = read_peer_file(tmp_path / "q1.xlsx", start=date(2025, 1, 1), end=date(2025, 3, 31))
    assert rows["name"].tolist() == ["孟津区", "新安县", "嵩县"] and rows["composite_index"].tolist() == [4.1, 4.3, 3.2]
    assert rows["source_row"].tolist() == [3, 4, 5] and rejects.empty and skipped == 0
    # 孟津县 (as the province still writes it) is our 孟津区
    assert match("孟津县", rows["name"].tolist(), load_ranking_rules())[0] == 0
