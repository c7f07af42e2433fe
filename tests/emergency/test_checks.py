"""Checks of the list on constructed lists where every share is known by hand: exempt and reduced
rows accounted, a list that falls short, the whole society's totals, and each consistency rule."""

from __future__ import annotations

import pytest
from emergency_cases import SHARE_ROWS, list_row, write_list

from geoaq.emergency.checks import check_list
from geoaq.emergency.reduction_list import load_list
from geoaq.i18n import say

ALL_STOP = {"III": "停产", "II": "停产", "I": "停产"}


def _checked(con, tmp_path, rows, **options):
    load_list(write_list(tmp_path / "list.csv", rows), con=con, list_year="2025", effective_from="2024-10-01")
    return check_list(con, **options)


def _share(result, level: str, pollutant: str = "so2"):
    return result.shares.set_index(["level", "pollutant"]).loc[(level, pollutant)]


def test_shares_with_exempt_and_reduced_rows_accounted(area_con, tmp_path):
    result = _checked(area_con, tmp_path, SHARE_ROWS)
    for pollutant in ("so2", "nox", "pm", "vocs"):
        iii, ii, i = (_share(result, level, pollutant) for level in ("III", "II", "I"))
        assert (iii.total_t, iii.required_t, iii.cut_t, iii.cut_pct) == pytest.approx((400.0, 40.0, 60.0, 15.0))
        assert (ii.required_t, ii.cut_t, ii.cut_pct) == pytest.approx((80.0, 220.0, 55.0))
        assert (i.required_t, i.cut_t, i.cut_pct) == pytest.approx((120.0, 250.0, 62.5))
        assert iii.meets and ii.meets and i.meets and iii.basis == "list"
    iii, i = _share(result, "III"), _share(result, "I")
    # the A-grade row emits but cuts nothing at III; B cuts its 10 %; the two C rows 30 + 20
    assert (iii.emission_exempt_t, iii.cut_exempt_t, iii.cut_reduced_t, iii.cut_full_t) == (100.0, 0.0, 10.0, 50.0)
    assert (iii.rows_exempt, iii.rows_reduced, iii.rows_full, iii.rows_ungraded) == (1, 1, 2, 0)
    assert (i.cut_exempt_t, i.cut_reduced_t, i.cut_full_t) == (10.0, 40.0, 200.0)
    assert all(result.meets(level) for level in ("III", "II", "I"))


def test_a_list_that_falls_short(area_con, tmp_path):
    # only the A and B rows: III cuts 10 of 200 (5 %), II 20 (10 %), I 50 (25 %)
    result = _checked(area_con, tmp_path, SHARE_ROWS[:2])
    iii, ii, i = (_share(result, level) for level in ("III", "II", "I"))
    assert (iii.cut_pct, iii.shortfall_t, iii.meets) == (5.0, 10.0, False)  # 10 of the 20 required
    assert (ii.cut_pct, ii.shortfall_t, ii.meets) == (10.0, 20.0, False)
    assert (i.cut_pct, i.shortfall_t, i.meets) == (25.0, 10.0, False)
    assert not result.meets("III")


def test_the_whole_societys_totals_make_the_same_list_fall_short(area_con, tmp_path):
    result = _checked(area_con, tmp_path, SHARE_ROWS, totals={"so2": 1000.0})
    so2, nox = _share(result, "III", "so2"), _share(result, "III", "nox")
    assert (so2.basis, so2.total_t, so2.required_t, so2.cut_pct, so2.shortfall_t, so2.meets) == (
        "given", 1000.0, 100.0, 6.0, 40.0, False)
    assert (nox.basis, nox.total_t, nox.meets) == ("list", 400.0, True)
    assert _share(result, "II", "so2").meets  # 220 of 1000 is 22 % ≥ 20 %
    assert not _share(result, "I", "so2").meets  # 250 of 1000 is 25 % < 30 %


