"""Which standard scores what: the switch from GB 3095-2012 / HJ 633-2012 to GB 3095-2026 /
HJ 633-2026 at 2026-03-01 00:00 Beijing time, hours labelled by their end, natural days and O3
8-hour windows at a day boundary, a period spanning the change split into labelled parts, one
standard for a whole period, a year-on-year comparison on one basis, and the published values
checked."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from geoaq._errors import StandardError
from geoaq.aq import basis, compare, evaluation, published, scoring
from geoaq.i18n import say

POLLUTANTS = ("pm25", "pm10", "so2", "no2", "o3", "co")


def _hours(station: str, first: str, last: str, **values) -> pd.DataFrame:
    """Every hour of the Beijing days first … last, labelled by its end (D 01:00 … D+1 00:00)."""
    times = pd.date_range(pd.Timestamp(first) + pd.Timedelta(hours=1),
                          pd.Timestamp(last) + pd.Timedelta(days=1), freq="h")
    base = {"pm25": 65.0, "pm10": 70.0, "so2": 5.0, "no2": 20.0, "o3": 60.0, "co": 0.5} | values
    return pd.DataFrame({"station_code": station, "time_bjt": times, **base})


# --- the switch ---------------------------------------------------------------------------------

def test_the_standard_in_force_switches_at_2026_03_01_beijing_time():
    assert basis.in_force(date(2026, 2, 28)).version == "2012"
    assert basis.in_force(date(2026, 3, 1)).version == "2026"
    assert basis.in_force(date(2016, 1, 1)).version == "2012"
    assert basis.in_force(date(2013, 1, 1)).version == "2012"  # before every file: the earliest
    assert basis.in_force(date(2031, 1, 1)).limits_period == "final"
    # hours are labelled by their end: 03-01 00:00 is 23:00–24:00 of 28 February (HJ 633-2012,
    # as the platform published its 2026-03-01T00 release); 01:00 is the first hour of 2026
    labels = pd.to_datetime(["2026-02-28 23:00", "2026-03-01 00:00", "2026-03-01 01:00", "2026-03-02 00:00"])
    assert basis.hourly_versions(labels).tolist() == ["2012", "2012", "2026", "2026"]
    assert basis.hourly_versions(labels, hour_label="start").tolist() == ["2012", "2026", "2026", "2026"]
    assert basis.hourly_versions(labels, "2012").tolist() == ["2012"] * 4


def test_hourly_aqi_of_each_hour_by_its_standard():
    """PM2.5 65 µg/m³: 88 (良) until the hour labelled 2026-03-01 00:00, 105 (轻度污染) from 01:00."""
    frame = _hours("S", "2026-02-28", "2026-03-01").iloc[20:28]  # labels 02-28 21:00 … 03-01 04:00
    scored = scoring.hourly(frame)
    by_label = dict(zip(frame["time_bjt"].dt.strftime("%m-%d %H:%M"), scored["aqi"], strict=True))
    assert by_label["03-01 00:00"] == 88 and by_label["03-01 01:00"] == 105
    assert scored["standard"].tolist() == ["2012"] * 4 + ["2026"] * 4
    assert scored.index.equals(frame.index)
    retro = scoring.hourly(frame, "2026")
    assert set(retro["aqi"]) == {105} and set(retro["standard"]) == {"2026"}


def test_check_basis():
    assert basis.check_basis(None) == basis.check_basis("in_force") == "in_force"
    assert basis.check_basis("2012") == "2012"
    with pytest.raises(StandardError, match="'2035' is not available; use in_force or one of 2012, 2026"):
        basis.check_basis("2035")


# --- natural days and O3 windows at a day boundary ------------------------------------------------

def test_the_hour_labelled_00_00_belongs_to_the_day_before():
    """Hours labelled by their end: 2025-04-02 00:00 is the last hour of 1 April. A spike there
    raises 1 April's mean, not 2 April's; the O3 window ending 24:00 of 1 April (labels 17:00 …
    00:00) holds it, and 2 April's first window (ending 08:00: labels 01:00 … 08:00) does not."""
    frame = _hours("S", "2025-04-01", "2025-04-02", o3=50.0)
    spike = frame["time_bjt"] == pd.Timestamp("2025-04-02 00:00")
    frame.loc[spike, ["pm25", "o3"]] = [305.0, 450.0]
    daily = evaluation.daily_values(frame, "2012", hour_label="end").set_index("date")
    first, second = daily.loc[pd.Timestamp("2025-04-01")], daily.loc[pd.Timestamp("2025-04-02")]
    assert first["pm25"] == pytest.approx(65 + 240 / 24) and second["pm25"] == pytest.approx(65)
    assert first["o3_8h_max"] == pytest.approx(50 + 400 / 8) and second["o3_8h_max"] == pytest.approx(50)
    assert first["o3_1h_max"] == 450 and second["o3_1h_max"] == 50
    assert (daily["hours_pm25"] == 24).all() and (daily["o3_8h_windows"] == 17).all()
    # read as start labels, the spike would open 2 April instead: the convention matters
    shifted = evaluation.daily_values(frame, "2012", hour_label="start").set_index("date")
    assert shifted.loc[pd.Timestamp("2025-04-02"), "pm25"] > 65


