"""geoaq.web.views.air_quality and geoaq.web.charts: the air-quality page's tables and PNG charts."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from geoaq.aq import evaluation
from geoaq.web import charts
from geoaq.web.views import air_quality as aq_view

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def readings() -> pd.DataFrame:
    """Two stations, April 2025, every hour (labelled by its end, as stored: 04-01 01:00 … 05-01
    00:00); station B loses 10 days (数据不足 in April)."""
    hours = pd.date_range("2025-04-01 01:00", "2025-05-01 00:00", freq="h")
    rng = np.random.default_rng(7)
    frames = []
    for code in ("A", "B"):
        frame = pd.DataFrame({
            "station_code": code, "time_bjt": hours,
            "pm25": rng.uniform(10, 90, len(hours)), "pm10": rng.uniform(20, 150, len(hours)),
            "so2": rng.uniform(2, 20, len(hours)), "no2": rng.uniform(10, 60, len(hours)),
            "o3": rng.uniform(10, 180, len(hours)), "co": rng.uniform(0.2, 1.5, len(hours)),
        })
        if code == "B":
            frame = frame[(frame["time_bjt"] <= "2025-04-10") | (frame["time_bjt"] > "2025-04-20")]
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def test_latest_hour_table_has_units_categories_as_text_and_missing_stations(readings) -> None:
    hourly = aq_view.hourly_frame(readings)
    latest = aq_view.latest_hours(hourly, ["A", "B", "C"])
    table = aq_view.latest_hour_table(latest, {"A": "甲站"}, "2012", "zh")
    assert list(table.columns[:8]) == ["站点", "站点编码", "时间（北京时间）", "AQI", "级别", "类别", "颜色", "首要污染物"]
    assert {"PM2.5（µg/m³）", "O3（µg/m³）", "CO（mg/m³）"} <= set(table.columns)
    first = table.iloc[0]
    assert first["站点"] == "甲站" and first["时间（北京时间）"] == "2025-05-01 00:00"
    assert first["所用标准"] == "GB 3095-2012 / HJ 633-2012 / HJ 663-2013"
    assert first["颜色"] in {"绿色", "黄色", "橙色", "红色", "紫色", "褐红色"} and first["类别"]
    assert table.iloc[2]["类别"] == "无数据" and pd.isna(table.iloc[2]["AQI"])
    english = aq_view.latest_hour_table(latest, {}, "2012", "en")
    assert {"Category", "Colour", "CO (mg/m³)"} <= set(english.columns)


def test_evaluation_table_shows_insufficient_data_as_such(readings) -> None:
    result = evaluation.evaluate(readings, date(2025, 4, 1), date(2025, 4, 30), hour_label="end")
    table = aq_view.evaluation_table(result, "station_code", {"A": "甲站"}, "2012", "zh").set_index("站点编码")
    assert table.loc["A", "数据状态"] == "有效" and table.loc["A", "PM2.5 平均浓度（µg/m³）"] != "数据不足"
    assert table.loc["B", "PM2.5 平均浓度（µg/m³）"] == "数据不足" and table.loc["B", "数据状态"] == "数据不足"
    assert table.loc["B", "优良天数比率（%）"] == "数据不足" and "valid days" in table.loc["B", "说明"]
    assert table.loc["A", "评价时段（北京时间）"] == "2025-04-01 – 2025-04-30"
    assert table.loc["A", "所用标准"] == "GB 3095-2012 / HJ 633-2012 / HJ 663-2013"
    monthly = aq_view.evaluation_table(evaluation.monthly(readings, date(2025, 4, 1), date(2025, 4, 30),
                                                          hour_label="end"),
                                       "station_code", {}, "2012", "en")
    assert list(monthly["Month"]) == ["2025-04", "2025-04"] and "CO 95th percentile of daily means (mg/m³)" in monthly


def test_daily_table_and_calendar(readings) -> None:
    daily = aq_view.daily_aqi(readings)
    table = aq_view.daily_table(daily[daily["station_code"] == "B"], "station_code", {}, "2012", "zh")
    assert (table["AQI"] == "数据不足").sum() == 10 and "CO 24小时平均（mg/m³）" in table.columns
    cal = aq_view.calendar_frame(daily, "station_code", "B")
    assert len(cal) == 30 and (cal["text"] == "—").sum() == 10
    assert set(cal.loc[cal["aqi"].isna(), "colour"]) == {aq_view.MISSING_COLOUR}
    city = aq_view.daily_aqi(readings, by="city", groups={"A": "某市", "B": "某市"})
    assert set(city["city"]) == {"某市"} and city["aqi_valid_day"].all()


def test_pngs_are_drawn_offline_with_or_without_a_chinese_font(readings, monkeypatch) -> None:
    hourly = aq_view.hourly_frame(readings)
    series = aq_view.series(hourly, ["A", "B"], "aqi", {"A": "甲站"}, start=pd.Timestamp("2025-04-29"))
    bands = aq_view.band_table("2012", "zh")
    png = charts.line_chart_png(series, x="time_bjt", y="value", group="station", title="AQI 24小时",
                                x_label="时间", y_label="AQI", bands=bands)
    assert png.startswith(PNG) and len(png) > 10_000
    daily = aq_view.daily_aqi(readings)
    cal = aq_view.calendar_frame(daily, "station_code", "B")
    assert charts.calendar_png(cal, title="B", legend=bands, legend_label="label",
                               missing_label="数据不足").startswith(PNG)
    monkeypatch.setattr(charts, "cjk_font", lambda: None)  # a machine without CJK fonts
    assert not charts.can_draw_chinese()
    assert charts.line_chart_png(series, x="time_bjt", y="value", group="code", title="AQI", x_label="Time",
                                 y_label="AQI").startswith(PNG)
    table = aq_view.series_table(series, "aqi")
    assert list(table.columns) == ["时间（北京时间）", "B AQI", "甲站 AQI"]


def test_altair_specs_have_no_external_urls(readings) -> None:
    hourly = aq_view.hourly_frame(readings)
    series = aq_view.series(hourly, ["A"], "aqi", {})
    spec = charts.altair_lines(series, x_title="t", y_title="AQI", legend_title="s",
                               bands=aq_view.band_table()).to_dict()
    assert "http" not in str({k: v for k, v in spec.items() if k not in ("$schema",)})
    cal = aq_view.calendar_frame(aq_view.daily_aqi(readings), "station_code", "A")
    spec = charts.altair_calendar(cal, bands=aq_view.band_table(), missing_label="数据不足", day_title="日",
                                  month_title="月", legend_title="类别", aqi_title="AQI").to_dict()
    assert spec["layer"][0]["encoding"]["color"]["scale"]["domain"][-1] == "数据不足"


def test_tables_of_city_and_stations_stack_as_text() -> None:
    city = pd.DataFrame({"城市": ["洛阳"], "评价站点数（个）": [13], "AQI": [61.0]})
    station = pd.DataFrame({"站点": ["甲站"], "AQI": [float("nan")]})
    stacked = aq_view.as_text(city, None, station)
    assert stacked.to_dict("list") == {"城市": ["洛阳", ""], "评价站点数（个）": ["13", ""], "站点": ["", "甲站"],
                                       "AQI": ["61", ""]}
    assert list(stacked.columns) == ["城市", "评价站点数（个）", "站点", "AQI"]
    assert aq_view.as_text(None).empty