def test_a_total_below_the_lists_own_emissions_is_a_problem(area_con, tmp_path):
    result = _checked(area_con, tmp_path, SHARE_ROWS, totals={"pm": 300.0})
    found = result.problems[result.problems["rule"] == "total_below_list"]
    assert len(found) == 1 and "300.000" in say(found["message"].iloc[0]) and "400.000" in say(found["message"].iloc[0])


def _rules_found(result) -> dict[str, set[str]]:
    return {rule: set(group["enterprise_key"].astype(str)) for rule, group in result.problems.groupby("rule")}


def test_a_steel_plant_graded_exempt_or_reduced_without_ultra_low_emission(area_con, tmp_path):
    rows = [list_row("E1", "甲钢铁", "B", 100, ALL_STOP, industry="钢铁", ule="改造中", line="烧结"),
            list_row("E1", "甲钢铁", "B", 100, ALL_STOP, industry="钢铁", ule="已完成", line="炼铁"),
            list_row("S2", "乙钢铁", "C", 100, ALL_STOP, industry="钢铁", ule="未改造"),       # C: not exempt
            list_row("S3", "丙钢铁", "A", 100, ALL_STOP, industry="钢铁"),                   # no state: layer has none
            list_row("S4", "丁钢铁", "B", 100, ALL_STOP, industry="钢铁", falsified="是")]    # lowered to C
    result = _checked(area_con, tmp_path, rows)
    found = result.problems[result.problems["rule"] == "ule_not_done"]
    assert found["row_key"].tolist() == ["E1|烧结", "S3|"]
    assert "改造中" in say(found["message"].iloc[0]) and set(found["severity"]) == {"error"}


def test_the_layers_state_counts_when_the_list_gives_none(area_con, tmp_path):
    # E1 of the layer: 钢铁, 已完成 → its A grade is fine without the list saying so
    result = _checked(area_con, tmp_path, [list_row("E1", "甲钢铁", "A", 100, ALL_STOP, industry="钢铁")])
    assert "ule_not_done" not in set(result.problems["rule"])


def test_a_c_grade_enterprise_with_no_measure_required(area_con, tmp_path):
    rows = [list_row("E3", "丙石灰", "C", 100, {"III": "无需减排", "II": "无需减排", "I": "停产"}),
            list_row("E2", "乙铸造", "B", 100, {"III": "无需减排", "II": "限产20%", "I": "停产"}, falsified="是"),
            list_row("E1", "甲钢铁", "A", 100, {"III": "无需减排", "II": "无需减排", "I": "无需减排"}, industry="钢铁")]
    result = _checked(area_con, tmp_path, rows)
    found = result.problems[result.problems["rule"] == "c_without_cut"].set_index("enterprise_key")
    assert list(found.index) == ["E3", "E2"]  # the falsifier lowered to C, the A-grade one exempt
    assert found.at["E3", "levels"] == ("III", "II")
    assert "黄色预警（Ⅲ级）、橙色预警（Ⅱ级）" in say(found.at["E3", "message"])
    assert "falsified_lowered" in set(result.problems["rule"])


def test_an_enterprise_of_a_listed_industry_missing_from_the_list(area_con, tmp_path):
    result = _checked(area_con, tmp_path, SHARE_ROWS)
    missing = result.problems[result.problems["rule"] == "missing_from_list"]
    # E5 (砖瓦, running) is missing; E6 is closed and E7's industry (其他) is not listed
    assert missing["enterprise_key"].tolist() == ["E5"] and "砖瓦" in say(missing["message"].iloc[0])


def test_a_measure_without_a_cut(area_con, tmp_path):
    rows = [list_row("E2", "乙铸造", "B", 100, {"III": "停用制芯机", "II": "错峰生产", "I": "停产"}),
            list_row("E3", "丙石灰", "C", 100, {"III": "停用1#窑", "II": "停产", "I": "停产"},
                     cuts={"III": (5, "", "", "")}),
            list_row("E4", "丁耐火", "C", 100, {"III": "加强管理", "II": "停产", "I": "停产"})]
    result = _checked(area_con, tmp_path, rows)
    found = result.problems[result.problems["rule"] == "measure_without_cut"].set_index("enterprise_key")
    assert list(found.index) == ["E2", "E4"] and found.at["E2", "levels"] == ("III", "II")
    assert "停用制芯机" in say(found.at["E2", "message"]) and "错峰生产" in say(found.at["E2", "message"])
    assert _share(result, "III").cut_t == 5.0  # E3's figure; E2 and E4 cut nothing until they give one


