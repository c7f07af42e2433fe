"""应急检查 as route targets: on a day a warning is in force, the enterprises it requires to stop,
C-grade first, with their own priority in routes.toml and the warning's hours as their window."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from emergency_cases import list_row, write_list

from geoaq import config
from geoaq._errors import RouteRulesError
from geoaq.emergency import alerts
from geoaq.emergency.reduction_list import load_list
from geoaq.i18n import say
from geoaq.routes.rules import load_route_rules
from geoaq.routes.targets import collect_targets, emergency_targets

STOP = {"III": "限产20%", "II": "停产", "I": "停产"}


@pytest.fixture
def warned(area_con, tmp_path):
    rows = [list_row("E2", "乙铸造", "B", 10, STOP), list_row("E3", "丙石灰", "C", 10, STOP, county="乙县"),
            list_row("E4", "丁耐火", "C", 10, {"III": "停产", "II": "限产50%", "I": "停产"}, county="乙县"),
            list_row("E1", "甲钢铁", "A", 10, {"III": "无需减排", "II": "无需减排", "I": "停产"}, industry="钢铁")]
    load_list(write_list(tmp_path / "list.csv", rows), con=area_con, list_year="2025", effective_from="2024-10-01")
    alerts.issue_warning(area_con, area="测试市", level="橙色", start="2025-01-30 20:00", end="2025-02-02 08:00",
                         issued_by="指挥部", recorded_by="张三")
    return area_con


def test_the_enterprises_to_stop_become_targets_c_grade_first(warned):
    rules = load_route_rules()
    found = emergency_targets(warned, date(2025, 2, 1), rules)
    assert found["target_id"].tolist() == ["ENT-E3", "ENT-E2"]  # E4 limits at II, E1 takes no measure
    assert found["kind"].tolist() == ["emergency_stop"] * 2
    assert found["priority"].tolist() == [98.0, 95.0]  # C-grade +3 (routes.toml emergency_full_bonus)
    assert found["service_min"].tolist() == [30.0, 30.0]
    assert found[["lon", "lat"]].values.tolist() == [[112.6, 34.1], [112.2, 34.2]]
    assert "橙色预警（Ⅱ级）" in say(found["reason"].iloc[0]) and "停产" in say(found["reason"].iloc[0])
    assert rules.label("emergency_stop") == "应急检查" and rules.label("emergency_stop", "en") == "Emergency check"


def test_on_the_first_and_last_day_only_the_warnings_hours(warned):
    first = emergency_targets(warned, date(2025, 1, 30))
    last = emergency_targets(warned, date(2025, 2, 2))
    middle = emergency_targets(warned, date(2025, 1, 31))
    assert set(first["tw_start"]) == {"20:00"} and set(first["tw_end"].fillna("-")) == {"-"}
    assert set(last["tw_end"]) == {"08:00"}
    assert middle["tw_start"].isna().all() and middle["tw_end"].isna().all()
    assert emergency_targets(warned, date(2025, 2, 3)).empty


def test_collected_with_the_days_other_targets_once_each(warned):
    targets = collect_targets(warned, date(2025, 2, 1))
    emergency = targets[targets["kind"] == "emergency_stop"]
    assert emergency["target_id"].tolist() == ["ENT-E3", "ENT-E2"]
    # E3 is also C-grade (a compliance target): kept once, as the 应急检查 it is today
    assert (targets["target_id"] == "ENT-E3").sum() == 1
    assert collect_targets(warned, date(2025, 2, 1), emergency=False).query("kind == 'emergency_stop'").empty


def test_which_measures_count_is_the_route_rules(warned, tmp_path):
    path = Path(shutil.copy(config.rules_file("routes.toml"), tmp_path / "routes.toml"))
    text = path.read_text("utf-8")
    path.write_text(text.replace('emergency_measures = ["stop"]', 'emergency_measures = ["stop", "limit"]'), "utf-8")
    found = emergency_targets(warned, date(2025, 2, 1), load_route_rules(path))
    assert found["target_id"].tolist() == ["ENT-E3", "ENT-E4", "ENT-E2"]
    path.write_text(text.replace('emergency_measures = ["stop"]', 'emergency_measures = ["halt"]'), "utf-8")
    with pytest.raises(RouteRulesError, match="findings.emergency_measures"):
        load_route_rules(path)


def test_overlapping_warnings_give_each_enterprise_once_at_the_highest_level(warned):
    # the city's 橙色 runs 2025-01-30 20:00 – 2025-02-02 08:00; 乙县 adds a 黄色 from the 1st 06:00
    # to the 3rd 18:00 and a 红色 on the 2nd 00:00 – 12:00
    alerts.issue_warning(warned, area="乙县", level="黄色", start="2025-02-01 06:00", end="2025-02-03 18:00",
                         issued_by="乙县指挥部", recorded_by="张三")
    red, _ = alerts.issue_warning(warned, area="乙县", level="红色", start="2025-02-02 00:00", end="2025-02-02 12:00",
                                  issued_by="乙县指挥部", recorded_by="张三")
    assert len(alerts.on_day(warned, date(2025, 2, 2))) == 3
    found = emergency_targets(warned, date(2025, 2, 2)).set_index("target_id")
    # E3 stops at Ⅱ and Ⅰ (not Ⅲ: 限产20%); E4 at Ⅲ and Ⅰ; E1 (A) only at Ⅰ; E2 (甲县) at Ⅱ
    assert sorted(found.index) == ["ENT-E2", "ENT-E3", "ENT-E4"]  # E1 is in 甲县: the 红色 is 乙县's
    assert found.index.is_unique
    assert "红色预警（Ⅰ级）" in say(found.at["ENT-E3", "reason"]) and red in say(found.at["ENT-E3", "reason"])
    # the window spans the warnings requiring it: E3 stops under 橙 (until 08:00) and 红 (until 12:00),
    # not under 黄 (限产20%); E4 stops under 黄 (past the day) and 红
    assert pd.isna(found.at["ENT-E3", "tw_start"]) and found.at["ENT-E3", "tw_end"] == "12:00"
    assert pd.isna(found.at["ENT-E4", "tw_start"]) and pd.isna(found.at["ENT-E4", "tw_end"])
    assert found.at["ENT-E2", "tw_end"] == "08:00"  # only the city's 橙色 requires it
    on_third = emergency_targets(warned, date(2025, 2, 3)).set_index("target_id")
    assert on_third.index.tolist() == ["ENT-E4"] and on_third.at["ENT-E4", "tw_end"] == "18:00"