def test_daily_aqi_of_each_day_by_its_standard():
    frame = _hours("S", "2026-02-27", "2026-03-02")
    daily = scoring.daily(frame, date(2026, 2, 27), date(2026, 3, 2)).set_index("date")
    assert daily["standard"].tolist() == ["2012", "2012", "2026", "2026"]
    assert daily["aqi"].tolist() == [88, 88, 105, 105]
    assert daily["category"].tolist() == ["良", "良", "轻度污染", "轻度污染"]
    assert daily.loc[pd.Timestamp("2026-03-01"), "limits_period"] == "transition"
    assert np.isnan(daily.loc[pd.Timestamp("2026-03-01"), "iaqi_o3_1h"])  # not a 2026 indicator


# --- a period spanning the change -----------------------------------------------------------------

def test_a_period_spanning_the_change_is_split_and_each_part_labelled():
    frame = pd.concat([_hours("S1", "2026-02-01", "2026-03-31"), _hours("S2", "2026-02-01", "2026-03-31")])
    table = scoring.evaluate(frame, date(2026, 2, 1), date(2026, 3, 31))
    s1 = table[table["station_code"] == "S1"].set_index("part")
    assert list(s1.index) == [1, 2] and set(table["parts"]) == {2}
    assert [(r.start.date(), r.end.date(), r.standard) for r in s1.itertuples()] == [
        (date(2026, 2, 1), date(2026, 2, 28), "2012"), (date(2026, 3, 1), date(2026, 3, 31), "2026")]
    old, new = s1.loc[1], s1.loc[2]
    assert old["standard_name"] == "GB 3095-2012 / HJ 633-2012 / HJ 663-2013" and old["notes"] == ""
    assert new["standard_name"] == "GB 3095-2026 / HJ 633-2026" and new["limits_period"] == "transition"
    assert new["evaluation_method"] == "HJ 663-2013"
    assert new["notes"] == "hj663_2026_unavailable,composite_index_undefined"
    assert (old["good_day_ratio"], new["good_day_ratio"]) == (100.0, 0.0)
    assert old["pm25_mean"] == new["pm25_mean"] == pytest.approx(65)
    # PM2.5 65 against the annual limits: 2012 35 (0.86 over), 2026 transition 30 (1.17 over)
    assert old["pm25_mean_exceedance"] == pytest.approx(30 / 35)
    assert new["pm25_mean_exceedance"] == pytest.approx(35 / 30)
    assert old["composite_index"] > 0 and np.isnan(new["composite_index"])
    # one standard for the whole period: one part each
    whole = scoring.evaluate(frame, date(2026, 2, 1), date(2026, 3, 31), basis="2012")
    assert len(whole) == 2 and set(whole["standard"]) == {"2012"} and set(whole["good_day_ratio"]) == {100.0}
    words = [say(basis.part_message(p.start, p.end, p.standard), "zh")
             for p in basis.parts(date(2026, 2, 1), date(2026, 3, 31))]
    assert words == ["2026-02-01 至 2026-02-28 按 GB 3095-2012 / HJ 633-2012 / HJ 663-2013",
                     "2026-03-01 至 2026-03-31 按 GB 3095-2026 / HJ 633-2026（过渡期限值）"]
    assert say(basis.note_messages(["2012", "2026"])[0], "zh") == (
        "评价方法 HJ 663-2013；HJ 663-2026 的例外事件与三年滑动评价尚未实现")


