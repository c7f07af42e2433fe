"""Warnings: entered, revised, cancelled (every change a new revision, naming who), loaded from
a file with rejects and without duplicates, the area checked against admin_units, in force by
time (a warning spanning two months)."""

from __future__ import annotations

from datetime import date, datetime

import pandas as pd
import pytest

from geoaq._errors import EmergencyInputError, MissingColumnsError, UnknownWarningError
from geoaq.db import store
from geoaq.emergency import alerts


def _issue(con, **values):
    options = {"area": "测试市", "level": "橙色", "start": "2025-01-30 20:00", "end": "2025-02-02 08:00",
               "issued_by": "测试市重污染天气应急指挥部", "recorded_by": "张三"} | values
    return alerts.issue_warning(con, **options)


@pytest.mark.parametrize(("text", "expected"), [
    ("2025-01-04 20:00", datetime(2025, 1, 4, 20)), ("2025/1/4 8:30", datetime(2025, 1, 4, 8, 30)),
    ("2025年1月4日20时", datetime(2025, 1, 4, 20)), ("2025-01-04", datetime(2025, 1, 4)),
    ("2025-01-04 24:00", datetime(2025, 1, 5)), ("2025-01-04T20:00:00", datetime(2025, 1, 4, 20)),
    ("2025-02-30 10:00", None), ("明天", None), (None, None),
])
def test_times_as_bureaus_write_them(text, expected):
    assert alerts.parse_time(text) == expected


def test_a_warning_spanning_two_months_is_in_force_on_each_of_its_days(area_con):
    wid, outcome = _issue(area_con)
    assert outcome == "new" and wid.startswith("YJ-202501302000-II-")
    assert [len(alerts.on_day(area_con, date(2025, m, d))) for m, d in ((1, 29), (1, 30), (1, 31), (2, 1),
                                                                         (2, 2), (2, 3))] == [0, 1, 1, 1, 1, 0]
    row = alerts.warning(area_con, wid)
    assert (row["level"], row["area"], row["status"], row["revision"]) == ("II", "测试市", "issued", 1)


def test_entering_the_same_warning_again_adds_no_revision(area_con):
    first, _ = _issue(area_con)
    again, outcome = _issue(area_con)
    assert (again, outcome) == (first, "unchanged")
    assert len(alerts.history(area_con, first)) == 1


def test_revisions_end_early_and_cancel_keep_the_history(area_con):
    wid, _ = _issue(area_con)
    assert alerts.revise_warning(area_con, wid, recorded_by="李四", end="2025-02-01 12:00") == "changed"
    assert alerts.revise_warning(area_con, wid, recorded_by="王五", cancel=True, note="会商后撤销") == "changed"
    history = alerts.history(area_con, wid)
    assert history["revision"].tolist() == [1, 2, 3]
    assert history["recorded_by"].tolist() == ["张三", "李四", "王五"]
    assert history["status"].tolist() == ["issued", "issued", "cancelled"]
    assert pd.Timestamp(history["end_at"].iloc[1]) == pd.Timestamp("2025-02-01 12:00")
    assert alerts.on_day(area_con, date(2025, 1, 31)).empty  # cancelled
    assert alerts.current_warnings(area_con, include_cancelled=False).empty


def test_a_county_area_must_be_a_county_of_admin_units(area_con):
    wid, _ = _issue(area_con, area="乙县", level="Ⅲ级")
    assert alerts.area_scope("乙县", alerts.areas(area_con)) == (alerts.COUNTY, "乙县")
    assert alerts.area_scope("410399", alerts.areas(area_con)) == (alerts.COUNTY, "乙县")
    assert alerts.area_scope("测试市", alerts.areas(area_con)) == (alerts.CITY, None)
    with pytest.raises(EmergencyInputError, match="'丙县' is neither the city nor a county"):
        _issue(area_con, area="丙县")


def test_a_bad_warning_names_every_problem_and_writes_nothing(area_con):
    with pytest.raises(EmergencyInputError) as caught:
        _issue(area_con, level="紫色", start="2025-02-02 08:00", end="2025-01-30 20:00", issued_by=" ")
    message = str(caught.value)
    assert "issued_by is empty" in message and "level '紫色' is not a warning level" in message
    assert "ends (2025-01-30 20:00) before or when it starts" in message
    assert alerts.current_warnings(area_con).empty
    with pytest.raises(UnknownWarningError, match="no warning 'YJ-X'"):
        alerts.warning(area_con, "YJ-X")


def test_a_warnings_file_loads_with_rejects_and_again_without_duplicates(area_con, tmp_path):
    path = tmp_path / "warnings.csv"
    path.write_text("测试市重污染天气预警发布记录\n"
                    "预警编号,预警区域,预警级别,开始时间,结束时间,发布单位,文号\n"
                    "W1,测试市,橙色预警（Ⅱ级）,2025-01-30 20:00,2025-02-02 08:00,指挥部,测重〔2025〕1号\n"
                    ",甲县,黄色,2025年2月10日8时,2025年2月11日20时,甲县指挥部,\n"
                    "W3,测试市,紫色,2025-03-01 00:00,2025-02-28 00:00,指挥部,\n", "utf-8")
    report = alerts.load_warnings(path, con=area_con, recorded_by="赵六")
    assert (report.rows_read, report.inserted, report.rejected_rows) == (3, 2, 1)
    reason = report.rejects["reason"].iloc[0]
    assert report.rejects["row_number"].tolist() == [5] and "紫色" in reason and "before or when it starts" in reason
    assert store.list_rejects(area_con, "emergency_warnings")["row_number"].tolist() == [5]
    again = alerts.load_warnings(path, con=area_con, recorded_by="赵六")
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 2)
    stored = alerts.current_warnings(area_con)
    assert sorted(stored["level"]) == ["II", "III"] and len(stored) == 2
    assert set(stored["source_file"]) == {str(path)} and set(stored["recorded_by"]) == {"赵六"}
    path.write_text(path.read_text("utf-8").replace("2025-02-02 08:00", "2025-02-01 08:00"), "utf-8")
    changed = alerts.load_warnings(path, con=area_con, recorded_by="赵六")
    assert (changed.inserted, changed.updated, changed.unchanged) == (0, 1, 1)
    assert alerts.warning(area_con, "W1")["revision"] == 2


