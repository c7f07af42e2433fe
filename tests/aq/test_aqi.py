"""AQI after HJ 633-2012: the national hourly release reproduced exactly, every breakpoint edge,
the overflow rules, primary pollutants, levels, and a daily example worked by hand."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest
from helpers import DATA

from geoaq.aq.aqi import (
    AqiInputError,
    aqi_level_table,
    daily_aqi,
    hourly_aqi,
    iaqi,
)
from geoaq.aq.standards import AQI_TABLES, load_standard

STD = load_standard("2012")
RELEASE = DATA / "cnemc_china_sites_20190101.csv"
HOURLY_COLUMNS = {"PM2.5": "pm25", "PM10": "pm10", "SO2": "so2", "NO2": "no2", "O3": "o3",
                  "CO": "co"}


# --- the national release -------------------------------------------------------------------

@pytest.fixture(scope="module")
def release() -> pd.DataFrame:
    """The quotsoft-format release as one row per station-hour, a column per `type` row."""
    raw = pd.read_csv(RELEASE, dtype={"date": str})
    long = raw.melt(id_vars=["date", "hour", "type"], var_name="station", value_name="value")
    wide = long.pivot(index=["date", "hour", "station"], columns="type", values="value")
    return wide.rename(columns=HOURLY_COLUMNS).reset_index()


def test_the_fixture_is_the_whole_release(release):
    assert release["station"].nunique() == 1605 and release["hour"].nunique() == 24
    assert len(release) == 1605 * 24


def test_hourly_aqi_reproduces_every_complete_station_hour_of_the_national_release(release):
    """27,135 station-hours have all six hourly values; each published AQI is matched exactly
    (no exceptions). PM2.5/PM10 are their hourly values on the 24-hour tables."""
    result = hourly_aqi(release[list(HOURLY_COLUMNS.values())])
    complete = release[list(HOURLY_COLUMNS.values())].notna().all(axis=1)
    assert complete.sum() == 27_135
    assert release.loc[complete, "AQI"].notna().all()
    mismatched = release.loc[complete & (result["aqi"] != release["AQI"]), ["station", "hour"]]
    assert mismatched.empty, mismatched.head(20).to_string()
    assert result.loc[complete, "aqi"].between(0, 500).all()
    assert (result.loc[complete, "aqi"] == 500).any()  # 2686A: PM10 above 600 µg/m³ → 500


def test_hourly_aqi_matches_the_published_aqi_also_where_some_pollutants_are_missing(release):
    """The release publishes an AQI for 4,883 incomplete station-hours: the maximum over the
    pollutants present, as hourly_aqi computes. (It leaves the AQI empty for 467 others that
    have some value, mostly those without PM: the publisher's choice, not a formula.)"""
    result = hourly_aqi(release[list(HOURLY_COLUMNS.values())])
    complete = release[list(HOURLY_COLUMNS.values())].notna().all(axis=1)
    published = release["AQI"].notna()
    assert (published & ~complete).sum() == 4_883
    assert (result.loc[published, "aqi"] == release.loc[published, "AQI"]).all()
    assert ((~published) & result["aqi"].notna()).sum() == 467


def test_the_release_rounds_up_and_scores_pm_hourly_values(release):
    """Why the rule is ceil on the hourly values: rounding half up, or the PM 24-hour moving
    means, would each miss thousands of the published values."""
    cols = list(HOURLY_COLUMNS.values())
    complete = release[cols].notna().all(axis=1)
    tables = {"pm25": "pm25_24h", "pm10": "pm10_24h", "so2": "so2_1h", "no2": "no2_1h",
              "o3": "o3_1h", "co": "co_1h"}
    sub = release[complete]

    def raw(col: str, values) -> np.ndarray:  # unrounded IAQI (linear interpolation)
        bp = STD.breakpoints[tables[col]]
        return np.interp(values, bp, STD.iaqi[: len(bp)])

    half_up = np.max([np.floor(raw(c, sub[c]) + 0.5) for c in cols], axis=0)
    assert (half_up != sub["AQI"]).sum() > 5_000
    pm_moving = sub.assign(pm25=sub["PM2.5_24h"], pm10=sub["PM10_24h"])
    assert (hourly_aqi(pm_moving[cols])["aqi"] != sub["AQI"]).sum() > 20_000


# --- iaqi: breakpoints, overflow, rounding ---------------------------------------------------

def _exact_iaqi(c: Fraction, table: str) -> int:
    """Reference: the HJ 633 formula in exact rational arithmetic, rounded up."""
    bp = [Fraction(b).limit_denominator(1000) for b in STD.breakpoints[table]]
    lv = STD.iaqi
    hi = next(i for i in range(1, len(bp)) if c <= bp[i])
    return math.ceil(Fraction(lv[hi] - lv[hi - 1]) / (bp[hi] - bp[hi - 1]) * (c - bp[hi - 1])
                     + lv[hi - 1])


@pytest.mark.parametrize("table", AQI_TABLES)
def test_every_breakpoint_gives_exactly_its_iaqi(table):
    bp = STD.breakpoints[table]
    levels = STD.iaqi[: len(bp)]
    assert iaqi(bp, table, STD).tolist() == list(levels)
    for b, level in zip(bp, levels, strict=True):
        assert iaqi(b, table, STD) == level
        if b > 0:
            assert iaqi(b - 1e-6, table, STD) == level  # just below: rounded up to it


@pytest.mark.parametrize("table", AQI_TABLES)
def test_just_above_a_breakpoint_is_the_next_segment(table):
    bp = STD.breakpoints[table]
    levels = STD.iaqi[: len(bp)]
    for b, level in zip(bp[:-1], levels[:-1], strict=True):
        for delta in (1e-6, 0.001):
            assert iaqi(b + delta, table, STD) == level + 1, (b, delta)


@pytest.mark.parametrize("table", AQI_TABLES)
def test_every_published_precision_value_matches_exact_arithmetic(table):
    """Every value on the release's grid (1 µg/m³; CO 0.1 mg/m³) and on a 0.1 grid, from 0 to the
    table's top: the float result equals the exact rational result (no 100.0000001 → 101)."""
    top = STD.breakpoints[table][-1]
    tenths = np.arange(0, int(round(top * 10)) + 1)
    got = iaqi(tenths / 10, table, STD)
    expected = [_exact_iaqi(Fraction(int(k), 10), table) for k in tenths]
    assert got.tolist() == expected


def test_rounding_is_up_and_float_noise_is_not():
    assert iaqi(36, "pm25_24h", STD) == 52  # 51.25 → 52
    assert iaqi(2.2, "co_24h", STD) == 55  # 2.2 is 2.2000000000000002 in binary
    assert iaqi(65.4, "co_1h", STD) == 218  # naive float arithmetic gives 219
    assert iaqi(1.2, "co_1h", STD) == 12


@pytest.mark.parametrize("table", [t for t in AQI_TABLES if len(STD.breakpoints[t]) == len(STD.iaqi)])
def test_above_the_top_of_a_complete_table_is_500(table):
    top = STD.breakpoints[table][-1]
    assert iaqi([top, top + 0.1, top + 1, top * 10], table, STD).tolist() == [500, 500, 500, 500]


def test_so2_1h_above_800_is_scored_with_the_24h_table():
    assert iaqi(800, "so2_1h", STD) == 200
    assert iaqi(900, "so2_1h", STD) == iaqi(900, "so2_24h", STD) == 213  # 200 + 100·100/800
    assert iaqi(800.5, "so2_1h", STD) == iaqi(800.5, "so2_24h", STD) == 201
    assert iaqi(5000, "so2_1h", STD) == 500


def test_o3_8h_above_800_is_scored_with_the_1h_table():
    assert iaqi(800, "o3_8h", STD) == 300
    assert iaqi(801, "o3_8h", STD) == iaqi(801, "o3_1h", STD) == 301  # 300.5
    assert iaqi(900, "o3_8h", STD) == iaqi(900, "o3_1h", STD) == 350
    assert iaqi(1300, "o3_8h", STD) == 500


def test_nan_and_negative_concentrations_give_nan():
    out = iaqi([np.nan, -1, -1e-9, 0, 10], "pm10_24h", STD)
    assert np.isnan(out[:3]).all() and out[3:].tolist() == [0, 10]
    nullable = pd.Series([35, None, 75], dtype="Float64")
    assert np.array_equal(iaqi(nullable, "pm25_24h", STD), [50, np.nan, 100], equal_nan=True)
    assert np.isnan(iaqi(np.nan, "co_1h", STD))
    assert iaqi(pd.Series([], dtype=float), "co_1h", STD).shape == (0,)


def test_iaqi_accepts_a_version_string_and_refuses_an_unknown_table():
    assert iaqi(75, "pm25_24h", "2012") == 100
    with pytest.raises(AqiInputError, match="unknown AQI table 'pm25_1h'"):
        iaqi(75, "pm25_1h", STD)


# --- hourly_aqi: primary pollutants, levels, columns ------------------------------------------

def _hourly(**columns) -> pd.DataFrame:
    base = {c: np.nan for c in HOURLY_COLUMNS.values()}
    n = max(len(v) for v in columns.values())
    return pd.DataFrame({c: columns.get(c, [base[c]] * n) for c in base})


def test_hourly_columns_index_and_standard():
    frame = _hourly(pm25=[75.0, 10.0], so2=[10.0, np.nan]).set_axis(["a", "b"])
    result = hourly_aqi(frame)
    assert list(result.columns) == [
        "iaqi_so2", "iaqi_no2", "iaqi_pm10", "iaqi_pm25", "iaqi_co", "iaqi_o3", "aqi",
        "aqi_present", "aqi_na", "missing", "primary_pollutant", "level", "category",
        "category_en", "colour", "standard"]
    assert list(result.index) == ["a", "b"]
    assert result["standard"].tolist() == ["2012", "2012"]
    assert result.loc["a", "iaqi_so2"] == 4  # 10 µg/m³ on the 1-hour table: 50·10/150 → 3.33
    assert result.loc["b", "aqi"] == 15  # 10 on pm25_24h: 14.29 → 15; SO2 missing


def test_primary_pollutant_ties_are_listed_in_a_fixed_order():
    frame = _hourly(
        pm25=[75, 75, 10, 75, 10],
        pm10=[150, 10, 10, 10, 10],
        so2=[500, 10, 10, 10, 500],   # 1-hour table: 500 → 100
        no2=[200, 10, 10, 10, 10],    # 200 → 100
        o3=[200, 10, 10, 200, 10],    # 200 → 100
        co=[10, 0.1, 0.1, 0.1, 10],   # 10 mg/m³ → 100
    )
    assert hourly_aqi(frame)["primary_pollutant"].tolist() == [
        "PM2.5,PM10,SO2,NO2,O3,CO", "PM2.5", None, "PM2.5,O3", "SO2,CO"]


def test_no_primary_pollutant_at_or_below_50_and_nan_without_any_value():
    frame = _hourly(pm25=[35, 35.5, np.nan], pm10=[50, 10, np.nan])
    result = hourly_aqi(frame)
    assert result["aqi"].iloc[:2].tolist() == [50, 51]
    assert result["primary_pollutant"].tolist() == [None, "PM2.5", None]
    assert np.isnan(result["aqi"].iloc[2])
    assert result.iloc[2][["level", "category", "category_en", "colour"]].isna().all()


def _pm10_for(aqi: int) -> float:
    """A PM10 concentration whose IAQI is exactly `aqi` (inverse of the formula)."""
    bp, lv = STD.breakpoints["pm10_24h"], STD.iaqi
    hi = next(i for i in range(1, len(bp)) if aqi <= lv[i])
    return bp[hi - 1] + (aqi - lv[hi - 1]) * (bp[hi] - bp[hi - 1]) / (lv[hi] - lv[hi - 1])


@pytest.mark.parametrize(("aqi", "category", "category_en", "colour"), [
    (0, "优", "Excellent", "#00e400"),
    (50, "优", "Excellent", "#00e400"),
    (51, "良", "Good", "#ffff00"),
    (100, "良", "Good", "#ffff00"),
    (101, "轻度污染", "Lightly polluted", "#ff7e00"),
    (150, "轻度污染", "Lightly polluted", "#ff7e00"),
    (151, "中度污染", "Moderately polluted", "#ff0000"),
    (200, "中度污染", "Moderately polluted", "#ff0000"),
    (201, "重度污染", "Heavily polluted", "#99004c"),
    (300, "重度污染", "Heavily polluted", "#99004c"),
    (301, "严重污染", "Severely polluted", "#7e0023"),
    (500, "严重污染", "Severely polluted", "#7e0023"),
])
def test_level_category_and_colour_at_the_band_edges(aqi, category, category_en, colour):
    result = hourly_aqi(_hourly(pm10=[_pm10_for(aqi)])).iloc[0]
    assert result["aqi"] == aqi
    assert (result["category"], result["category_en"], result["colour"]) == (
        category, category_en, colour)
    assert result["level"] == STD.level_for(aqi).level
    assert result["primary_pollutant"] == (None if aqi <= 50 else "PM10")


def test_hourly_so2_above_800_uses_the_24h_mean_when_given():
    frame = _hourly(so2=[900.0, 900.0, 300.0])
    assert hourly_aqi(frame)["iaqi_so2"].tolist() == [213, 213, 72]
    frame["so2_24h"] = [120.0, np.nan, 600.0]
    # 120 on so2_24h → 85 (note 2 to HJ 633 Table 1); no 24-hour mean → the hour's value;
    # at or below 800 the 1-hour table as usual
    assert hourly_aqi(frame)["iaqi_so2"].tolist() == [85, 213, 72]


def test_a_missing_pollutant_column_is_named():
    with pytest.raises(AqiInputError, match="missing pollutant column.*co"):
        hourly_aqi(pd.DataFrame({"pm25": [1.0], "pm10": [1.0], "so2": [1.0], "no2": [1.0],
                                 "o3": [1.0]}))


def test_standard_may_be_passed_as_an_object_or_a_version():
    frame = _hourly(pm25=[80.0])
    assert hourly_aqi(frame, STD).equals(hourly_aqi(frame, "2012"))


# --- daily_aqi ----------------------------------------------------------------------------------

def test_daily_aqi_worked_by_hand():
    frame = pd.DataFrame({
        #          ozone day  high-O3 day  PM tie   clean day
        "so2":       [20,       10,         30,      5],
        "no2":       [60,       30,         70,      20],
        "pm10":      [120,      60,         250,     30],
        "pm25":      [80,       40,         115,     20],
        "co":        [1.5,      0.8,        2.2,     0.4],
        "o3_1h_max": [190,      900,        60,      80],
        "o3_8h_max": [170,      850,        40,      60],
    }, index=pd.Index(["2019-07-01", "2019-07-02", "2019-01-01", "2019-05-01"], name="date"))
    result = daily_aqi(frame)
    # day 1 by hand (24-hour tables; O3 on the 1-hour and 8-hour tables):
    #   SO2 20 → 50·20/50 = 20;  NO2 60 → 50 + 50·20/40 = 75;  PM10 120 → 50 + 50·70/100 = 85
    #   PM2.5 80 → 100 + 50·5/40 = 106.25 → 107;  CO 1.5 → 50·1.5/2 = 37.5 → 38
    #   O3-1h 190 → 50 + 50·30/40 = 87.5 → 88;  O3-8h 170 → 100 + 50·10/55 = 109.09 → 110
    #   AQI 110, primary O3_8h, 轻度污染
    day1 = result.loc["2019-07-01"]
    assert day1[["iaqi_so2", "iaqi_no2", "iaqi_pm10", "iaqi_pm25", "iaqi_co", "iaqi_o3_1h",
                 "iaqi_o3_8h"]].tolist() == [20, 75, 85, 107, 38, 88, 110]
    assert (day1["aqi"], day1["primary_pollutant"], day1["category"]) == (110, "O3_8h", "轻度污染")
    # day 2: O3-8h 850 > 800 → the 1-hour table: 300 + 100·50/200 = 325; O3-1h 900 → 350
    day2 = result.loc["2019-07-02"]
    assert (day2["iaqi_o3_8h"], day2["iaqi_o3_1h"], day2["aqi"]) == (325, 350, 350)
    assert (day2["primary_pollutant"], day2["category"]) == ("O3_1h", "严重污染")
    # day 3: PM2.5 115 → 150 and PM10 250 → 150 tie; CO 2.2 → 50 + 50·0.2/2 = 55
    day3 = result.loc["2019-01-01"]
    assert (day3["aqi"], day3["primary_pollutant"], day3["iaqi_co"]) == (150, "PM2.5,PM10", 55)
    # day 4: everything ≤ 50 → no primary pollutant
    day4 = result.loc["2019-05-01"]
    assert (day4["aqi"], day4["primary_pollutant"], day4["category"]) == (30, None, "优")
    assert list(result.columns[:7]) == ["iaqi_so2", "iaqi_no2", "iaqi_pm10", "iaqi_pm25",
                                        "iaqi_co", "iaqi_o3_1h", "iaqi_o3_8h"]
    assert (result["standard"] == "2012").all()


def test_daily_uses_24h_tables_not_1h():
    frame = pd.DataFrame({"so2": [150.0], "no2": [80.0], "pm10": [np.nan], "pm25": [np.nan],
                          "co": [4.0], "o3_1h_max": [np.nan], "o3_8h_max": [np.nan]})
    result = daily_aqi(frame).iloc[0]
    assert (result["iaqi_so2"], result["iaqi_no2"], result["iaqi_co"]) == (100, 100, 100)
    assert result["primary_pollutant"] == "SO2,NO2,CO"


# --- legend ---------------------------------------------------------------------------------------

def test_aqi_level_table_for_legends():
    table = aqi_level_table("2012")
    assert table["band"].tolist() == ["0–50", "51–100", "101–150", "151–200", "201–300", ">300"]
    assert table["category"].tolist() == [b.category for b in STD.levels]
    assert table["colour"].tolist() == [b.colour for b in STD.levels]
    assert table["aqi_max"].isna().tolist() == [False] * 5 + [True]
