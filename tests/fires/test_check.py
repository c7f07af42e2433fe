"""Fire check on a small constructed area where every answer is known, and on the demo data
against a geopandas recount."""

from __future__ import annotations

import json
from datetime import date

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from geoaq.db import connection as db
from geoaq.db import store
from geoaq.db.named import query
from geoaq.fires import verification
from geoaq.fires.check import check_fires, event_detections, fires_per_cropland, is_persistent
from geoaq.fires.notice import notice_table, notice_title, write_notice
from geoaq.fires.rules import FireRules, load_fire_rules
from geoaq.i18n import say
from geoaq.ingest.layer import ingest
from geoaq.layers import get_layer

RULES = FireRules(heat_industries=("钢铁",), heat_mine_minerals=("煤",), heat_buffer_m=1000,
                  persistence_min_days=3, persistence_window_days=30, landcover=None)
DAY = date(2025, 4, 23)
HEADER = "latitude,longitude,bright_ti4,scan,track,acq_date,acq_time,satellite,confidence,version,bright_ti5,frp,daynight\n"


def _box(x0, y0, x1, y1, hole=None):
    return shapely.Polygon([(x0, y0), (x1, y0), (x1, y1), (x0, y1)], holes=[hole] if hole else None)


def _geojson(path, rows):
    features = [{"type": "Feature", "properties": props, "geometry": shapely.geometry.mapping(geom)}
                for props, geom in rows]
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False), "utf-8")
    return path


@pytest.fixture(scope="module")
def area(tmp_path_factory):
    """Two counties (A west, B east, sharing x = 112.2), A split into townships at x = 112.1."""
    tmp = tmp_path_factory.mktemp("fire_check")
    con = db.connect(tmp / "check.duckdb")
    hole = [(112.04, 34.08), (112.06, 34.08), (112.06, 34.12), (112.04, 34.12)]
    ingest("admin_units", _geojson(tmp / "units.geojson", [
        ({"adcode": "410001", "name": "甲县", "level": "县"}, _box(112.0, 34.0, 112.2, 34.2)),
        ({"adcode": "410002", "name": "乙县", "level": "县"}, _box(112.2, 34.0, 112.4, 34.2)),
        ({"adcode": "410001001", "name": "甲一镇", "level": "乡镇", "parent_adcode": "410001"}, _box(112.0, 34.0, 112.1, 34.2)),
        ({"adcode": "410001002", "name": "甲二镇", "level": "乡镇", "parent_adcode": "410001"}, _box(112.1, 34.0, 112.2, 34.2)),
    ]), con=con)
    ingest("control_zones", _geojson(tmp / "zones.geojson", [
        ({"zone_id": "Z1", "name": "甲县禁烧区", "zone_type": "秸秆禁烧区"}, _box(112.0, 34.0, 112.1, 34.2, hole)),
        ({"zone_id": "Z2", "name": "城区禁煤区", "zone_type": "禁煤区"}, _box(112.15, 34.05, 112.25, 34.15)),
    ]), con=con)
    (tmp / "ent.csv").write_text("enterprise_id,name,industry,经度,纬度\n"
                                 "E1,钢铁厂,钢铁,112.30,34.10\nE2,家具厂,家具,112.05,34.19\n", "utf-8")
    ingest("enterprises", tmp / "ent.csv", con=con)
    (tmp / "mines.csv").write_text("mine_id,name,mineral,status,lon,lat\nM1,一号煤矿,煤,生产,112.35,34.02\n", "utf-8")
    ingest("mines", tmp / "mines.csv", con=con)
    row = "{lat},{lon},330.0,0.38,0.36,{d},{t},{s},{c},2.0NRT,290.0,4.0,D\n"
    rows = [
        row.format(lat=34.10, lon=112.05, d="2025-04-23", t="0530", s="N", c="n"),    # F1 in Z1's hole
        row.format(lat=34.15, lon=112.02, d="2025-04-23", t="0530", s="N", c="h"),    # F2 inside Z1
        row.format(lat=34.15, lon=112.10, d="2025-04-23", t="0530", s="N", c="n"),    # F3 on Z1's edge
        row.format(lat=34.10, lon=112.301, d="2025-04-23", t="0530", s="N", c="n"),   # F4 by the steel plant
        row.format(lat=34.021, lon=112.351, d="2025-04-23", t="0530", s="N", c="l"),  # F5 by the coal mine
        row.format(lat=34.18, lon=112.38, d="2025-04-23", t="0530", s="N", c="n"),    # F6 persistent …
        row.format(lat=34.18, lon=112.38, d="2025-04-10", t="0530", s="N", c="n"),
        row.format(lat=34.18, lon=112.38, d="2025-04-01", t="0530", s="N", c="n"),
        row.format(lat=34.12, lon=112.16, d="2025-04-23", t="0530", s="N", c="n"),    # F7 seen twice …
        row.format(lat=34.1215, lon=112.1605, d="2025-04-23", t="0610", s="N20", c="h"),
        row.format(lat=34.19, lon=112.19, d="2025-04-22", t="1630", s="N", c="n"),    # F8: Beijing 04-23
        row.format(lat=34.19, lon=112.18, d="2025-04-22", t="1530", s="N", c="n"),    # Beijing 04-22
    ]
    (tmp / "fires.csv").write_text(HEADER + "".join(rows), "utf-8")
    ingest("fire_points", tmp / "fires.csv", con=con)
    yield con
    con.close()