def test_a_level_without_a_measure(area_con, tmp_path):
    result = _checked(area_con, tmp_path, [list_row("E2", "乙铸造", "B", 100, {"III": "限产20%", "I": "停产"})])
    found = result.problems[result.problems["rule"] == "missing_measure"]
    assert found["levels"].tolist() == [("II",)]
    assert "weaker_at_higher_level" in set(result.problems["rule"])  # II cuts 0 after III's 20


def test_a_higher_level_cutting_less_and_a_cut_above_the_emission(area_con, tmp_path):
    rows = [list_row("E3", "丙石灰", "C", 100, {"III": "停产", "II": "限产50%", "I": "停产"}),
            list_row("E4", "丁耐火", "C", 100, ALL_STOP, cuts={"I": (150, "", "", "")})]
    result = _checked(area_con, tmp_path, rows)
    weaker = result.problems[result.problems["rule"] == "weaker_at_higher_level"]
    assert weaker["enterprise_key"].tolist() == ["E3"] and "50.000" in say(weaker["message"].iloc[0])
    above = result.problems[result.problems["rule"] == "cut_above_emission"]
    assert above["enterprise_key"].tolist() == ["E4"] and "150.000" in say(above["message"].iloc[0])


def test_rows_without_an_enterprise_and_grades_that_differ_are_noted_once(area_con, tmp_path):
    rows = [list_row("X1", "新建企业", "C", 10, ALL_STOP, line="一线"), list_row("X1", "新建企业", "C", 10, ALL_STOP,
                                                                             line="二线"),
            list_row("E3", "丙石灰", "B", 100, {"III": "限产20%", "II": "限产30%", "I": "停产"})]
    result = _checked(area_con, tmp_path, rows)
    found = _rules_found(result)
    assert found["unmatched"] == {"X1"} and (result.problems["rule"] == "unmatched").sum() == 1
    assert found["grade_differs"] == {"E3"}  # B in the list, C in the layer
    assert set(result.problems.loc[result.problems["rule"].isin(["unmatched", "grade_differs"]), "severity"]) == {"note"}


def test_a_clean_list_has_only_what_the_layer_says_is_missing(area_con, tmp_path):
    result = _checked(area_con, tmp_path, [*SHARE_ROWS, list_row("E5", "戊砖瓦", "C", 10, ALL_STOP, county="乙县",
                                                                 industry="砖瓦")])
    assert result.problems.empty and result.errors == 0 and result.rows == 5


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_problem_words_in_both_languages(area_con, tmp_path, lang):
    rows = [list_row("S1", "钢", "B", 100, ALL_STOP, industry="钢铁", ule="改造中"),
            list_row("E3", "丙石灰", "C", 100, {"III": "无需减排", "II": "停用", "I": "限产10%"}),
            list_row("X1", "新", "C", 1, {"III": "停产", "I": "停产"}, falsified="是"),
            list_row("E4", "丁耐火", "B", 100, ALL_STOP, cuts={"I": (999, "", "", "")})]
    result = _checked(area_con, tmp_path, rows, totals={"so2": 1.0})
    assert set(result.problems["rule"]) == {"ule_not_done", "c_without_cut", "measure_without_cut", "missing_measure",
                                            "weaker_at_higher_level", "cut_above_emission", "total_below_list",
                                            "unmatched", "grade_differs", "falsified_lowered", "missing_from_list"}
    for message in result.problems["message"]:
        worded = say(message, lang)
        assert worded and "emergency." not in worded and "{" not in worded
