"""Rankings on the constructed city (tests/ranking_cases.py): every value and rank known, a
county with too little data, one without a station, ties, the moves, the contributors."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest
from ranking_cases import composite

from geoaq._errors import RankingInputError
from geoaq.i18n import say
from geoaq.rankings.periods import Period, previous_period, resolve, same_period_a_year_earlier
from geoaq.rankings.ranking import rank, rank_values


@pytest.fixture(scope="module")
def con(city):
    return city


def test_rank_values_share_the_better_rank_and_skip_the_next():
    values = pd.Series([3.30, 4.304, 4.296, None, 2.0], index=list("abcde"), dtype=float)
    ranked = rank_values(values, 2)
    assert ranked["rank"].tolist() == [2, 3, 3, pd.NA, 1]  # 4.30 and 4.30 as published: tied
    assert ranked["tied"].tolist() == [False, True, True, False, False]
    higher = rank_values(pd.Series([80.0, 90.0, 80.0]), 1, higher_is_better=True)
    assert higher["rank"].tolist() == [2, 1, 2]


def test_periods_and_what_they_are_compared_with():
    month = resolve("month", date(2025, 1, 1))
    assert (month.start, month.end) == (date(2025, 1, 1), date(2025, 1, 31))
    assert previous_period(month) == Period("month", date(2024, 12, 1), date(2024, 12, 31))
    assert same_period_a_year_earlier(Period("month", date(2024, 2, 1), date(2024, 2, 29))).end == date(2023, 2, 28)
    ytd = resolve("ytd", date(2025, 1, 1), date(2025, 4, 30))
    assert previous_period(ytd) == Period("ytd", date(2025, 1, 1), date(2025, 3, 31))
    assert previous_period(resolve("quarter", end=date(2025, 3, 31))).start == date(2024, 10, 1)
    with pytest.raises(RankingInputError, match="starts on 2025-01-01"):
        resolve("quarter", date(2025, 2, 1), date(2025, 3, 31))
    assert resolve("month", latest=date(2025, 1, 20)) == Period("month", date(2024, 12, 1), date(2024, 12, 31))


def test_january_2025_by_composite_index(con):
    ranking = rank(con, "month", date(2025, 1, 1), by="district")
    table = ranking.table.set_index("unit_name")
    assert ranking.period.end == date(2025, 1, 31) and ranking.standard.version == "2012"
    assert table.loc["甲县", "published"] == pytest.approx(round(composite(35), 2))
    assert [table.loc[n, "rank"] for n in ("甲县", "乙区", "丙县")] == [1, 2, 2]
    assert pd.isna(table.loc["丁县", "rank"]) and pd.isna(table.loc["戊县", "rank"])
    assert list(ranking.table["unit_name"])[:3] == ["甲县", "乙区", "丙县"]  # the unranked listed last
    assert table.loc["丁县", "status"] == "insufficient" and table.loc["戊县", "status"] == "no_station"
    assert "数据不足" in say(table.loc["丁县", "reason"]) and "无评价站点" in say(table.loc["戊县", "reason"])
    assert bool(table.loc["乙区", "tied"]) and bool(table.loc["丙县", "tied"]) and not bool(table.loc["甲县", "tied"])
    notes = [say(n) for n in ranking.notes]
    assert any(n.startswith("并列第2名：乙区、丙县") for n in notes)
    assert any("GB 3095-2012" in n and "同口径" in n for n in notes)
    # the moves: December 2024 乙区 and 丁县 tied 1, 丙县 3, 甲县 4; January 2024 three tied 1, 丙县 4
    assert [table.loc[n, "previous_rank"] for n in ("甲县", "乙区", "丙县", "丁县")] == [4, 1, 3, 1]
    assert [table.loc[n, "move_previous"] for n in ("甲县", "乙区", "丙县")] == [3, -1, 1]
    assert [table.loc[n, "year_before_rank"] for n in ("甲县", "乙区", "丙县")] == [1, 1, 4]
    assert [table.loc[n, "move_year"] for n in ("甲县", "乙区", "丙县")] == [0, -1, 2]
    # contributors: the station, and PM2.5 the largest single index (70/35 = 2 of 4.3)
    assert table.loc["乙区", "stations"] == ["S2"] and table.loc["乙区", "primary_statistic"] == "pm25_mean"
    assert table.loc["乙区", "primary_share"] == pytest.approx(2 / composite(70) * 100)


def test_by_pm25_improvement_and_stations(con):
    pm25 = rank(con, "month", date(2025, 1, 1), by="district", metric="pm25").table.set_index("unit_name")
    assert pm25.loc["甲县", "published"] == 35 and pm25.loc["丙县", "rank"] == 2
    better = rank(con, "month", date(2025, 1, 1), by="district", metric="improvement_pm25").table.set_index("unit_name")
    # (a year earlier − now) / a year earlier: 甲县 0 %, 乙区 −100 %, 丙县 0 %: 甲县 and 丙县 tied 1
    assert better.loc["乙区", "published"] == -100.0 and better.loc["甲县", "rank"] == 1 == better.loc["丙县", "rank"]
    stations = rank(con, "month", date(2025, 1, 1), by="station").table
    assert stations["unit_id"].tolist()[:3] == ["S1", "S2", "S3"] and stations["rank"].tolist()[:3] == [1, 2, 2]


def test_a_wrong_metric_or_level_is_refused(con):
    with pytest.raises(RankingInputError, match="--metric must be one of"):
        rank(con, "month", date(2025, 1, 1), metric="aqi")
    with pytest.raises(RankingInputError, match="--by must be one of"):
        rank(con, "month", date(2025, 1, 1), by="province")


def test_a_basis_without_composite_divisors_says_so(con):
    ranking = rank(con, "month", date(2025, 1, 1), by="district", basis="2026")
    assert ranking.standard.version == "2026" and ranking.ranked == 0
    reason = say(ranking.table.set_index("unit_name").loc["甲县", "reason"])
    assert "未给出综合指数的分母" in reason
    assert rank(con, "month", date(2025, 1, 1), by="district", basis="2026", metric="pm25").ranked == 3
