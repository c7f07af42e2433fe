"""Plan targets: the file loads with the seeds' numbers; absolute and relative assessments."""

from __future__ import annotations

from datetime import date

import pytest

from geoaq.compliance.targets import (
    COMPLIANT,
    INSUFFICIENT,
    NON_COMPLIANT,
    Target,
    TargetsError,
    assess,
    load_targets,
    targets_for,
)
from geoaq.i18n import say


def _t(**overrides) -> Target:
    base = dict(id="t", plan="p", source="s", scope_level="city", scope_name="洛阳",
                start=date(2024, 10, 1), end=date(2025, 3, 31), metric="pm25_mean",
                kind="absolute", op="<=", value=67.0)
    base.update(overrides)
    return Target(**base)


def test_seed_targets_are_in_the_file():
    targets = {t.id: t for t in load_targets()}
    assert targets["sjz-2019-pm25"].value == 67 and targets["sjz-2019-composite"].value == 6.85
    assert targets["sjz-2019-good-days"].op == ">=" and targets["sjz-2019-good-days"].value == 44.7
    assert targets["zmd-2025-pm25"].op == "<" and targets["zmd-2025-pm25"].value == 36
    assert targets["zmd-2025-good-days"].value == 82.5 and targets["zmd-2025-heavy"].value == 0.3
    luoyang = targets["ly-2019aw-pm25"]
    assert (luoyang.kind, luoyang.unit, luoyang.value) == ("relative", "percent", -3.0)
    assert targets["ly-2019aw-heavy"].value == -1 and targets["ly-2019aw-heavy"].unit == "days"
    assert "ly-demo-2024aw-pm25" not in {t.id for t in load_targets(include_demo=False)}


def test_absolute_targets_including_the_strict_operator():
    assert assess(_t(), 66.9)[0] == COMPLIANT
    assert assess(_t(), 67.0)[0] == COMPLIANT
    status, reason = assess(_t(), 67.1)
    reason = say(reason)
    assert status == NON_COMPLIANT and "67.1" in reason and "≤" not in reason and "<= 67" in reason
    assert assess(_t(op="<", value=36), 36.0)[0] == NON_COMPLIANT
    assert assess(_t(metric="good_day_ratio", op=">=", value=82.5), 82.5)[0] == COMPLIANT
    assert assess(_t(), None)[0] == INSUFFICIENT and assess(_t(), float("nan"))[0] == INSUFFICIENT


def test_relative_targets_percent_and_days():
    pm25 = _t(kind="relative", unit="percent", value=-3.0)
    assert assess(pm25, 97.0, 100.0)[0] == COMPLIANT      # −3.0 % exactly
    assert assess(pm25, 97.1, 100.0)[0] == NON_COMPLIANT  # −2.9 %
    status, reason = assess(pm25, 90.0, 100.0)
    reason = say(reason)
    assert status == COMPLIANT and "-10.0%" in reason
    heavy = _t(metric="heavy_days", kind="relative", unit="days", value=-1)
    assert assess(heavy, 9, 10)[0] == COMPLIANT and assess(heavy, 10, 10)[0] == NON_COMPLIANT
    assert assess(heavy, 10, None)[0] == INSUFFICIENT
    assert assess(pm25, 10, 0)[0] == INSUFFICIENT


def test_previous_period_and_scope_selection():
    target = _t(start=date(2024, 2, 29), end=date(2024, 3, 31))
    assert target.previous_period() == (date(2023, 2, 28), date(2023, 3, 31))
    targets = load_targets()
    found = targets_for(targets, "city", "洛阳", date(2024, 10, 1), date(2025, 3, 31))
    assert {t.id for t in found} == {"ly-demo-2024aw-pm25", "ly-demo-2024aw-heavy"}
    assert targets_for(targets, "city", "洛阳", date(2021, 1, 1), date(2021, 12, 31)) == []


def test_bad_file_names_target_and_key(tmp_path):
    bad = tmp_path / "targets.toml"
    bad.write_text('[[target]]\nid = "x"\nplan = "p"\nscope = { level = "city", name = "a" }\n'
                   'start = "2025-01-01"\nend = "2025-12-31"\nmetric = "pm2.5"\nkind = "absolute"\n'
                   'op = "=<"\nvalue = 1\n', "utf-8")
    with pytest.raises(TargetsError, match=r"target #1 \(x\).*metric 'pm2.5'.*op must be"):
        load_targets(bad)


# --- the kinds of issue #18: improving (持续改善), attainment (达标), rank ------------------------

def test_every_target_row_of_the_seeds_is_in_the_file():
    targets = {t.id: t for t in load_targets(include_demo=False)}
    # seed 000: the relative 7 % and 9 % declines beside the absolute values
    assert (targets["sjz-2019-pm25-decline"].kind, targets["sjz-2019-pm25-decline"].value) == ("relative", -7.0)
    assert targets["sjz-2019-composite-decline"].value == -9.0
    # seed 004 附件1: PM2.5 and heavy days for all fourteen areas, 持续改善 as its own kind
    autumn = [t for t in targets.values() if t.source == "seed 004"]
    assert len(autumn) == 28 and len({t.scope_name for t in autumn}) == 14
    assert {t.metric for t in autumn} == {"pm25_mean", "heavy_days"}
    assert targets["ll-2019aw-pm25"].kind == "improving" and targets["jz-2019aw-heavy"].kind == "improving"
    assert targets["xy-2019aw-pm25"].value == -4.0 and targets["xy-2019aw-heavy"].value == -2
    # seed 003: NO2 二级, SO2 一级, the rank among 119 counties moving forward
    assert (targets["tl-2021-no2-grade2"].kind, targets["tl-2021-no2-grade2"].grade) == ("attainment", 2)
    assert targets["tl-2021-so2-grade1"].grade == 1
    assert (targets["tl-2021-rank119"].position, targets["tl-2021-rank119"].peers) == ("better", "山西省119个县（区）")
    # seed 001: per-county attainment, the 168-city rank; seed 002: leaving the bottom three
    assert {t.scope_name for t in targets.values() if t.kind == "attainment" and t.source == "seed 001"} == {
        "泌阳县", "平舆县", "西平县", "汝南县", "新蔡县", "确山县"}
    assert targets["zmd-2024-rank168"].value == 105 and targets["zmd-2024-rank168"].position == "top"
    assert targets["xt-2024q1-composite"].position == "not_bottom" and targets["xt-2024q1-composite"].value == 3
    assert all(t.plan and t.source for t in targets.values())