def _by_position(checked: pd.DataFrame, lat: float, lon: float) -> pd.Series:
    distance = (checked["lat"] - lat).abs() + (checked["lon"] - lon).abs()
    return checked.loc[distance.idxmin()]


def test_every_event_is_attributed_as_constructed(area):
    checked = check_fires(area, DAY, DAY, rules=RULES)
    assert len(checked) == 8  # 9 detections of Beijing 04-23 → 8 events (F7 twice)
    f1 = _by_position(checked, 34.10, 112.05)
    assert (f1.county_name, f1.township_name, f1.zone_ids) == ("甲县", "甲一镇", [])
    f2 = _by_position(checked, 34.15, 112.02)
    assert f2.zone_ids == ["Z1"] and f2.zone_types == ["秸秆禁烧区"] and f2.in_control_zone
    f3 = _by_position(checked, 34.15, 112.10)  # on the edge of Z1 and between two townships
    assert f3.zone_ids == ["Z1"] and f3.township_adcode == "410001001"
    f7 = _by_position(checked, 34.12075, 112.16025)
    assert f7.detections == 2 and f7.satellites == "N,N20" and f7.zone_types == ["禁煤区"]
    f8 = _by_position(checked, 34.19, 112.19)
    assert f8.local_date == DAY and f8.first_detected_bjt == pd.Timestamp("2025-04-23 00:30")


def test_heat_sources_and_persistence_are_industrial(area):
    checked = check_fires(area, DAY, DAY, rules=RULES)
    f4 = _by_position(checked, 34.10, 112.301)
    assert f4.category == "suspected_industrial" and "钢铁厂" in say(f4.category_reason)
    assert f4.nearest_enterprise_id == "E1" and 80 < f4.nearest_enterprise_m < 100
    f5 = _by_position(checked, 34.021, 112.351)
    assert f5.category == "suspected_industrial" and "一号煤矿" in say(f5.category_reason)
    f6 = _by_position(checked, 34.18, 112.38)
    assert f6.category == "suspected_industrial" and "持续热点" in say(f6.category_reason)
    others = checked[~checked["event_id"].isin([f4.event_id, f5.event_id, f6.event_id])]
    assert set(others["category"]) == {"straw_burning"}  # no land cover: counted as straw
    # with a 50 m buffer the steel plant (~92 m away) no longer explains F4
    assert _by_position(check_fires(area, DAY, DAY, rules=FireRules(
        heat_industries=("钢铁",), heat_buffer_m=50, landcover=None)), 34.10, 112.301).category == "straw_burning"


