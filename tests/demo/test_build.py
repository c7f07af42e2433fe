"""`geoaq demo`: the Luoyang demo database builds from data/demo/ through ingest()."""

from __future__ import annotations

import shutil

import pytest
from click.testing import CliRunner

from geoaq import config
from geoaq._errors import IngestError
from geoaq.cli import main
from geoaq.db import connection as db
from geoaq.db import store
from geoaq.demo.build import (
    build_demo,
    read_emergency_manifest,
    read_manifest,
    read_readings_manifest,
)
from geoaq.layers import load_registry

EXPECTED = {  # layer: (rows, synthetic rows)
    "admin_units": (143, 129),
    "control_zones": (18, 18),
    "mines": (36, 0),
    "enterprises": (130, 126),
    "stations": (13, 0),
    "fire_points": (17, 0),
}
#: readings: station-hours with at least one value (rows of the generated file: 180,336),
#: all synthetic, for the 13 stations
EXPECTED_READINGS = (179_088, 179_088, 13)


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory):
    path = tmp_path_factory.mktemp("demo") / "demo.duckdb"
    build_demo(path)
    return path


def test_manifest_lists_existing_files():
    loads = read_manifest()
    assert {load.layer for load in loads} == set(EXPECTED)
    for load in loads:
        assert load.file.is_file(), load.file
        assert load.synthetic == ("synthetic/" in load.file.as_posix())
    readings = read_readings_manifest()
    assert [r.file.name for r in readings] == ["station_readings_hourly.csv.gz"]
    for entry in readings:
        assert entry.file.is_file(), entry.file
        assert entry.synthetic == ("synthetic/" in entry.file.as_posix())
    emergency = read_emergency_manifest()
    assert [(e.kind, e.file.name) for e in emergency] == [
        ("emergency_list", "emergency_reduction_list.xlsx"), ("emergency_warnings", "emergency_warnings.csv"),
        ("emergency_inspections", "emergency_inspections.csv")]
    assert all(e.file.is_file() and e.synthetic for e in emergency)


def test_demo_has_all_layers_and_labels_synthetic_rows(demo_db):
    con = db.connect(demo_db, read_only=True)
    try:
        counts = store.layer_counts(con, list(load_registry().values()))
        rejects = store.list_rejects(con)
    finally:
        con.close()
    assert counts == EXPECTED
    # the only rejects: GEM lists one steel plant by phase, so its later phases repeat the key
    # (the generated readings have none)
    assert len(rejects) == 4
    assert set(rejects["reason"]) == {"duplicate of row 2 (same enterprise_id)"}


def test_demo_loads_the_generated_emergency_data(demo_db):
    from geoaq.emergency import alerts, inspections, reduction_list

    con = db.connect(demo_db, read_only=True)
    try:
        versions = reduction_list.versions(con)
        rows, measures = reduction_list.read_list(con, reduction_list.resolve_version(con))
        warnings = alerts.current_warnings(con)
        found = inspections.findings(con, "LY-YJ-2025-001")
    finally:
        con.close()
    assert versions[["list_year", "rows", "synthetic"]].values.tolist() == [["2024—2025年秋冬季", 152, True]]
    assert str(versions["effective_from"].iloc[0]) == "2024-10-01"
    assert rows["synthetic"].all() and len(measures) == 3 * len(rows)
    assert warnings[["warning_id", "area", "level", "status"]].values.tolist() == [
        ["LY-YJ-2025-001", "洛阳市", "II", "issued"]]
    assert warnings["synthetic"].all() and len(found) == 60 and found["synthetic"].all()