def test_a_part_without_hours_is_listed_as_insufficient():
    frame = _hours("S1", "2026-03-01", "2026-03-31")
    table = scoring.evaluate(frame, date(2026, 2, 1), date(2026, 3, 31))
    assert table["standard"].tolist() == ["2012", "2026"]
    assert table["status"].tolist() == ["insufficient", "valid"]


def test_the_limits_of_gb_3095_2026_change_on_2031_01_01():
    chosen = basis.parts(date(2030, 11, 1), date(2031, 2, 28))
    assert [(p.start, p.end, p.standard.limits_period, p.standard.annual_limits["pm25"]) for p in chosen] == [
        (date(2030, 11, 1), date(2030, 12, 31), "transition", 30),
        (date(2031, 1, 1), date(2031, 2, 28), "final", 25)]
    retro = basis.parts(date(2025, 1, 1), date(2025, 12, 31), "2026")  # 按新标准回溯
    assert len(retro) == 1 and retro[0].standard.limits_period == "transition"
    with pytest.raises(StandardError, match="ends"):
        basis.parts(date(2026, 3, 2), date(2026, 3, 1))


# --- a comparison on one basis --------------------------------------------------------------------

def test_year_on_year_uses_one_standard_for_both_periods():
    """March 2026 against March 2025, the same air: by the standard in force at the end of the later
    period (2026) both years have 0 % good days; chosen 2012, both 100 %. Never 100 % against 0 %."""
    frame = pd.concat([_hours("S", "2025-03-01", "2025-03-31"), _hours("S", "2026-03-01", "2026-03-31")])
    current = (date(2026, 3, 1), date(2026, 3, 31))
    previous = compare.previous_year(*current)
    assert previous == (date(2025, 3, 1), date(2025, 3, 31))
    table = compare.compare(frame, current, previous).set_index("metric")
    good = table.loc["good_day_ratio"]
    assert (good["current"], good["previous"], good["change"]) == (0.0, 0.0, 0.0)
    assert set(table["standard"]) == {"2026"} and set(table["basis_reason"]) == {"in_force_at_end"}
    assert table.loc["pm25_mean", "change_percent"] == pytest.approx(0.0)
    assert np.isnan(table.loc["composite_index", "current"])  # no divisors under GB 3095-2026
    old = compare.compare(frame, current, previous, basis="2012").set_index("metric")
    assert (old.loc["good_day_ratio", "current"], old.loc["good_day_ratio", "previous"]) == (100.0, 100.0)
    assert set(old["basis_reason"]) == {"chosen"} and old.loc["composite_index", "change"] == pytest.approx(0)
    assert compare.year_before(date(2024, 2, 29)) == date(2023, 2, 28)


# --- the published values -------------------------------------------------------------------------

def test_published_values_are_compared_kind_by_kind():
    rows = pd.DataFrame({
        "station_code": ["A", "B", "C", "D", "E"],
        "time_bjt": pd.Timestamp("2026-03-01 12:00"),
        "pm25": [69.0, 69.0, 69.0, 10.0, 10.0], "pm10": [94.0, 94.0, 94.0, np.nan, 20.0],
        "so2": [4.0] * 5, "no2": [29.0] * 5, "o3": [43.0] * 5, "co": [0.9] * 5,
        "published_aqi": [109.0, 110.0, np.nan, 14.0, 20.0],
        "published_primary": ["PM2.5", "PM2.5", "", "", ""],
        "published_na": [False, False, True, False, False],
        "unmeasured": [None] * 5,
    })
    out = published.compare(rows).set_index("station_code")
    assert out["kind"].to_dict() == {"A": "match", "B": "aqi", "C": "na_published", "D": "na_computed",
                                     "E": "match"}
    rows.loc[4, ["pm25", "published_aqi", "published_primary"]] = [60.0, 100.0, "PM10"]  # PM2.5 is 100
    assert published.compare(rows).set_index("station_code").loc["E", "kind"] == "primary"
    summary = published.summary(published.compare(rows))
    assert summary.set_index("kind")["station_hours"].to_dict() == {
        "aqi": 1, "na_computed": 1, "na_published": 1, "primary": 1, "match": 1}
    assert list(published.differences(published.compare(rows))["kind"]) == ["aqi", "na_computed",
                                                                             "na_published", "primary"]
    assert published.compare(rows.iloc[0:0]).empty