def test_penalties_follow_categories_and_status(area):
    checked = check_fires(area, DAY, DAY, rules=RULES)
    straw = checked[checked["category"] == "straw_burning"]
    assert (straw["penalty_yuan"] == 500_000).all()
    assert (checked.loc[checked["category"] == "suspected_industrial", "penalty_yuan"] == 0).all()
    f2 = _by_position(checked, 34.15, 112.02)
    verification.set_status(area, f2.event_id, "dismissed", changed_by="tester", reason="not_a_fire")
    again = check_fires(area, DAY, DAY, rules=RULES)
    assert _by_position(again, 34.15, 112.02).penalty_yuan == 0
    assert again["penalty_yuan"].sum() == checked["penalty_yuan"].sum() - 500_000
    verified = check_fires(area, DAY, DAY, rules=RULES, figures="verified")
    assert verified["penalty_yuan"].sum() == 0  # nothing verified yet
    f1 = _by_position(checked, 34.10, 112.05)
    verification.set_status(area, f1.event_id, "核定", changed_by="tester", township_adcode="410001002",
                            county_adcode="410001")
    verified = check_fires(area, DAY, DAY, rules=RULES, figures="verified")
    row = _by_position(verified, 34.10, 112.05)
    assert row.penalty_yuan == 500_000 and row.status == "verified"
    assert row.township_name == "甲二镇" and row.attribution_corrected
    assert verified["penalty_yuan"].sum() == 500_000


def test_min_confidence_filters_events_by_best_detection(area):
    high = check_fires(area, DAY, DAY, rules=RULES, min_confidence="h")
    assert len(high) == 2  # F2 and F7 (its N20 detection is high)
    assert len(check_fires(area, DAY, DAY, rules=RULES, min_confidence="low")) == 8
    assert len(check_fires(area, DAY, DAY, rules=RULES, min_confidence=80)) == 2


def test_previous_beijing_day_and_detections(area):
    checked = check_fires(area, date(2025, 4, 22), date(2025, 4, 22), rules=RULES)
    assert len(checked) == 1 and checked.iloc[0].first_detected_bjt == pd.Timestamp("2025-04-22 23:30")
    both = check_fires(area, DAY, DAY, rules=RULES)
    f7 = _by_position(both, 34.12075, 112.16025)
    found = event_detections(area, [f7.event_id])
    assert list(found["satellite"]) == ["N", "N20"]
    assert list(found["detected_bjt"]) == [pd.Timestamp("2025-04-23 13:30"), pd.Timestamp("2025-04-23 14:10")]


def test_notice_has_the_columns_townships_need(area, tmp_path):
    checked = check_fires(area, DAY, DAY, rules=RULES)
    table = notice_table(checked)
    assert list(table.columns) == ["事件编号", "区县", "乡镇", "经度", "纬度", "时间(北京时间)", "卫星",
                                   "管控区", "类别", "状态", "扣减(元)"]
    csv_path = write_notice(table, tmp_path / "notice.csv", notice_title(DAY, DAY))
    assert csv_path.read_bytes().startswith(b"\xef\xbb\xbf")  # Excel opens UTF-8 with a BOM
    xlsx = write_notice(table, tmp_path / "notice.xlsx", notice_title(DAY, DAY))
    back = pd.read_excel(xlsx, header=1)
    assert len(back) == len(table) and "甲县禁烧区" in set(back["管控区"])
    assert pd.read_excel(xlsx, header=None).iloc[0, 0] == "卫星火点核查通知（2025-04-23 至 2025-04-23，北京时间）"


