"""`app.py` under Streamlit's AppTest: runs without exception, sidebar counts, language switch."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from geoaq.ingest.layer import ingest

APP = str(Path(__file__).resolve().parents[2] / "app.py")


@pytest.fixture
def small_db(tmp_path, monkeypatch):
    stations = tmp_path / "stations.csv"
    stations.write_text("code,name,lon,lat,synthetic\n1811A,中信二小,112.3628,34.6692,false\n"
                        "DEMO1,演示站,112.40,34.66,true\n", encoding="utf-8")
    fires = tmp_path / "fires.csv"
    fires.write_text(
        "latitude,longitude,brightness,scan,track,acq_date,acq_time,satellite,confidence,version,bright_t31,frp,daynight\n"
        "34.61,112.35,310.1,1.0,1.0,2025-04-22,0530,A,55,6.1NRT,290.1,5.2,D\n"
        "34.62,112.36,311.1,1.0,1.0,2025-04-23,0610,T,85,6.1NRT,291.1,6.2,D\n", encoding="utf-8")
    db = tmp_path / "app.duckdb"
    ingest("stations", stations, db=db)
    ingest("fire_points", fires, db=db)
    monkeypatch.setenv("GEOAQ_DB", str(db))
    return db


def test_app_runs_and_shows_counts(small_db):
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception
    assert at.title[0].value == "大气污染防治一张图"
    checkboxes = {c.key: c for c in at.sidebar.checkbox}
    assert checkboxes["show_stations"].label == "空气质量监测站（2）"
    assert checkboxes["show_stations"].value is True
    assert checkboxes["show_mines"].disabled  # empty layers cannot be switched on
    captions = [c.value for c in at.sidebar.caption]
    assert any("其中 1 条为演示数据" in c for c in captions)
    assert any("2025-04-22 – 2025-04-23" in c for c in captions)  # the period the fires cover
    assert any("演示数据" in i.value for i in at.info)


def test_language_switch_and_layer_toggle(small_db):
    at = AppTest.from_file(APP, default_timeout=60).run()
    at.sidebar.radio(key="lang").set_value("en").run()
    assert not at.exception
    assert at.title[0].value == "Air-pollution governance map"
    assert {c.key: c.label for c in at.sidebar.checkbox}["show_fire_points"] == "Satellite fire points (2)"
    at.sidebar.checkbox(key="show_fire_points").uncheck().run()
    assert not at.exception


def test_missing_database_explains_how_to_build_it(tmp_path, monkeypatch):
    monkeypatch.setenv("GEOAQ_DB", str(tmp_path / "missing.duckdb"))
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception
    assert "make run" in at.error[0].value


def _save_button(at):
    return next(b for b in at.button if b.label == "保存核查结果")


def _fires_page(**state):
    at = AppTest.from_file(APP, default_timeout=120)
    for key, value in state.items():
        at.session_state[key] = value
    at.run()
    at.switch_page("app_pages/fires.py").run()
    assert not at.exception
    return at


def test_fires_page_shows_events_with_units_and_period(demo_db):
    at = _fires_page()
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["火点事件（个）"] == "16"
    assert metrics["扣减财力合计（疑似口径）"].startswith("¥")
    assert any("统计时段：2025-04-23 至 2025-04-24（北京时间）" in c.value for c in at.caption)
    assert at.dataframe[0].value.shape[0] == 16
    assert "类别" in at.dataframe[0].value.columns and "扣减(元)" in at.dataframe[0].value.columns


def test_fires_page_filters_change_the_counts(demo_db):
    at = _fires_page()
    at.multiselect(key="fire_cat").set_value(["other_open_burning"]).run()
    assert not at.exception
    assert {m.label: m.value for m in at.metric}["火点事件（个）"] == "2"
    at.toggle(key="fire_in_zone").set_value(True).run()
    assert at.dataframe[0].value.shape[0] == 2  # both built-up fires lie in fuel-ban zones


def test_fires_page_sets_a_status_through_the_shared_function(demo_db):
    from geoaq.db import connection as db
    from geoaq.fires import verification

    at = _fires_page()
    event_id = at.dataframe[0].value.iloc[0]["事件编号"]
    at.selectbox(key="fire_event").set_value(event_id).run()
    assert not at.exception
    at.radio(key="status_new").set_value("dismissed")
    at.selectbox(key="status_reason").set_value("not_a_fire")
    _save_button(at).click().run()
    assert not at.exception, at.exception
    con = db.connect(demo_db, read_only=True)
    try:
        history = verification.history(con, event_id)
    finally:
        con.close()
    assert list(history["status"]) == ["dismissed"] and history.iloc[0]["changed_by"] == "test-admin"
    assert history.iloc[0]["changed_by_role"] == "admin"  # the signed-in account, not a typed name


def test_fires_page_in_english(demo_db):
    at = _fires_page(lang="en")
    assert {m.label for m in at.metric} >= {"Fire events", "Suspected industrial"}


def test_fires_page_refuses_a_dismissal_without_reason(demo_db):
    from geoaq.db import connection as db
    from geoaq.fires import verification

    at = _fires_page()
    event_id = at.dataframe[0].value.iloc[0]["事件编号"]
    at.selectbox(key="fire_event").set_value(event_id).run()
    at.radio(key="status_new").set_value("dismissed")
    _save_button(at).click().run()
    assert not at.exception
    assert any("reason" in e.value or "原因" in e.value for e in at.error)
    con = db.connect(demo_db, read_only=True)
    try:
        assert verification.history(con, event_id).empty
    finally:
        con.close()


def _page(path: str, **state):
    at = AppTest.from_file(APP, default_timeout=180)
    for key, value in state.items():
        at.session_state[key] = value
    at.run()
    at.switch_page(path).run()
    assert not at.exception, at.exception
    return at


def test_compliance_page_statuses_reasons_and_period(demo_db):
    at = _page("app_pages/compliance.py")
    metrics = {m.label: m.value for m in at.metric}
    assert int(metrics["未达标（个）"]) >= 1 and int(metrics["禁煤区内燃煤企业（家）"]) == 5
    assert any("统计时段：2024-10-01 至 2025-03-31（北京时间） · 按施行标准（各时段按当时施行的标准，跨标准分段）" in c.value
               for c in at.caption)
    assert "首要原因" in at.dataframe[0].value.columns
    at.selectbox(key="comp_scope").set_value("zone|LY-JMQ-01").run()
    assert not at.exception
    assert at.subheader[0].value.startswith("洛阳市中心城区禁煤区（演示） · 未达标")
    assert any("燃煤企业" in m.value for m in at.markdown)


def test_compliance_page_scope_filter_and_english(demo_db):
    at = _page("app_pages/compliance.py", lang="en")
    at.multiselect(key="comp_kinds").set_value(["city"]).run()
    assert not at.exception
    assert at.dataframe[0].value.shape[0] == 1
    assert {m.label for m in at.metric} >= {"Compliant", "Not compliant"}


@pytest.fixture
def compact_events(monkeypatch):
    """The pages switch to the compact event layer above 5 events (the demo has 16)."""
    import geoaq.web.views.fires

    monkeypatch.setattr(geoaq.web.views.fires, "EVENT_LAYER_THRESHOLD", 5)


def test_fires_page_with_many_events_opens_an_event_by_its_id(demo_db, compact_events):
    at = _fires_page()
    assert any(c.value.startswith("共 16 个事件") for c in at.caption)
    assert [s.key for s in at.selectbox if s.key == "fire_event"] == []  # no list of every id
    assert not at.dataframe  # the table comes on demand
    at.toggle(key="fire_show_table").set_value(True).run()
    assert at.dataframe[0].value.shape[0] == 16
    event_id = at.dataframe[0].value.iloc[3]["事件编号"]
    at.text_input(key="fire_event").input(f" {event_id} ").run()
    assert not at.exception, at.exception
    assert at.subheader[0].value.startswith(f"{event_id} · ")
    at.text_input(key="fire_event").input("FE-20990101-00000000").run()
    assert "没有事件 FE-20990101-00000000" in at.warning[0].value
    assert not [h for h in at.subheader if h.value.startswith("FE-")]


def test_map_page_with_many_events_runs(demo_db, compact_events):
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params["start"] = "2025-04-22"
    at.query_params["end"] = "2025-04-24"
    at.run()
    assert not at.exception, at.exception
    assert at.date_input(key="map_dates").value == (date(2025, 4, 22), date(2025, 4, 24))


def _map_at(start: str, end: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params["start"], at.query_params["end"] = start, end
    at.run()
    assert not at.exception, at.exception
    return at


def _too_many(at: AppTest) -> list[str]:
    return [c.value for c in at.sidebar.caption if "火点探测" in c.value]


def test_map_page_draws_the_period_s_detections_up_to_a_limit(demo_db, monkeypatch):
    assert _too_many(_map_at("2025-04-22", "2025-04-24")) == []  # the demo's 17 detections drawn
    monkeypatch.setattr("geoaq.web.views.fires.MAP_DETECTIONS_MAX", 10)
    assert _too_many(_map_at("2025-04-22", "2025-04-24")) == [
        "本时段火点探测 17 个，超过地图逐点绘制上限 10 个；请看火点事件图层。"]
    assert _too_many(_map_at("2025-04-25", "2025-04-26")) == []  # none in that period


def test_map_page_for_a_period_after_the_last_reading(demo_db):
    at = _map_at("2025-06-01", "2025-06-02")  # the hour slider cannot start at the last reading
    assert at.select_slider[0].value == pd.Timestamp("2025-06-02 23:00")


def test_a_link_sets_the_fires_period_and_a_bad_link_says_why(demo_db):
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    at.query_params["start"] = "2025-04-24"
    at.query_params["end"] = "2025-04-24"
    at.switch_page("app_pages/fires.py").run()
    assert not at.exception
    assert at.date_input(key="fire_dates").value == (date(2025, 4, 24), date(2025, 4, 24))
    assert {m.label: m.value for m in at.metric}["火点事件（个）"] == "0"

    bad = AppTest.from_file(APP, default_timeout=120)
    bad.run()
    bad.query_params["start"] = "2025-13-01"
    bad.switch_page("app_pages/fires.py").run()
    assert "start=2025-13-01" in bad.warning[0].value and "YYYY-MM-DD" in bad.warning[0].value
    assert {m.label: m.value for m in bad.metric}["火点事件（个）"] == "16"  # the default period