def test_improving_targets_need_any_improvement_and_hold_at_zero():
    heavy = _t(metric="heavy_days", kind="improving", op="", value=float("nan"))
    assert assess(heavy, 4, 5)[0] == COMPLIANT and assess(heavy, 5, 5)[0] == NON_COMPLIANT
    status, reason = assess(heavy, 0, 0)
    assert status == COMPLIANT and "保持" in say(reason)
    good = _t(metric="good_day_ratio", kind="improving", op="", value=float("nan"))
    assert assess(good, 70.1, 70.0)[0] == COMPLIANT and assess(good, 69.9, 70.0)[0] == NON_COMPLIANT
    assert assess(good, 70.0, None)[0] == INSUFFICIENT


def test_attainment_by_grade_and_of_all_six():
    from geoaq.aq.standards import load_standard
    from geoaq.compliance.targets import assess_row, grade_limit

    std = load_standard("2012")
    assert grade_limit(std, "so2_mean", 1) == 20 and grade_limit(std, "so2_mean", 2) == 60
    assert grade_limit(std, "o3_8h_p90", 1) == 100 and grade_limit(std, "pm25_mean", 2) == 35
    so2 = _t(metric="so2_mean", kind="attainment", op="", grade=1, value=float("nan"))
    assert assess_row(so2, {"so2_mean": 20.0}, None, std)[0] == COMPLIANT
    status, reason = assess_row(so2, {"so2_mean": 21.0}, None, std)
    assert status == NON_COMPLIANT and "一级限值 20" in say(reason)
    six = _t(metric="all_pollutants", kind="attainment", op="", value=float("nan"))
    row = {"so2_mean": 10.0, "no2_mean": 30.0, "pm10_mean": 70.0, "pm25_mean": 35.0, "co_p95": 1.2,
           "o3_8h_p90": 160.0}
    assert assess_row(six, row, None, std)[0] == COMPLIANT
    status, reason = assess_row(six, row | {"pm25_mean": 36.0, "co_p95": float("nan")}, None, std)
    assert status == NON_COMPLIANT and "PM2.5平均浓度 36" in say(reason)  # one over decides even with a gap
    assert assess_row(six, row | {"co_p95": float("nan")}, None, std)[0] == INSUFFICIENT


def test_rank_targets_top_bottom_and_moves():
    from geoaq.compliance.targets import assess_rank

    top = _t(kind="rank", op="", value=105, peers="全国168个重点城市", position="top", metric="composite_index")
    assert assess_rank(top, 105, 168)[0] == COMPLIANT and assess_rank(top, 106, 168)[0] == NON_COMPLIANT
    bottom = _t(kind="rank", op="", value=3, peers="湖南省市州", position="not_bottom", metric="composite_index")
    assert assess_rank(bottom, 11, 14)[0] == COMPLIANT and assess_rank(bottom, 12, 14)[0] == NON_COMPLIANT
    assert "倒数第3" in say(assess_rank(bottom, 12, 14)[1])
    forward = _t(kind="rank", op="", peers="山西省119个县（区）", position="better", metric="composite_index",
                 start=date(2021, 1, 1), end=date(2021, 12, 31))
    assert forward.baseline_period() == (date(2020, 1, 1), date(2020, 12, 31))
    assert assess_rank(forward, 40, 119, 41)[0] == COMPLIANT and assess_rank(forward, 41, 119, 41)[0] == NON_COMPLIANT
    assert assess_rank(forward, 40, 119)[0] == INSUFFICIENT
    by5 = _t(kind="rank", op="", value=5, peers="x", position="improve_by", metric="composite_index")
    assert assess_rank(by5, 10, 100, 15)[0] == COMPLIANT and assess_rank(by5, 11, 100, 15)[0] == NON_COMPLIANT
    quarter = _t(kind="rank", op="", value=3, peers="x", position="better", start=date(2024, 4, 1),
                 end=date(2024, 6, 30))
    assert quarter.period_before() == (date(2024, 1, 1), date(2024, 3, 31))


def test_each_kind_is_checked_for_its_keys(tmp_path):
    bad = tmp_path / "targets.toml"
    head = '[[target]]\nid = "{id}"\nplan = "p"\nscope = {{ level = "city", name = "a" }}\n' \
           'start = "2025-01-01"\nend = "2025-12-31"\n'
    bad.write_text(head.format(id="r") + 'metric = "composite_index"\nkind = "rank"\nposition = "top"\n'
                   + head.format(id="i") + 'metric = "pm25_mean"\nkind = "improving"\nvalue = 3\n', "utf-8")
    with pytest.raises(TargetsError, match=r"(?s)target #1 \(r\).*needs peers.*whole number.*"
                                           r"target #2 \(i\).*has no value"):
        load_targets(bad)