@pytest.mark.parametrize(("days", "on", "expected"), [
    ([date(2025, 4, 1), date(2025, 4, 10), date(2025, 4, 23)], date(2025, 4, 23), True),
    ([date(2025, 3, 1), date(2025, 4, 10), date(2025, 4, 23)], date(2025, 4, 23), False),
    ([date(2025, 4, 23), date(2025, 4, 24), date(2025, 5, 22)], date(2025, 4, 23), True),  # day 30
    ([date(2025, 4, 23), date(2025, 4, 24), date(2025, 5, 23)], date(2025, 4, 23), False),  # day 31
    ([date(2025, 4, 22), date(2025, 4, 24), date(2025, 5, 22)], date(2025, 4, 24), False),
    ([date(2025, 4, 23), date(2025, 5, 1), date(2025, 5, 20)], date(2025, 5, 1), True),
])
def test_persistence_window(days, on, expected):
    assert is_persistent(days, on, 3, 30) is expected


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    from geoaq.demo.build import build_demo

    path = tmp_path_factory.mktemp("demo_fires") / "demo.duckdb"
    build_demo(path)
    con = db.connect(path)
    yield con
    con.close()


def test_demo_counts_equal_a_geopandas_recount(demo):
    checked = check_fires(demo, date(2025, 4, 22), date(2025, 4, 24))
    assert len(checked) == 16  # 17 real MODIS detections, two of them one fire
    points = gpd.GeoDataFrame(checked[["event_id"]], geometry=gpd.points_from_xy(checked["lon"], checked["lat"]), crs=4326)
    units = store.read_layer(demo, get_layer("admin_units"))
    zones = store.read_layer(demo, get_layer("control_zones"))
    counties = gpd.sjoin(points, units[units["level"] == "县"], predicate="intersects")
    recount = counties.groupby("adcode").size().sort_index()
    ours = checked.dropna(subset=["county_adcode"]).groupby("county_adcode").size().sort_index()
    assert ours.to_dict() == recount.to_dict()
    in_zones = gpd.sjoin(points, zones, predicate="intersects").groupby("zone_type")["event_id"].nunique()
    ours_zones = checked.explode("zone_types").dropna(subset=["zone_types"]).groupby("zone_types")["event_id"].nunique()
    assert ours_zones.to_dict() == in_zones.to_dict()
    assert set(checked["category"]) <= {"straw_burning", "other_open_burning", "suspected_industrial"}
    assert (checked["category"] == "other_open_burning").sum() >= 1  # two real points are on built-up land


def test_demo_fires_per_cropland(demo):
    checked = check_fires(demo, date(2025, 4, 22), date(2025, 4, 24))
    table = fires_per_cropland(demo, checked)
    assert len(table) == 14 and (table["cropland_ha"] > 0).all()
    straw = checked[checked["category"] == "straw_burning"].groupby("county_adcode").size()
    row = table.set_index("county_adcode").loc[straw.index[0]]
    assert row["straw_burning_events"] == straw.iloc[0]
    assert row["fires_per_1000ha"] == pytest.approx(1000 * straw.iloc[0] / row["cropland_ha"], rel=1e-3)


def test_real_firms_files_group_into_events(tmp_path):
    """The VIIRS and MODIS excerpts exactly as downloaded: every event's detections are linked."""
    from helpers import DATA

    from geoaq.fires import events as fires

    con = db.connect(tmp_path / "real.duckdb")
    try:
        ingest("fire_points", DATA / "firms_viirs_snpp_china.csv", con=con)
        ingest("fire_points", DATA / "firms_modis_c61_china.csv", con=con)
        result = fires.refresh_events(con, None, None, load_fire_rules())
        detections = con.execute("SELECT count(*) FROM fire_points").fetchone()[0]
        assert result.detections == detections and 0 < result.events <= detections
        members = con.execute("SELECT d.event_id, d.latitude, d.longitude, e.radius_m FROM fire_event_detections d "
                              "JOIN fire_events e USING (event_id)").df()
        for _, group in members.groupby("event_id"):
            if len(group) > 1:  # single linkage: every member has a neighbour within the radius
                lon, lat = group["longitude"].to_numpy(), group["latitude"].to_numpy()
                for i in range(len(group)):
                    others = [j for j in range(len(group)) if j != i]
                    distance = fires.geodesic_m(lon[[i] * len(others)], lat[[i] * len(others)], lon[others], lat[others])
                    assert distance.min() <= group["radius_m"].iloc[0]
    finally:
        con.close()


