"""HJ 663-2013 evaluation on constructed data where every number is worked out by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from geoaq.aq import evaluation as ev
from geoaq.aq.standards import load_standard
from geoaq.i18n import t

STD = load_standard("2012")
#: hourly values whose daily AQI is 50 (优): every IAQI ≤ 50
CLEAN_HOUR = {"so2": 10.0, "no2": 20.0, "pm10": 50.0, "pm25": 30.0, "co": 0.8, "o3": 60.0}
CLEAN_DAY = {"so2": 10.0, "no2": 20.0, "pm10": 50.0, "pm25": 30.0, "co": 0.8,
             "o3_1h_max": 80.0, "o3_8h_max": 60.0}


def hourly(start: str, days: int, station: str = "A") -> pd.DataFrame:
    """Every hour of `days` days from `start` with the clean values."""
    times = pd.date_range(start, periods=24 * days, freq="h")
    return pd.DataFrame({"station_code": station, "time_bjt": times, **CLEAN_HOUR})


def daily(start: str, end: str, station: str = "A") -> pd.DataFrame:
    """A daily table (as daily_values returns) with the clean values on every day."""
    return pd.DataFrame({"station_code": station, "date": pd.date_range(start, end),
                         **CLEAN_DAY})


def only_hours(frame: pd.DataFrame, column: str, hours: range, value=None) -> pd.DataFrame:
    """`column` kept (or set to `value`) in the given hours of each day, NaN elsewhere."""
    frame = frame.copy()
    keep = frame["time_bjt"].dt.hour.isin(list(hours))
    frame[column] = np.where(keep, frame[column] if value is None else value, np.nan)
    return frame


def drop_last_days(frame: pd.DataFrame, per_month: dict[int, int]) -> pd.DataFrame:
    """Remove the last n days of each month given (month → n)."""
    dates = frame["date"]
    from_end = dates.dt.days_in_month - dates.dt.day  # 0 on the last day
    gone = dates.dt.month.map(per_month).fillna(0).to_numpy() > from_end.to_numpy()
    return frame[~gone].reset_index(drop=True)


# --- percentile (HJ 663-2013 附录A) ---------------------------------------------------------

def test_percentile_of_one_value_is_that_value():
    assert ev.hj663_percentile([3.7], 95) == 3.7
    assert ev.hj663_percentile([3.7], 0) == 3.7


def test_percentile_of_two_values_interpolates():
    # k = 1 + (2 − 1)·0.95 = 1.95 → s = 1: X(1) + 0.95·(X(2) − X(1))
    assert ev.hj663_percentile([20, 10], 95) == pytest.approx(19.5)
    assert ev.hj663_percentile([20, 10], 90) == pytest.approx(19.0)
    assert ev.hj663_percentile([20, 10], 100) == 20


def test_percentile_95_of_365_values():
    # k = 1 + 364·0.95 = 346.8: X(346) + 0.8·(X(347) − X(346)) with X(i) = i²
    values = np.random.default_rng(7).permutation(np.arange(1, 366) ** 2)
    assert ev.hj663_percentile(values, 95) == pytest.approx(346**2 + 0.8 * (347**2 - 346**2))
    # k = 1 + 364·0.9 = 328.6
    assert ev.hj663_percentile(values, 90) == pytest.approx(328**2 + 0.6 * (329**2 - 328**2))


def test_percentile_whole_position_and_missing_values():
    assert ev.hj663_percentile([5, 1, 3, 2, 4], 50) == 3  # k = 3 exactly
    assert ev.hj663_percentile([1.0, np.nan, 2.0], 50) == pytest.approx(1.5)
    assert np.isnan(ev.hj663_percentile([], 95))
    assert np.isnan(ev.hj663_percentile([np.nan], 95))
    values = np.random.default_rng(1).gamma(2, 30, 97)
    for p in (90, 95, 98):  # the same as numpy's "linear" method on 1-based positions
        assert ev.hj663_percentile(values, p) == pytest.approx(np.percentile(values, p))
    with pytest.raises(ev.EvaluationError, match="p must lie in 0..100"):
        ev.hj663_percentile([1, 2], 101)


# --- daily values -----------------------------------------------------------------------------

def test_24_hour_mean_needs_20_hourly_values():
    frame = hourly("2024-03-01", 2)
    frame["pm25"] = frame["time_bjt"].dt.hour.astype(float)  # value = hour of the day
    frame = only_hours(frame, "pm25", range(20))  # hours 0..19 on both days
    frame.loc[frame["time_bjt"] == pd.Timestamp("2024-03-02 19:00"), "pm25"] = np.nan
    day = ev.daily_values(frame).set_index("date")
    assert day.loc["2024-03-01", "hours_pm25"] == 20
    assert day.loc["2024-03-01", "pm25"] == pytest.approx(9.5)  # (0 + … + 19) / 20
    assert day.loc["2024-03-02", "hours_pm25"] == 19
    assert np.isnan(day.loc["2024-03-02", "pm25"])
    assert (day["so2"] == 10).all() and (day["standard"] == "2012").all()


def test_8_hour_window_needs_6_hourly_values():
    # O3 only in the first hours of the day: the window ending 08:00 (00:00–08:00) is the only
    # one that can be valid; 200 µg/m³ exceeds the daily limit, so one window suffices.
    six = ev.daily_values(only_hours(hourly("2024-07-01", 1), "o3", range(6), 200.0))
    assert six.loc[0, "o3_8h_windows"] == 1 and six.loc[0, "o3_8h_max"] == 200
    five = ev.daily_values(only_hours(hourly("2024-07-01", 1), "o3", range(5), 200.0))
    assert five.loc[0, "o3_8h_windows"] == 0 and np.isnan(five.loc[0, "o3_8h_max"])
    assert np.isnan(six.loc[0, "o3_1h_max"])  # 6 hourly values < 20


def test_daily_max_8_hour_needs_14_valid_windows_unless_above_the_limit():
    # O3 in hours 0..h: window j (slots j..j+7) has ≥ 6 values for j ≤ h − 5 → h − 4 windows
    fourteen = ev.daily_values(only_hours(hourly("2024-07-01", 1), "o3", range(19), 100.0))
    assert fourteen.loc[0, "o3_8h_windows"] == 14 and fourteen.loc[0, "o3_8h_max"] == 100
    thirteen = ev.daily_values(only_hours(hourly("2024-07-01", 1), "o3", range(18), 100.0))
    assert thirteen.loc[0, "o3_8h_windows"] == 13 and np.isnan(thirteen.loc[0, "o3_8h_max"])
    # 13 windows, but the maximum exceeds 160 µg/m³: still valid (HJ 663-2013 §6)
    above = only_hours(hourly("2024-07-01", 1), "o3", range(18), 100.0)
    above.loc[above["time_bjt"].dt.hour.isin(range(6, 14)), "o3"] = 170.0
    day = ev.daily_values(above)
    assert day.loc[0, "o3_8h_windows"] == 13 and day.loc[0, "o3_8h_max"] == 170
    # at the limit is not above it
    at = only_hours(hourly("2024-07-01", 1), "o3", range(18), STD.daily_limits["o3_8h"])
    assert np.isnan(ev.daily_values(at).loc[0, "o3_8h_max"])


def test_o3_daily_max_8_hour_hand_worked_and_inside_the_day():
    frame = hourly("2024-06-01", 3)
    frame["o3"] = 900.0  # the neighbouring days: must not reach into 2024-06-02
    middle = frame["time_bjt"].dt.day == 2
    frame.loc[middle, "o3"] = 10.0 * frame.loc[middle, "time_bjt"].dt.hour  # 0, 10 … 230
    day = ev.daily_values(frame).set_index("date").loc["2024-06-02"]
    # windows end 08:00 … 24:00; the last, 16:00–24:00, has mean 10·(16 + … + 23)/8 = 195
    assert day["o3_8h_max"] == pytest.approx(195.0)
    assert day["o3_1h_max"] == 230 and day["o3_8h_windows"] == 17
    # 23:00 missing: the last window has 7 values, mean 10·(16 + … + 22)/7 = 190
    frame.loc[frame["time_bjt"] == pd.Timestamp("2024-06-02 23:00"), "o3"] = np.nan
    day = ev.daily_values(frame).set_index("date").loc["2024-06-02"]
    assert day["o3_8h_max"] == pytest.approx(190.0) and day["o3_8h_windows"] == 17


def test_hours_labelled_by_their_end_belong_to_the_day_they_end_in():
    # labels 2024-06-02 00:00 … 2024-06-03 00:00, O3 = 10 × label hour (24 for the last)
    times = pd.date_range("2024-06-02 00:00", "2024-06-03 00:00", freq="h")
    frame = pd.DataFrame({"station_code": "A", "time_bjt": times, **CLEAN_HOUR})
    frame["o3"] = 10.0 * np.r_[np.arange(24), 24]
    start = ev.daily_values(frame).set_index("date")
    assert start.loc["2024-06-02", "o3_8h_max"] == pytest.approx(195.0)  # labels 00 … 23
    assert start.loc["2024-06-03", "hours_o3"] == 1
    end = ev.daily_values(frame, hour_label="end").set_index("date")
    # "end": 2024-06-02 holds labels 01:00 … 24:00 → values 10 … 240; last window 170 … 240
    assert end.loc["2024-06-02", "o3_8h_max"] == pytest.approx(205.0)
    assert end.loc["2024-06-02", "hours_o3"] == 24
    assert end.loc["2024-06-01", "hours_o3"] == 1  # label 2024-06-02 00:00 ends 2024-06-01


# --- period validity (GB 3095-2012 Table 4) ----------------------------------------------------

def test_month_needs_27_valid_days():
    jan = daily("2023-01-01", "2023-01-31")
    ok = ev.period_summary(drop_last_days(jan, {1: 4}), "2023-01-01", "2023-01-31")
    assert ok.loc[0, "pm25_days"] == 27 and ok.loc[0, "pm25_mean"] == 30
    assert ok.loc[0, "status"] == "valid" and ok.loc[0, "reason"] == ""
    short = ev.period_summary(drop_last_days(jan, {1: 5}), "2023-01-01", "2023-01-31")
    assert short.loc[0, "pm25_days"] == 26 and np.isnan(short.loc[0, "pm25_mean"])
    assert short.loc[0, "status"] == "insufficient"
    assert t(f"aq.data_status.{short.loc[0, 'status']}", "en") == "insufficient data"
    assert "2023-01 has 26 valid days, 27 required" in short.loc[0, "reason"]


def test_february_needs_25_valid_days():
    feb = daily("2023-02-01", "2023-02-28")
    ok = ev.period_summary(drop_last_days(feb, {2: 3}), "2023-02-01", "2023-02-28")
    assert ok.loc[0, "co_days"] == 25 and ok.loc[0, "co_p95"] == pytest.approx(0.8)
    short = ev.period_summary(drop_last_days(feb, {2: 4}), "2023-02-01", "2023-02-28")
    assert np.isnan(short.loc[0, "co_p95"]) and np.isnan(short.loc[0, "composite_index"])
    assert "2023-02 has 24 valid days, 25 required" in short.loc[0, "reason"]


def test_year_needs_324_valid_days_and_every_month():
    year = daily("2023-01-01", "2023-12-31")
    most = {m: 4 for m in (1, 3, 5, 7, 8, 10, 12)} | {m: 3 for m in (4, 6, 9, 11)}
    # 27 days in every long month, 27 in every short one: 365 − 28 − 12 − feb_missing
    ok = ev.period_summary(drop_last_days(year, most | {2: 1}), "2023-01-01", "2023-12-31")
    assert ok.loc[0, "so2_days"] == 324 and ok.loc[0, "so2_mean"] == 10
    assert ok.loc[0, "status"] == "valid"
    short = ev.period_summary(drop_last_days(year, most | {2: 2}), "2023-01-01", "2023-12-31")
    assert short.loc[0, "so2_days"] == 323 and np.isnan(short.loc[0, "so2_mean"])
    assert short.loc[0, "reason"].endswith("2023 has 323 valid days, 324 required")
    # 324 days, but one month short of its 27
    uneven = drop_last_days(year, most | {1: 5})  # February complete, January 26 days
    result = ev.period_summary(uneven, "2023-01-01", "2023-12-31")
    assert result.loc[0, "so2_days"] == 324 and np.isnan(result.loc[0, "so2_mean"])
    assert "2023-01 has 26 valid days, 27 required" in result.loc[0, "reason"]


def test_a_month_cut_by_the_period_needs_the_same_share_of_its_days():
    # 10 days of January: ⌈27 × 10 / 31⌉ = 9
    ten = daily("2023-01-01", "2023-01-10")
    assert ev.period_summary(ten.iloc[:9], "2023-01-01", "2023-01-10").loc[0, "status"] == "valid"
    short = ev.period_summary(ten.iloc[:8], "2023-01-01", "2023-01-10")
    assert "2023-01 has 8 valid days, 9 required" in short.loc[0, "reason"]


def test_annual_evaluation_from_hourly_readings_323_vs_324_days():
    year = hourly("2023-01-01", 365)
    from_end = (year["time_bjt"].dt.days_in_month - year["time_bjt"].dt.day).to_numpy()
    most = {m: 4 for m in (1, 3, 5, 7, 8, 10, 12)} | {m: 3 for m in (4, 6, 9, 11)}
    for feb_missing, days, status in ((1, 324, "valid"), (2, 323, "insufficient")):
        gone = year["time_bjt"].dt.month.map(most | {2: feb_missing}).to_numpy() > from_end
        frame = year.copy()
        frame.loc[gone, "pm25"] = np.nan
        # a missing day is a day of 19 hourly values: the 20-hour rule removes it
        frame.loc[gone & (frame["time_bjt"].dt.hour < 19).to_numpy(), "pm25"] = 30.0
        result = ev.evaluate(frame, "2023-01-01", "2023-12-31")
        assert result.loc[0, "pm25_days"] == days and result.loc[0, "status"] == status
        assert result.loc[0, "so2_days"] == 365 and result.loc[0, "so2_mean"] == 10


# --- good days, heavy days, composite index ---------------------------------------------------

def test_good_day_ratio_and_heavy_days():
    frame = daily("2023-03-01", "2023-03-10")
    # the other pollutants give AQI 50 (PM10 50 µg/m³); PM2.5 IAQIs: 30 → 43, 75 → 100 良, 76 → 102, 150 → 200 中度, 160 → 210 and
    # 300 → 350 重度及以上; the last day lacks CO, so it is not a valid AQI day
    frame["pm25"] = [30, 75, 76, 150, 160, 300, 20, 20, 20, 20]
    frame.loc[9, "co"] = np.nan
    result = ev.period_summary(frame, "2023-03-01", "2023-03-10").loc[0]
    assert result["aqi_days"] == 9  # ⌈27 × 10 / 31⌉ = 9 required
    assert result["good_days"] == 5 and result["good_day_ratio"] == pytest.approx(500 / 9)
    assert result["heavy_days"] == 2 and result["heavy_day_ratio"] == pytest.approx(200 / 9)
    table = ev.daily_aqi_table(frame)
    assert table["aqi"].tolist()[:6] == [50, 100, 102, 200, 210, 350]
    assert table["aqi_valid_day"].tolist() == [True] * 9 + [False]
    assert (table["standard"] == "2012").all() and "category" in table.columns
    # one more day without a valid AQI: 8 < 9 → 数据不足
    frame.loc[0, "no2"] = np.nan
    short = ev.period_summary(frame, "2023-03-01", "2023-03-10").loc[0]
    assert short["aqi_days"] == 8 and np.isnan(short["good_day_ratio"])
    assert np.isnan(short["heavy_days"]) and short["status"] == "insufficient"
    assert "good_day_ratio/heavy_days: 2023-03 has 8 valid days, 9 required" in short["reason"]


def test_composite_index_exceedance_and_attainment():
    year = daily("2023-01-01", "2023-12-31")
    year[["so2", "no2", "pm10", "pm25"]] = [12.0, 30.0, 84.0, 42.0]
    # CO: 346 days at 0.5, 19 at 1.5 → p95 at k = 346.8: 0.5 + 0.8 × 1.0 = 1.3
    year["co"] = np.r_[np.full(346, 0.5), np.full(19, 1.5)]
    # O3-8h: 328 days at 100, 37 at 200 → p90 at k = 328.6: 100 + 0.6 × 100 = 160
    year["o3_8h_max"] = np.r_[np.full(37, 200.0), np.full(328, 100.0)]
    r = ev.period_summary(year, "2023-01-01", "2023-12-31").loc[0]
    assert r["co_p95"] == pytest.approx(1.3) and r["o3_8h_p90"] == pytest.approx(160)
    # 12/60 + 30/40 + 84/70 + 42/35 + 1.3/4 + 160/160
    assert r["composite_index"] == pytest.approx(0.2 + 0.75 + 1.2 + 1.2 + 0.325 + 1.0)
    assert r["pm10_mean_index"] == pytest.approx(1.2) and r["co_p95_index"] == pytest.approx(0.325)
    assert r["pm10_mean_exceedance"] == pytest.approx(0.2)  # (84 − 70) / 70
    assert r["pm25_mean_exceedance"] == pytest.approx(0.2)  # (42 − 35) / 35
    assert r["o3_8h_p90_exceedance"] == 0 and r["so2_mean_exceedance"] == 0  # at / below
    assert r["attainment"] == "not_attained" and r["standard"] == "2012"
    assert r["standard_name"] == STD.name


def test_attainment_is_insufficient_only_when_nothing_valid_exceeds():
    jan = daily("2023-01-01", "2023-01-31")
    jan.loc[jan.index[:5], "co"] = np.nan  # CO 26 days → 数据不足, the rest within limits
    r = ev.period_summary(jan, "2023-01-01", "2023-01-31").loc[0]
    assert np.isnan(r["co_p95"]) and r["attainment"] == "insufficient"
    assert r["reason"].startswith("co_p95, good_day_ratio/heavy_days: 2023-01 has 26")
    jan["pm25"] = 40.0  # above 35: 未达标 whatever CO is
    assert ev.period_summary(jan, "2023-01-01", "2023-01-31").loc[0, "attainment"] == "not_attained"


# --- station evaluation, 数据不足 -------------------------------------------------------------

def test_short_station_is_insufficient_with_its_reason():
    full = hourly("2024-01-01", 31, "A")
    short = hourly("2024-01-01", 20, "B")
    outside = hourly("2023-12-01", 3, "C")  # data, but none in the period
    result = ev.evaluate(pd.concat([full, short, outside]), "2024-01-01", "2024-01-31")
    result = result.set_index("station_code")
    assert list(result.index) == ["A", "B", "C"]
    assert result.loc["A", "status"] == "valid" and result.loc["A", "pm25_mean"] == 30
    assert result.loc["A", "good_day_ratio"] == 100 and result.loc["A", "heavy_days"] == 0
    assert result.loc["A", "attainment"] == "attained"
    for station, days in (("B", 20), ("C", 0)):
        row = result.loc[station]
        assert row["status"] == "insufficient" and row["pm25_days"] == days
        stats = ["so2_mean", "no2_mean", "pm10_mean", "pm25_mean", "co_p95", "o3_8h_p90",
                 "good_day_ratio", "composite_index"]
        assert row[stats].isna().all() and row["attainment"] == "insufficient"
        assert f"2024-01 has {days} valid days, 27 required" in row["reason"]
    assert (result["standard"] == "2012").all()
    assert result.loc["A", "start"] == pd.Timestamp("2024-01-01")
    assert result.loc["A", "end"] == pd.Timestamp("2024-01-31")


def test_monthly_from_hourly_26_vs_27_days():
    frame = hourly("2024-01-01", 60)  # 2024-01-01 … 2024-02-29
    jan_gone = (frame["time_bjt"] >= "2024-01-27").to_numpy() & (
        frame["time_bjt"] < "2024-02-01").to_numpy()  # January keeps 26 days
    feb_gone = (frame["time_bjt"] >= "2024-02-26").to_numpy()  # February keeps 25 of 29
    frame.loc[jan_gone | feb_gone, "no2"] = np.nan
    months = ev.monthly(frame, "2024-01-01", "2024-02-29").set_index("month")
    assert months.loc["2024-01", "no2_days"] == 26 and np.isnan(months.loc["2024-01", "no2_mean"])
    assert months.loc["2024-02", "no2_days"] == 25 and months.loc["2024-02", "no2_mean"] == 20
    assert months.loc["2024-01", "pm25_mean"] == 30  # the other pollutants are complete
    assert months.loc["2024-02", "end"] == pd.Timestamp("2024-02-29")
    # the same from a daily table
    days = ev.daily_values(frame)
    again = ev.period_summary(days, "2024-01-01", "2024-02-29", per_month=True)
    pd.testing.assert_frame_equal(again.set_index("month"), months)


# --- city / district ---------------------------------------------------------------------------

def test_city_hourly_mean_of_its_stations_without_reference_station():
    a, b, c = (hourly("2024-05-01", 1, s) for s in "ABC")
    a["pm25"], b["pm25"], c["pm25"] = 40.0, 60.0, 500.0
    b.loc[b["time_bjt"].dt.hour == 5, "pm25"] = np.nan
    frame = pd.concat([a, b, c], ignore_index=True)
    stations = pd.DataFrame({"code": ["A", "B", "C"], "city": ["洛阳"] * 3,
                             "reference_station": [False, False, True]})
    groups = ev.station_groups(stations, "city")
    assert groups == {"A": "洛阳", "B": "洛阳"}
    day = ev.daily_values(frame, by="city", groups=groups).loc[0]
    # 23 hours at (40 + 60)/2 = 50 and hour 5 at 40 (A alone): (23 × 50 + 40) / 24
    assert day["city"] == "洛阳" and day["pm25"] == pytest.approx((23 * 50 + 40) / 24)
    assert day["hours_pm25"] == 24
    # not the mean of the station daily means (50)
    stations_daily = ev.daily_values(frame).set_index("station_code")
    assert stations_daily.loc[["A", "B"], "pm25"].mean() == 50
    # a minimum share of stations: hour 5 (one of two) no longer counts
    strict = ev.daily_values(frame, by="city", groups=groups, min_station_share=1.0).loc[0]
    assert strict["hours_pm25"] == 23 and strict["pm25"] == pytest.approx(50.0)
    # the reference station also leaves when the mapping names it
    named = ev.evaluate(frame, "2024-05-01", "2024-05-01", by="city",
                        groups={"A": "洛阳", "B": "洛阳", "C": "洛阳"}, reference_stations={"C"})
    assert named.loc[0, "n_stations"] == 2
    assert named.loc[0, "pm25_mean"] == pytest.approx((23 * 50 + 40) / 24)
    assert named.loc[0, "standard"] == "2012"


def test_district_evaluation_one_row_per_district():
    frame = pd.concat([hourly("2024-05-01", 2, s) for s in ("A", "B", "C")], ignore_index=True)
    frame.loc[frame["station_code"] == "C", "so2"] = 30.0
    result = ev.evaluate(frame, "2024-05-01", "2024-05-02", by="district",
                         groups={"A": "西工区", "B": "西工区", "C": "涧西区", "D": "老城区"})
    result = result.set_index("district")
    assert list(result.index) == ["涧西区", "老城区", "西工区"]
    assert result.loc["涧西区", "so2_mean"] == 30 and result.loc["西工区", "so2_mean"] == 10
    assert result.loc["西工区", "n_stations"] == 2
    assert result.loc["老城区", "status"] == "insufficient"  # its station has no readings


# --- input errors ------------------------------------------------------------------------------

def test_input_errors_say_what_is_wrong():
    frame = hourly("2024-01-01", 1)
    with pytest.raises(ev.EvaluationError, match="lacks column.*o3"):
        ev.daily_values(frame.drop(columns="o3"))
    with pytest.raises(ev.EvaluationError, match="duplicate readings: station A .*2024-01-01 03:00"):
        ev.daily_values(pd.concat([frame, frame.iloc[[3]]]))
    odd = frame.copy()
    odd.loc[2, "time_bjt"] = pd.Timestamp("2024-01-01 02:30")
    with pytest.raises(ev.EvaluationError, match="whole hours"):
        ev.daily_values(odd)
    with pytest.raises(ev.EvaluationError, match="needs groups"):
        ev.evaluate(frame, "2024-01-01", "2024-01-01", by="city")
    with pytest.raises(ev.EvaluationError, match="hour_label"):
        ev.daily_values(frame, hour_label="middle")
    with pytest.raises(ev.EvaluationError, match="ends before it starts"):
        ev.evaluate(frame, "2024-01-02", "2024-01-01")
