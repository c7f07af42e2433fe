"""时序进度 on the constructed city: the allowance of the rest of a season, whether it is still
possible, the days at risk a year earlier; the pure allowances of means, good days and heavy days."""

from __future__ import annotations

from datetime import date

import pytest

from geoaq.compliance.targets import Target
from geoaq.i18n import say
from geoaq.rankings.progress import (
    AT_RISK,
    IMPOSSIBLE,
    INSUFFICIENT,
    ON_TRACK,
    Limit,
    allowance,
    progress,
    target_limit,
)

SEASON = dict(plan="测试方案", source="test", start=date(2025, 1, 1), end=date(2025, 3, 31), standard="2012")


@pytest.fixture(scope="module")
def con(city):
    return city


def test_allowances_of_means_good_days_and_heavy_days():
    # 31 valid days at 35, 59 days left, PM2.5 ≤ 40 over 90 days: (40·90 − 35·31) / 59
    allowed, kind, possible, pace = allowance("pm25_mean", Limit("<=", 40), {"pm25_mean": 35.0, "pm25_days": 31}, 59)
    assert (kind, possible, pace) == ("mean", True, True) and allowed == pytest.approx(2515 / 59)
    allowed, _, possible, _ = allowance("pm25_mean", Limit("<=", 40), {"pm25_mean": 130.0, "pm25_days": 31}, 59)
    assert allowed < 0 and possible is False
    # 优良天数比率 ≥ 80 % of 100 days: 30 of 40 good so far, 60 days left: at least (80 − 30) / 60
    allowed, kind, possible, pace = allowance("good_day_ratio", Limit(">=", 80),
                                              {"good_day_ratio": 75.0, "aqi_days": 40, "good_days": 30}, 60)
    assert kind == "share" and allowed == pytest.approx(50 / 60 * 100) and possible and not pace
    # heavy days < 3: two so far leave none; ≤ 3 leaves one
    assert allowance("heavy_days", Limit("<", 3), {"heavy_days": 2.0, "aqi_days": 40}, 60)[0] == 0
    assert allowance("heavy_days", Limit("<=", 3), {"heavy_days": 2.0, "aqi_days": 40}, 60)[0] == 1
    assert allowance("heavy_days", Limit("<=", 1), {"heavy_days": 2.0, "aqi_days": 40}, 60)[2] is False


def test_the_limit_each_kind_sets():
    relative = Target(id="r", scope_level="city", scope_name="x", metric="pm25_mean", kind="relative", unit="percent",
                      op="<=", value=-10.0, **SEASON)
    assert target_limit(relative, 50.0, None) == Limit("<=", pytest.approx(45.0))
    heavy = Target(id="h", scope_level="city", scope_name="x", metric="heavy_days", kind="relative", unit="days",
                   op="<=", value=-1, **SEASON)
    assert target_limit(heavy, 4.0, None) == Limit("<=", 3.0)
    improving = Target(id="i", scope_level="city", scope_name="x", metric="good_day_ratio", kind="improving", **SEASON)
    assert target_limit(improving, 70.0, None) == Limit(">", 70.0)
    assert target_limit(relative, None, None).limit is None


def test_a_season_in_progress_per_county_and_the_days_at_risk(con):
    targets = [
        Target(id="jia", scope_level="district", scope_name="甲县", metric="pm25_mean", kind="absolute", op="<=",
               value=40, **SEASON),
        Target(id="yi", scope_level="district", scope_name="乙区", metric="pm25_mean", kind="absolute", op="<=",
               value=40, **SEASON),
        Target(id="bing", scope_level="district", scope_name="丙县", metric="pm25_mean", kind="absolute", op="<=",
               value=20, **SEASON),
        Target(id="rel", scope_level="district", scope_name="乙区", metric="pm25_mean", kind="relative", unit="percent",
               op="<=", value=-10, **SEASON),
        Target(id="other", scope_level="city", scope_name="别的市", metric="pm25_mean", kind="absolute", op="<=",
               value=40, **SEASON),
    ]
    table = progress(con, date(2025, 1, 31), targets=targets).set_index("target")
    assert "other" not in table.index  # another city's target is not followed here
    jia = table.loc["jia"]
    assert (jia["elapsed_days"], jia["total_days"]) == (31, 90) and jia["elapsed_share"] == pytest.approx(31 / 90 * 100)
    assert jia["value"] == pytest.approx(35) and jia["allowed"] == pytest.approx(2515 / 59) and jia["status"] == ON_TRACK
    # the same days a year earlier: 2024-02-01 … 05 at 200 would break the allowance, worst first
    assert [d for d, _ in jia["risk_days"]] == [date(2024, 2, d) for d in range(1, 6)]
    assert jia["risk_days"][0][1] == pytest.approx(200) and "GB 3095-2012" in jia["standard"]
    yi = table.loc["yi"]
    assert yi["status"] == AT_RISK and yi["allowed"] == pytest.approx((40 * 90 - 70 * 31) / 59)
    # 丙县 at 70 for 31 days cannot average 20 over 90: the rest would need (20·90 − 70·31) / 59 < 0
    assert table.loc["bing", "status"] == IMPOSSIBLE and not table.loc["bing", "possible"]
    assert table.loc["bing", "allowed"] == pytest.approx((20 * 90 - 70 * 31) / 59)
    assert "无法完成" in say(table.loc["bing", "reason"])
    assert table.loc["rel", "status"] == INSUFFICIENT  # January–March 2024 is 数据不足


def test_a_city_target_is_followed_for_its_counties_too(con):
    city = Target(id="city", scope_level="city", scope_name="测试市", metric="pm25_mean", kind="absolute", op="<=",
                  value=60, **SEASON)
    table = progress(con, date(2025, 1, 31), targets=[city])
    assert table["unit"].tolist() == ["测试市", "甲县", "乙区", "丙县", "丁县"]
    assert table.set_index("unit").loc["丁县", "status"] == INSUFFICIENT  # ten days of January