def test_nearest_feature_is_the_ellipsoidal_nearest_of_all(con, registry):
    """Points and polygons, a point inside a polygon, an exact tie: as measuring every pair."""
    from geoaq.fires import check as fire_check

    store.ensure_layer_table(con, registry["enterprises"])
    features = [("E1", "POINT(112.300 34.100)"), ("E0", "POINT(112.300 34.100)"),  # a tie: E0 wins
                ("E2", "POLYGON((112.20 34.00, 112.25 34.00, 112.25 34.05, 112.20 34.05, 112.20 34.00))"),
                ("E3", "POINT(112.310 34.108)"), ("E4", "POINT(112.500 34.300)")]
    for key, wkt in features:
        con.execute("INSERT INTO enterprises (enterprise_id, name, industry, geom) "
                    "VALUES (?, ?, '钢铁', ST_GeomFromText(?::VARCHAR))", [key, f"厂{key}", wkt])
    rng = np.random.default_rng(4)
    events = pd.DataFrame({"event_id": [f"P{i:03d}" for i in range(200)],
                           "lon": 112.15 + rng.uniform(0, 0.4, 200), "lat": 33.95 + rng.uniform(0, 0.4, 200),
                           "local_date": DAY, "radius_m": 375.0})
    events.loc[0, ["lon", "lat"]] = [112.22, 34.02]  # inside E2
    events.loc[1, ["lon", "lat"]] = [112.30, 34.10]  # on E0/E1
    fire_check._register_points(con, events)
    try:
        found = fire_check.nearest(con, "enterprises", "industry", within_m=15_000).set_index("event_id")
        pairs = con.execute(
            "SELECT p.point_id AS event_id, f.enterprise_id AS feature_id, ST_Distance_Spheroid("
            "ST_FlipCoordinates(ST_ClosestPoint(f.geom, ST_Point(p.lon, p.lat))), "
            "ST_FlipCoordinates(ST_Point(p.lon, p.lat))) AS distance_m "
            "FROM fire_check_points AS p, enterprises AS f").df()
    finally:
        con.execute(query("temp_drop", table=fire_check.POINTS_TABLE))
    best = pairs.sort_values(["event_id", "distance_m", "feature_id"]).drop_duplicates("event_id")
    best = best[best["distance_m"] <= 15_000].set_index("event_id")
    assert found.index.sort_values().tolist() == best.index.sort_values().tolist()
    assert (found.loc[best.index, "feature_id"] == best["feature_id"]).all()
    assert (found.loc[best.index, "distance_m"] == best["distance_m"]).all()
    assert found.loc["P000", "feature_id"] == "E2" and found.loc["P000", "distance_m"] == 0
    assert found.loc["P001", "feature_id"] == "E0"


