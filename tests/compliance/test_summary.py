"""Zone compliance summary on a small constructed area where every number is known."""

from __future__ import annotations

import json
from datetime import date

import pandas as pd
import pytest
import shapely

from geoaq.compliance import summary as compliance
from geoaq.compliance.targets import Target
from geoaq.db import connection as db
from geoaq.i18n import msg, say
from geoaq.ingest.layer import ingest
from geoaq.ingest.readings import load_readings

JAN = (date(2025, 1, 1), date(2025, 1, 31))


def _box(x0, y0, x1, y1):
    return shapely.box(x0, y0, x1, y1)


def _geojson(path, rows):
    features = [{"type": "Feature", "properties": p, "geometry": shapely.geometry.mapping(g)} for p, g in rows]
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False), "utf-8")
    return path


def _readings(path, station: str, pm25_by_year: dict[int, float]) -> None:
    hours = []
    for year, pm25 in pm25_by_year.items():
        for stamp in pd.date_range(f"{year}-01-01 00:00", f"{year}-01-31 23:00", freq="h"):
            hours.append(f"{station},{stamp:%Y-%m-%d %H:%M},{pm25},80,10,30,60,0.8\n")
    path.write_text("station_code,datetime,PM2.5,PM10,SO2,NO2,O3,CO\n" + "".join(hours), "utf-8")


