"""AQI after HJ 633-2026: the live national release of 2026-03-01 12:00 reproduced, every new
rule at its edge (PM2.5 60/61, PM10 120/121, SO2 1-hour above 800, O3 8-hour above 800, GB/T
8170 rounding, the missing-data rule), and the same values under HJ 633-2012 for contrast."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from helpers import DATA

from geoaq.aq.aqi import daily_aqi, hourly_aqi, iaqi
from geoaq.aq.rounding import gbt8170, round_value
from geoaq.aq.standards import load_standard

NEW = load_standard("2026")
OLD = load_standard("2012")
LIVE = DATA / "cnemc_live_2026-03-01T12.csv"
#: the release's pollutant columns → geoaq's (o3: the 1-hour value in the 2026 files)
COLUMNS = {"pm2_5": "pm25", "pm10": "pm10", "so2": "so2", "no2": "no2", "o3": "o3", "co": "co"}
#: how the release names primary pollutants
PRIMARY = {"细颗粒物(PM2.5)": "PM2.5", "颗粒物(PM10)": "PM10", "二氧化硫(SO2)": "SO2",
           "二氧化氮(NO2)": "NO2", "臭氧1小时(O3_1h)": "O3", "一氧化碳(CO)": "CO"}


def _hourly(**columns) -> pd.DataFrame:
    n = max(len(v) for v in columns.values())
    return pd.DataFrame({c: columns.get(c, [np.nan] * n) for c in ("pm25", "pm10", "so2", "no2",
                                                                    "o3", "co")}, dtype=float)


# --- the live release, read plainly (the loader is tested in tests/ingest) ----------------------

@pytest.fixture(scope="module")
def live() -> pd.DataFrame:
    raw = pd.read_csv(LIVE, dtype=str, keep_default_na=False)
    frame = pd.DataFrame({ours: pd.to_numeric(raw[theirs].replace({"NA": None, "/": None}))
                          for theirs, ours in COLUMNS.items()})
    frame["unmeasured"] = [",".join(o for t, o in COLUMNS.items() if row[t] == "/") or None
                           for _, row in raw.iterrows()]
    frame["published"] = pd.to_numeric(raw["aqi"].replace({"NA": None}))
    frame["published_primary"] = [
        frozenset() if p == "NA" else frozenset(PRIMARY[x] for x in p.split(","))
        for p in raw["primarypollutant"]]
    frame["measured_missing"] = [
        frozenset(o for t, o in COLUMNS.items() if row[t] == "NA") for _, row in raw.iterrows()]
    frame["station"] = raw["stationcode"]
    return frame


def _names(text) -> frozenset:
    return frozenset(text.split(",")) if isinstance(text, str) else frozenset()


def test_every_station_hour_with_its_six_values_is_reproduced(live):
    """1,265 station-hours have all six hourly values: every published AQI and primary pollutant
    is matched exactly under HJ 633-2026 (PM scored on the 24-hour breakpoints)."""
    result = hourly_aqi(live, NEW)
    complete = live[list(COLUMNS.values())].notna().all(axis=1)
    assert len(live) == 1597 and complete.sum() == 1265
    assert live.loc[complete, "published"].notna().all()
    wrong = live.loc[complete & (result["aqi"] != live["published"]), "station"]
    assert wrong.empty, wrong.tolist()[:20]
    primary = result["primary_pollutant"].map(_names)
    assert (primary[complete] == live.loc[complete, "published_primary"]).all()
    # 北京 万寿西宫 (1001A): PM2.5 69 µg/m³ → 109 (轻度污染); HJ 633-2012 gave 93 (良)
    at = live.index[live["station"] == "1001A"][0]
    assert (result.loc[at, "aqi"], result.loc[at, "category"]) == (109, "轻度污染")
    assert hourly_aqi(live.loc[[at]], OLD)["aqi"].iloc[0] == 93
    assert (hourly_aqi(live[complete], OLD)["aqi"] != live.loc[complete, "published"]).sum() > 400


def test_the_missing_data_rule_on_the_rows_that_lack_some(live):
    """The 332 rows lacking a value: where the rule publishes (AQI of the others above 100, or only
    pollutants the station does not measure, written "/", are absent) the published AQI and
    primary pollutant are matched; every AQI the release wrote as NA is NA by the rule. Where the
    rule withholds the AQI but the release published one, the only missing pollutant is PM10:
    with PM10 alone missing and the others ≤ 100 the release published the AQI of the other
    five in 141 of 148 rows (NA in 7), which HJ 633-2026 §5.3.1 as transcribed does not provide
    for; geoaq keeps the rule and `geoaq aq check-published` reports those hours."""
    result = hourly_aqi(live, NEW)
    partial = ~live[list(COLUMNS.values())].notna().all(axis=1)
    assert partial.sum() == 332
    published = live["published"].notna()
    ours = result["aqi"].notna()
    # every number geoaq publishes on these rows is the release's, with its primary pollutant
    both = partial & ours
    assert both.sum() > 100
    assert (result.loc[both, "aqi"] == live.loc[both, "published"]).all()
    assert (result.loc[both, "primary_pollutant"].map(_names) == live.loc[both, "published_primary"]).all()
    # "/" (not measured) is not missing: those rows are published whatever their AQI
    only_unmeasured = partial & live["measured_missing"].map(len).eq(0)
    assert only_unmeasured.sum() == 90 and ours[only_unmeasured].all()
    assert (result.loc[only_unmeasured, "aqi"] <= 100).sum() > 50
    # every NA of the release is NA here, and withheld only when the others are ≤ 100
    assert (~ours[partial & ~published]).all()
    withheld = result["aqi_na"]
    assert (result.loc[withheld, "aqi_present"] <= 100).all()
    assert (result.loc[withheld, "category"].isna() & result.loc[withheld, "primary_pollutant"].isna()).all()
    # the release published above 100 with a pollutant missing, as the rule does
    assert (partial & ours & (result["aqi"] > 100) & live["measured_missing"].map(len).gt(0)).sum() >= 10
    # where the two disagree: PM10 alone is missing, the release shows the AQI of the others
    disagree = partial & published & ~ours
    assert disagree.sum() == 141
    assert (live.loc[disagree, "measured_missing"] == frozenset({"pm10"})).all()
    assert (result.loc[disagree, "aqi_present"] == live.loc[disagree, "published"]).all()
    pm10_alone = partial & live["measured_missing"].eq(frozenset({"pm10"})) & (result["aqi_present"] <= 100)
    assert pm10_alone.sum() == 148 and (pm10_alone & ~published).sum() == 7


# --- the new rules at their edges --------------------------------------------------------------

@pytest.mark.parametrize(("pollutant", "values", "new", "old"), [
    ("pm25", [35, 60, 61, 75, 115], [50, 100, 101, 114, 150], [50, 82, 83, 100, 150]),
    ("pm10", [50, 120, 121, 150, 250], [50, 100, 101, 112, 150], [50, 85, 86, 100, 150]),
])
def test_pm_iaqi_100_moved_to_60_and_120(pollutant, values, new, old):
    table = f"{pollutant}_24h"
    assert iaqi(values, table, NEW).tolist() == new
    assert iaqi(values, table, OLD).tolist() == old
    clean = {p: [1.0, 1.0] for p in ("pm25", "pm10", "so2", "no2", "o3", "co")}
    category = hourly_aqi(_hourly(**{**clean, pollutant: values[1:3]}), NEW)["category"].tolist()
    assert category == ["良", "轻度污染"]


def test_so2_1h_above_800_is_iaqi_200():
    assert iaqi([650, 800, 801, 1000, 5000], "so2_1h", NEW).tolist() == [150, 200, 200, 200, 200]
    assert iaqi([800, 801, 1000], "so2_1h", OLD).tolist() == [200, 201, 225]  # 2012: 24-hour table
    frame = _hourly(so2=[801.0])
    frame["so2_24h"] = [1600.0]  # 2012 scored the hour with the 24-hour mean: 300
    assert hourly_aqi(frame, NEW)["aqi"].tolist() == [200]
    assert hourly_aqi(frame, OLD)["aqi"].tolist() == [300]


def test_o3_8h_above_800_is_iaqi_300():
    assert iaqi([265, 800, 801, 1000, 2000], "o3_8h", NEW).tolist() == [200, 300, 300, 300, 300]
    assert iaqi([800, 801, 1000], "o3_8h", OLD).tolist() == [300, 301, 400]  # 2012: 1-hour table


def test_the_daily_report_has_six_indicators_without_the_o3_1h_maximum():
    frame = pd.DataFrame({"so2": [10.0], "no2": [20.0], "pm10": [30.0], "pm25": [20.0], "co": [0.5],
                          "o3_1h_max": [900.0], "o3_8h_max": [120.0]})
    new = daily_aqi(frame, NEW).iloc[0]
    old = daily_aqi(frame, OLD).iloc[0]
    assert np.isnan(new["iaqi_o3_1h"]) and new["iaqi_o3_8h"] == 67  # 50 + 50·20/60 = 66.7
    assert (new["aqi"], new["primary_pollutant"]) == (67, "O3_8h")
    assert (old["aqi"], old["primary_pollutant"]) == (350, "O3_1h")
    # the O3 1-hour maximum is not needed at all under 2026
    assert daily_aqi(frame.drop(columns="o3_1h_max"), NEW)["aqi"].tolist() == [67]
    # O3-8h above 800 µg/m³: IAQI 300 (2012: the 1-hour table)
    frame["o3_8h_max"] = [850.0]
    assert daily_aqi(frame, NEW)["aqi"].tolist() == [300]


# --- GB/T 8170 ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("value", "decimals", "expected", "rule"), [
    (5.14, 1, 5.1, "3.3.1: the first dropped digit is below 5: dropped"),
    (12.1498, 1, 12.1, "3.3.1"),
    (5.16, 1, 5.2, "3.3.2: above 5: the kept digit goes up"),
    (1268, -2, 1300, "3.3.2 at hundreds"),
    (5.1501, 1, 5.2, "3.3.3: 5 followed by a non-zero digit: up"),
    (10.5002, 0, 11, "3.3.3"),
    (0.05, 1, 0.0, "3.3.4: exactly 5, kept digit even (0): dropped"),
    (0.15, 1, 0.2, "3.3.4: exactly 5, kept digit odd (1): up"),
    (0.25, 1, 0.2, "3.3.4: even (2): dropped"),
    (0.35, 1, 0.4, "3.3.4: odd (3): up"),
    (1.050, 1, 1.0, "3.3.4, the standard's example"),
    (60.5, 0, 60, "3.3.4 at integers: even"),
    (61.5, 0, 62, "3.3.4 at integers: odd"),
    (2500, -3, 2000, "3.3.4 at thousands"),
    (-0.0365, 3, -0.036, "3.3.5: negative: the absolute value rounded, then the sign"),
    (-5.25, 1, -5.2, "3.3.5"),
])
def test_gbt8170_rounds_as_the_standard_states(value, decimals, expected, rule):
    assert round_value(value, decimals) == expected, rule


def test_gbt8170_keeps_nan_and_works_on_arrays():
    out = gbt8170([0.05, np.nan, 0.15, np.inf], 1)
    assert out[0] == 0.0 and np.isnan(out[1]) and out[2] == 0.2 and np.isnan(out[3])


def test_concentrations_are_rounded_before_scoring():
    # CO 1-hour: 5.05 → 5.0 → 50 (unrounded it would be 50.5 → 51); 5.15 → 5.2 → 52; 5.25 → 5.2
    assert iaqi([5.05, 5.15, 5.25, 5.0501], "co_1h", NEW).tolist() == [50, 52, 52, 51]
    assert iaqi([5.05, 5.15], "co_1h", OLD).tolist() == [51, 52]
    # PM2.5 60.5 → 60 → 100 (良); 61.5 → 62 → 102; 59.5 → 60 → 100
    assert iaqi([60.5, 61.5, 59.5], "pm25_24h", NEW).tolist() == [100, 102, 100]
    six = _hourly(pm25=[60.5], pm10=[10.0], so2=[5.0], no2=[10.0], o3=[20.0], co=[0.3])
    assert hourly_aqi(six, NEW)["category"].tolist() == ["良"]


# --- the missing-data rule -----------------------------------------------------------------------

def test_a_missing_pollutant_withholds_the_aqi_up_to_100():
    frame = _hourly(pm25=[60.0, 61.0, 10.0, 10.0], pm10=[50.0, 50.0, 20.0, 20.0],
                    so2=[5.0] * 4, no2=[20.0] * 4, o3=[np.nan, np.nan, 50.0, 50.0],
                    co=[0.5, 0.5, np.nan, np.nan])
    frame["unmeasured"] = [None, None, "co", None]
    result = hourly_aqi(frame, NEW)
    # O3 missing, the others 100: NA; 101: published (PM2.5 primary)
    assert result["aqi"].isna().tolist() == [True, False, False, True]
    assert result["aqi_na"].tolist() == [True, False, False, True]
    assert result["aqi_present"].tolist() == [100, 101, 20, 20]
    assert result["primary_pollutant"].tolist() == [None, "PM2.5", None, None]
    assert result["category"].tolist() == [None, "轻度污染", "优", None]
    assert result["missing"].tolist() == ["O3", "O3", None, "CO"]
    assert result["iaqi_pm25"].tolist() == [100, 101, 15, 15]  # the IAQIs stand
    # 2012: the AQI of the others is published
    assert hourly_aqi(frame, OLD)["aqi"].notna().all()


def test_gbt8170_fast_path_equals_rounding_the_decimal_digits():
    """The vectorised path decides by the binary value only away from a tie; every value near one
    (0.35, 2.675, 1.0005 …) is decided from its digits: both agree everywhere."""
    from geoaq.aq.rounding import _decimal_round

    rng = np.random.default_rng(8170)
    values = np.concatenate([rng.uniform(-500, 500, 50_000), np.round(rng.uniform(0, 100, 20_000), 1),
                             np.round(rng.uniform(0, 10, 20_000), 2) + 0.005, [2.675, 1.0005, -0.0365]])
    for decimals in (-1, 0, 1, 2, 3):
        assert np.array_equal(gbt8170(values, decimals), _decimal_round(values, decimals)), decimals
