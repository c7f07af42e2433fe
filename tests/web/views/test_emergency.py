"""The 重污染应急 page's map overlays: enterprises coloured by their strongest measure (those
without a place left off), stations by their mean AQI over the warning."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geoaq.web.views.emergency import (
    MEASURE_COLOURS,
    aqi_colour,
    enterprises_overlay,
    stations_overlay,
)


def _enterprises() -> pd.DataFrame:
    return pd.DataFrame({
        "enterprise_key": ["E1", "E2", "X9"], "enterprise_name": ["甲", "乙", "新"], "county": ["甲县", None, "乙县"],
        "industry": ["钢铁", "铸造", "石灰"], "grade": ["A", "B", "C"], "grade_class": ["exempt", "reduced", "full"],
        "kind": ["none", "stop", "stop"], "measures": [("无需减排",), ("停产",), ("停产",)], "lines": [1, 2, 1],
        "must_act": [False, True, True], "matched": [True, True, False], "lon": [112.1, 112.2, np.nan],
        "lat": [34.1, 34.2, np.nan], "cut_so2": [0, 20.5, 3], "cut_nox": [0, 1, 1], "cut_pm": [0, 1, 1],
        "cut_vocs": [0, 0, 0]})


def test_enterprises_are_coloured_by_measure_and_unplaced_ones_left_off():
    overlay = enterprises_overlay(_enterprises(), "en")
    features = overlay.collection["features"]
    assert [f["properties"]["_color"] for f in features] == [MEASURE_COLOURS["none"], MEASURE_COLOURS["stop"]]
    assert "乙 · Stop production" in features[1]["properties"]["_tooltip"]
    assert "20.50" in features[1]["properties"]["_popup"] and "fewer measures (B)" in features[1]["properties"]["_popup"]
    assert [e["label"].strip() for e in overlay.legend[1:]] == ["Stop production", "No reduction required"]


def test_stations_by_their_mean_aqi_during_the_warning():
    stations = gpd.GeoDataFrame({"code": ["A", "B"], "name": ["站A", "站B"]},
                                geometry=[shapely.Point(112.1, 34.1), shapely.Point(112.2, 34.2)], crs=4326)
    during = pd.DataFrame({"station_code": ["A"], "hours": [60], "aqi_mean": [210.4], "aqi_max": [300.0],
                           "heavy_hours": [40], "pm25_mean": [160.0], "standard_name": ["GB 3095-2012"]})
    overlay = stations_overlay(stations, during, "zh")
    colours = [f["properties"]["_color"] for f in overlay.collection["features"]]
    assert colours == [aqi_colour(210.4), aqi_colour(np.nan)] == ["#99004c", "#bbbbbb"]
    assert [label[2] for label in overlay.labels] == ["210", "—"]
    assert "GB 3095-2012" in overlay.collection["features"][0]["properties"]["_popup"]


def test_aqi_colours_follow_the_bands():
    assert [aqi_colour(v) for v in (0, 50, 51, 150, 151, 300, 301, 700)] == [
        "#00e400", "#00e400", "#ffff00", "#ff7e00", "#ff0000", "#99004c", "#7e0023", "#7e0023"]