def test_persistent_events_follow_is_persistent(tmp_path):
    """Every event against `is_persistent` over the days of the detections within its radius."""
    from geoaq.fires import check as fire_check
    from geoaq.fires import events as fires

    con = db.connect(tmp_path / "persist.duckdb")
    rng = np.random.default_rng(11)
    spots = [(34.10, 112.10), (34.20, 112.30), (34.05, 112.45)]
    rows, days = [], pd.date_range("2025-04-01", "2025-05-30")
    for _ in range(150):
        lat, lon = spots[rng.integers(0, 3)]
        day = days[rng.integers(0, len(days))]
        rows.append(f"{lat + rng.normal(0, 0.004):.5f},{lon + rng.normal(0, 0.004):.5f},330.0,0.38,0.36,"
                    f"{day.date()},{rng.integers(0, 24):02d}{rng.integers(0, 60):02d},N,n,2.0NRT,290.0,4.0,D\n")
    (tmp_path / "fires.csv").write_text(HEADER + "".join(rows), "utf-8")
    ingest("fire_points", tmp_path / "fires.csv", con=con)
    try:
        events = fire_check.events_in_period(con, date(2025, 4, 1), date(2025, 5, 30), rules=RULES)
        detections = fires.read_detections(con)
        detections["day"] = (detections["acquired_at_utc"] + fires.BEIJING_OFFSET).dt.date
        for rules in (RULES, FireRules(persistence_min_days=2, persistence_window_days=7, landcover=None)):
            expected = set()
            for event in events.itertuples():
                near = fires.geodesic_m(np.full(len(detections), event.lon), np.full(len(detections), event.lat),
                                        detections["longitude"].to_numpy(), detections["latitude"].to_numpy())
                span = pd.Timedelta(days=rules.persistence_window_days - 1)
                seen = detections.loc[(near <= event.radius_m)
                                      & (detections["day"] >= event.local_date - span)
                                      & (detections["day"] <= event.local_date + span), "day"]
                if is_persistent(list(seen), event.local_date, rules.persistence_min_days,
                                 rules.persistence_window_days):
                    expected.add(event.event_id)
            fire_check._register_points(con, events)
            try:
                found = fire_check.persistent_events(con, events, rules)
            finally:
                con.execute(query("temp_drop", table=fire_check.POINTS_TABLE))
            assert found == expected and 0 < len(found) < len(events)
    finally:
        con.close()


def test_a_status_change_redoes_only_the_assessment(area):
    """What the app keeps across reviews: the attribution stays, statuses and penalties follow."""
    from geoaq.fires.check import assess_events, attribute_events, attribution_key

    key = attribution_key(area, RULES)
    attributed = attribute_events(area, DAY, DAY, rules=RULES)
    kept = attributed.copy(deep=True)
    pd.testing.assert_frame_equal(assess_events(area, attributed), check_fires(area, DAY, DAY, rules=RULES))
    open_straw = assess_events(area, attributed).query("category == 'straw_burning' and status == 'suspected'")
    event_id = open_straw["event_id"].iloc[0]
    verification.set_status(area, event_id, "dismissed", changed_by="tester", reason="duplicate")
    assert attribution_key(area, RULES) == key  # a review is not a new input
    after = assess_events(area, attributed).set_index("event_id")
    assert after.loc[event_id, "status"] == "dismissed" and after.loc[event_id, "penalty_yuan"] == 0
    pd.testing.assert_frame_equal(after.reset_index(), check_fires(area, DAY, DAY, rules=RULES))
    pd.testing.assert_frame_equal(attributed, kept)  # the kept attribution is not modified
    assert assess_events(area, attributed.iloc[0:0]).columns.tolist() == list(check_fires(
        area, date(2000, 1, 1), date(2000, 1, 1), rules=RULES).columns)


def test_the_attribution_key_follows_loads_and_rule_files(con, tmp_path, monkeypatch):
    import os

    import geoaq.fires.check
    from geoaq.fires.check import attribution_key

    rules_file = tmp_path / "fires.toml"
    rules_file.write_text("[events]\n", "utf-8")
    monkeypatch.setattr(geoaq.fires.check, "FIRE_RULES_PATH", rules_file)
    first = attribution_key(con, RULES)
    (tmp_path / "mines.csv").write_text("mine_id,name,mineral,status,lon,lat\nM9,九号矿,煤,生产,112.3,34.0\n", "utf-8")
    ingest("mines", tmp_path / "mines.csv", con=con)
    loaded = attribution_key(con, RULES)
    assert loaded != first
    os.utime(rules_file, ns=(1_000_000_000, 1_000_000_000))  # an edited rules file
    assert attribution_key(con, RULES) != loaded
