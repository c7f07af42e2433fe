"""Headers recognised by what they say; the header found under a title and across two rows."""

from __future__ import annotations

import pytest

from geoaq.emergency.columns import Field, find_header, header_unit, is_summary_row, list_field
from geoaq.emergency.reduction_list import PLAIN
from geoaq.ingest.spreadsheet import Grid


@pytest.mark.parametrize(("header", "field"), [
    ("统一社会信用代码", Field("enterprise_key")), ("企业编号", Field("enterprise_key")),
    ("企业（单位）名称", Field("enterprise_name")), ("县（市、区）", Field("county")),
    ("生产线/工序", Field("line")), ("绩效级别", Field("grade")), ("是否弄虚作假", Field("falsified")),
    ("SO2年排放量（t/a）", Field("emission", None, "so2", 1.0)), ("二氧化硫排放量", Field("emission", None, "so2")),
    ("氮氧化物排放量(吨/年)", Field("emission", None, "nox", 1.0)), ("VOCs", Field("emission", None, "vocs")),
    ("颗粒物排放量（kg/a）", Field("emission", None, "pm", 0.001)),
    ("黄色预警措施", Field("measure", "III")), ("Ⅱ级应急减排措施", Field("measure", "II")), ("红色预警", Field("measure", "I")),
    ("橙色预警SO2减排量（t/a）", Field("cut", "II", "so2", 1.0)), ("Ⅲ级 VOCs 削减量", Field("cut", "III", "vocs")),
    ("红色预警颗粒物减排量", Field("cut", "I", "pm")),
    ("PM2.5排放量", None),  # not a total of 颗粒物
    ("黄色预警减排量", None),  # a cut of which pollutant?
    ("备注", None),
])
def test_a_header_names_its_field(rules, header, field):
    assert list_field(header, rules, PLAIN) == field


def test_an_amount_in_another_unit_is_named(rules):
    assert header_unit("SO2排放量（吨/天）") == (None, "吨/天")
    assert list_field("SO2排放量（t/d）", rules, PLAIN).unit_problem == "t/d"
    assert header_unit("减排比例（%）") == (None, None)


def test_the_header_is_found_under_a_title_and_across_two_rows(rules):
    grid = Grid(rows=[["测试市2025年应急减排清单", None, None, None, None, None],
                      ["企业名称", "SO2排放量", "黄色预警", None, "橙色预警", None],
                      [None, None, "措施", "SO2", "措施", "SO2"],
                      ["甲", "10", "限产20%", None, "停产", None]],
                row_numbers=[1, 2, 3, 4], sheet=None, file_format="csv")
    header = find_header(grid, lambda h: list_field(h, rules, PLAIN))
    assert (header.first, header.rows, header.data_start) == (1, 2, 3)
    assert header.names == ["企业名称", "SO2排放量", "黄色预警措施", "黄色预警SO2", "橙色预警措施", "橙色预警SO2"]
    assert [f.key for f in header.fields.values()] == [
        ("enterprise_name", None, None), ("emission", None, "so2"), ("measure", "III", None), ("cut", "III", "so2"),
        ("measure", "II", None), ("cut", "II", "so2")]


def test_a_merged_parent_repeated_over_its_columns_reads_the_same(rules):
    grid = Grid(rows=[["企业名称", "黄色预警", "黄色预警"], ["企业名称", "措施", "SO2减排量"]],
                row_numbers=[1, 2], sheet="清单", file_format="xlsx")
    header = find_header(grid, lambda h: list_field(h, rules, PLAIN))
    assert header.names == ["企业名称", "黄色预警措施", "黄色预警SO2减排量"]


def test_total_rows_are_recognised():
    assert is_summary_row(["合计", None, "120"]) and is_summary_row([None, "总 计"])
    assert not is_summary_row(["1", "甲公司", "合计"[:1]])


@pytest.mark.parametrize(("header", "expected"), [
    ("SO2年排放量（t/a）", (1.0, None)), ("SO2排放量(t)", (1.0, None)), ("SO2排放量吨", (1.0, None)),
    ("SO2排放量t/a", (1.0, None)), ("颗粒物排放量（kg/a）", (0.001, None)), ("SO2排放量 kg", (0.001, None)),
    ("SO2排放量kg/a", (0.001, None)), ("SO2排放量(千克)", (0.001, None)), ("SO2排放量(g/a)", (1e-6, None)),
    ("SO2排放量（万吨/年）", (1e4, None)), ("年排放量（吨/年）SO2", (1.0, None)),
    ("SO2排放量（吨/天）", (None, "吨/天")), ("SO2排放量kg/d", (None, "kg/d")), ("SO2排放量(tons)", (None, "tons")),
    ("SO2排放量(m3/h)", (None, "m3/h")), ("SO2排放量(mg/m3)", (None, "mg/m3")), ("VOCs排放量(Mg/a)", (None, "mg/a")),
    ("SO2排放量(有组织)", (None, None)), ("SO2排放量(2024)", (None, None)), ("SO2排放量(有组织/无组织)", (None, None)),
    ("二氧化硫排放量", (None, None)), ("减排比例（%）", (None, None)),
])
def test_units_of_mass_per_year_convert_and_others_are_named(header, expected):
    assert header_unit(header) == expected


def test_a_unit_without_a_bracket_still_names_the_emission(rules):
    assert list_field("SO2排放量kg/a", rules, PLAIN) == Field("emission", None, "so2", 0.001)
    assert list_field("橙色预警NOx减排量 kg", rules, PLAIN) == Field("cut", "II", "nox", 0.001)
    assert list_field("VOCs排放量t/d", rules, PLAIN).unit_problem == "t/d"