def test_demo_loads_the_generated_readings(demo_db):
    con = db.connect(demo_db, read_only=True)
    try:
        rows, synthetic, stations = con.execute(
            "SELECT count(*), count(*) FILTER (WHERE synthetic), count(DISTINCT station_code) "
            "FROM readings").fetchone()
        unknown = con.execute("SELECT count(*) FROM readings WHERE station_code NOT IN "
                              "(SELECT code FROM stations)").fetchone()[0]
        first = con.execute("SELECT pm25, pm10, so2, no2, o3, co FROM readings WHERE "
                            "station_code = '1811A' ORDER BY time_bjt LIMIT 1").fetchone()
    finally:
        con.close()
    assert (rows, synthetic, stations) == EXPECTED_READINGS
    assert unknown == 0
    assert first == (43, 73, 7, 34, 36, 0.7)  # the file's first row, CO kept in mg/m³


def test_counties_are_converted_from_gcj02(demo_db):
    con = db.connect(demo_db, read_only=True)
    try:
        counties = store.read_layer(con, load_registry()["admin_units"])
    finally:
        con.close()
    county = counties[counties["adcode"] == "410302"].geometry.iloc[0]  # 老城区
    import json

    raw = json.loads((config.DEMO_DIR / "luoyang_counties_gcj02.geojson").read_text("utf-8"))
    first = next(f for f in raw["features"] if f["properties"]["adcode"] == "410302")
    gcj_lon = first["geometry"]["coordinates"][0][0][0][0]
    # GCJ-02 sits ~500 m east of WGS-84 here: the stored outline must be west of the file's
    assert county.bounds[0] < gcj_lon - 0.003


def test_failed_rebuild_leaves_previous_database(tmp_path, demo_db):
    target = tmp_path / "keep.duckdb"
    shutil.copy(demo_db, target)
    before = target.read_bytes()
    broken = tmp_path / "demo"
    shutil.copytree(config.DEMO_DIR, broken)
    (broken / "cnemc_stations_luoyang.csv").write_text("名称,经度,纬度\n甲,112.1,34.5\n", "utf-8")
    with pytest.raises(IngestError, match="required column"):
        build_demo(target, broken)
    assert target.read_bytes() == before
    assert not list(tmp_path.glob("keep.duckdb.building*"))


def test_cli_demo_reports_each_load(tmp_path):
    result = CliRunner().invoke(main, ["demo", "--db", str(tmp_path / "cli_demo.duckdb")])
    assert result.exit_code == 0, result.output
    assert "[演示数据]" in result.output and "done: 12 files" in result.output
    assert "station_readings_hourly.csv.gz [演示数据]: loaded 179,088" in result.output
    # one account of each role, with a password made for this build and shown once
    line = next(li for li in result.output.splitlines() if li.startswith("演示账号"))
    password = line.rsplit("：", 1)[1]
    assert len(password) >= 16 and result.output.count(password) == 1
    con = db.connect(tmp_path / "cli_demo.duckdb")
    try:
        from geoaq.accounts import sessions, store

        listed = store.list_accounts(con)
        assert sorted(listed["role"]) == ["admin", "city", "county", "inspector", "viewer"]
        _, actor = sessions.sign_in(con, "luolong", password)
        assert actor.role == "county" and actor.counties == {"410311"}
    finally:
        con.close()


def test_demo_accounts_take_the_given_password(migrated_db):
    from geoaq.accounts import sessions, store
    from geoaq.demo.accounts import add_demo_accounts

    con = db.connect(migrated_db)
    try:
        names = add_demo_accounts(con, "given demo secret 1")
        assert names == ["admin", "city", "luolong", "inspector", "viewer"]
        for name in names:
            assert sessions.sign_in(con, name, "given demo secret 1")[1].name == name
        assert store.counts(con) == (5, 1)
    finally:
        con.close()


def test_the_demo_builds_into_an_empty_ducklake_and_never_into_one_holding_data(lake):
    build_demo(lake)
    con = db.connect(lake, read_only=True)
    try:
        assert store.layer_counts(con, list(load_registry().values())) == EXPECTED
    finally:
        con.close()
    result = CliRunner().invoke(main, ["demo", "--db", lake])
    assert result.exit_code != 0
    assert "already holds data" in result.output and "password" not in result.output
    assert "Traceback" not in result.output
