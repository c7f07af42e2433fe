"""Stations coloured by AQI with labels and a 24-hour trend; what lies inside a drawn area."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import shapely

from geoaq.layers import load_registry
from geoaq.web.views.inside import drawn_geometry, features_inside
from geoaq.web.views.stations import aqi_legend, sparkline_svg, stations_overlay


def _stations():
    return gpd.GeoDataFrame({"code": ["A1", "B2"], "name": ["<i>甲</i>站", "乙站"]},
                            geometry=[shapely.Point(112.4, 34.6), shapely.Point(112.5, 34.7)], crs=4326)


def _hourly():
    times = pd.date_range("2025-01-15 00:00", periods=24, freq="h")
    return pd.DataFrame({
        "station_code": "A1", "time_bjt": times, "aqi": range(40, 64), "category": "良", "category_en": "Good",
        "colour": "#ffff00", "primary_pollutant": "PM2.5", "pm25": 50.0, "pm10": 80.0, "so2": 8.0, "no2": 30.0,
        "o3": 40.0, "co": 0.9,
    })


def test_sparkline_draws_a_line_with_gaps_and_bounds():
    svg = sparkline_svg([10, 20, None, 30, 40])
    assert svg.count("<polyline") == 2 and ">40<" in svg and ">10<" in svg
    assert sparkline_svg([None, 5]) == ""


def test_stations_coloured_labelled_and_escaped():
    overlay = stations_overlay(_stations(), _hourly(), pd.Timestamp("2025-01-15 23:00"), "zh")
    first, second = overlay.collection["features"]
    assert first["properties"]["_color"] == "#ffff00" and second["properties"]["_color"] == "#bbbbbb"
    assert overlay.labels[0][2] == "63" and overlay.labels[1][2] == "—"
    popup = first["properties"]["_popup"]
    assert "&lt;i&gt;甲&lt;/i&gt;站" in popup and "<i>" not in popup
    assert "50 µg/m³" in popup and "0.9 mg/m³" in popup and "<svg" in popup
    assert "近24小时AQI（01-15 00:00 至 01-15 23:00，北京时间）" in popup
    assert "无数据" in second["properties"]["_popup"]


def test_aqi_legend_names_bands_in_words():
    from geoaq.aq.aqi import aqi_level_table

    entries = aqi_legend(aqi_level_table(), "zh", "空气质量监测站", "GB 3095-2026 / HJ 633-2026")
    labels = [e["label"] for e in entries]
    assert labels[0] == "空气质量监测站 AQI（GB 3095-2026 / HJ 633-2026）" and "  0–50 优" in labels
    assert "  >300 严重污染" in labels


def test_features_inside_a_drawn_rectangle():
    registry = load_registry()
    drawing = {"type": "Feature", "geometry": shapely.geometry.mapping(shapely.box(112.35, 34.55, 112.45, 34.65))}
    area = drawn_geometry(drawing)
    counts, found = features_inside([(registry["stations"], _stations().assign(
        level=None, city=None, district=None, province=None, prefecture=None, reference_station=None))], area)
    assert counts.iloc[0]["count"] == 1 and list(found["stations"]["站点编码"]) == ["A1"]
    assert drawn_geometry({"geometry": {"type": "Point", "coordinates": [1, 2]}}) is None
    assert drawn_geometry(None) is None
