"""The level a forecast suggests, by the rules' criteria (the national criteria of 2024 as
shipped; a city's own plan in its own file)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from geoaq import config
from geoaq._errors import EmergencyInputError, MissingColumnsError
from geoaq.emergency.forecast import read_forecast, suggest_level
from geoaq.emergency.rules import load_emergency_rules
from geoaq.i18n import say


def _forecast(values, start="2025-01-01", gaps=()):
    days = [d for d in pd.date_range(start, periods=len(values) + len(gaps)) if f"{d:%Y-%m-%d}" not in gaps]
    return pd.DataFrame({"day": [f"{d:%Y-%m-%d}" for d in days], "aqi": values})


@pytest.mark.parametrize(("values", "level", "days"), [
    ([90, 140, 150], None, 0),           # 150 is not above 150
    ([120, 201, 140], "III", 1),         # > 200 for one day
    ([151, 160, 140], "III", 2),         # > 150 for two days
    ([210, 201, 140], "II", 2),          # > 200 for two days
    ([151, 160, 199], "II", 3),          # > 150 for three days
    ([210, 220, 230], "II", 3),          # > 200 for three days, none > 300: not red
    ([210, 220, 301], "I", 3),           # > 200 for three days and > 300 on one of them
    ([301, 220, 210, 100], "I", 3),
    ([210, 220, 230, 150, 310], "II", 3),  # the day above 300 is another episode
    ([160, 210, 220, 230, 320], "I", 4),   # the red episode: the four days above 200
])
def test_the_2024_criteria(rules, values, level, days):
    suggestion = suggest_level(_forecast(values), rules)
    assert suggestion.level == level and len(suggestion.days) == days
    assert suggestion.peak == max(values)


def test_a_gap_in_the_forecast_ends_an_episode(rules):
    # 01-01 and 01-03 above 200 with no forecast for 01-02: two episodes of one day each
    assert suggest_level(_forecast([210, 220], gaps=("2025-01-02",)), rules).level == "III"
    assert suggest_level(_forecast([210, 220]), rules).level == "II"


def test_unsorted_days_are_read_in_order(rules):
    frame = _forecast([160, 170, 180]).iloc[[2, 0, 1]]
    assert suggest_level(frame, rules).days[0].isoformat() == "2025-01-01"


def test_a_bad_forecast_is_one_error_naming_every_problem(rules):
    frame = pd.DataFrame({"day": ["2025-01-01", "2025-13-01", "2025-01-01"], "aqi": [100, "高", -5]})
    with pytest.raises(EmergencyInputError) as caught:
        suggest_level(frame, rules)
    message = str(caught.value)
    assert "'2025-13-01' is not a date" in message and "'高' is not a number" in message
    assert "-5 is not a number >= 0" in message and "given twice" in message


def test_the_suggestion_in_words(rules):
    suggestion = suggest_level(_forecast([186, 228, 236, 163]), rules)
    assert say(suggestion.message()) == ("建议发布橙色预警（Ⅱ级）：2025-01-02 至 2025-01-03 满足条件“AQI>200 持续 2 天”"
                                         "（预报最高 AQI 236）")
    assert say(suggest_level(_forecast([90]), rules).message(), "en") == (
        "1 forecast days, highest AQI 90: no warning criterion is met")


def test_a_citys_own_criteria_are_data(tmp_path):
    path = Path(shutil.copy(config.rules_file("emergency.toml"), tmp_path / "emergency.toml"))
    path.write_text(path.read_text("utf-8").replace('level = "III"\nwhen = [{ above = 200, days = 1 }]',
                                                    'level = "III"\nwhen = [{ above = 180, days = 1 }]'), "utf-8")
    own = load_emergency_rules(path)
    assert suggest_level(_forecast([190, 100]), own).level == "III"
    assert suggest_level(_forecast([190, 100]), load_emergency_rules()).level is None


def test_a_forecast_file_under_a_title(tmp_path):
    path = tmp_path / "forecast.csv"
    path.write_text("洛阳市空气质量预报\n预报日期,预报AQI,说明\n2025-01-05,228,\n2025-01-06,236,\n", "utf-8")
    frame = read_forecast(path)
    assert frame.to_dict("list") == {"day": ["2025-01-05", "2025-01-06"], "aqi": [228.0, 236.0]}
    (tmp_path / "bad.csv").write_text("日期,PM2.5\n2025-01-05,100\n", "utf-8")
    with pytest.raises(MissingColumnsError, match="AQI column"):
        read_forecast(tmp_path / "bad.csv")