@pytest.fixture(scope="module")
def area(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("compliance")
    con = db.connect(tmp / "c.duckdb")
    ingest("admin_units", _geojson(tmp / "units.geojson", [
        ({"adcode": "419901", "name": "甲县", "level": "县"}, _box(112.0, 34.0, 112.2, 34.2)),
        ({"adcode": "419902", "name": "乙县", "level": "县"}, _box(112.2, 34.0, 112.4, 34.2)),
    ]), con=con)
    ingest("control_zones", _geojson(tmp / "zones.geojson", [
        ({"zone_id": "ZC", "name": "城区禁煤区", "zone_type": "禁煤区"}, _box(112.05, 34.05, 112.15, 34.15)),
        ({"zone_id": "ZB", "name": "乙县禁烧区", "zone_type": "秸秆禁烧区"}, _box(112.25, 34.05, 112.35, 34.15)),
        ({"zone_id": "ZN", "name": "乙县机械禁用区", "zone_type": "高排放非道路移动机械禁用区"},
         _box(112.36, 34.16, 112.39, 34.19)),
    ]), con=con)
    (tmp / "ent.csv").write_text(
        "enterprise_id,name,cluster,industry,performance_grade,ultra_low_emission,main_fuel,lon,lat\n"
        "E1,燃煤锅炉厂,,其他,C,未改造,煤,112.10,34.10\n"
        "E2,燃气砖厂,砖瓦集群,砖瓦,B,已完成,天然气,112.12,34.12\n"
        "E3,乙县砖厂,砖瓦集群,砖瓦,A,已完成,电,112.13,34.13\n"
        "E4,乙县石灰厂,,石灰,B,改造中,煤,112.31,34.11\n", "utf-8")
    ingest("enterprises", tmp / "ent.csv", con=con)
    (tmp / "mines.csv").write_text("mine_id,name,status,lon,lat\nM1,甲矿,停产整治,112.01,34.01\n", "utf-8")
    ingest("mines", tmp / "mines.csv", con=con)
    (tmp / "stations.csv").write_text("code,name,city,level,lon,lat\nS1,甲站,测试市,国控,112.11,34.11\n"
                                      "S2,乙站,测试市,国控,112.30,34.10\n", "utf-8")
    ingest("stations", tmp / "stations.csv", con=con)
    _readings(tmp / "s1.csv", "S1", {2024: 60, 2025: 50})
    _readings(tmp / "s2.csv", "S2", {2024: 45, 2025: 45})
    (tmp / "fires.csv").write_text(
        "latitude,longitude,bright_ti4,scan,track,acq_date,acq_time,satellite,confidence,version,bright_ti5,frp,daynight\n"
        "34.07,112.27,330.0,0.38,0.36,2025-01-15,0530,N,n,2.0NRT,290.0,4.0,D\n", "utf-8")
    ingest("fire_points", tmp / "fires.csv", con=con)
    load_readings(tmp / "s1.csv", con=con)
    load_readings(tmp / "s2.csv", con=con)
    yield con
    con.close()


TARGETS = [
    Target(id="city-pm25", plan="测试方案 PM2.5同比下降3%", source="test", scope_level="city", scope_name="测试市",
           start=JAN[0], end=JAN[1], metric="pm25_mean", kind="relative", unit="percent", op="<=", value=-3.0),
    Target(id="city-good", plan="测试方案 优良天数", source="test", scope_level="city", scope_name="测试市",
           start=JAN[0], end=JAN[1], metric="good_day_ratio", kind="absolute", op=">=", value=90),
    Target(id="b-pm25", plan="乙县 PM2.5", source="test", scope_level="district", scope_name="乙县",
           start=JAN[0], end=JAN[1], metric="pm25_mean", kind="absolute", op="<=", value=40),
]


@pytest.fixture(scope="module")
def coded(area):
    """The summary as summarize returns it: codes and messages."""
    return compliance.summarize(area, *JAN, targets=TARGETS).set_index(["scope_type", "scope_id"])


@pytest.fixture(scope="module")
def summary(coded):
    """The summary in Chinese words, as the page and the exports show it."""
    return compliance.worded(coded)


def test_the_summary_holds_codes_and_messages(coded):
    zone = coded.loc[("zone", "ZC")]
    assert zone["status"] == "non_compliant"
    assert zone["reasons"][0] == msg("compliance.reason.coal_user", name="燃煤锅炉厂", fuel="煤")
    assert say(zone["reasons"][0], "en").startswith("Coal user “燃煤锅炉厂”")
    assert {t["status"] for t in zone["targets"]} <= {"compliant", "non_compliant", "insufficient"}


def test_coal_user_in_a_coal_ban_zone_is_a_violation(summary):
    zone = summary.loc[("zone", "ZC")]
    assert zone["status"] == "未达标"
    assert zone["coal_users"] == ["燃煤锅炉厂"]
    assert any("燃煤锅炉厂" in r for r in zone["reasons"])
    assert zone["enterprises"] == 3
    assert zone["enterprises_by_industry"] == {"其他": 1, "砖瓦": 2}
    assert zone["enterprises_by_grade"] == {"A": 1, "B": 1, "C": 1}
    assert zone["attention_enterprises"] == ["燃煤锅炉厂"]
    assert zone["stations"] == ["S1"] and zone["stations_source"] == "inside"


def test_station_evaluation_and_targets_with_known_numbers(summary):
    zone = summary.loc[("zone", "ZC")]
    (s1,) = zone["station_results"]
    assert s1["pm25_mean"] == pytest.approx(50) and s1["good_day_ratio"] == pytest.approx(100)
    assert s1["heavy_days"] == 0
    by_target = {t["target"]: t for t in zone["targets"]}
    assert by_target["city-pm25"]["status"] == "达标" and "-16.7%" in by_target["city-pm25"]["reason"]
    assert by_target["city-good"]["status"] == "达标"


def test_district_target_missed_is_listed_with_the_numbers(summary):
    county = summary.loc[("county", "419902")]
    assert county["status"] == "未达标"
    assert county["coal_users"] == []  # E4 burns coal, but not inside a coal-ban zone
    assert any("45 µg/m³" in r and "<= 40" in r for r in county["reasons"])
    first = summary.loc[("county", "419901")]
    assert first["coal_users"] == ["燃煤锅炉厂"] and first["mines_by_status"] == {"停产整治": 1}


def test_fire_in_a_burning_ban_zone_is_a_violation(summary):
    zone = summary.loc[("zone", "ZB")]
    assert zone["fire_events"] == 1 and zone["penalty_yuan"] in (100_000, 500_000)
    assert zone["status"] == "未达标"
    assert any(r.startswith("火点事件 1 个（2025-01-01 至 2025-01-31，北京时间）") for r in zone["reasons"])
    assert summary.loc[("zone", "ZC")]["fire_events"] == 0


def test_zone_without_station_takes_the_nearest(summary):
    assert summary.loc[("zone", "ZB")]["stations_source"] == "inside"
    zone = summary.loc[("zone", "ZN")]
    assert zone["stations"] == ["S2"] and zone["stations_source"] == "nearest"
    assert zone["enterprises"] == 0


def test_city_row_uses_the_city_mean(summary):
    city = summary.loc[("city", "测试市")]
    assert city["status"] == "达标"
    (result,) = city["station_results"]
    assert result["pm25_mean"] == pytest.approx(47.5)  # mean of the two stations' hours
    reasons = " ".join(city["reasons"])
    assert "上年同期 52.5" in reasons and "同比 -9.5%" in reasons


def test_cluster_scope_and_filters(area, summary):
    cluster = summary.loc[("cluster", "砖瓦集群")]
    assert cluster["enterprises"] == 2 and cluster["scope_kind"] == "砖瓦"
    only = compliance.summarize(area, *JAN, zone_id="ZC", targets=TARGETS)
    assert list(only["scope_id"]) == ["ZC"]
    only = compliance.summarize(area, *JAN, district="419902", targets=TARGETS)
    assert list(only["scope_id"]) == ["419902"]


def test_insufficient_data_when_no_readings(area):
    feb = compliance.summarize(area, date(2025, 2, 1), date(2025, 2, 28), targets=[
        Target(id="t", plan="p", source="s", scope_level="city", scope_name="测试市", start=date(2025, 2, 1),
               end=date(2025, 2, 28), metric="pm25_mean", kind="absolute", op="<=", value=35)])
    city = compliance.worded(feb).set_index("scope_type").loc["city"]
    assert city["status"] == "数据不足" and "数据不足" in city["reasons"][0]


def test_sensitive_areas_around_national_stations(area):
    table = compliance.sensitive_areas(area, *JAN).set_index("station_code")
    assert table.loc["S1", "enterprises_count"] == 3  # E1 ~1.4 km, E2 ~1.4 km, E3 ~2.9 km
    assert table.loc["S2", "enterprises_count"] == 1 and table.loc["S2", "enterprises"][0].startswith("乙县石灰厂 (1,4")
    assert table.loc["S1", "radius_m"] == 3000


def test_summary_lists_the_sensitive_areas_of_its_stations(summary):
    (line,) = summary.loc[("zone", "ZC")]["sensitive_areas"]
    assert line.startswith("甲站（S1）3,000 米内：企业 ") and "燃煤锅炉厂" in line


def test_flatten_gives_text_cells(coded):
    flat = compliance.flatten(coded.reset_index())
    assert flat.map(lambda v: not isinstance(v, list | dict)).all().all()
    assert "未达标" in set(flat["status"])
    english = compliance.flatten(coded.reset_index(), "en")
    assert "not compliant" in set(english["status"]) and english["reasons"].str.contains("Coal user").any()
