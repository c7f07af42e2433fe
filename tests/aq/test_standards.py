"""Standards as data: 2012 and 2026 load complete and as their official tables; an absent
version or a wrong rule is refused clearly."""

from __future__ import annotations

from datetime import date

import pytest

from geoaq import config
from geoaq.aq.standards import StandardError, available_versions, load_standard, load_standard_file


def test_2012_is_complete_and_matches_the_published_tables():
    std = load_standard("2012")
    assert std.iaqi == (0, 50, 100, 150, 200, 300, 400, 500)
    assert std.breakpoints["pm25_24h"] == (0, 35, 75, 115, 150, 250, 350, 500)
    assert std.breakpoints["so2_1h"][-1] == 800 and std.breakpoints["o3_8h"][-1] == 800
    assert std.breakpoints["co_1h"] == (0, 5, 10, 35, 60, 90, 120, 150)
    assert std.annual_limits == {"so2": 60, "no2": 40, "pm10": 70, "pm25": 35}
    assert std.annual_percentile_limits == {"co_p95": 4, "o3_8h_p90": 160}
    assert std.validity["daily_min_hours"] == 20 and std.validity["annual_min_days"] == 324
    assert std.composite_index == {"so2": 60, "no2": 40, "pm10": 70, "pm25": 35, "co": 4, "o3_8h": 160}
    assert [b.category for b in std.levels] == ["优", "良", "轻度污染", "中度污染", "重度污染", "严重污染"]
    assert std.level_for(50).category == "优" and std.level_for(51).category == "良"
    assert std.level_for(201).category == "重度污染" and std.level_for(500).category == "严重污染"


def test_2026_is_transcribed_from_the_official_numbers():
    """Every number of ../shared/standards/2026.md: HJ 633-2026 Table 3 (only PM10 and PM2.5
    change, at IAQI 100), its rules, and GB 3095-2026 Table 1 grade II by period."""
    std = load_standard("2026")
    old = load_standard("2012")
    assert available_versions() == ["2012", "2026"]
    assert std.iaqi == old.iaqi
    changed = {t for t in std.breakpoints if std.breakpoints[t] != old.breakpoints[t]}
    assert changed == {"pm10_24h", "pm25_24h"}
    assert std.breakpoints["pm10_24h"] == (0, 50, 120, 250, 350, 420, 500, 600)
    assert std.breakpoints["pm25_24h"] == (0, 35, 60, 115, 150, 250, 350, 500)
    assert (std.start, std.end, old.end) == (date(2026, 3, 1), None, date(2026, 2, 28))
    assert (std.rounding, std.decimals) == ("GB/T 8170", {"so2": 0, "no2": 0, "pm10": 0, "pm25": 0,
                                                          "o3": 0, "co": 1})
    assert (std.missing_rule, std.publish_above) == ("na_unless_above", 100)
    assert (std.overflow["so2_1h"].iaqi, std.overflow["o3_8h"].iaqi) == (200, 300)
    assert (old.overflow["so2_1h"].table, old.overflow["o3_8h"].table) == ("so2_24h", "o3_1h")
    assert "o3_1h_max" not in std.daily_indicators and "o3_1h_max" in old.daily_indicators
    assert std.realtime == old.realtime == {"so2": "so2_1h", "no2": "no2_1h", "pm10": "pm10_24h",
                                            "pm25": "pm25_24h", "co": "co_1h", "o3": "o3_1h"}
    assert [b.colour for b in std.levels] == [b.colour for b in old.levels]
    assert [(p.name, p.start, p.end) for p in std.limit_periods] == [
        ("transition", date(2026, 3, 1), date(2030, 12, 31)), ("final", date(2031, 1, 1), None)]
    transition, final = std.limit_periods
    assert transition.annual == {"so2": 60, "no2": 40, "pm10": 60, "pm25": 30}
    assert transition.daily == {"so2": 150, "no2": 80, "pm10": 120, "pm25": 60, "co": 4, "o3_8h": 160}
    assert transition.hourly == {"so2": 500, "no2": 200, "co": 10, "o3": 200}
    assert final.annual == {"so2": 20, "no2": 30, "pm10": 50, "pm25": 25}
    assert final.daily == {"so2": 50, "no2": 50, "pm10": 100, "pm25": 50, "co": 4, "o3_8h": 160}
    assert final.hourly == {"so2": 150, "no2": 200, "co": 10, "o3": 200}
    assert transition.annual_percentile == final.annual_percentile == {"co_p95": 4, "o3_8h_p90": 160}
    assert std.validity == old.validity
    assert std.evaluation_method == "HJ 663-2013"
    assert std.notes == ("hj663_2026_unavailable", "composite_index_undefined")
    assert std.composite_index == {}  # no divisors invented


def test_the_limits_of_a_day():
    std = load_standard("2026")
    assert std.on(date(2030, 12, 31)).annual_limits["pm25"] == 30
    assert std.on(date(2031, 1, 1)).annual_limits["pm25"] == 25
    assert std.on(date(2031, 1, 1)).limits_period == "final"
    assert std.on(date(2025, 6, 1)).limits_period == "transition"  # 按新标准回溯: its first limits
    assert std.on(date(2026, 6, 1)) is std
    assert load_standard("2012").on(date(2027, 1, 1)).annual_limits["pm25"] == 35


def test_an_unknown_version_is_refused_naming_what_exists():
    with pytest.raises(StandardError, match="'2035' is not available.*available: 2012, 2026"):
        load_standard("2035")


def _write(tmp_path, old: str, new: str):
    text = (config.shipped("standards") / "2026.toml").read_text("utf-8")
    assert old in text
    path = tmp_path / "2026.toml"
    path.write_text(text.replace(old, new, 1), "utf-8")
    return path


@pytest.mark.parametrize(("old", "new", "says"), [
    ("publish_above = 100\n", "", "aqi_rules.publish_above is required"),
    ("so2_1h = { iaqi = 200 }", "so2_1h = { iaqi = 200, table = \"so2_24h\" }",
     "aqi_rules.overflow.so2_1h must be"),
    ('concentration_rounding = "GB/T 8170"', 'concentration_rounding = "half up"',
     "aqi_rules.concentration_rounding must be one of"),
    ("from = 2031-01-01", "from = 2031-01-02", "limits.periods[1].from must be the day after"),
    ('missing = "na_unless_above"', 'missing = "skip"', "aqi_rules.missing must be one of"),
    ('notes = ["hj663_2026_unavailable"', 'notes = ["hj663_unknown"', "notes[0] must be one of"),
])
def test_a_wrong_rule_is_an_error_naming_the_key(tmp_path, old, new, says):
    with pytest.raises(StandardError) as caught:
        load_standard_file(_write(tmp_path, old, new))
    assert says in str(caught.value), str(caught.value)
