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