def test_a_warnings_file_without_its_columns_is_refused(area_con, tmp_path):
    (tmp_path / "w.csv").write_text("区域,级别\n测试市,橙色\n", "utf-8")
    with pytest.raises(MissingColumnsError, match=r"\['start_at', 'end_at', 'issued_by'\]"):
        alerts.load_warnings(tmp_path / "w.csv", con=area_con, recorded_by="赵六")
    with pytest.raises(EmergencyInputError, match="recorded_by"):
        alerts.load_warnings(tmp_path / "w.csv", con=area_con, recorded_by=" ")


def _geojson(path, features):
    import json

    rings = {"甲县": (112.0, 34.0), "乙县": (112.5, 34.0), "测试市": (112.0, 34.0)}
    out = []
    for props in features:
        lon, lat = rings[props["name"]]
        size = 0.95 if props["level"] == "市" else 0.45
        ring = [[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]]
        out.append({"type": "Feature", "properties": props, "geometry": {"type": "Polygon", "coordinates": [ring]}})
    path.write_text(json.dumps({"type": "FeatureCollection", "features": out}, ensure_ascii=False), "utf-8")
    return path


def test_the_city_is_known_by_its_unit_its_code_and_its_stations_not_other_cities(area_con, tmp_path):
    from geoaq.ingest.layer import ingest

    ingest("admin_units", _geojson(tmp_path / "city.geojson", [{"adcode": "410300", "name": "测试市", "level": "市"}]),
           con=area_con)
    # a national feed stores every city's stations: one of 北京市, far from the counties
    (tmp_path / "far.csv").write_text("code,name,city,lon,lat\nB001A,北京站,北京市,116.4,39.9\n", "utf-8")
    ingest("stations", tmp_path / "far.csv", con=area_con, constants={"level": "国控"})
    known = alerts.areas(area_con)
    for name in ("测试市", "测试", "410300"):
        assert alerts.area_scope(name, known) == (alerts.CITY, None), name
    for name in ("北京市", "北京", "410000"):
        assert name not in known
    with pytest.raises(EmergencyInputError, match="'北京市' is neither the city nor a county"):
        _issue(area_con, area="北京市")
    with pytest.raises(EmergencyInputError, match="'北京' is neither the city nor a county"):
        alerts.area_scope("北京", known)


def test_counties_without_a_city_name_know_it_by_parent_code_and_the_stations_inside(migrated_db, tmp_path):
    from geoaq.db import connection as db
    from geoaq.ingest.layer import ingest

    con = db.connect(migrated_db)
    try:
        ingest("admin_units", _geojson(tmp_path / "counties.geojson", [
            {"adcode": "410398", "name": "甲县", "level": "县", "parent_adcode": "410300"},
            {"adcode": "410399", "name": "乙县", "level": "县", "parent_adcode": "410300"}]), con=con)
        assert set(alerts.areas(con)) == {"甲县", "乙县", "410398", "410399", "410300"}
        (tmp_path / "stations.csv").write_text("code,name,city,lon,lat\nT001A,一站,测试,112.2,34.2\n"
                                               "B001A,北京站,北京市,116.4,39.9\n", "utf-8")
        ingest("stations", tmp_path / "stations.csv", con=con, constants={"level": "国控"})
        known = alerts.areas(con)
        assert {k for k, v in known.items() if v == (alerts.CITY, None)} == {"测试", "测试市", "410300"}
        assert alerts.area_scope("乙县", known) == (alerts.COUNTY, "乙县")
    finally:
        con.close()


def test_without_admin_units_any_area_is_the_whole_city(migrated_db):
    from geoaq.db import connection as db

    con = db.connect(migrated_db)
    try:
        assert alerts.areas(con) == {}
        assert alerts.area_scope("随便哪里", {}) == (alerts.CITY, None)
        wid, outcome = _issue(con, area="随便哪里")
        assert outcome == "new"
    finally:
        con.close()


def test_a_warning_ending_at_midnight_is_not_in_force_on_the_next_day(area_con):
    _issue(area_con, start="2025-01-30 20:00", end="2025-02-02 00:00")
    assert [len(alerts.on_day(area_con, date(2025, m, d))) for m, d in ((1, 30), (2, 1), (2, 2))] == [1, 1, 0]
    assert len(alerts.in_force(area_con, datetime(2025, 2, 2))) == 1  # the instant itself is its last


def test_overlapping_warnings_are_all_kept_and_in_force(area_con):
    city, _ = _issue(area_con)
    county, _ = _issue(area_con, area="乙县", level="红色", start="2025-01-31 08:00", end="2025-01-31 20:00")
    upgrade, _ = _issue(area_con, level="红色", start="2025-02-01 00:00", end="2025-02-03 00:00")
    assert len({city, county, upgrade}) == 3
    assert set(alerts.on_day(area_con, date(2025, 1, 31))["warning_id"]) == {city, county}
    assert set(alerts.on_day(area_con, date(2025, 2, 1))["warning_id"]) == {city, upgrade}
    assert set(alerts.on_day(area_con, date(2025, 2, 2))["warning_id"]) == {city, upgrade}
