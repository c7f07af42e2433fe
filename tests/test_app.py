"""`app.py` under Streamlit's AppTest: runs without exception, sidebar counts, language switch."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from geoaq.ingest import ingest

APP = str(Path(__file__).resolve().parents[1] / "app.py")


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
