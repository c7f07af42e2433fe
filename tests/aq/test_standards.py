"""Standards as data: the 2012 tables load complete; an absent version is refused clearly."""

from __future__ import annotations

import pytest

from geoaq.aq.standards import StandardError, available_versions, load_standard


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


def test_2026_is_absent_until_transcribed_from_the_official_text():
    assert "2012" in available_versions()
    with pytest.raises(StandardError, match="'2026' is not available.*available: 2012"):
        load_standard("2026")
