"""The 空气质量 (air quality) and 数据管理 (data) pages under Streamlit's AppTest, on a copy of
the demo database (built once per module)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from helpers import DATA
from streamlit import config as st_config
from streamlit.testing.v1 import AppTest

from geoaq.db import connection as db

APP = str(Path(__file__).resolve().parents[2] / "app.py")
AQ_PAGE = "app_pages/air_quality.py"
DATA_PAGE = "app_pages/data.py"
BAD_STATIONS = ("code,name,lon,lat\nUP01,上传站一,112.45,34.62\nUP02,上传站二,34.63,112.46\n"
                "UP03,,112.47,34.64\n").encode()
GOOD_STATIONS = "code,name,lon,lat\nUP09,上传站九,112.41,34.61\n".encode()
LATEST = ("时间（北京时间）", "首要污染物")
STATION_EVAL = ("站点编码", "数据状态")
COUNTS = ("行数（条）",)


def _page(path: str, **state) -> AppTest:
    """The app opened on `path`. Before the first run AppTest finds a page by its file name,
    which for data.py is its url path too (saves a run of the map page); air_quality.py's url
    path is air-quality, so that page is reached from the map page."""
    at = AppTest.from_file(APP, default_timeout=180)
    for key, value in state.items():
        at.session_state[key] = value
    if path != DATA_PAGE:
        at.run()
    at.switch_page(path).run()
    assert not at.exception, at.exception
    return at


def _table(at: AppTest, has: tuple[str, ...], lacks: tuple[str, ...] = ()):
    """The first table shown with all columns `has` and none of `lacks`."""
    tables = [d.value for d in at.dataframe]
    return next(t for t in tables if set(has) <= set(t.columns) and not set(lacks) & set(t.columns))


def _texts(elements) -> list[str]:
    return [e.value for e in elements]


# 空气质量 ------------------------------------------------------------------------------------

def test_air_quality_page_latest_hour_charts_daily_and_evaluation(demo_db):
    at = _page(AQ_PAGE)
    assert at.title[0].value == "空气质量"
    assert _texts(at.subheader) == ["最新小时 AQI", "24小时 AQI 趋势", "小时 AQI 与污染物浓度", "日 AQI", "环境空气质量评价"]
    latest = _table(at, LATEST)
    assert len(latest) == 13  # the demo's 13 stations, all chosen by default
    assert {"AQI", "级别", "类别", "颜色", "首要污染物", "PM2.5（µg/m³）", "CO（mg/m³）"} <= set(latest.columns)
    assert set(latest["时间（北京时间）"]) == {"2025-04-30 23:00"}
    assert set(latest["颜色"]) <= {"绿色", "黄色", "橙色", "红色", "紫色", "褐红色"}
    captions = _texts(at.caption)
    assert any("最新 2025-04-30 23:00" in c for c in captions)
    assert any("2025-04-30 00:00 至 2025-04-30 23:00（北京时间，逐小时）；单位：AQI（无量纲）" in c for c in captions)
    assert any(c.startswith("评价时段 2025-04-01 至 2025-04-30（北京时间）") and "µg/m³" in c for c in captions)
    assert any("演示数据" in i.value for i in at.info)
    # which standard scores which days, and how hours are labelled (the demo is all before 2026-03-01)
    assert any(c.startswith("2025-04-01 至 2025-04-30 按 GB 3095-2012 / HJ 633-2012 / HJ 663-2013。小时以结束时刻标注")
               for c in captions)
    assert set(latest["所用标准"]) == {"GB 3095-2012 / HJ 633-2012 / HJ 663-2013"}
    assert not any("HJ 663-2026" in i.value for i in at.info)
    assert len(at.get("vega_lite_chart")) == 3  # 24-hour trend, hourly series, calendar
    city = _table(at, ("城市", "评价站点数（个）"), ("月份",))
    assert list(city["城市"]) == ["洛阳"] and city.iloc[0]["评价时段（北京时间）"] == "2025-04-01 – 2025-04-30"
    assert "优良天数比率（%）" in city.columns and "O3 日最大8小时平均第90百分位（µg/m³）" in city.columns
    stations = _table(at, STATION_EVAL, ("月份",))
    assert len(stations) == 13 and set(stations["数据状态"]) == {"有效"}
    monthly = _table(at, ("月份",))
    assert set(monthly["月份"]) == {"2025-04"} and len(monthly) == 14
    metrics = {m.label: m.value for m in at.metric}
    assert float(metrics["城市优良天数比率（%）"]) > 0 and "城市 PM2.5 平均浓度（µg/m³）" in metrics
    labels = [b.label for b in at.get("download_button")]
    assert labels.count("下载图片（PNG）") == 3 and labels.count("下载 Excel") >= 5


def test_air_quality_page_shows_insufficient_data(demo_db):
    con = db.connect(demo_db)
    try:  # station 1811A loses ten days of April: its April evaluation misses the 27-day rule
        con.execute("DELETE FROM readings WHERE station_code = '1811A' "
                    "AND time_bjt >= TIMESTAMP '2025-04-05' AND time_bjt < TIMESTAMP '2025-04-15'")
    finally:
        con.close()
    at = _page(AQ_PAGE)
    stations = _table(at, STATION_EVAL, ("月份",)).set_index("站点编码")
    assert stations.loc["1811A", "PM2.5 平均浓度（µg/m³）"] == "数据不足"
    assert stations.loc["1811A", "数据状态"] == "数据不足" and "valid days" in stations.loc["1811A", "说明"]
    assert stations.loc["1812A", "数据状态"] == "有效"
    at.selectbox(key="aq_daily_object").set_value("station_code|1811A").run()
    assert not at.exception
    daily = _table(at, ("日期", "AQI"))
    assert (daily["AQI"] == "数据不足").sum() == 10


def test_air_quality_page_station_filter_indicator_and_english(demo_db):
    at = _page(AQ_PAGE, lang="en")
    at.multiselect(key="aq_stations").set_value(["1811A", "1812A"]).run()
    at.selectbox(key="aq_indicator").set_value("co").run()
    assert not at.exception
    latest = _table(at, ("Hour (Beijing time)", "Primary pollutant"))
    assert list(latest["Code"]) == ["1811A", "1812A"] and "CO (mg/m³)" in latest.columns
    assert len(_table(at, ("Code", "Data"), ("Month",))) == 2
    assert any("unit: mg/m³" in c.value for c in at.caption)
    at.multiselect(key="aq_stations").set_value([]).run()
    assert not at.exception and any("Pick at least one station" in i.value for i in at.info)


def test_air_quality_page_without_readings(tmp_path, monkeypatch):
    from geoaq.ingest.layer import ingest

    path = tmp_path / "empty.duckdb"
    ingest("stations", DATA / "stations_gcj02.csv", db=path, crs="gcj02")
    monkeypatch.setenv("GEOAQ_DB", str(path))
    at = _page(AQ_PAGE)
    assert "没有监测小时数据" in at.info[0].value


def _across_the_change(tmp_path) -> Path:
    """A database with the live release of 2026-03-01 12:00 (its 1,597 stations) and every hour of
    two Beijing stations from 2026-02-15 to 2026-03-31 and in March 2025, PM2.5 65 µg/m³ (良
    under HJ 633-2012, 轻度污染 under HJ 633-2026), hours labelled by their end."""
    import pandas as pd

    from geoaq.ingest.readings import load_readings

    path = tmp_path / "change.duckdb"
    load_readings(DATA / "cnemc_live_2026-03-01T12.csv", db=path)
    hours = [h for first, last in (("2025-03-01", "2025-04-01"), ("2026-02-15", "2026-04-01"))
             for h in pd.date_range(pd.Timestamp(first) + pd.Timedelta(hours=1), last, freq="h")]
    rows = [f"{code},{h:%Y-%m-%d %H:%M},65,70,5,20,60,0.5\n" for code in ("1001A", "1003A") for h in hours
            if not (code == "1001A" and h == pd.Timestamp("2026-03-01 12:00"))]
    csv = tmp_path / "beijing.csv"
    csv.write_text("station_code,datetime,PM2.5,PM10,SO2,NO2,O3,CO\n" + "".join(rows), "utf-8")
    load_readings(csv, db=path)
    return path


def test_air_quality_page_across_the_change_of_standard(tmp_path, monkeypatch):
    """A period spanning 2026-03-01: two labelled parts, the HJ 663-2026 note, the standard of
    each hour and row, and a year-on-year table on one basis; 按原标准 scores it all by 2012."""
    monkeypatch.setenv("GEOAQ_DB", str(_across_the_change(tmp_path)))
    at = _page(AQ_PAGE)
    at.date_input(key="aq_dates").set_value((date(2026, 2, 15), date(2026, 3, 31))).run()
    at.multiselect(key="aq_stations").set_value(["1001A", "1003A"]).run()
    assert not at.exception, at.exception
    captions = _texts(at.caption)
    assert any(c.startswith("2026-02-15 至 2026-02-28 按 GB 3095-2012 / HJ 633-2012 / HJ 663-2013；"
                            "2026-03-01 至 2026-03-31 按 GB 3095-2026 / HJ 633-2026（过渡期限值）。小时以结束时刻标注")
               for c in captions)
    assert any("评价方法 HJ 663-2013；HJ 663-2026 的例外事件与三年滑动评价尚未实现" in i.value for i in at.info)
    latest = _table(at, LATEST)
    assert set(latest["所用标准"]) == {"GB 3095-2026 / HJ 633-2026"} and set(latest["AQI"]) == {105}
    stations = _table(at, STATION_EVAL, ("月份",))
    assert len(stations) == 4
    assert sorted(stations["所用标准"].unique()) == ["GB 3095-2012 / HJ 633-2012 / HJ 663-2013",
                                                 "GB 3095-2026 / HJ 633-2026（过渡期限值）"]
    by_part = stations.set_index(["站点编码", "评价时段（北京时间）"])
    assert by_part.loc[("1003A", "2026-02-15 – 2026-02-28"), "优良天数比率（%）"] == "100.0"
    assert by_part.loc[("1003A", "2026-03-01 – 2026-03-31"), "优良天数比率（%）"] == "0.0"
    assert by_part.loc[("1003A", "2026-03-01 – 2026-03-31"), "综合指数"] == "数据不足"
    at.selectbox(key="aq_daily_object").set_value("station_code|1003A").run()
    daily = _table(at, ("日期", "AQI"))
    assert set(daily.loc[daily["日期"] < "2026-03-01", "AQI"]) == {"88"}
    assert set(daily.loc[daily["日期"] < "2026-03-01", "所用标准"]) == {"GB 3095-2012 / HJ 633-2012 / HJ 663-2013"}
    assert set(daily.loc[daily["日期"] >= "2026-03-01", "AQI"]) == {"105"}
    comparison = _table(at, ("指标", "本期", "上年同期"))
    assert set(comparison["所用标准"]) == {"GB 3095-2026 / HJ 633-2026"}
    assert any("两期均按 GB 3095-2026 / HJ 633-2026（后一时段末施行的标准）" in c for c in _texts(at.caption))
    at.selectbox(key="aq_basis").set_value("2012").run()
    assert not at.exception
    stations = _table(at, STATION_EVAL, ("月份",))
    assert len(stations) == 2 and set(stations["优良天数比率（%）"]) == {"100.0"}
    assert not any("HJ 663-2026" in i.value for i in at.info)


# 数据管理 ------------------------------------------------------------------------------------

def _upload(at: AppTest, target: str, *files: tuple[str, bytes]) -> AppTest:
    at.selectbox(key="data_target").set_value(target).run()
    at.file_uploader(key="data_files").set_value([(name, data, "text/csv") for name, data in files]).run()
    at.button(key="data_load").click().run()
    assert not at.exception, at.exception
    return at


def test_data_page_counts_and_stored_rejects(demo_db):
    at = _page(DATA_PAGE)
    assert at.title[0].value == "数据管理"
    assert _texts(at.subheader) == ["上传文件", "各图层数据量", "已记录的拒收数据", "定时数据接入"]
    counts = _table(at, COUNTS).set_index("图层")
    assert counts.loc["空气质量监测站", "行数（条）"] == 13 and counts.loc["监测小时数据", "行数（条）"] > 100_000
    assert any("每个文件不超过 200 MB" in c.value for c in at.caption)
    stored = _table(at, ("图层", "行号"))
    assert {"图层", "文件", "行号", "列", "值", "原因"} <= set(stored.columns)


def test_data_page_uploads_a_good_and_a_bad_file(demo_db):
    at = _page(DATA_PAGE)
    _upload(at, "stations", ("新站点.csv", GOOD_STATIONS), ("坏站点.csv", BAD_STATIONS))
    assert any("新站点.csv → 空气质量监测站：读取 1 行，载入 1 行，拒收 0 行" in s.value for s in at.success)
    assert any("坏站点.csv → 空气质量监测站：读取 3 行，载入 1 行，拒收 2 行" in w.value for w in at.warning)
    assert any("longitude and latitude look swapped" in c.value for c in at.code)
    rejects = _table(at, ("行号",), ("图层",))
    assert list(rejects["行号"]) == [3, 4] and "required value is empty" in rejects.iloc[1]["原因"]
    counts = _table(at, COUNTS).set_index("图层")
    assert counts.loc["空气质量监测站", "行数（条）"] == 13 + 2
    at.selectbox(key="data_rejects_layer").set_value("stations").run()
    stored = _table(at, ("图层", "行号"))
    assert set(stored["文件"]) == {"坏站点.csv"} and len(stored) == 2


def test_data_page_failed_load_changes_nothing(demo_db):
    at = _page(DATA_PAGE, lang="en")
    _upload(at, "stations", ("no_coordinates.csv", "code,name\nX1,无坐标\n".encode()))
    [error] = at.error
    assert "no_coordinates.csv" in error.value and "nothing in the database was changed" in error.value
    counts = _table(at, ("Rows",)).set_index("Layer")
    assert counts.loc["Air-quality stations", "Rows"] == 13


def test_data_page_refuses_a_file_above_the_limit(demo_db):
    at = _page(DATA_PAGE)
    previous = st_config.get_option("server.maxUploadSize")
    st_config.set_option("server.maxUploadSize", 1)
    try:
        _upload(at, "stations", ("大文件.csv", GOOD_STATIONS + b"#" * (1024 * 1024)))
    finally:
        st_config.set_option("server.maxUploadSize", previous)
    [error] = at.error
    assert "大文件.csv 为 1.0 MB，超过上传上限 1 MB，未载入" in error.value


def test_data_page_loads_readings(demo_db):
    at = _page(DATA_PAGE)
    _upload(at, "readings", ("readings_rejects.csv", (DATA / "readings_rejects.csv").read_bytes()))
    assert any("readings_rejects.csv → 监测小时数据" in w.value for w in at.warning)
    assert len(_table(at, ("行号",), ("图层",))) > 0
